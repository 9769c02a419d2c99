"""People's rights and the review of notes over HTTP: a participant's own data from the
room, staff handling a request received by other channels, the review page, the
bearer API, and the privacy page compared with what is published."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from sqlmodel import select

from tests.helpers import PROCESS_SLUG, cid, enrol_totp
from tests.live.test_plan_pages import db_of
from tests.live.test_staff_pages import PASSWORD, sign_in, token
from workshop.domain import commands as c
from workshop.domain import publication as pub
from workshop.services import accounts
from workshop.storage.models import Note, Participant, PrivacyRequest

STORY = "Mio figlio Luca è stato ricoverato: scrivetemi a luca.papà@example.org"


def join_page(app, code, pseudonym="Annabella", category="cittadino"):
    """A browser joins through the form; returns its client (cookie holds the token)."""
    browser = app.test_client()
    page = browser.get(f"/s/{code}").get_data(as_text=True)
    form_cid = re.search(r'name="cid" value="([^"]+)"', page)[1]
    answer = browser.post(
        f"/s/{code}",
        data={
            "pseudonym": pseudonym,
            "category": category,
            "cid": form_cid,
            "csrf_token": token(browser, f"/s/{code}"),
        },
    )
    assert answer.status_code == 303
    return browser


def participant(app, session_id, pseudonym):
    with db_of(app).reader() as s:
        return s.exec(
            select(Participant).where(
                Participant.session_id == session_id, Participant.pseudonym == pseudonym
            )
        ).one()


def write(app, session_id, who: Participant, text=STORY, kind="caso"):
    from workshop.services.bus import actor_for

    bus = app.extensions["workshop"].bus
    return bus.execute(actor_for(who), c.CreateNote(cid=cid(), session_id=session_id, kind=kind, text=text))[
        "events"
    ][0]["data"]["note"]["id"]


def test_a_participant_sees_downloads_and_erases_their_data_from_the_room(app, live_session):
    browser = join_page(app, live_session.code)
    anna = participant(app, live_session.id, "Annabella")
    note_id = write(app, live_session.id, anna)
    room = browser.get(f"/s/{live_session.code}").get_data(as_text=True)
    assert f'href="/s/{live_session.code}/i-miei-dati"' in room

    page = browser.get(f"/s/{live_session.code}/i-miei-dati")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert "Annabella" in body and "Mio figlio Luca" in body
    download = browser.get(f"/s/{live_session.code}/i-miei-dati.json")
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.data)
    assert data["participant"]["pseudonym"] == "Annabella" and data["notes"][0]["id"] == note_id
    # Someone else's browser has no such page for this session.
    assert app.test_client().get(f"/s/{live_session.code}/i-miei-dati").status_code == 404

    unconfirmed = browser.post(
        f"/s/{live_session.code}/i-miei-dati/cancella",
        data={"csrf_token": token(browser, f"/s/{live_session.code}/i-miei-dati")},
    )
    assert unconfirmed.status_code == 422 and "conferma" in unconfirmed.get_data(as_text=True)
    with db_of(app).reader() as s:
        assert s.get(Note, note_id).text == STORY  # nothing changed
    erased = browser.post(
        f"/s/{live_session.code}/i-miei-dati/cancella",
        data={"conferma": "1", "csrf_token": token(browser, f"/s/{live_session.code}/i-miei-dati")},
    )
    assert erased.status_code == 303
    with db_of(app).reader() as s:
        assert s.get(Note, note_id).text == "" and s.get(Participant, anna.id).pseudonym == ""
    # The browser is a stranger again: the join form, no data page.
    assert 'name="pseudonym"' in browser.get(f"/s/{live_session.code}").get_data(as_text=True)
    assert browser.get(f"/s/{live_session.code}/i-miei-dati").status_code == 404


def test_other_clients_use_the_token_as_a_bearer(app, clients, live_session):
    anna = clients()
    anna.join(live_session.code, "Annabella")
    anna.command("note.create", kind="problema", text=STORY)
    http = app.test_client()
    assert http.get("/api/v1/me").status_code == 401
    assert http.get("/api/v1/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    mine = http.get("/api/v1/me", headers={"Authorization": f"Bearer {anna.token}"})
    assert mine.status_code == 200 and mine.json["data"]["participant"]["pseudonym"] == "Annabella"
    gone = http.delete("/api/v1/me", headers={"Authorization": f"Bearer {anna.token}"})
    assert gone.status_code == 200 and gone.json == {"ok": True, "erased_notes": 1}
    again = http.delete("/api/v1/me", headers={"Authorization": f"Bearer {anna.token}"})
    assert again.status_code == 401 and again.json["error"]["code"] == "invalid_token"
    # The socket that was her is told so at its next command.
    refused = anna.call(
        "note.create", {"cid": cid(), "session_id": anna.session_id, "kind": "problema", "text": "ancora"}
    )
    assert refused["error"]["code"] == "invalid_token"
    # And at its next read: a socket kept open learns nothing more of the room
    # (sync and note.similar answered it after the erasure).
    for event, payload in (
        ("sync", {"session_id": anna.session_id, "since": 0}),
        ("note.similar", {"session_id": anna.session_id, "text": "Mancano trasporti per le visite"}),
    ):
        assert anna.call(event, payload)["error"]["code"] == "invalid_token", event


@pytest.fixture
def ufficio(app):
    made = accounts.create_user(db_of(app), "ufficio", "Ufficio di Piano", "ufficio_piano", PASSWORD)
    enrol_totp(db_of(app), made.id)
    return made


def test_staff_handle_a_request_received_by_email_and_it_is_logged(app, live_session, ufficio):
    join_page(app, live_session.code, pseudonym="Tommaso")
    tommaso = participant(app, live_session.id, "Tommaso")
    note_id = write(app, live_session.id, tommaso)
    staff, _ = sign_in(app, "ufficio")
    page = staff.get("/privacy/richieste")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    form = {
        "sessione": str(live_session.id),
        "pseudonimo": "tommaso",
        "riferimento": "",
        "csrf_token": token(staff, "/privacy/richieste"),
    }
    missing = staff.post("/privacy/richieste", data=form)
    assert missing.status_code == 422 and "riferimento" in missing.get_data(as_text=True)
    form["riferimento"] = "e-mail del 2 dicembre, prot. 4411"
    shown = staff.post("/privacy/richieste", data={**form, "azione": "mostra"})
    assert shown.status_code == 200 and "Mio figlio Luca" in shown.get_data(as_text=True)
    download = staff.post("/privacy/richieste", data={**form, "azione": "scarica"})
    assert json.loads(download.data)["participant"]["pseudonym"] == "Tommaso"
    unconfirmed = staff.post("/privacy/richieste", data={**form, "azione": "cancella"})
    assert unconfirmed.status_code == 422
    done = staff.post("/privacy/richieste", data={**form, "azione": "cancella", "conferma": "1"})
    assert done.status_code == 303
    with db_of(app).reader() as s:
        assert s.get(Note, note_id).text == ""
        log = s.exec(select(PrivacyRequest).order_by(PrivacyRequest.id)).all()
    ref = form["riferimento"]
    assert [(r.kind, r.user_id, r.reference) for r in log] == [("accesso", ufficio.id, ref)] * 2 + [
        ("cancellazione", ufficio.id, ref)
    ]
    assert form["riferimento"] in staff.get("/privacy/richieste").get_data(as_text=True)
    unknown = staff.post("/privacy/richieste", data={**form, "pseudonimo": "Tommaso"})
    assert unknown.status_code == 422  # erased: no such participant any more


def test_reviewing_notes_decides_what_is_published(app, closed_labs, facilitator, ufficio):
    with db_of(app).reader() as s:
        story = s.exec(select(Note).where(Note.text.like("Mia madre%"))).one()
    fabia, _ = sign_in(app, "fabia")
    index = fabia.get("/revisione").get_data(as_text=True)
    assert f'href="/revisione/sessioni/{story.session_id}"' in index and "1 contributo da rivedere" in index
    page = fabia.get(f"/revisione/sessioni/{story.session_id}").get_data(as_text=True)
    assert '<mark class="flagged" data-flag="famiglia"' in page and f'id="contributo-{story.id}"' in page

    def published():
        z = zipfile.ZipFile(io.BytesIO(app.test_client().get(f"/dati-aperti/{PROCESS_SLUG}.zip").data))
        return [r["testo"] for r in csv.DictReader(io.StringIO(z.read("contributi.csv").decode("utf-8-sig")))]

    assert not any(t.startswith("Mia madre") for t in published())
    csrf = token(fabia, f"/revisione/sessioni/{story.session_id}")
    edited = "Una persona è stata dimessa il venerdì pomeriggio senza sapere a chi rivolgersi."
    answer = fabia.post(
        f"/revisione/sessioni/{story.session_id}",
        data={
            "contributo": str(story.id),
            "pubblicazione": "pubblicabile",
            "modifica": "1",
            "testo": edited,
            "csrf_token": csrf,
        },
    )
    assert answer.status_code == 303
    assert edited in published() and not any(t.startswith("Mia madre") for t in published())
    # Bulk: keep two notes internal.
    with db_of(app).reader() as s:
        two = [
            n.id
            for n in s.exec(
                select(Note).where(Note.session_id == story.session_id, Note.publication == pub.PUBBLICABILE)
            ).all()[:2]
        ]
    fabia.post(
        f"/revisione/sessioni/{story.session_id}",
        data={"contributo": [str(n) for n in two], "pubblicazione": "interno", "csrf_token": csrf},
    )
    with db_of(app).reader() as s:
        assert {s.get(Note, n).publication for n in two} == {pub.INTERNO}
    bad = fabia.post(
        f"/revisione/sessioni/{story.session_id}",
        data={
            "contributo": str(story.id),
            "pubblicazione": "pubblicabile",
            "modifica": "1",
            "testo": " ",
            "csrf_token": csrf,
        },
    )
    assert bad.status_code == 422
    # Who may review: the session's facilitator, the Ufficio di Piano; not another facilitator.
    accounts.create_user(db_of(app), "altra", "Altra", "facilitator", PASSWORD)
    other, _ = sign_in(app, "altra")
    assert other.get(f"/revisione/sessioni/{story.session_id}").status_code == 403
    up, _ = sign_in(app, "ufficio")
    assert up.get(f"/revisione/sessioni/{story.session_id}").status_code == 200
    assert app.test_client().get(f"/revisione/sessioni/{story.session_id}").status_code == 302


def test_the_privacy_page_says_exactly_what_the_open_data_holds(app, closed_labs):
    page = app.test_client().get("/privacy").get_data(as_text=True)
    listed = dict(
        re.findall(
            r'<h3 class="h6 mt-3"><code>([^<]+)\.csv</code></h3>'
            r'.*?<ul class="published-columns">(.*?)</ul>',
            page,
            re.S,
        )
    )
    listed = {name: re.findall(r"<li><code>([^<]+)</code>", body) for name, body in listed.items()}
    z = zipfile.ZipFile(io.BytesIO(app.test_client().get(f"/dati-aperti/{PROCESS_SLUG}.zip").data))
    published = {}
    for name in z.namelist():
        # (the copies for Excel have the same columns; the data dictionary describes them all)
        if name.endswith(".csv") and "/" not in name and name != "dizionario-dati.csv":
            published[name[:-4]] = next(csv.reader(io.StringIO(z.read(name).decode("utf-8-sig"))))
            copy = z.read(f"excel/{name}").decode("utf-8-sig")
            assert next(csv.reader(io.StringIO(copy), delimiter=";")) == published[name[:-4]]
    assert listed == published
    assert "365 giorni dopo la chiusura" in page
    assert any(n.startswith("risultati/") for n in z.namelist()) and "<code>risultati/</code>" in page


ROLES = {
    "stranger": None,
    "participant": None,
    "facilitator": "fabia",
    "other_facilitator": "altra",
    "ufficio_piano": "ufficio",
    "ristretta": "ristr",
    "allargata": "allarg",
    "admin": "capo",
}
# What each role may open (200), or is refused (302 to sign-in, 403, 404).
MATRIX = {
    "/revisione": {"facilitator", "other_facilitator", "ufficio_piano", "admin"},
    "/revisione/sessioni/{session}": {"facilitator", "ufficio_piano", "admin"},
    "/privacy/richieste": {"ufficio_piano", "admin"},
    "/s/{code}/i-miei-dati": {"participant"},
}


def test_role_by_action_for_the_privacy_pages(app, live_session, facilitator):
    db = db_of(app)
    accounts.create_user(db, "altra", "Altra", "facilitator", PASSWORD)
    for username, role in (
        ("ufficio", "ufficio_piano"),
        ("ristr", "ristretta"),
        ("allarg", "allargata"),
        ("capo", "admin"),
    ):
        enrol_totp(db, accounts.create_user(db, username, username, role, PASSWORD).id)
    clients = {"stranger": app.test_client(), "participant": join_page(app, live_session.code, "Zoe")}
    for role, username in ROLES.items():
        if username:
            clients[role], _ = sign_in(app, username)
    for path, allowed in MATRIX.items():
        url = path.format(session=live_session.id, code=live_session.code)
        for role, http in clients.items():
            status = http.get(url).status_code
            assert (status == 200) == (role in allowed), (url, role, status)
            assert status in (200, 302, 403, 404), (url, role, status)
    # Posting: a facilitator not of the session cannot decide; a participant cannot erase another.
    with db.reader() as s:
        zoe = s.exec(select(Participant).where(Participant.pseudonym == "Zoe")).one()
    note_id = write(app, live_session.id, zoe, text="Un problema qualsiasi", kind="problema")
    refused = clients["other_facilitator"].post(
        f"/revisione/sessioni/{live_session.id}",
        data={
            "contributo": str(note_id),
            "pubblicazione": "pubblicabile",
            "csrf_token": token(clients["other_facilitator"], "/revisione"),
        },
    )
    assert refused.status_code == 403
    for role in ("facilitator", "ristretta", "allargata"):
        posted = clients[role].post(
            "/privacy/richieste",
            data={
                "sessione": str(live_session.id),
                "pseudonimo": "Zoe",
                "riferimento": "x",
                "azione": "cancella",
                "conferma": "1",
                "csrf_token": token(clients[role], "/account"),
            },
        )
        assert posted.status_code == 403, role
    with db.reader() as s:
        assert s.get(Note, note_id).text == "Un problema qualsiasi"

"""Meetings on the web: date and place set by whoever runs the session, the lab's
public page and its calendar files, and groups carried forward from the control room."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlmodel import select

from tests.helpers import enrol_totp
from tests.live.test_plan_pages import ranked_titles, text
from tests.live.test_staff_pages import sign_in, token
from workshop.domain import meetings as rules
from workshop.seed import create_session
from workshop.services import accounts, meetings, territories
from workshop.storage.models import Cluster, LiveSession, Note

A2 = "Punto unico distrettuale e informazione alle famiglie"


def _db(app):
    return app.extensions["workshop"].db


def test_a_session_created_with_a_date_and_place_is_announced_with_its_calendar(app, facilitator):
    fabia, _ = sign_in(app, "fabia")
    next_year = datetime.now(UTC).year + 1
    created = fabia.post(
        "/facilitatore",
        data={
            "csrf_token": token(fabia, "/facilitatore"),
            "lab": "dimissioni-difficili",
            "title": "Secondo incontro",
            "guiding_question": "Che cosa manca dopo le dimissioni?",
            "dots": "3",
            "cap": "2",
            "note_kinds": ["problema", "proposta"],
            "day": f"{next_year}-01-12",
            "start": "17:30",
            "end": "19:00",
            "address": "Via Roma 1, Reggio Emilia",
            "room": "Sala del Tricolore",
        },
    )
    assert created.status_code == 302
    session_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with _db(app).reader() as s:
        live = s.get(LiveSession, session_id)
        assert rules.local(live.starts_at).strftime("%H:%M") == "17:30"
        assert live.place_room == "Sala del Tricolore"

    page = app.test_client().get("/laboratori/dimissioni-difficili").get_data(as_text=True)
    upcoming = page.split('id="upcoming-meetings"', 1)[1].split("</ul>", 1)[0]
    assert f"12 gennaio {next_year}, 17:30–19:00" in upcoming and "Sala del Tricolore" in upcoming
    assert f"/laboratori/dimissioni-difficili/incontri/{session_id}.ics" in upcoming

    response = app.test_client().get(f"/laboratori/dimissioni-difficili/incontri/{session_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    event = Calendar.from_ical(response.data).events[0]
    assert str(event["dtstart"].params["TZID"]) == "Europe/Rome"
    assert event.decoded("dtstart").replace(tzinfo=None) == datetime(next_year, 1, 12, 17, 30)
    assert event.decoded("dtend").replace(tzinfo=None) == datetime(next_year, 1, 12, 19, 0)
    assert str(event["location"]) == "Sala del Tricolore, Via Roma 1, Reggio Emilia"
    assert str(event["uid"]).startswith(f"incontro-{session_id}@")
    assert live.join_code not in response.get_data(as_text=True)  # the code is given in the room

    feed = app.test_client().get("/laboratori/dimissioni-difficili/calendario.ics")
    assert [str(e["uid"]) for e in Calendar.from_ical(feed.data).events] == [str(event["uid"])]


def test_editing_the_meeting_moves_it_and_bad_times_change_nothing(app, facilitator):
    made = create_session(_db(app), "dopo-di-noi", "Primo incontro", owner_id=facilitator.id)
    fabia, _ = sign_in(app, "fabia")
    path = f"/facilitatore/sessioni/{made.id}"
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    saved = fabia.post(
        path + "/incontro",
        data={
            "csrf_token": token(fabia, path),
            "incontro-day": yesterday.isoformat(),
            "incontro-start": "10:00",
            "incontro-address": "Via Emilia 3",
        },
        follow_redirects=True,
    )
    assert "Data e luogo dell’incontro salvati" in saved.get_data(as_text=True)
    found = meetings.of_lab(_db(app), "dopo-di-noi")
    assert [m.session_id for m in found[rules.PAST]] == [made.id] and not found[rules.UPCOMING]

    refused = fabia.post(
        path + "/incontro",
        data={
            "csrf_token": token(fabia, path),
            "incontro-day": yesterday.isoformat(),
            "incontro-start": "10:00",
            "incontro-end": "09:00",
        },
        follow_redirects=True,
    )
    assert "l’ora di fine, se c’è, viene dopo quella di inizio" in refused.get_data(as_text=True)
    with _db(app).reader() as s:
        assert s.get(LiveSession, made.id).place_address == "Via Emilia 3"
    # A facilitator who does not run the session cannot move it.
    accounts.create_user(_db(app), "altra", "Altra", "facilitator", "una password lunga")
    other, _ = sign_in(app, "altra")
    assert (
        other.post(
            path + "/incontro",
            data={
                "csrf_token": token(other, "/facilitatore"),
                "incontro-day": "2030-01-01",
                "incontro-start": "10:00",
            },
        ).status_code
        == 403
    )
    with _db(app).reader() as s:
        assert rules.local(s.get(LiveSession, made.id).starts_at).date() == yesterday


def test_no_calendar_for_a_meeting_without_a_date_or_of_another_lab(app, facilitator):
    made = create_session(_db(app), "dopo-di-noi", "Senza data", owner_id=facilitator.id)
    http = app.test_client()
    assert http.get(f"/laboratori/dopo-di-noi/incontri/{made.id}.ics").status_code == 404
    assert http.get(f"/laboratori/dimissioni-difficili/incontri/{made.id}.ics").status_code == 404
    assert http.get("/laboratori/nessuno/calendario.ics").status_code == 404
    empty = http.get("/laboratori/dopo-di-noi/calendario.ics")
    assert empty.status_code == 200
    # A feed with no meeting yet is still a calendar a client accepts: RFC 5545 asks
    # for at least one component (the time zone, until the first meeting).
    feed = Calendar.from_ical(empty.data)
    assert feed.events == [] and [str(t["tzid"]) for t in feed.walk("VTIMEZONE")] == ["Europe/Rome"]


def test_carrying_groups_from_the_control_room_is_applied_once(app, facilitator, closed_labs):
    db = _db(app)
    made = create_session(db, "dimissioni-difficili", "Secondo incontro", owner_id=facilitator.id)
    fabia, _ = sign_in(app, "fabia")
    path = f"/facilitatore/sessioni/{made.id}"
    page = fabia.get(path).get_data(as_text=True)
    assert "Riprendi i gruppi di un incontro precedente" in page
    with db.reader() as s:
        a2 = s.exec(select(Cluster).where(Cluster.title == A2)).one()
    form_cid = re.search(r'name="cid" value="([^"]+)"', page)[1]
    data = {"csrf_token": token(fabia, path), "cid": form_cid, "gruppo": [str(a2.id)]}
    first = fabia.post(path + "/riprendi", data=data, follow_redirects=True)
    assert "Gruppi ripresi dagli incontri precedenti: 1" in first.get_data(as_text=True)
    fabia.post(path + "/riprendi", data=data)  # the same form again: nothing more
    with db.reader() as s:
        carried = s.exec(select(Cluster).where(Cluster.session_id == made.id)).all()
        assert [(c.title, c.lineage_id) for c in carried] == [(A2, a2.id)]
        assert s.exec(select(Note).where(Note.cluster_id == carried[0].id)).all()
    again = fabia.get(path).get_data(as_text=True)
    assert re.search(rf'id="carry-{a2.id}"[^>]*disabled', again)  # already here


def test_territories_from_the_admin_page_to_the_filters(app, facilitator, closed_labs, team):

    db = _db(app)
    enrol_totp(db, accounts.create_user(db, "capo", "Amministratrice", "admin", "una password lunga").id)
    capo, _ = sign_in(app, "capo")
    added = capo.post(
        "/admin/territori",
        data={
            "csrf_token": token(capo, "/admin/territori"),
            "azione": "nuovo",
            "tipo": "polo",
            "nome": "Polo Nord",
        },
        follow_redirects=True,
    )
    assert "Territorio aggiunto" in added.get_data(as_text=True)
    refused = capo.post(
        "/admin/territori",
        data={
            "csrf_token": token(capo, "/admin/territori"),
            "azione": "nuovo",
            "tipo": "regione",
            "nome": "Emilia",
        },
    )
    assert refused.status_code == 422
    assert [t.key for t in territories.listed(db)] == ["polo-polo-nord"]
    fabia, _ = sign_in(app, "fabia")
    assert fabia.get("/admin/territori").status_code == 403

    # The facilitator places the closed «Dimissioni difficili» meeting in it.
    with db.reader() as s:
        first = next(x for x in closed_labs if _lab_of(s, x.id) == "dimissioni-difficili")
    path = f"/facilitatore/sessioni/{first.id}"
    form = fabia.get(path).get_data(as_text=True)
    assert '<option value="polo-polo-nord">Polo Nord (Polo di servizio sociale)</option>' in form
    fabia.post(
        path + "/incontro",
        data={
            "csrf_token": token(fabia, path),
            "incontro-day": "2026-11-20",
            "incontro-start": "17:30",
            "incontro-territory": "polo-polo-nord",
        },
    )

    ristretta, _ = sign_in(app, "ristretta")
    north = text(ristretta.get("/piano?territorio=polo-polo-nord"))
    assert (
        len(ranked_titles(north)) == 4
        and "territorio «Polo Nord» (incontri tenuti lì o punti di chi ci vive o lavora)" in north
    )
    assert "Filtro non riconosciuto, ignorato: altrove" in text(ristretta.get("/piano?territorio=altrove"))

    lab = app.test_client().get("/laboratori/dimissioni-difficili?territorio=polo-polo-nord")
    page = lab.get_data(as_text=True)
    assert '<option value="polo-polo-nord" selected>Polo Nord</option>' in page
    assert page.count('class="priority-card"') == 4
    assert "Polo Nord" in page.split('id="past-meetings"', 1)[1]
    assert (
        app.test_client()
        .get("/laboratori/lavoro-e-svantaggio-sociale")
        .get_data(as_text=True)
        .count("filtro-territorio")
        == 0
    )  # no meeting of that lab is placed


def _lab_of(s, session_id):
    from workshop.storage.models import Lab

    return s.get(Lab, s.get(LiveSession, session_id).lab_id).slug


def test_a_priority_voted_in_two_meetings_is_shown_once_with_both_meetings(app, facilitator, closed_labs):
    """The defect: a group carried into a second meeting was shown under that meeting
    only, as if the first had not voted it (and the first meeting's section lost it).
    It is the lab's priority, once, with every meeting where it was voted."""
    from tests.services.test_continuity import voted_again

    svc = app.extensions["workshop"]
    first, groups, made, carried = voted_again(svc.bus, svc.db, facilitator, closed_labs)
    page = app.test_client().get("/laboratori/dimissioni-difficili").get_data(as_text=True)

    lines = page.split('id="lab-priorities"', 1)[1].split("</section>", 1)[0]
    assert lines.count('class="priority-card priority-line"') == 1
    assert A2 in lines
    parts = re.findall(r'<li class="meeting-part" data-cluster-id="(\d+)" data-session-id="(\d+)"', lines)
    assert parts == [(str(groups[A2]), str(first.id)), (str(carried), str(made.id))]
    assert "Secondo incontro" in lines and first.title in lines
    # Each meeting's section points to it, and neither shows it as its own card.
    for live in (first, made):
        section = page.split(f'data-session-id="{live.id}">', 1)[1].split("</section>", 1)[0]
        assert A2 not in re.findall(r'class="priority-card".*?</h3>', section, re.S).__str__()
        assert 'href="#priorita-' in section and A2 in section
    assert page.count('class="priority-card"') == 3  # the first meeting's other three groups


def test_each_priority_keeps_its_place_in_its_meeting(app, facilitator, closed_labs):
    """Lifting the priority voted in two meetings out of the first meeting's list
    must not renumber the others from «1.»: A2 was first there, so the others are
    2nd, 3rd and 4th of that meeting. The line itself is the lab's 1st."""
    from tests.services.test_continuity import voted_again

    svc = app.extensions["workshop"]
    first, groups, made, carried = voted_again(svc.bus, svc.db, facilitator, closed_labs)
    page = app.test_client().get("/laboratori/dimissioni-difficili").get_data(as_text=True)
    rank = r'<span class="priority-rank">(\d+)\.</span>'
    lines = page.split('id="lab-priorities"', 1)[1].split("</section>", 1)[0]
    assert re.findall(rank, lines) == ["1"]
    section = page.split(f'data-session-id="{first.id}">', 1)[1].split("</section>", 1)[0]
    assert re.findall(rank, section) == ["2", "3", "4"]

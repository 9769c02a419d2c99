"""The plan's pages over HTTP, where they were untested: the states of the plan's
document (`?stato=`), a scheda started without a lab priority, the regional
reference list the admin keeps (/admin/piano), the decisions on the public
scheda page (who, when, what), and a sub-distrettuale scheda with its Comuni."""

from __future__ import annotations

import re

import pytest

from tests.helpers import PROCESS_SLUG, body_decides, draft_approved_refused, enrol_totp
from tests.live.test_plan_pages import create, move, plain, save, text, version_of
from tests.live.test_staff_pages import sign_in, token
from workshop.services import accounts, schede


def db_of(app):
    return app.extensions["workshop"].db


@pytest.fixture
def capo(app):
    enrol_totp(
        db_of(app),
        accounts.create_user(db_of(app), "capo", "Amministratrice", "admin", "una password lunga").id,
    )
    return sign_in(app, "capo", "una password lunga")[0]


@pytest.fixture
def three(app, rows, team):
    """A draft, an approved scheda, one not accepted."""
    db = db_of(app)
    return draft_approved_refused(db, team, rows[:3])


def included(md: str) -> list[int]:
    return sorted(int(n) for n in re.findall(r"^### Scheda (\d+) —", md, re.M))


def test_the_plan_document_takes_the_states_chosen_and_refuses_none(app, three):
    draft, approved, refused = three
    anyone = app.test_client()
    # The public document never holds a draft of the office.
    assert included(anyone.get("/piano/bozza.md").get_data(as_text=True)) == [approved]
    chosen = anyone.get("/piano/bozza.md?stato=non_accolta&stato=approvata").get_data(as_text=True)
    assert included(chosen) == [approved, refused]
    assert "# Schede non accolte" in chosen and "Schede incluse: 2 (stati: approvata, non accolta)" in chosen
    # Unknown states are ignored; with no valid one left, the request is refused.
    assert included(anyone.get("/piano/bozza.md?stato=bozza&stato=x").get_data(as_text=True)) == []
    up, _ = sign_in(app, "ufficio")  # the office's copy holds it
    assert included(up.get("/piano/bozza-uffici.md?stato=bozza").get_data(as_text=True)) == [draft]
    for query in ("?stato=", "?stato=chiusa", "?stato=x&stato=y"):
        assert anyone.get(f"/piano/bozza.md{query}").status_code == 400, query
        assert anyone.get(f"/piano/bozza.pdf{query}").status_code == 400, query


def test_a_scheda_without_a_lab_priority_is_created_from_the_dashboard(app, rows, team):
    up, _ = sign_in(app, "ufficio")
    made = up.post(
        "/piano/schede/nuova",
        data={
            "csrf_token": token(up, "/piano"),
            "titolo": "Contrasto alla povertà educativa",
            "origine": "regionale",
            "area": "B",
        },
    )
    assert made.status_code == 303
    action_id = int(made.headers["Location"].rsplit("/", 1)[1])
    editor = text(up.get(made.headers["Location"]))
    assert "Contrasto alla povertà educativa" in editor and version_of(editor) == 1
    assert app.test_client().get(f"/schede/{action_id}").status_code == 404  # a draft is not public
    public = plain(text(up.get(f"/schede/{action_id}")))  # staff preview it
    assert "Contrasto alla povertà educativa" in public and "Anteprima" in public
    assert "attuazione di una scheda regionale" in public.lower()
    # A lab priority's origin is not a choice here; a facilitator may not create one.
    wrong = up.post(
        "/piano/schede/nuova",
        data={"csrf_token": token(up, "/piano"), "titolo": "X", "origine": "laboratori"},
    )
    assert wrong.status_code == 422
    fac, _ = sign_in(app, "fac")
    assert (
        fac.post(
            "/piano/schede/nuova",
            data={"csrf_token": token(fac, "/facilitatore"), "titolo": "X", "origine": "ufficio"},
        ).status_code
        == 403
    )


def test_only_the_admin_keeps_the_regional_list_and_schede_keep_their_title(app, rows, team, capo):
    up, _ = sign_in(app, "ufficio")
    assert up.get("/admin/piano").status_code == 403
    assert (
        up.post(
            "/admin/piano",
            data={"csrf_token": token(up, "/piano"), "azione": "nuova", "numero": "99", "titolo": "Furtiva"},
        ).status_code
        == 403
    )
    with pytest.raises(Exception, match="forbidden"):
        schede.save_regional(db_of(app), team["up"], "98", "Neppure dal servizio")

    def post(**form):
        return capo.post("/admin/piano", data={"csrf_token": token(capo, "/admin/piano"), **form})

    assert post(azione="nuova", numero="42", titolo="Budget di salute").status_code == 303
    page = text(capo.get("/admin/piano"))
    assert '<tr data-number="42">' in page and 'value="Budget di salute"' in page
    assert post(azione="nuova", numero="42", titolo="Doppione").status_code == 422

    # A scheda references it…
    action_id = int(create(up, rows[0].cluster_id).headers["Location"].rsplit("/", 1)[1])
    assert 'name="rif_regionale" value="42"' in text(up.get(f"/piano/schede/{action_id}"))
    saved = save(up, action_id, 1, rif_regionale_inviato="1", rif_regionale=["42"])
    assert saved.status_code == 303
    # …then the admin renames it and takes it off the list.
    assert post(azione="modifica", numero="42", titolo="Budget di salute (nuovo titolo)").status_code == 303
    assert post(azione="modifica", numero="42", titolo="Budget di salute (nuovo titolo)").status_code == 303
    assert (
        post(azione="modifica", numero="42", titolo="Budget di salute (nuovo titolo)", attiva="").status_code
        == 303
    )
    listed = {r["number"]: r for r in schede.regional_list(db_of(app), active_only=False)}
    assert listed["42"]["active"] is False
    assert "42" not in {r["number"] for r in schede.regional_list(db_of(app))}
    # New schede no longer offer it; the one that cites it keeps number and title as saved.
    other = int(create(up, rows[1].cluster_id).headers["Location"].rsplit("/", 1)[1])
    assert 'name="rif_regionale" value="42"' not in text(up.get(f"/piano/schede/{other}"))
    cell = re.search(r'data-field="rif_regionale">(.*?)</td>', text(up.get(f"/schede/{action_id}")), re.S)[1]
    assert plain(cell).strip() == "42 Budget di salute"
    # Saving something else keeps the reference, though the list no longer has it.
    assert save(up, action_id, 2, destinatari="Famiglie").status_code == 303
    assert schede.view(db_of(app), action_id)["content"]["rif_regionale"] == [
        {"numero": "42", "titolo": "Budget di salute"}
    ]


def test_the_public_scheda_page_says_who_decided_when_and_what(app, rows, team):
    db = db_of(app)
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [rows[0].cluster_id])
    schede.transition(db, team["up"], action_id, "revisione_up", "Prima lettura dell'ufficio")
    schede.transition(db, team["up"], action_id, "ristretta", "Pronta per la ristretta")
    body_decides(db, team, action_id, "allargata", "Capofila definito")
    body_decides(db, team, action_id, "rinviata", "Mancano gli indicatori")
    page = text(app.test_client().get(f"/schede/{action_id}"))
    decisions = re.search(r'<ol class="decision-list" id="decisions">(.*?)</ol>', page, re.S)[1]
    items = [plain(li) for li in re.findall(r'<li class="decision".*?</li>', decisions, re.S)]
    assert len(items) == 4
    expected = [
        ("L’Ufficio di Piano ha", "Prima lettura dell'ufficio"),  # with its article: a sentence
        ("L’Ufficio di Piano ha", "Pronta per la ristretta"),
        ("La Cabina di regia ristretta ha", "Capofila definito"),
        ("La Cabina di regia allargata ha", "Mancano gli indicatori"),
    ]
    date = (
        r"\d{1,2} (gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|"
        r"novembre|dicembre) \d{4}, \d\d:\d\d"
    )
    for item, (body, motivation) in zip(items, expected, strict=True):
        assert item.strip().startswith(body), item  # who: the body, by role
        assert motivation in item and re.search(date, item), item  # what was said, and when
    assert "rinviat" in items[3].lower() and "Rinviata" in items[3]  # what it did, and the state
    assert "Mario Rossi" not in page  # bodies by role, never staff names


def test_a_sub_distrettuale_scheda_keeps_its_comuni_everywhere(app, rows, team):
    up, _ = sign_in(app, "ufficio")
    action_id = int(create(up, rows[0].cluster_id).headers["Location"].rsplit("/", 1)[1])
    comuni = ["Albinea", "Quattro Castella", "Vezzano sul Crostolo"]
    saved = save(
        up,
        action_id,
        1,
        ambito_inviato="1",
        ambito_tipo="sub_distrettuale",
        ambito_comuni=list(reversed(comuni)),
    )
    assert saved.status_code == 303
    assert schede.view(db_of(app), action_id)["content"]["ambito"] == {
        "tipo": "sub_distrettuale",
        "comuni": comuni,
    }  # in the district's order
    editor = text(up.get(f"/piano/schede/{action_id}"))
    assert re.search(r'value="sub_distrettuale" id="ambito-sub_distrettuale" checked', editor)
    checked = re.findall(r'name="ambito_comuni" value="([^"]+)" id="comune-\d+" checked', editor)
    assert checked == comuni
    # Through a step of the review, on the public page and in the documents.
    assert move(up, action_id, "revisione_up").status_code == 303
    # An unknown Comune is refused, and the stored ones stay.
    wrong = save(
        up, action_id, 2, ambito_inviato="1", ambito_tipo="sub_distrettuale", ambito_comuni=["Parma"]
    )
    assert wrong.status_code == 422
    assert schede.view(db_of(app), action_id)["content"]["ambito"]["comuni"] == comuni
    assert move(up, action_id, "ristretta").status_code == 303  # public from here
    shown = "Sub-distrettuale: Albinea, Quattro Castella, Vezzano sul Crostolo"
    public = text(app.test_client().get(f"/schede/{action_id}"))
    assert plain(re.search(r'data-field="ambito">(.*?)</td>', public, re.S)[1]) == shown
    markdown = app.test_client().get(f"/schede/{action_id}.md").get_data(as_text=True)
    assert f"| {shown} |" in markdown

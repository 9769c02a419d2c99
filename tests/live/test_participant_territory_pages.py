"""A participant's territory on the web and the socket: the join form and the join
command, the participant's own data page, the lab's public page read for a territory,
the dashboard's territory column, and the published numbers read by an outsider
across both cuts (categories and territories) together."""

from __future__ import annotations

import re

from sqlmodel import select

from tests.disclosure_checker import recover, recover_crossed
from tests.live.test_published_disclosure import Reader
from tests.live.test_staff_pages import sign_in
from tests.services.test_participant_territory import territorial_session
from workshop.services import territories
from workshop.storage.models import Participant


def _process_slug(app):
    from tests.services.test_participant_territory import slug

    return slug(_db(app))


def _db(app):
    return app.extensions["workshop"].db


def join_form(client, code):
    form = client.get(f"/s/{code}").get_data(as_text=True)
    return form, {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form)[1],
        "cid": re.search(r'name="cid" value="([^"]+)"', form)[1],
    }


def test_the_join_form_offers_the_territories_and_keeps_the_choice(app, live_session):
    db = _db(app)
    empty, _ = join_form(app.test_client(), live_session.code)
    assert 'name="territory"' not in empty  # no list kept yet: nothing to ask
    albinea = territories.add(db, "comune", "Albinea")
    territories.add(db, "polo", "Polo Nord")
    phone = app.test_client()
    form, fields = join_form(phone, live_session.code)
    assert '<label for="territory" class="form-label">Dove vivi o lavori (facoltativo)</label>' in form
    assert '<option value="">Preferisco non dirlo</option>' in form
    assert re.search(r'<optgroup label="Comune">\s*<option value="comune-albinea">Albinea</option>', form)
    refused = phone.post(
        f"/s/{live_session.code}",
        data={**fields, "pseudonym": "Anna", "category": "cittadino", "territory": "altrove"},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Questo territorio non è nell’elenco." in page and 'href="#territory"' in page
    assert 'id="territory" name="territory" class="form-select is-invalid"' in page
    done = phone.post(
        f"/s/{live_session.code}",
        data={**fields, "pseudonym": "Anna", "category": "cittadino", "territory": albinea},
    )
    assert done.status_code == 303
    with db.reader() as s:
        assert (
            s.exec(select(Participant.territory_key).where(Participant.pseudonym == "Anna")).one() == albinea
        )
    mine = phone.get(f"/s/{live_session.code}/i-miei-dati").get_data(as_text=True)
    assert re.search(r'id="my-territory">Albinea<', mine)
    # «Preferisco non dirlo» sends nothing: no territory.
    other = app.test_client()
    _, fields = join_form(other, live_session.code)
    other.post(
        f"/s/{live_session.code}", data={**fields, "pseudonym": "Bruno", "category": "ausl", "territory": ""}
    )
    assert re.search(
        r'id="my-territory">non indicato<',
        other.get(f"/s/{live_session.code}/i-miei-dati").get_data(as_text=True),
    )


def test_the_join_command_takes_an_optional_territory(app, clients, live_session):
    albinea = territories.add(_db(app), "comune", "Albinea")
    anna, bruno, carla = clients(), clients(), clients()
    assert anna.join(live_session.code, "Anna", territory=albinea)["ok"]
    assert bruno.join(live_session.code, "Bruno")["ok"]  # as before: the field is optional
    refused = carla.join(live_session.code, "Carla", territory="altrove")
    assert refused["error"]["code"] == "territory_unknown"
    assert refused["error"]["message"] == "Questo territorio non è nell’elenco."
    too_long = carla.join(live_session.code, "Carla", territory="x" * 81)
    assert too_long["error"]["code"] == "invalid_payload"
    # The room learns who joined, never where they live.
    assert all("territory" not in str(e) for e in bruno.received())
    listed = app.test_client().get("/api/v1/territories").get_json()
    assert listed == {"territories": [{"key": albinea, "name": "Albinea", "kind": "comune"}]}


def test_the_lab_page_reads_a_territory_by_its_people_and_nothing_can_be_worked_out(app, facilitator, team):
    svc = app.extensions["workshop"]
    made, ids, albinea, nord = territorial_session(svc.bus, svc.db, facilitator)
    anyone = app.test_client()
    page = anyone.get("/laboratori/dopo-di-noi").get_data(as_text=True)
    assert "Punti per territorio di chi ha votato" in page
    assert f'<option value="{albinea}">Albinea</option>' in page  # no meeting there, but its people
    casa = page.split(f'data-cluster-id="{ids["Casa"]}"', 1)[1].split("</li>\n      \n", 1)[0]
    assert re.search(
        rf'data-territory-column="{albinea}"><span>Albinea</span> <strong class="split-count">12<', casa
    )

    chosen = anyone.get(f"/laboratori/dopo-di-noi?territorio={albinea}").get_data(as_text=True)
    assert chosen.count('class="priority-card"') == 1 and "Casa" in chosen
    assert "<strong>12</strong> punti da chi vive o lavora a «Albinea»" in chosen

    # An outsider reads both cuts of every card and solves them together.
    reader = Reader()
    assert reader.page(page, "priority-card") == 2
    reader.open_data(anyone.get("/dati-aperti/" + _process_slug(app) + ".zip").data)
    published = reader.sessions[made.id]
    assert any(isinstance(col, tuple) for (_, col) in published.cells)
    assert published.cells[(ids["Trasporti"], ("territorio", nord))] == 12
    assert recover(published) == [] and recover_crossed(published) == []

    ristretta, _ = sign_in(app, "ristretta")
    board = ristretta.get(f"/piano?territorio={albinea}").get_data(as_text=True)
    assert "Punti da «Albinea»" in board
    assert re.search(r'<td class="num territory-dots">12</td>', board)
    assert 'id="table-territories"' in board and "Territorio non indicato" not in board


def test_a_scheda_drafted_from_the_dashboard_proposes_its_ambito(app, facilitator, team):
    from tests.live.test_plan_pages import create

    svc = app.extensions["workshop"]
    made, ids, albinea, nord = territorial_session(svc.bus, svc.db, facilitator)
    ufficio, _ = sign_in(app, "ufficio")
    made_scheda = create(ufficio, ids["Trasporti"])
    assert made_scheda.status_code == 303
    editor = ufficio.get(made_scheda.headers["Location"]).get_data(as_text=True)
    assert re.search(r'value="sub_distrettuale" id="ambito-sub_distrettuale" checked', editor)
    assert re.search(r"value=\"Reggio nell&#39;Emilia\" id=\"comune-1\" checked", editor)
    assert "chi le ha sostenute): Polo Nord. Da verificare." in editor


def test_the_control_room_offers_the_territories_for_someone_without_a_phone(app, clients, live_session):
    from workshop.extensions import socketio

    albinea = territories.add(_db(app), "comune", "Albinea")
    fabia, _ = sign_in(app, "fabia")
    page = fabia.get(f"/facilitatore/sessioni/{live_session.id}").get_data(as_text=True)
    assert (
        '<label for="offline-territory" class="form-label">Dove vive o lavora (facoltativo)</label>' in page
    )
    assert f'<option value="{albinea}">Albinea</option>' in page
    staff = socketio.test_client(app, flask_test_client=fabia)
    assert staff.emit("staff.join", {"session_id": live_session.id, "view": "control"}, callback=True)["ok"]
    ack = staff.emit(
        "participant.add_offline",
        {
            "cid": "a" * 22,
            "session_id": live_session.id,
            "pseudonym": "Rina",
            "category": "cittadino",
            "territory": albinea,
        },
        callback=True,
    )
    assert ack["ok"] and "territory" not in ack["participant"]  # staff are not told either
    with _db(app).reader() as s:
        assert (
            s.exec(select(Participant.territory_key).where(Participant.pseudonym == "Rina")).one() == albinea
        )


def test_a_crossing_of_one_person_keeps_the_territory_row_reserved_on_the_page(app, facilitator):
    """The one citizen of Albinea gives «Casa» both dots: 7 of 12 from citizens and 7
    of 12 from Albinea would say that at least 2 came from citizens of Albinea, i.e.
    from them. The page shows the categories and reserves the territories."""
    from tests.helpers import advance, cid
    from workshop.domain import commands as c
    from workshop.seed import create_session

    svc = app.extensions["workshop"]
    db, bus = svc.db, svc.bus
    albinea, nord = territories.add(db, "comune", "Albinea"), territories.add(db, "polo", "Polo Nord")
    made = create_session(db, "dopo-di-noi", "Incontro", dots=3, cap=2, owner_id=facilitator.id)
    staff = bus.staff_bind(facilitator.id, "facilitator", made.id)
    advance(bus, staff, "raggruppamento")
    ids = {
        t: bus.execute(staff, c.CreateCluster(cid=cid(), session_id=made.id, title=t))["events"][0]["data"][
            "cluster"
        ]["id"]
        for t in ("Casa", "Altro")
    }
    advance(bus, staff, "votazione")
    people = (
        [("cittadino", albinea, ["Casa", "Casa"])]
        + [("cittadino", nord, ["Casa", "Altro"])] * 5
        + [("ausl", albinea, ["Casa", "Altro"])] * 5
        + [("ausl", nord, ["Altro", "Altro"])]
    )
    for n, (category, territory, ballot) in enumerate(people):
        person = bus.join(
            c.JoinSession(code=made.code, pseudonym=f"P{n}", category=category, territory=territory),
            "1.1.1.1",
        ).actor
        for title in ballot:
            bus.execute(person, c.PlaceVote(cid=cid(), session_id=made.id, cluster_id=ids[title]))
    advance(bus, staff, "chiusa")

    reader = Reader()
    page = app.test_client().get("/laboratori/dopo-di-noi").get_data(as_text=True)
    assert reader.page(page, "priority-card") == 2
    published = reader.sessions[made.id]
    assert (
        published.cells[(ids["Casa"], "cittadini")] == 7
        and published.cells[(ids["Casa"], "enti_pubblici")] == 5
    )
    assert {(ids["Casa"], ("territorio", albinea)), (ids["Casa"], ("territorio", nord))} <= published.hidden
    small = {("cittadini", albinea), ("enti_pubblici", nord)}
    assert recover(published) == [] and recover_crossed(published, small) == []

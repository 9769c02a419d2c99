"""A careful reader of everything the platform publishes about the sample labs: the
public lab pages, the public schede, the open data (CSV and JSON), the results
documents and what the projector shows. They collect every number published for
each session and try to work every hidden one out again (tests/disclosure_checker.py).
Over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict

import pytest

from tests.disclosure_checker import Published, recover, recover_crossed
from tests.helpers import PROCESS_SLUG
from tests.live.test_plan_pages import WHY, db_of
from workshop.domain import commands as c
from workshop.services import schede

HIDDEN = "riservato"


def _cells(fragment: str) -> dict:
    """A card's published cells: by category (`data-column`), and by the voters'
    territory (`data-territory-column`, keyed `("territorio", key)`)."""
    found = re.findall(
        r'data-(territory-)?column="([^"]+)">((?:(?!data-(?:territory-)?column=).)*?)'
        r'<strong class="split-count">([^<]+)</strong>',
        fragment,
        re.S,
    )
    return {
        (("territorio", col) if cut else col): None if value.strip() == HIDDEN else int(value)
        for cut, col, _, value in found
    }


class Reader:
    """Everything published, per session."""

    def __init__(self):
        self.sessions: dict[int, Published] = defaultdict(Published)

    def page(self, html: str, item: str) -> int:
        """Cards of a page (`priority-card` on a lab page, `trace-item` on a scheda;
        a priority of several meetings by its meetings: `meeting-part`, `trace-meeting`)."""
        n = 0
        start = rf'<li class="{item}" data-cluster-id="(\d+)" data-session-id="(\d+)" data-dots="(\d+)">'
        # A card runs to the next card (of either kind on a scheda), or to the end of its section.
        pattern = rf'{start}(.*?)(?=<li class="(?:{item}|trace-item|trace-meeting)[" ]|</section>)'
        for cluster, session, dots, body in re.findall(pattern, html, re.S):
            pub = self.sessions[int(session)]
            pub.total(int(cluster), int(dots))
            for col, value in _cells(body).items():
                pub.cell(int(cluster), col, value)
            n += 1
        return n

    def open_data(self, data: bytes) -> None:
        z = zipfile.ZipFile(io.BytesIO(data))

        def rows(name):
            return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8-sig"))))

        for g in rows("gruppi.csv"):
            self.sessions[int(g["sessione"])].total(int(g["id"]), int(g["punti"]))
        for v in rows("voti_per_categoria.csv"):
            value = None if v["riservato"] == "sì" else int(v["punti"])
            self.sessions[int(v["sessione"])].cell(int(v["gruppo"]), v["categorie"], value)
        for v in rows("voti_per_territorio.csv"):
            value = None if v["riservato"] == "sì" else int(v["punti"])
            self.sessions[int(v["sessione"])].cell(int(v["gruppo"]), ("territorio", v["territori"]), value)
        as_json = json.loads(z.read("dati.json"))
        for v in as_json["voti_per_territorio"]:
            value = None if v["riservato"] == "sì" else int(v["punti"])
            self.sessions[int(v["sessione"])].cell(int(v["gruppo"]), ("territorio", v["territori"]), value)
        for v in as_json["voti_per_categoria"]:
            value = None if v["riservato"] == "sì" else int(v["punti"])
            self.sessions[int(v["sessione"])].cell(int(v["gruppo"]), v["categorie"], value)
        for name in z.namelist():
            if re.fullmatch(r"risultati/sessione-\d+\.json", name):
                doc = json.loads(z.read(name))
                assert "by_category" not in z.read(name).decode()
                for item in doc["items"]:
                    if item["type"] == "cluster":
                        self.sessions[doc["session"]["id"]].total(item["id"], item["votes"])
                    else:  # a loose note's total is published too
                        self.sessions[doc["session"]["id"]].total(("note", item["id"]), item["votes"])

    def projector(self, ack: dict) -> None:
        session = self.sessions[ack["session"]["id"]]
        for item in ack["results"]["items"]:
            key = item["id"] if item["type"] == "cluster" else ("note", item["id"])
            session.total(key, item["votes"])
            for col, value in (item.get("split") or {}).items():
                session.cell(key, col, value)


@pytest.fixture
def scheda(app, rows, team):
    db = db_of(app)
    action_id = schede.create_from_clusters(
        db, team["up"], PROCESS_SLUG, [rows[0].cluster_id, rows[3].cluster_id]
    )
    schede.transition(db, team["up"], action_id, "revisione_up", WHY)
    schede.transition(db, team["up"], action_id, "ristretta", WHY)  # public from here
    return action_id


def test_nothing_published_about_the_labs_can_be_worked_out_again(app, rows, scheda, facilitator):
    reader = Reader()
    anyone = app.test_client()
    for slug in ("dimissioni-difficili", "lavoro-e-svantaggio-sociale"):
        assert reader.page(anyone.get(f"/laboratori/{slug}").get_data(as_text=True), "priority-card") == 4
    assert reader.page(anyone.get(f"/schede/{scheda}").get_data(as_text=True), "trace-item") == 2
    from_scheda = Reader()
    from_scheda.page(anyone.get(f"/schede/{scheda}").get_data(as_text=True), "trace-item")
    assert any(p.cells or p.hidden for p in from_scheda.sessions.values())  # its cells are read too
    reader.open_data(anyone.get(f"/dati-aperti/{PROCESS_SLUG}.zip").data)
    bus = app.extensions["workshop"].bus
    for session_id in {r.session_id for r in rows}:
        staff = bus.staff_bind(facilitator.id, "facilitator", session_id)
        reader.projector(bus.staff_state(staff, c.StaffState(session_id=session_id, view="projector")))

    assert len(reader.sessions) == 2
    for session_id, published in reader.sessions.items():
        assert recover(published) == [], session_id
        assert recover_crossed(published) == [], session_id
        # It still says something: each session publishes some of its split.
        assert any(v >= 5 for v in published.cells.values())
    # The projector never shows the room the dots typed in for people without a phone.
    ack = bus.staff_state(
        bus.staff_bind(facilitator.id, "facilitator", rows[0].session_id),
        c.StaffState(session_id=rows[0].session_id, view="projector"),
    )
    assert all("offline_votes" not in i for i in ack["results"]["items"])


def old_rule(by_category: dict[str, int]) -> dict[str, int | None]:
    """What the pages published before: counts under 5 hidden, a lone hidden count
    taking the next smallest with it, categories without dots left out."""
    counts = {k: n for k, n in by_category.items() if n}
    small = {k for k, n in counts.items() if n < 5}
    if len(small) == 1:
        rest = sorted((n, k) for k, n in counts.items() if k not in small)
        if rest:
            small.add(rest[0][1])
    return {k: None if k in small else n for k, n in counts.items()}


def test_a_group_voted_by_one_union_member_alone_stays_unreadable(app, facilitator):
    """The reported case: a group with 2 dots, both from the one *sindacato* member."""
    from tests.helpers import advance, cid
    from workshop.seed import create_session

    db, bus = db_of(app), app.extensions["workshop"].bus
    made = create_session(db, "dopo-di-noi", "Incontro di quartiere", dots=3, cap=2, owner_id=facilitator.id)
    staff = bus.staff_bind(facilitator.id, "facilitator", made.id)
    advance(bus, staff, "raggruppamento")
    ids = [
        bus.execute(staff, c.CreateCluster(cid=cid(), session_id=made.id, title=t))["events"][0]["data"][
            "cluster"
        ]["id"]
        for t in ("Trasporti", "Casa", "Lavoro")
    ]
    advance(bus, staff, "votazione")
    voters = [("sindacato", [0, 0])] + [("cittadino", [1, 1, 2])] * 6 + [("ausl", [1, 2, 2])] * 6
    for n, (category, ballot) in enumerate(voters):
        actor = bus.join(
            c.JoinSession(code=made.code, pseudonym=f"Persona {n}", category=category), "10.0.0.1"
        ).actor
        for i in ballot:
            bus.execute(actor, c.PlaceVote(cid=cid(), session_id=made.id, cluster_id=ids[i]))
    advance(bus, staff, "chiusa")

    reader = Reader()
    assert (
        reader.page(app.test_client().get("/laboratori/dopo-di-noi").get_data(as_text=True), "priority-card")
        == 3
    )
    published = reader.sessions[made.id]
    assert recover(published) == []
    # The union member is no column of their own: pooled with the citizens (the
    # smallest group with 5 voters), and that cell is reserved where they voted.
    assert published.totals[ids[0]] == 2
    assert {col for (_, col) in [*published.cells, *published.hidden]} == {"cittadini+altre", "enti_pubblici"}
    assert (ids[0], "cittadini+altre") in published.hidden and (ids[0], "enti_pubblici") in published.hidden
    assert published.cells[(ids[1], "cittadini+altre")] == 12  # and the larger counts are there
    page = app.test_client().get("/laboratori/dopo-di-noi").get_data(as_text=True)
    assert "Cittadini e famiglie (con altre categorie)" in page and "sindacal" not in page.lower()

    # The same numbers as the old pages published them: the reader takes the cell back.
    old = Published()
    old.total(ids[0], 2)
    for category, value in old_rule({"sindacato": 2}).items():
        old.cell(ids[0], category, value)
    assert [leak.kind for leak in recover(old)] == ["recovered"]


def test_a_lab_where_people_said_their_territory_publishes_nothing_to_work_out_across_both_cuts(
    app, facilitator, team
):
    """Thirty people of every category, most of them saying where they live, vote
    six groups at random (seeded): the lab's page, a scheda, the projector and the
    open data together, both cuts solved at once, by a reader who also knows which
    crossings (category × territory) had fewer than 5 voters."""
    import random

    from tests.helpers import advance, cid
    from workshop.domain import disclosure
    from workshop.domain.errors import Rejected
    from workshop.seed import create_session
    from workshop.services import tally, territories
    from workshop.storage.models import SessionSnapshot

    db, bus = db_of(app), app.extensions["workshop"].bus
    places = [
        territories.add(db, k, n)
        for k, n in (("comune", "Albinea"), ("polo", "Polo Nord"), ("polo", "Polo Sud"))
    ]
    made = create_session(db, "dopo-di-noi", "Incontro dei territori", dots=3, cap=2, owner_id=facilitator.id)
    staff = bus.staff_bind(facilitator.id, "facilitator", made.id)
    advance(bus, staff, "raggruppamento")
    ids = [
        bus.execute(staff, c.CreateCluster(cid=cid(), session_id=made.id, title=f"Gruppo {n}"))["events"][0][
            "data"
        ]["cluster"]["id"]
        for n in range(3)
    ]
    advance(bus, staff, "votazione")
    rng = random.Random(14)
    categories = ["cittadino"] * 4 + [
        "associazione",
        "cooperativa_sociale",
        "ausl",
        "asp",
        "comune",
        "scuola",
        "sindacato",
    ]
    for n in range(40):
        person = bus.join(
            c.JoinSession(
                code=made.code,
                pseudonym=f"Persona {n}",
                category=rng.choice(categories),
                territory=rng.choice([places[0], places[0], places[1], None]),
            ),
            "10.0.0.1",
        ).actor
        chosen = [rng.choice(ids[:2] if n % 2 else ids) for _ in range(3)]
        for cluster_id in chosen:
            try:
                bus.execute(person, c.PlaceVote(cid=cid(), session_id=made.id, cluster_id=cluster_id))
            except Rejected:  # over the cap on one group: that dot stays unplaced
                pass
    advance(bus, staff, "chiusa")
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, ids[:2])
    schede.transition(db, team["up"], action_id, "revisione_up", WHY)

    reader = Reader()
    anyone = app.test_client()
    assert reader.page(anyone.get("/laboratori/dopo-di-noi").get_data(as_text=True), "priority-card") == 3
    reader.page(anyone.get(f"/schede/{action_id}").get_data(as_text=True), "trace-item")
    reader.open_data(anyone.get(f"/dati-aperti/{PROCESS_SLUG}.zip").data)
    reader.projector(
        bus.staff_state(
            bus.staff_bind(facilitator.id, "facilitator", made.id),
            c.StaffState(session_id=made.id, view="projector"),
        )
    )
    published = reader.sessions[made.id]
    territory_cells = {k: v for k, v in published.cells.items() if isinstance(k[1], tuple)}
    assert territory_cells and any(v >= 5 for v in territory_cells.values())  # it says something

    # What an insider knows: how many voters each crossing of published columns had.
    with db.reader() as s:
        record = s.get(SessionSnapshot, made.id).record
    category_columns = [c["key"] for c in record["published"]["columns"]]
    territory_columns = [c["key"] for c in record["published_territory"]["columns"]]
    with db.reader() as s:
        groups = tally.groups(s)
        order = [*tally.places(s).order, disclosure.UNSTATED]
    by_category = disclosure.columns(record["voters_by_category"], groups.group_of, groups.order)
    own = {k: k for k in order}
    by_territory = disclosure.columns(record["by_territory"]["voters"], own, order)
    assert list(by_category.keys) == category_columns and list(by_territory.keys) == territory_columns
    crossing: dict = defaultdict(int)
    for pair, n in record["by_territory"]["voter_pairs"].items():
        category, territory = pair.split("|")
        crossing[
            (by_category.column_of(category, groups.group_of), by_territory.column_of(territory, own))
        ] += n
    small = {(c, t) for c in category_columns for t in territory_columns if crossing[(c, t)] < 5}
    assert recover(published) == []
    assert recover_crossed(published, small) == []


def test_a_scheda_of_a_priority_voted_in_two_meetings_says_each_meetings_own(
    app, closed_labs, facilitator, team
):
    """A carried group's scheda: each meeting with its own dots and published split,
    read together with the lab's page and the open data, with nothing to conflict
    (the trace gave the latest meeting's group the dots of both: 27, where the lab's
    page and the open data say 8) and nothing to work out again."""
    from tests.services.test_continuity import voted_again

    db = db_of(app)
    bus = app.extensions["workshop"].bus
    first, groups, made, carried = voted_again(bus, db, facilitator, closed_labs)
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [carried])
    schede.transition(db, team["up"], action_id, "revisione_up", WHY)
    schede.transition(db, team["up"], action_id, "ristretta", WHY)  # public from here
    anyone = app.test_client()
    page = anyone.get(f"/schede/{action_id}").get_data(as_text=True)
    assert re.findall(
        r'<li class="trace-meeting" data-cluster-id="(\d+)" data-session-id="(\d+)" data-dots="(\d+)">', page
    ) == [
        (str(groups["Punto unico distrettuale e informazione alle famiglie"]), str(first.id), "19"),
        (str(carried), str(made.id), "8"),
    ]
    reader = Reader()
    lab = anyone.get("/laboratori/dimissioni-difficili").get_data(as_text=True)
    reader.page(lab, "priority-card")
    reader.page(lab, "meeting-part")
    assert reader.page(page, "trace-meeting") == 2
    assert reader.page(page, "trace-item") == 0  # the line's card is read by its meetings
    reader.open_data(anyone.get(f"/dati-aperti/{PROCESS_SLUG}.zip").data)
    for published in reader.sessions.values():
        assert published.conflicts == []
        assert recover(published) == [] and recover_crossed(published) == []

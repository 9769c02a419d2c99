"""Programming periods as services (services/periods.py): processes the admin
keeps, labs taking part, meetings in the current process, previous processes
still readable; programmi attuativi and the rollover, whose proposals only a
person's confirmation, with the year's budget and targets, puts in."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlmodel import select

from tests.helpers import PROCESS_SLUG, draft_approved_refused
from workshop.domain.errors import Rejected
from workshop.seed import create_session
from workshop.services import accounts, catalog, exports, periods, schede
from workshop.services.consolidation import consolidate
from workshop.storage.models import AnnualProgramme, LiveSession, Process, ProgrammeEntry


def refused(fn, *args, **kwargs) -> str:
    with pytest.raises(Rejected) as caught:
        fn(*args, **kwargs)
    return caught.value.code


@pytest.fixture
def admin(db):
    made = accounts.create_user(db, "capo", "Capo", "admin", "una password lunga")
    return schede.PlanActor(made.id, "admin")


def process_id(db, slug=PROCESS_SLUG) -> int:
    with db.reader() as s:
        return s.exec(select(Process.id).where(Process.slug == slug)).one()


def test_a_new_current_process_takes_the_new_meetings_and_the_old_one_stays_readable(
    db, closed_labs, admin, team
):
    before = [(r.cluster_id, r.index) for r in consolidate(db, PROCESS_SLUG).rows]
    new = periods.save_process(
        db,
        admin,
        "pdz-2021-2023",
        "Piano di Zona 2021-2023",
        2021,
        2023,
        ["dimissioni-difficili", "dopo-di-noi"],
        make_current=True,
    )
    assert periods.resolve(db).process.id == new
    assert [p["slug"] for p in periods.processes(db)] == ["pdz-2021-2023", PROCESS_SLUG]
    assert refused(create_session, db, "lavoro-e-svantaggio-sociale", "Fuori") == "lab_not_in_process"
    made = create_session(db, "dimissioni-difficili", "Primo incontro del nuovo piano")
    with db.reader() as s:
        assert s.get(LiveSession, made.id).process_id == new
    # The previous process's priorities are what they were; the new one has none yet.
    assert [(r.cluster_id, r.index) for r in consolidate(db, PROCESS_SLUG).rows] == before
    assert consolidate(db, "pdz-2021-2023").rows == []
    assert [x["slug"] for x in consolidate(db, "pdz-2021-2023").labs] == [
        "dimissioni-difficili",
        "dopo-di-noi",
    ]
    # A lab that met in the process stays in it; one that did not can leave.
    periods.save_process(db, admin, "ignored", "Piano di Zona 2021-2023", 2021, 2023, [], process_id=new)
    assert [x["slug"] for x in consolidate(db, "pdz-2021-2023").labs] == ["dimissioni-difficili"]
    assert refused(periods.save_process, db, admin, "pdz-2021-2023", "Doppio", 2021, 2023) == "process_exists"
    assert refused(periods.save_process, db, team["up"], "pdz-x", "Titolo", 2021, 2023) == "forbidden"
    # Exactly one current process.
    with db.reader() as s:
        assert s.exec(select(Process.slug).where(Process.current)).all() == ["pdz-2021-2023"]


def test_the_rollover_proposes_approved_schede_and_copies_nothing_until_confirmed(
    db, closed_labs, admin, team
):
    draft, kept, _ = draft_approved_refused(db, team, consolidate(db, PROCESS_SLUG).rows[:3])
    pid = process_id(db)
    first = periods.add_programme(db, admin, pid, 2019)
    assert refused(periods.add_programme, db, admin, pid, 2019) == "programme_exists"
    assert refused(periods.add_programme, db, admin, pid, 2021) == "programme_year_invalid"

    view = periods.programme_view(db, first)
    assert [(p["action"].id, p["continuity"]) for p in view["proposals"]] == [(kept, "nuova")]
    assert view["entries"] == []
    assert (
        refused(periods.confirm, db, team["up"], first, kept, {"ausl": ""}, {}) == "continuity_budget_missing"
    )
    assert refused(periods.confirm, db, team["fac"], first, kept, {"ausl": "10"}, {}) == "forbidden"
    assert refused(periods.confirm, db, team["up"], first, draft, {"ausl": "10"}, {}) == "entry_not_found"
    periods.confirm(db, team["up"], first, kept, {"fondo_sociale_locale": "10.000"}, {})

    second = periods.add_programme(db, admin, pid, 2020)
    view = periods.programme_view(db, second)
    assert view["entries"] == []  # nothing carried over by itself
    [proposal] = view["proposals"]
    assert proposal["continuity"] == "continuita" and proposal["previous"].budget == {
        "fondo_sociale_locale": 1_000_000
    }
    entry_id = periods.confirm(db, team["up"], second, kept, {"fondo_sociale_locale": "12.000,50"}, {})
    assert refused(periods.confirm, db, team["up"], second, kept, {"ausl": "1"}, {}) == "entry_not_found"
    with db.reader() as s:
        entry = s.get(ProgrammeEntry, entry_id)
        assert (entry.continuity, entry.budget) == ("continuita", {"fondo_sociale_locale": 1_200_050})
        assert s.get(ProgrammeEntry, entry.previous_id).programme_id == first

    # Taken out by mistake and confirmed again: proposed again, the lineage kept.
    periods.withdraw(db, team["up"], first, kept)
    assert [p["action"].id for p in periods.programme_view(db, first)["proposals"]] == [kept]
    with db.reader() as s:
        assert s.get(ProgrammeEntry, entry_id).previous_id is None
    periods.confirm(db, team["up"], first, kept, {"fondo_sociale_locale": "10.000"}, {})
    assert refused(periods.withdraw, db, team["up"], first, draft) == "entry_not_found"
    assert refused(periods.withdraw, db, team["fac"], first, kept) == "forbidden"
    # The period keeps the years of its programmes.
    assert refused(schede.save_plan_settings, db, admin, PROCESS_SLUG, 2018, 2019, "") == "field_invalid"
    periods.approve_programme(db, admin, second, "Delibera n. 7 del 20 gennaio 2020")
    with db.reader() as s:
        approved = s.get(AnnualProgramme, second)
        assert approved.state == "approvato" and approved.approved_by == admin.user_id
        assert approved.approved_at is not None
    assert refused(periods.confirm, db, team["up"], second, draft, {"ausl": "1"}, {}) == "programme_approved"

    # The programme's document and open data: its schede with that year's budget.
    title = schede.view(db, kept)["title"]
    document = (
        exports.render(exports.plan_blocks(db, PROCESS_SLUG, programme_id=second), "md", "P", ("", ""))[0]
        .decode()
        .replace("\\", "")
    )  # Markdown's escapes
    assert "Nel programma attuativo 2020" in document and "in continuità" in document
    assert "12.000,50" in document and title in document
    # A programme is one year: its cover says that year, not «2020–2020».
    assert "Periodo di programmazione: 2020\n" in document and "2020–2020" not in document
    # What was approved is the programma attuativo, not the plan.
    assert "Programma attuativo approvato: schede intervento" in document
    assert "Piano approvato" not in document
    assert schede.view(db, draft)["title"] not in document
    z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG, programme_id=second)))
    listed = list(csv.DictReader(io.StringIO(z.read("schede.csv").decode())))
    assert [int(r["id"]) for r in listed] == [kept]
    budget = list(csv.DictReader(io.StringIO(z.read("preventivi.csv").decode())))
    assert [(r["anno"], r["importo"]) for r in budget] == [("2020", "12000.50")]


def test_meetings_held_for_a_programme_are_its_dashboard(db, closed_labs, admin, team):
    pid = process_id(db)
    programme = periods.add_programme(db, admin, pid, 2019)
    assert consolidate(db, PROCESS_SLUG, programme_id=programme).rows == []
    assert consolidate(db, PROCESS_SLUG).rows  # the whole process still has them
    assert refused(create_session, db, "dopo-di-noi", "Altro", programme_id=999) == "programme_not_found"


def test_the_labs_pages_read_the_meetings_that_count_for_the_process_or_its_programme(db, closed_labs, admin):
    """What /laboratori and a lab's restituzione read (services, not queries in the pages)."""
    period = periods.resolve(db)
    expected: dict[int, list[int]] = {}
    for live in sorted(closed_labs, key=lambda live: (live.closed_at, live.id)):
        expected.setdefault(live.lab_id, []).append(live.id)
    rows = periods.labs_with_meetings(db, period)
    assert {lab.slug for lab, _ in rows} == periods.lab_slugs(db, period.process.id)
    assert [lab.id for lab, _ in rows] == sorted(lab.id for lab, _ in rows)
    assert {lab.id: n for lab, n in rows if n} == {lab_id: len(ids) for lab_id, ids in expected.items()}
    for lab_id, ids in expected.items():
        assert [live.id for live in periods.lab_meetings(db, lab_id, period)] == ids
        assert [p.slug for p in periods.lab_processes(db, lab_id)] == [PROCESS_SLUG]
    assert catalog.lab_titles(db) == {lab.slug: lab.title for lab in catalog.labs(db)}
    # A programme nobody met for yet: the same labs, no meeting, no scheda confirmed.
    programme = periods.add_programme(db, admin, period.process.id, 2019)
    narrowed = periods.resolve(db, PROCESS_SLUG, 2019)
    assert [(lab.id, n) for lab, n in periods.labs_with_meetings(db, narrowed)] == [
        (lab.id, 0) for lab, _ in rows
    ]
    assert all(periods.lab_meetings(db, lab_id, narrowed) == [] for lab_id in expected)
    assert [p.id for p in periods.programmes(db, period.process.id)] == [programme]
    assert periods.confirmed_action_ids(db, programme) == set()
    assert periods.process_of(db, PROCESS_SLUG).id == period.process.id
    assert periods.process_of(db, "nessuno") is None


def test_the_demo_has_a_closed_practice_session_counted_nowhere_and_a_programme_a_year(db, tmp_path):
    from tests.helpers import unlimited_bus
    from workshop.seed import seed_demo

    made = seed_demo(db, unlimited_bus(db), tmp_path)
    practice = [m for m in made if m.practice]
    assert len(practice) == 1
    with db.reader() as s:
        assert s.get(LiveSession, practice[0].id).phase == "chiusa"
    counted = {r.session_id for r in consolidate(db, PROCESS_SLUG).rows}
    assert counted and practice[0].id not in counted
    [process] = periods.processes(db)
    assert [p.year for p in process["programmes"]] == list(process["years"]) == [2018, 2019, 2020]
    # Both cabine with their members (5 and 19, a representative of each lab in the allargata),
    # and a meeting of the ristretta today with a scheda on its agenda, its quorum present;
    # before it, the two past meetings that approved the monitored scheda, minutes frozen.
    from workshop.services import cabine

    bodies = {b["key"]: b for b in cabine.bodies(db)}
    assert (bodies["ristretta"]["in_office"], bodies["allargata"]["in_office"]) == (5, 19)
    assert sum(1 for m in bodies["allargata"]["members"] if m["lab"]) == 7
    held = sorted(cabine.meetings(db, PROCESS_SLUG), key=lambda m: m["id"])
    past = [cabine.meeting_view(db, m["id"]) for m in held[:-1]]
    assert [(v["body"], v["agenda"][0]["decision"]["to"]) for v in past] == [
        ("ristretta", "allargata"),
        ("allargata", "approvata"),
    ]
    assert all(v["frozen"] for v in past)
    meeting = held[-1]
    view = cabine.meeting_view(db, meeting["id"])
    assert view["body"] == "ristretta" and view["quorum"] and len(view["agenda"]) == 1
    assert view["agenda"][0]["state"] == "ristretta" and view["agenda"][0]["decision"] is None

"""Continuity across a lab's meetings: groups carried forward through the command
path, and consolidation counting a carried group once (domain/priority.py)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.helpers import advance, cid
from tests.services.test_bus import join
from workshop.domain import commands as c
from workshop.domain.errors import Rejected
from workshop.seed import create_session
from workshop.services import documents, exports, schede, views
from workshop.services.consolidation import consolidate
from workshop.storage import eventlog
from workshop.storage.models import Cluster, LiveSession, Note, Participant

A2 = "Punto unico distrettuale e informazione alle famiglie"


def first_meeting(db, closed_labs):
    """The closed «Dimissioni difficili» sample session and its groups by title."""
    with db.reader() as s:
        live = next(
            s.get(LiveSession, x.id)
            for x in closed_labs
            if s.get(LiveSession, x.id).lab_id == _lab_id(s, "dimissioni-difficili")
        )
        groups = {g.title: g.id for g in s.exec(select(Cluster).where(Cluster.session_id == live.id))}
    return live, groups


def _lab_id(s, slug):
    from workshop.storage.models import Lab

    return s.exec(select(Lab.id).where(Lab.slug == slug)).one()


def second_meeting(bus, db, facilitator, lab="dimissioni-difficili"):
    made = create_session(db, lab, "Secondo incontro", owner_id=facilitator.id)
    return made, bus.staff_bind(facilitator.id, "facilitator", made.id)


def carry(bus, staff, from_session_id, cluster_ids, command_id=None):
    return bus.execute(
        staff,
        c.CarryClusters(
            cid=command_id or cid(),
            session_id=staff.session_id,
            from_session_id=from_session_id,
            cluster_ids=cluster_ids,
        ),
    )


def voted_again(bus, db, facilitator, closed_labs):
    """A2 carried into a second meeting of 4 people, each giving it 2 of their 3 dots,
    scored 4-4-4, closed."""
    first, groups = first_meeting(db, closed_labs)
    made, staff = second_meeting(bus, db, facilitator)
    ack = carry(bus, staff, first.id, [groups[A2]])
    carried = ack["events"][0]["data"]["cluster"]["id"]
    advance(bus, staff, "raccolta")
    people = [join(bus, made, name=f"Persona {n}") for n in range(4)]
    added = bus.execute(
        people[0],
        c.CreateNote(cid=cid(), session_id=made.id, kind="proposta", text="Uno sportello anche il sabato"),
    )
    new_note = added["events"][0]["data"]["note"]["id"]
    bus.execute(staff, c.MoveNote(cid=cid(), session_id=made.id, note_id=new_note, cluster_id=carried))
    other = bus.execute(
        people[1], c.CreateNote(cid=cid(), session_id=made.id, kind="problema", text="Trasporti")
    )["events"][0]["data"]["note"]["id"]
    advance(bus, staff, "votazione")
    for person in people:
        for _ in range(2):
            bus.execute(person, c.PlaceVote(cid=cid(), session_id=made.id, cluster_id=carried))
        bus.execute(person, c.PlaceVote(cid=cid(), session_id=made.id, note_id=other))
    advance(bus, staff, "valutazione")
    bus.execute(
        staff,
        c.RecordScore(cid=cid(), session_id=made.id, cluster_id=carried, impatto=4, fattibilita=4, urgenza=4),
    )
    advance(bus, staff, "chiusa")

    return first, groups, made, carried


def test_the_second_dimissioni_meeting_adds_to_the_same_priority(bus, db, facilitator, closed_labs):
    """The issue's report: a second «Dimissioni difficili» meeting on the same theme
    gave an unlinked priority with index 0.0, ranked ninth. Carried forward, the
    group is one priority; its support combines both rooms, each normalised in its own.

    Meeting 1: A2 19 of 60 dots, Sn = 0.475 (its scores 5-4-5 are superseded).
    Meeting 2: 4 voters, 3 dots each, cap 2; each gives A2 2 dots: 8 of 12,
    S = 0.667, Sn = min(1, 0.667 / (2/3)) = 1.0; the table scores it 4-4-4, Q = 0.75.
    Sn = (0.475 + 1.0) / 2 = 0.7375; index = 100 × (0.36875 + 0.375) = 74.375."""
    first, groups, made, carried = voted_again(bus, db, facilitator, closed_labs)
    rows = consolidate(db, _process_slug(db), lab="dimissioni-difficili").rows
    assert len(rows) == 4  # not five: the carried group is the same priority
    line = next(r for r in rows if r.title == A2)
    assert [m["cluster_id"] for m in line.meetings] == [groups[A2], carried]
    assert line.cluster_id == carried and line.session_id == made.id
    assert line.support_normalized == pytest.approx(0.7375)
    assert line.index == pytest.approx(74.375)
    assert (line.dots, line.dots_available) == (19 + 8, 60 + 12)
    assert line.rank == 1 and all(r.index > 0 for r in rows)


def _process_slug(db):
    from workshop.storage.models import Process

    with db.reader() as s:
        return s.exec(select(Process.slug)).first()


def test_a_meeting_closed_before_anyone_voted_leaves_the_priority_as_it_was(
    bus, db, facilitator, closed_labs
):
    first, groups = first_meeting(db, closed_labs)
    before = {r.title: (r.index, r.rank) for r in consolidate(db, _process_slug(db)).rows}
    made, staff = second_meeting(bus, db, facilitator)
    carry(bus, staff, first.id, [groups[A2]])
    advance(bus, staff, "chiusa")
    after = consolidate(db, _process_slug(db)).rows
    assert len(after) == 8
    assert {r.title: (r.index, r.rank) for r in after} == before


def test_carried_notes_come_with_the_day_they_were_written_and_no_pseudonym(
    bus, db, facilitator, closed_labs, publisher
):
    first, groups = first_meeting(db, closed_labs)
    made, staff = second_meeting(bus, db, facilitator)
    ack = carry(bus, staff, first.id, [groups[A2]])
    created, *notes = ack["events"]
    assert created["type"] == "cluster.created"
    assert created["data"]["cluster"]["carried_from"] == groups[A2]
    with db.reader() as s:
        originals = s.exec(
            select(Note).where(Note.cluster_id == groups[A2], views.VISIBLE).order_by(Note.id)
        ).all()
        day = first.closed_at.date()
        texts = [n.text for n in originals]
        group = s.get(Cluster, created["data"]["cluster"]["id"])
        assert group.lineage_id == groups[A2] and group.session_id == made.id
    assert [e["type"] for e in notes] == ["note.created"] * len(originals) and originals
    for event, original in zip(notes, originals, strict=True):
        shown = event["data"]["note"]
        assert shown["text"] == original.text and shown["cluster_id"] == group.id
        assert shown["written_on"] == day.isoformat()
        assert shown["author"] == {"id": None, "pseudonym": None, "category": None, "offline": False}
    # The room that joins later sees the same board, and a replay gives the same events.
    advance(bus, staff, "raccolta")
    anna = join(bus, made)
    board = bus.catch_up(anna, None)
    assert [n["text"] for n in board["notes"]] == texts
    assert bus.catch_up(anna, 0)["events"][: len(ack["events"])] == ack["events"]
    assert ("events", made.id, ack["events"]) in publisher.sent  # told after the commit
    # The notes are not their authors' in this meeting: no one's `self` lists them.
    assert bus.catch_up(anna, None)["self"]["notes"] == []


def test_carrying_is_applied_once_and_refused_where_it_does_not_fit(bus, db, facilitator, closed_labs):
    first, groups = first_meeting(db, closed_labs)
    made, staff = second_meeting(bus, db, facilitator)
    command_id = cid()
    ack = carry(bus, staff, first.id, [groups[A2]], command_id)
    again = carry(bus, staff, first.id, [groups[A2]], command_id)
    assert again["duplicate"] and again["events"] == ack["events"]
    with db.reader() as s:
        assert len(s.exec(select(Cluster).where(Cluster.session_id == made.id)).all()) == 1
        head = s.get(LiveSession, made.id).last_seq

    def refused(code, **fields):
        with pytest.raises(Rejected) as caught:
            carry(bus, staff, fields.get("source", first.id), fields.get("ids", [groups[A2]]))
        assert caught.value.code == code

    refused("cluster_already_carried")
    refused("cluster_not_found", ids=[groups[A2] + 1000])
    other_lab = next(x for x in closed_labs if x.id != first.id)
    refused("carry_source_invalid", source=other_lab.id)
    refused("carry_source_invalid", source=made.id)
    open_meeting, _ = second_meeting(bus, db, facilitator)
    refused("carry_source_invalid", source=open_meeting.id)
    advance(bus, staff, "votazione")
    refused("wrong_phase")
    with db.reader() as s:
        assert s.get(LiveSession, made.id).last_seq == head + 3  # only the three phase changes
    anna = join(bus, made)
    with pytest.raises(Rejected) as caught:
        bus.execute(
            anna,
            c.CarryClusters(
                cid=cid(), session_id=made.id, from_session_id=first.id, cluster_ids=[groups[A2]]
            ),
        )
    assert caught.value.code == "forbidden"


def test_a_third_meeting_carries_the_line_on(bus, db, facilitator, closed_labs):
    first, groups = first_meeting(db, closed_labs)
    second, staff2 = second_meeting(bus, db, facilitator)
    ack = carry(bus, staff2, first.id, [groups[A2]])
    in_second = ack["events"][0]["data"]["cluster"]["id"]
    advance(bus, staff2, "chiusa")
    third, staff3 = second_meeting(bus, db, facilitator)
    ack3 = carry(bus, staff3, second.id, [in_second])
    with db.reader() as s:
        group = s.get(Cluster, ack3["events"][0]["data"]["cluster"]["id"])
        assert (group.carried_from_id, group.lineage_id) == (in_second, groups[A2])
    # Written in meeting 1, still said so in meeting 3.
    assert {e["data"]["note"]["written_on"] for e in ack3["events"][1:]} == {
        first.closed_at.date().isoformat()
    }
    refused = pytest.raises(Rejected)
    with refused as caught:  # the line is here already, from whichever meeting
        carry(bus, staff3, first.id, [groups[A2]])
    assert caught.value.code == "cluster_already_carried"


def test_erasing_an_author_erases_the_copies_and_tells_their_room(bus, db, facilitator, closed_labs):
    first, groups = first_meeting(db, closed_labs)
    made, staff = second_meeting(bus, db, facilitator)
    ack = carry(bus, staff, first.id, [groups[A2]])
    copy = ack["events"][1]["data"]["note"]["id"]
    with db.reader() as s:
        author = s.get(Note, copy).author_id
        assert s.get(Participant, author).session_id == first.id
    bus.erase(author)
    with db.reader() as s:
        gone = s.get(Note, copy)
        assert gone.erased_at is not None and gone.text == "" and gone.deleted_at is not None
        log = eventlog.since(s, made.id, 0)
    assert log[-1]["type"] == "note.deleted" and log[-1]["data"] == {"note_id": copy}
    assert not any(e["type"] == "note.deleted" and e["data"]["note_id"] == copy for e in _log(db, first.id))


def _log(db, session_id):
    with db.reader() as s:
        return eventlog.since(s, session_id, 0)


def test_a_scheda_and_the_open_data_of_a_priority_voted_twice(bus, db, facilitator, closed_labs, team):
    """Any group of the line names the priority: a scheda made from the first meeting's
    group takes the latest (with the notes carried and added), and both meetings'
    groups show it; the open data give each group its own dots, the line's index."""
    first, groups, made, carried = voted_again(bus, db, facilitator, closed_labs)
    slug = _process_slug(db)
    action_id = schede.create_from_clusters(db, team["up"], slug, [groups[A2]])
    draft = schede.view(db, action_id)
    assert [c["cluster_id"] for c in draft["content"]["tracciabilita"]["clusters"]] == [carried]
    assert "ha raccolto 27 punti su 72 in 2 incontri del laboratorio" in draft["content"]["razionale"]
    row = next(r for r in consolidate(db, slug).rows if r.title == A2)
    assert [a["id"] for a in row.actions] == [action_id]
    gruppi = {g["id"]: g for g in exports.opendata_rows(db, slug)["gruppi"]}
    assert (gruppi[groups[A2]]["punti"], gruppi[carried]["punti"]) == (19, 8)
    assert gruppi[groups[A2]]["rango"] == gruppi[carried]["rango"] == 1
    assert gruppi[groups[A2]]["indice_priorita"] == gruppi[carried]["indice_priorita"] == 74.38


def test_the_demo_has_a_lab_over_three_meetings(db, tmp_path):
    from tests.helpers import unlimited_bus
    from workshop.domain import meetings as clock
    from workshop.seed import DEMO_TITLE, seed_demo
    from workshop.services import meetings

    created = seed_demo(db, unlimited_bus(db), tmp_path)
    found = meetings.of_lab(db, "dimissioni-difficili")
    # Today's is upcoming until 19:30 in Rome, past after: the test runs at any hour.
    assert found[clock.UPCOMING][-1].title == "Terzo incontro"
    assert found[clock.PAST][-1].title == "Laboratorio (sessione conclusa)"
    assert sorted(m.title for m in found[clock.UPCOMING] + found[clock.PAST]) == sorted(
        ["Laboratorio (sessione conclusa)", "Terzo incontro", DEMO_TITLE]
    )  # not the rehearsal
    assert all(m.territory == "Polo Sud" for m in found[clock.UPCOMING] + found[clock.PAST])
    today = next(m for m in created if m.lab_title == "Dimissioni difficili" and m.title == DEMO_TITLE)
    with db.reader() as s:
        carried = s.exec(select(Cluster).where(Cluster.session_id == today.id)).all()
        assert len(carried) == 2 and all(c.lineage_id for c in carried)


def test_a_rehearsal_is_never_carried_into_a_real_meeting_nor_announced(bus, db, facilitator, closed_labs):
    from datetime import date, time

    from workshop.domain import meetings as clock
    from workshop.services import meetings

    rehearsal = create_session(db, "dimissioni-difficili", "Prova", owner_id=facilitator.id, practice=True)
    rehearsing = bus.staff_bind(facilitator.id, "facilitator", rehearsal.id)
    first, groups = first_meeting(db, closed_labs)
    carry(bus, rehearsing, first.id, [groups[A2]])  # a rehearsal may start from a real meeting
    meetings.set_meeting(db, rehearsal.id, meetings.Place(date(2030, 1, 1), time(17, 0)))
    advance(bus, rehearsing, "chiusa")
    with db.reader() as s:
        rehearsed = s.exec(select(Cluster.id).where(Cluster.session_id == rehearsal.id)).one()
    made, staff = second_meeting(bus, db, facilitator)
    with pytest.raises(Rejected) as caught:
        carry(bus, staff, rehearsal.id, [rehearsed])
    assert caught.value.code == "carry_source_invalid"
    found = meetings.of_lab(db, "dimissioni-difficili")
    assert rehearsal.id not in [m.session_id for m in found[clock.UPCOMING] + found[clock.PAST]]
    assert meetings.one(db, rehearsal.id) is None  # no calendar file either


def test_a_scheda_of_a_priority_voted_twice_traces_each_meeting(bus, db, facilitator, closed_labs, team):
    """The scheda's «Da dove viene» names every meeting of the line, each with its
    own dots, published split and results' fingerprint: not the latest meeting
    alone beside the dots of both (27 of 72 next to a split adding up to 8)."""
    first, groups, made, carried = voted_again(bus, db, facilitator, closed_labs)
    slug = _process_slug(db)
    action_id = schede.create_from_clusters(db, team["up"], slug, [carried])
    with db.reader() as s:
        hashes = {x: s.get(LiveSession, x).snapshot_hash for x in (first.id, made.id)}
    [source] = schede.view(db, action_id)["content"]["tracciabilita"]["clusters"]
    assert (source["dots"], source["dots_available"]) == (27, 72)
    parts = source["incontri"]
    assert [(m["session_id"], m["cluster_id"], m["dots"], m["dots_available"]) for m in parts] == [
        (first.id, groups[A2], 19, 60),
        (made.id, carried, 8, 12),
    ]
    assert [m["snapshot_hash"] for m in parts] == [hashes[first.id], hashes[made.id]]
    [public] = schede.view(db, action_id, public=True)["content"]["tracciabilita"]["clusters"]
    # No split of one meeting beside the dots of both; each meeting its own, as published.
    assert not public.get("split_columns")
    for m in public["incontri"]:
        if m["split_columns"]:
            assert sum(v for v in m["split"].values() if v is not None) <= m["dots"]
    assert sum(m["dots"] for m in public["incontri"]) == public["dots"]
    lines = documents.trace_lines(schede.view(db, action_id, public=True))
    text = "\n".join(lines)
    assert "19 punti su 60" in text and "8 punti su 12" in text
    assert hashes[first.id] in text and hashes[made.id] in text


def test_the_latest_meeting_is_the_one_held_last_not_the_one_created_last(bus, db, facilitator, closed_labs):
    """Sessions created out of date order: the third meeting (20 May) was set up
    before the second (10 May), so it has the lower id. The priority stands as the
    20 May meeting left it: its group, its scores; meetings listed as held."""
    from datetime import UTC, datetime

    first, groups = first_meeting(db, closed_labs)
    third, staff3 = second_meeting(bus, db, facilitator)  # created first, meets last
    _, _, second, in_second = voted_again(bus, db, facilitator, closed_labs)
    with db.transaction() as s:
        s.get(LiveSession, second.id).starts_at = datetime(2099, 5, 10, 15, 0, tzinfo=UTC)
        s.get(LiveSession, third.id).starts_at = datetime(2099, 5, 20, 15, 0, tzinfo=UTC)
    ack = carry(bus, staff3, second.id, [in_second])
    in_third = ack["events"][0]["data"]["cluster"]["id"]
    advance(bus, staff3, "valutazione")
    bus.execute(
        staff3,
        c.RecordScore(
            cid=cid(), session_id=third.id, cluster_id=in_third, impatto=2, fattibilita=2, urgenza=2
        ),
    )
    advance(bus, staff3, "chiusa")
    assert third.id < second.id
    line = next(
        r for r in consolidate(db, _process_slug(db), lab="dimissioni-difficili").rows if r.title == A2
    )
    assert [m["session_id"] for m in line.meetings] == [first.id, second.id, third.id]
    assert (line.session_id, line.cluster_id) == (third.id, in_third)
    assert line.scores == {"impatto": 2, "fattibilita": 2, "urgenza": 2}

"""Facilitation through the command bus, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlmodel import select

from tests.helpers import advance, cid
from tests.services.test_bus import join, note, vote
from workshop.domain import commands as c
from workshop.domain import results
from workshop.domain.errors import Rejected
from workshop.storage.models import Note, NoteRevision, SessionSnapshot


def run(bus, staff, command_type, **fields):
    return bus.execute(staff, command_type(cid=cid(), session_id=staff.session_id, **fields))


def refused(fn, *args, **kwargs):
    with pytest.raises(Rejected) as e:
        fn(*args, **kwargs)
    return e.value.code


def test_commands_outside_their_phase_are_refused(bus, session_code, staff):
    anna = join(bus, session_code)
    n = note(bus, anna)
    assert refused(vote, bus, anna, n) == "wrong_phase"
    assert (
        refused(run, bus, staff, c.RecordScore, cluster_id=1, impatto=1, fattibilita=1, urgenza=1)
        == "wrong_phase"
    )
    advance(bus, staff, "votazione")
    assert refused(note, bus, anna) == "wrong_phase"
    vote(bus, anna, n)
    assert refused(run, bus, staff, c.SetPhase, phase="raggruppamento") == "phase_back_after_votes"
    assert refused(run, bus, staff, c.SetPhase, phase="chiusa") == "phase_transition_invalid"


def test_private_writing_until_revealed(bus, db, facilitator):
    from workshop.seed import create_session

    made = create_session(db, "dopo-di-noi", "Privata", private_writing=True, owner_id=facilitator.id)
    staff = bus.staff_bind(facilitator.id, "facilitator", made.id)
    advance(bus, staff, "raccolta")
    anna, bruno = join(bus, made), join(bus, made, "Bruno")
    ack = bus.execute(anna, c.CreateNote(cid=cid(), session_id=made.id, kind="caso", text="Segreto"))
    public = ack["events"][0]["data"]["note"]
    assert public == {"id": public["id"], "kind": "caso", "private": True, "cluster_id": None}
    assert ack["self"]["notes"][0]["text"] == "Segreto"  # the author reads it
    assert bus.catch_up(bruno, None)["notes"] == [public]
    assert "Segreto" not in str(bus.staff_state(staff, c.StaffState(session_id=made.id)))
    assert refused(run, bus, staff, c.EditNote, note_id=public["id"], text="x") == "note_not_found"
    ack = run(bus, staff, c.SetPhase, phase="raggruppamento")  # grouping needs readable notes
    assert [e["type"] for e in ack["events"]] == ["notes.revealed", "phase.changed"]
    assert ack["events"][0]["data"]["notes"][0]["text"] == "Segreto"
    assert bus.catch_up(bruno, None)["notes"][0]["text"] == "Segreto"


def test_moderation_hide_restore_and_correct_with_history(bus, db, session_code, staff):
    anna, bruno = join(bus, session_code), join(bus, session_code, "Bruno")
    n = note(bus, anna, "Testo con refusso")
    ack = run(bus, staff, c.HideNote, note_id=n, reason="  Contiene un nome   proprio ")
    assert ack["events"][0]["data"] == {"note_id": n}
    assert bus.catch_up(bruno, None)["notes"] == []
    mine = bus.catch_up(anna, None)["self"]["notes"][0]
    assert mine["hidden"] is True and mine["hidden_reason"] == "Contiene un nome proprio"
    staff_view = bus.staff_state(staff, c.StaffState(session_id=session_code.id))
    assert staff_view["notes"][0]["hidden_reason"] == "Contiene un nome proprio"
    assert (
        refused(bus.execute, anna, c.EditNote(cid=cid(), session_id=anna.session_id, note_id=n, text="x"))
        == "note_hidden"
    )
    run(bus, staff, c.EditNote, note_id=n, text="Testo con refuso")
    restored = run(bus, staff, c.RestoreNote, note_id=n)["events"][0]["data"]["note"]
    assert restored["text"] == "Testo con refuso"
    assert "hidden_reason" not in restored  # the room never learns why
    with db.reader() as s:
        history = s.exec(
            select(NoteRevision.text, NoteRevision.edited_by_staff_id)
            .where(NoteRevision.note_id == n)
            .order_by(NoteRevision.id)
        ).all()
    assert history == [("Testo con refusso", None), ("Testo con refuso", staff.staff_id)]


def test_merging_duplicates_keeps_lineage_and_counts_each_person_once(bus, db, session_code, staff):
    anna, bruno, carla = (join(bus, session_code, name) for name in ("Anna", "Bruno", "Carla"))
    a = note(bus, anna, "Sportello unico")
    b = note(bus, bruno, "Uno sportello unico")
    x = note(bus, carla, "Sportello unico per le famiglie")
    advance(bus, staff, "votazione")
    vote(bus, carla, a)
    vote(bus, carla, b)  # Carla supports the idea twice, once per copy
    vote(bus, bruno, b)
    vote(bus, bruno, b)  # Bruno: two dots on one copy
    ack = run(bus, staff, c.MergeNotes, into_note_id=a, note_ids=[b, x])
    assert ack["events"][0]["data"]["merged"] == [b, x]
    state = bus.staff_state(staff, c.StaffState(session_id=session_code.id))
    assert [(n["id"], n["votes"]) for n in state["notes"]] == [(a, 3)]  # Carla 1 + Bruno 2
    assert bus.catch_up(carla, None)["self"]["dots_left"] == 2  # one of hers came back
    with db.reader() as s:
        assert {s.get(Note, b).merged_into_id, s.get(Note, x).merged_into_id} == {a}


def test_clusters_are_what_gets_voted(bus, session_code, staff):
    anna = join(bus, session_code)
    a, b, x = (note(bus, anna, t) for t in ("uno", "due", "tre"))
    advance(bus, staff, "raggruppamento")
    ack = run(bus, staff, c.CreateCluster, title=" Punto  unico ", note_ids=[a, b])
    cluster = ack["events"][0]["data"]["cluster"]
    assert cluster["title"] == "Punto unico" and ack["events"][0]["data"]["note_ids"] == [a, b]
    run(bus, staff, c.MoveNote, note_id=b, cluster_id=None)
    run(bus, staff, c.MoveNote, note_id=x, cluster_id=cluster["id"])
    tagged = run(bus, staff, c.TagCluster, cluster_id=cluster["id"], areas=["E", "A", "A"])
    assert tagged["events"][0]["data"]["cluster"]["areas"] == ["A", "E"]
    assert refused(run, bus, staff, c.TagCluster, cluster_id=cluster["id"], areas=["Z"]) == "area_unknown"
    other = run(bus, staff, c.CreateCluster, title="Da sciogliere", note_ids=[b])
    run(bus, staff, c.DissolveCluster, cluster_id=other["events"][0]["data"]["cluster"]["id"])
    board = bus.catch_up(anna, None)
    assert {n["id"]: n["cluster_id"] for n in board["notes"]} == {a: cluster["id"], b: None, x: cluster["id"]}
    assert [cl["id"] for cl in board["clusters"]] == [cluster["id"]]
    advance(bus, staff, "votazione")
    assert refused(vote, bus, anna, a) == "vote_target_invalid"  # inside a cluster
    bus.execute(anna, c.PlaceVote(cid=cid(), session_id=anna.session_id, cluster_id=cluster["id"]))
    vote(bus, anna, b)  # a loose note
    items = bus.staff_state(staff, c.StaffState(session_id=session_code.id))["results"]["items"]
    assert [(i["type"], i["id"], i["votes"]) for i in items] == [
        ("cluster", cluster["id"], 1),
        ("note", b, 1),
    ]


def test_scores_timer_and_closing_freeze_the_results(bus, db, session_code, staff):
    anna = join(bus, session_code, category="ausl")
    n = note(bus, anna)
    advance(bus, staff, "raggruppamento")
    cl = run(bus, staff, c.CreateCluster, title="Gruppo", note_ids=[n])["events"][0]["data"]["cluster"]
    timer = run(bus, staff, c.ControlTimer, action="start", seconds=300)["events"][0]["data"]["timer"]
    assert timer["running"] and timer["remaining_s"] == 300 and timer["ends_at"]
    advance(bus, staff, "votazione")
    bus.execute(anna, c.PlaceVote(cid=cid(), session_id=anna.session_id, cluster_id=cl["id"]))
    advance(bus, staff, "valutazione")
    scored = run(bus, staff, c.RecordScore, cluster_id=cl["id"], impatto=5, fattibilita=2, urgenza=4)
    assert scored["events"][0]["data"]["cluster"]["scores"] == {"impatto": 5, "fattibilita": 2, "urgenza": 4}
    ack = run(bus, staff, c.SetPhase, phase="chiusa")
    closed = ack["events"][-1]
    assert closed["type"] == "session.closed"
    with db.reader() as s:
        frozen = s.get(SessionSnapshot, session_code.id)
    # The fingerprint is the SHA-256 of the published document, byte for byte.
    assert closed["data"]["hash"] == frozen.hash == hashlib.sha256(frozen.document.encode()).hexdigest()
    document = json.loads(frozen.document)
    item = document["items"][0]
    assert (item["votes"], item["scores"]["impatto"]) == (1, 5)
    # No identities, no categories, no texts in what is published: only commitments.
    assert "Anna" not in frozen.document and "ausl" not in frozen.document
    assert n not in [x.get("id") for x in document["items"] if x["type"] == "note"]
    note_row = document["notes"][0]
    opening = frozen.record["openings"][str(note_row["id"])]
    assert note_row["commitment"] == results.commitment(opening["salt"], opening["text"])
    assert frozen.record["split"][f"cluster:{cl['id']}"] == {"ausl": 1}  # kept inside
    # The room is told the totals only.
    assert closed["data"]["results"]["items"][0] == {
        "type": "cluster",
        "id": cl["id"],
        "title": "Gruppo",
        "areas": [],
        "scores": {"impatto": 5, "fattibilita": 2, "urgenza": 4},
        "votes": 1,
    }
    assert refused(note, bus, anna) == "session_closed"
    assert refused(run, bus, staff, c.SetPhase, phase="valutazione") == "session_closed"
    assert (
        refused(bus.join, c.JoinSession(code=session_code.code, pseudonym="Tardi", category="asp"), "ip")
        == "session_closed"
    )
    assert bus.catch_up(anna, None)["session"]["snapshot_hash"] == frozen.hash


def test_offline_entries_are_marked_in_the_counts(bus, session_code, staff):
    ack = run(bus, staff, c.AddOfflineParticipant, pseudonym="Signor Bruno", category="sindacato")
    bruno = ack["participant"]["id"]
    n = bus.execute(
        staff,
        c.CreateNote(
            cid=cid(), session_id=staff.session_id, kind="proposta", text="Detto a voce", on_behalf_of=bruno
        ),
    )
    note_id = n["events"][0]["data"]["note"]["id"]
    advance(bus, staff, "votazione")
    bus.execute(
        staff, c.PlaceVote(cid=cid(), session_id=staff.session_id, note_id=note_id, on_behalf_of=bruno)
    )
    state = bus.staff_state(staff, c.StaffState(session_id=staff.session_id))
    item = state["results"]["items"][0]
    assert (item["votes"], item["offline_votes"]) == (1, 1)
    assert "split" not in item and "by_category" not in item  # voting is not over
    offline = next(p for p in state["participants"] if p["id"] == bruno)
    assert offline["dots_left"] == 2 and offline["votes"] == {str(note_id): 1}

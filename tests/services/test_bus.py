"""The command path against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlmodel import func, select

from tests.board import Board
from tests.helpers import advance, cid
from workshop.domain import commands as c
from workshop.domain.errors import Rejected
from workshop.services import handlers
from workshop.storage.models import Event, Note, Participant, ProcessedCommand, Vote


def join(bus, made, name="Anna", category="cittadino"):
    return bus.join(c.JoinSession(code=made.code, pseudonym=name, category=category), "1.2.3.4").actor


def note(bus, actor, text="Un problema", kind="problema"):
    ack = bus.execute(actor, c.CreateNote(cid=cid(), session_id=actor.session_id, kind=kind, text=text))
    return ack["events"][0]["data"]["note"]["id"]


def vote(bus, actor, note_id, command=c.PlaceVote):
    return bus.execute(actor, command(cid=cid(), session_id=actor.session_id, note_id=note_id))


def count(db, model, *where):
    with db.reader() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def event_seqs(db, session_id):
    with db.reader() as s:
        return list(s.exec(select(Event.seq).where(Event.session_id == session_id).order_by(Event.seq)))


def test_events_are_numbered_without_gaps_and_published_after_commit(bus, db, publisher, session_code, staff):
    anna = join(bus, session_code)
    n = note(bus, anna)
    advance(bus, staff, "votazione")
    vote(bus, anna, n)
    seqs = event_seqs(db, session_code.id)
    assert seqs == list(range(1, len(seqs) + 1))
    published = [e["seq"] for kind, _, events in publisher.sent if kind == "events" for e in events]
    assert published == seqs


def test_the_ack_carries_the_doers_state_right_after_the_command(bus, db, publisher, session_code, staff):
    """`self` in an ack is read in the command's transaction: its seq is the
    command's own event, and it already shows the note or the dot (protocol §5)."""
    anna, bruno = join(bus, session_code), join(bus, session_code, name="Bruno")
    ack = bus.execute(
        anna,
        c.CreateNote(cid=cid(), session_id=anna.session_id, kind="proposta", text="Uno *sportello* unico"),
    )
    created = ack["events"][0]
    assert ack["self"]["seq"] == created["seq"]
    assert [n["id"] for n in ack["self"]["notes"]] == [created["data"]["note"]["id"]]
    assert ack["self"]["notes"][0]["html"] == "<p>Uno <em>sportello</em> unico</p>"
    # The same state goes to the participant's other sockets.
    assert publisher.sent[-1] == ("personal", anna.participant_id, ack["self"])
    note(bus, bruno)
    advance(bus, staff, "votazione")
    for command, dots_left in ((c.PlaceVote, 2), (c.PlaceVote, 1), (c.WithdrawVote, 2)):
        ack = vote(bus, anna, created["data"]["note"]["id"], command)
        assert ack["self"]["seq"] == ack["events"][-1]["seq"] == event_seqs(db, session_code.id)[-1]
        assert ack["self"]["dots_left"] == dots_left
        assert ack["self"]["votes"] == {str(created["data"]["note"]["id"]): 3 - dots_left}
    assert count(db, Vote, Vote.participant_id == anna.participant_id) == 1


def test_refused_command_changes_nothing_and_publishes_nothing(bus, db, publisher, session_code, staff):
    anna = join(bus, session_code)
    before, head = len(publisher.sent), event_seqs(db, session_code.id)
    with pytest.raises(Rejected) as e:
        bus.execute(anna, c.CreateNote(cid=cid(), session_id=anna.session_id, kind="proposta", text="  "))
    assert e.value.code == "note_empty"
    assert len(publisher.sent) == before
    assert event_seqs(db, session_code.id) == head
    assert count(db, Note) == 0


def test_failure_inside_handler_rolls_back_everything(bus, db, publisher, session_code, staff, monkeypatch):
    anna = join(bus, session_code)
    n = note(bus, anna)
    advance(bus, staff, "votazione")
    head = event_seqs(db, session_code.id)

    def explode(s, live, actor, cmd):
        s.add(
            Vote(
                session_id=live.id,
                note_id=n,
                participant_id=actor.participant_id,
                category_key=actor.category,
            )
        )
        s.flush()
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(handlers.HANDLERS, c.PlaceVote, explode)
    before = len(publisher.sent)
    with pytest.raises(RuntimeError):
        vote(bus, anna, n)
    assert count(db, Vote) == 0
    assert event_seqs(db, session_code.id) == head
    assert len(publisher.sent) == before


def test_retry_with_same_cid_is_applied_once(bus, db, session_code, staff):
    anna = join(bus, session_code)
    n = note(bus, anna)
    advance(bus, staff, "votazione")
    command = c.PlaceVote(cid="retry-0001", session_id=anna.session_id, note_id=n)
    first = bus.execute(anna, command)
    again = bus.execute(anna, command)
    assert again["duplicate"] is True
    assert again["events"] == first["events"]
    assert count(db, Vote) == 1
    assert again["self"]["dots_left"] == 2


def test_same_cid_for_another_command_is_refused(bus, session_code, staff):
    anna = join(bus, session_code)
    n = note(bus, anna)
    advance(bus, staff, "votazione")
    bus.execute(anna, c.PlaceVote(cid="reuse-0001", session_id=anna.session_id, note_id=n))
    with pytest.raises(Rejected) as e:
        bus.execute(anna, c.WithdrawVote(cid="reuse-0001", session_id=anna.session_id, note_id=n))
    assert e.value.code == "command_id_reused"


def test_command_ids_are_per_participant(bus, db, session_code, staff):
    anna, bruno = join(bus, session_code), join(bus, session_code, "Bruno")
    n = note(bus, anna)
    advance(bus, staff, "votazione")
    for actor in (anna, bruno):
        bus.execute(actor, c.PlaceVote(cid="same-cid-01", session_id=actor.session_id, note_id=n))
    assert count(db, Vote) == 2


def test_deleting_a_note_in_raccolta(bus, db, session_code, staff):
    anna = join(bus, session_code)
    n = note(bus, anna)
    ack = bus.execute(anna, c.DeleteNote(cid=cid(), session_id=anna.session_id, note_id=n))
    assert ack["events"][0]["data"] == {"note_id": n}
    with db.reader() as s:
        assert s.get(Note, n).deleted_at is not None


def test_votes_record_the_voters_category(bus, db, session_code, staff):
    anna = join(bus, session_code, category="associazione")
    n = note(bus, anna)
    advance(bus, staff, "votazione")
    vote(bus, anna, n)
    with db.reader() as s:
        assert s.exec(select(Vote.category_key)).one() == "associazione"


def test_join_is_idempotent_with_cid_and_pseudonyms_are_unique(bus, db, session_code):
    command = c.JoinSession(
        code=session_code.code, pseudonym="Carla", category="asp", cid="join-0001-0123456789abcdef"
    )
    first = bus.join(command, "ip")
    again = bus.join(command, "ip")
    assert again.actor == first.actor and again.duplicate
    with pytest.raises(Rejected) as e:
        bus.join(c.JoinSession(code=session_code.code, pseudonym="CARLA", category="asp"), "ip")
    assert e.value.code == "pseudonym_taken"
    assert count(db, Participant) == 1


def test_resume_with_token_restores_the_same_participant_and_dots(bus, session_code, staff):
    joined = bus.join(c.JoinSession(code=session_code.code, pseudonym="Dario", category="comune"), "ip")
    n = note(bus, joined.actor)
    advance(bus, staff, "votazione")
    vote(bus, joined.actor, n)
    back = bus.resume(c.ResumeSession(token=joined.token), "ip")
    assert back.actor == joined.actor
    assert bus.catch_up(back.actor, None)["self"]["dots_left"] == 2


def test_forged_or_foreign_tokens_are_refused(bus, session_code):
    joined = bus.join(c.JoinSession(code=session_code.code, pseudonym="Dario", category="comune"), "ip")
    for token in (joined.token + "x", "abc", ""):
        with pytest.raises(Rejected) as e:
            bus.resume(c.ResumeSession(token=token), "ip")
        assert e.value.code == "invalid_token"
    from workshop.services.tokens import ParticipantTokens

    other_key = ParticipantTokens("another-secret").issue(joined.actor.public_id)
    with pytest.raises(Rejected):
        bus.resume(c.ResumeSession(token=other_key), "ip2")


def test_failed_joins_are_slowed_down_per_client_not_refused(bus, session_code):
    for _ in range(7):
        with pytest.raises(Rejected) as e:
            bus.join(c.JoinSession(code="000000", pseudonym="Eva", category="asp"), "guesser")
        assert e.value.code == "invalid_code"
    assert bus.limiter.sleep == [1, 2]  # the failures after the fifth (services/ratelimit.py)
    # The right code, from this address too, gets in at once.
    bus.join(c.JoinSession(code=session_code.code, pseudonym="Eva", category="asp"), "guesser")
    # Another address is not affected, and successful joins never count.
    for n in range(8):
        bus.join(c.JoinSession(code=session_code.code, pseudonym=f"Ospite {n}", category="asp"), "school")
    assert bus.limiter.sleep == [1, 2]


def test_catch_up_replays_exactly_the_missed_events_or_sends_a_snapshot(
    bus, session_code, staff, monkeypatch
):
    anna = join(bus, session_code)
    note(bus, anna, "primo")
    head = bus.catch_up(anna, None)["head"]
    ack = bus.catch_up(anna, since=head - 1)
    assert ack["mode"] == "events" and [e["seq"] for e in ack["events"]] == [head]
    note(bus, anna, "secondo")
    note(bus, anna, "terzo")
    ack = bus.catch_up(anna, since=head)
    assert [e["seq"] for e in ack["events"]] == [head + 1, head + 2] and ack["head"] == head + 2
    import workshop.services.bus as bus_module

    monkeypatch.setattr(bus_module, "REPLAY_LIMIT", 1)
    ack = bus.catch_up(anna, since=head)
    assert ack["mode"] == "snapshot" and ack["head"] == head + 2
    assert [n["text"] for n in ack["notes"]] == ["primo", "secondo", "terzo"]
    assert bus.catch_up(anna, since=head + 99)["mode"] == "snapshot"  # server was reset


def test_replaying_the_event_log_rebuilds_the_board_at_every_step(bus, session_code, staff):
    """The log and the read tables tell the same story, whatever the room may see."""
    anna, bruno = join(bus, session_code), join(bus, session_code, "Bruno", "ausl")

    def check():
        board = Board()
        for e in bus.catch_up(anna, since=0)["events"]:
            board.apply(e)
        snapshot = bus.catch_up(anna, since=None)
        assert board.view() == {"notes": snapshot["notes"], "clusters": snapshot["clusters"]}

    a = note(bus, anna, "a")
    b = note(bus, bruno, "b", "proposta")
    x = note(bus, bruno, "c", "risorsa")
    bus.execute(anna, c.EditNote(cid=cid(), session_id=anna.session_id, note_id=a, text="a **bis**"))
    check()
    advance(bus, staff, "raggruppamento")
    ack = bus.execute(
        staff, c.CreateCluster(cid=cid(), session_id=staff.session_id, title="Gruppo", note_ids=[a, x])
    )
    cluster = ack["events"][0]["data"]["cluster"]["id"]
    check()
    advance(bus, staff, "votazione")
    vote(bus, anna, b)
    bus.execute(bruno, c.PlaceVote(cid=cid(), session_id=bruno.session_id, cluster_id=cluster))
    vote(bus, bruno, b)
    vote(bus, bruno, b, c.WithdrawVote)
    check()  # totals hidden: the board has none either
    bus.execute(staff, c.HideNote(cid=cid(), session_id=staff.session_id, note_id=b, reason="Doppione"))
    bus.execute(staff, c.RevealResults(cid=cid(), session_id=staff.session_id))
    check()
    advance(bus, staff, "chiusa")
    check()
    snapshot = bus.catch_up(anna, since=None)
    assert [cl["votes"] for cl in snapshot["clusters"]] == [1]
    assert snapshot["notes"][0]["html"] == "<p>a <strong>bis</strong></p>"


def all_at_once(bus, actor, note_ids) -> list[str]:
    """Vote on each note from its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(note_ids))
    outcomes = []

    def fire(note_id):
        barrier.wait()
        try:
            vote(bus, actor, note_id)
            outcomes.append("ok")
        except Rejected as e:
            outcomes.append(e.code)

    threads = [threading.Thread(target=fire, args=(n,)) for n in note_ids]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sorted(outcomes)


def test_budget_holds_under_concurrent_votes_from_one_participant(bus, db, session_code, staff):
    """Many votes of one participant at the same moment: never more than the budget."""
    anna = join(bus, session_code)
    notes = [note(bus, anna, f"nota {i}") for i in range(12)]
    advance(bus, staff, "votazione")
    processed = count(db, ProcessedCommand)
    assert all_at_once(bus, anna, notes) == ["ok"] * 3 + ["vote_budget_exhausted"] * 9
    assert count(db, Vote, Vote.participant_id == anna.participant_id) == 3
    assert count(db, ProcessedCommand) == processed + 3  # refused votes leave nothing behind


def test_cap_holds_under_concurrent_votes_on_one_note(bus, db, session_code, staff):
    anna = join(bus, session_code)
    n = note(bus, anna)
    advance(bus, staff, "votazione")
    assert all_at_once(bus, anna, [n] * 6) == ["ok", "ok"] + ["vote_cap_reached"] * 4
    assert count(db, Vote) == 2


@contextmanager
def session_lock_held(db, session_id):
    """Another transaction holds the session's lock until the block ends."""
    from workshop.storage import eventlog

    locked, release = threading.Event(), threading.Event()

    def hold():
        with db.transaction() as s:
            eventlog.lock_session(s, session_id)
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(5)
    try:
        yield
    finally:
        release.set()
        holder.join()


def test_a_command_waits_while_another_holds_the_session_lock(bus, db, session_code, staff):
    """On PostgreSQL the lock is taken without waiting in the database and retried
    (eventlog.lock_session): a command arriving while another transaction holds
    it must wait for it, not fail, and come after it in the log."""
    anna = join(bus, session_code)
    done = []
    writer = threading.Thread(target=lambda: done.append(note(bus, anna, "dopo l'attesa")))
    with session_lock_held(db, session_code.id):
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and not done  # still waiting for the lock
    writer.join(10)
    assert done and count(db, Note, Note.id == done[0]) == 1
    seqs = event_seqs(db, session_code.id)
    assert seqs == list(range(1, len(seqs) + 1))


def test_locking_a_session_that_does_not_exist_is_refused_at_once(db, session_code):
    from workshop.storage import eventlog

    with pytest.raises(Rejected) as refused, db.transaction() as s:
        eventlog.lock_session(s, session_code.id + 999)
    assert refused.value.code == "not_joined"


def test_a_command_is_refused_as_busy_when_the_lock_is_never_let_go(
    bus, db, session_code, staff, monkeypatch
):
    """A holder that never lets go (a stuck client, a frozen process) must not make
    commands wait without end: `session_busy`, nothing stored, and the same cid
    goes through once the lock is free."""
    from workshop.storage import database, eventlog

    monkeypatch.setattr(eventlog, "SESSION_LOCK_WAIT_S", 0.3)
    monkeypatch.setattr(database, "SESSION_LOCK_WAIT_S", 0.3)
    anna = join(bus, session_code)
    command = c.CreateNote(cid=cid(), session_id=session_code.id, kind="problema", text="occupato")
    notes_before = count(db, Note)
    with session_lock_held(db, session_code.id), pytest.raises(Rejected) as refused:
        bus.execute(anna, command)
    assert refused.value.code == "session_busy"
    assert count(db, Note) == notes_before
    assert bus.execute(anna, command)["ok"]
    assert count(db, Note) == notes_before + 1

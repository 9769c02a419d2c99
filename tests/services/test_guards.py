"""Guards around the command path: publishing after commit, rate limits, identity."""

from __future__ import annotations

import pytest

from tests.conftest import Sleeps
from tests.helpers import cid
from tests.services.test_bus import join, note
from workshop.domain import commands as c
from workshop.domain.errors import Rejected
from workshop.services.bus import CommandBus
from workshop.services.ratelimit import RateLimits
from workshop.services.tokens import ParticipantTokens
from workshop.storage import eventlog


class CheckingPublisher:
    """Fails the test if an event is published before it is committed."""

    def __init__(self, db):
        self.db, self.seen = db, []

    def events(self, session_id, events):
        with self.db.reader() as s:
            stored = eventlog.since(s, session_id, events[0]["seq"] - 1, events[-1]["seq"])
        assert stored == events, "published before commit"
        self.seen.extend(events)

    def personal(self, participant_id, state):
        pass

    def presence(self, session_id, counts):
        pass


class BrokenPublisher(CheckingPublisher):
    def events(self, session_id, events):
        raise ConnectionError("message queue down")


def bus_with(db, publisher, **limits):
    return CommandBus(
        db,
        publisher,
        ParticipantTokens("secret"),
        RateLimits("memory://", **{"failures_per_minute": 5, **limits}, sleep=Sleeps()),
    )


def test_events_are_published_only_once_committed(db, session_code, staff):
    bus = bus_with(db, CheckingPublisher(db))
    anna = join(bus, session_code)
    note(bus, anna)
    assert [e["type"] for e in bus.publisher.seen] == ["participant.joined", "note.created"]


def test_a_failed_publish_does_not_turn_a_stored_change_into_an_error(db, session_code, staff):
    bus = bus_with(db, BrokenPublisher(db))
    anna = join(bus, session_code)
    ack = bus.execute(anna, c.CreateNote(cid=cid(), session_id=anna.session_id, kind="caso", text="x"))
    assert ack["ok"] is True
    assert [n["text"] for n in bus.catch_up(anna, None)["notes"]] == ["x"]


def test_commands_per_participant_have_a_budget(db, session_code, staff):
    bus = bus_with(db, CheckingPublisher(db), commands_per_minute=3)
    anna, bruno = join(bus, session_code), join(bus, session_code, "Bruno")
    for _ in range(3):
        note(bus, anna)
    with pytest.raises(Rejected) as e:
        note(bus, anna)
    assert e.value.code == "rate_limited" and 1 <= e.value.params["retry_after"] <= 60
    note(bus, bruno)  # someone else's budget is untouched


def test_participants_created_per_address_have_a_budget(db, session_code):
    bus = bus_with(db, CheckingPublisher(db), joins_per_minute=2)
    join(bus, session_code, "Uno")
    join(bus, session_code, "Due")
    with pytest.raises(Rejected) as e:
        join(bus, session_code, "Tre")
    assert e.value.code == "rate_limited"


def test_valid_tokens_are_never_rate_limited_but_forged_ones_count(db, session_code):
    bus = bus_with(db, CheckingPublisher(db), failures_per_minute=3)
    joined = bus.join(c.JoinSession(code=session_code.code, pseudonym="Anna", category="asp"), "nat")
    for _ in range(4):
        with pytest.raises(Rejected) as e:
            bus.resume(c.ResumeSession(token="forged"), "nat")
        assert e.value.code == "invalid_token"
    assert bus.limiter.sleep == [1]  # the fourth was answered late
    assert bus.resume(c.ResumeSession(token=joined.token), "nat").actor == joined.actor
    assert bus.limiter.sleep == [1]


def test_guessing_someone_elses_join_id_counts_as_failures(db, session_code):
    bus = bus_with(db, CheckingPublisher(db), failures_per_minute=3)
    bus.join(
        c.JoinSession(
            code=session_code.code, pseudonym="Anna", category="asp", cid="victim-0123456789abcdefghij"
        ),
        "victim",
    )
    codes = []
    for n in range(4):
        try:
            bus.join(
                c.JoinSession(
                    code=session_code.code,
                    pseudonym="Anna",
                    category="asp",
                    cid=f"guess-{n:04d}-0123456789abcdef",
                ),
                "guesser",
            )
        except Rejected as e:
            codes.append(e.code)
    assert codes == ["pseudonym_taken"] * 4
    assert bus.limiter.sleep == [1]  # the fourth guess was answered late


def test_join_ids_must_be_long_enough_to_be_unguessable():
    with pytest.raises(Rejected):
        c.parse(c.JoinSession, {"code": "123456", "pseudonym": "Anna", "category": "asp", "cid": "join-0001"})


def test_pseudonyms_whose_key_would_not_fit_are_refused(bus, session_code):
    with pytest.raises(Rejected) as e:
        join(bus, session_code, "\ufdfa" * 5)  # 5 characters, 90 once normalized
    assert e.value.code == "pseudonym_invalid"

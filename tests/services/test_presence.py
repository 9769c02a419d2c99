"""Presence: distinct participants by category, announced at most once per interval."""

from __future__ import annotations

from tests.services.test_bus import join
from workshop.services.presence import PresenceTracker
from workshop.services.publisher import RecordingPublisher


def test_a_burst_of_arrivals_is_announced_once_with_the_latest_counts(db, bus, session_code):
    deferred = []
    publisher = RecordingPublisher()
    tracker = PresenceTracker(
        db, publisher, "srv", interval=1.0, defer=lambda delay, fn: deferred.append((delay, fn))
    )
    for n in range(5):
        tracker.arrive(f"sid-{n}", join(bus, session_code, f"Persona {n}", "asp"))
    assert len(deferred) == 1 and deferred[0][0] == 1.0 and publisher.sent == []
    deferred[0][1]()  # the interval has passed
    assert publisher.sent == [
        (
            "presence",
            session_code.id,
            {"session_id": session_code.id, "connected": 5, "by_category": {"asp": 5}},
        )
    ]
    tracker.leave("sid-0")  # a new change after the flush schedules a new announcement
    assert len(deferred) == 2


def test_without_interval_every_change_is_announced_at_once(db, bus, session_code):
    publisher = RecordingPublisher()
    tracker = PresenceTracker(db, publisher, "srv")
    anna = join(bus, session_code)
    tracker.arrive("a1", anna)
    tracker.arrive("a2", anna)  # a second tab of the same person
    assert [counts["connected"] for _, _, counts in publisher.sent] == [1, 1]


def test_rows_of_a_silent_process_are_removed_by_the_others(db, bus, session_code):
    from datetime import timedelta

    from workshop.storage.models import utcnow

    publisher = RecordingPublisher()
    crashed = PresenceTracker(db, publisher, "crashed")
    alive = PresenceTracker(db, publisher, "alive")
    t0 = utcnow()
    crashed.heartbeat(t0)
    alive.heartbeat(t0)
    crashed.arrive("s1", join(bus, session_code, "Su un processo morto"))
    alive.arrive("s2", join(bus, session_code, "Su un processo vivo"))
    assert alive.heartbeat(t0 + timedelta(seconds=60)) == set()  # not silent long enough
    assert alive.heartbeat(t0 + timedelta(seconds=120)) == {session_code.id}
    counts = [c for kind, _, c in publisher.sent if kind == "presence"][-1]
    assert counts["connected"] == 1

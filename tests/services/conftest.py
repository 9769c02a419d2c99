import pytest

from tests.conftest import Sleeps, facilitator_in
from tests.helpers import advance
from workshop.seed import create_session
from workshop.services.bus import CommandBus
from workshop.services.publisher import RecordingPublisher
from workshop.services.ratelimit import RateLimits
from workshop.services.tokens import ParticipantTokens


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def bus(db, publisher):
    return CommandBus(
        db,
        publisher,
        ParticipantTokens("test-secret"),
        RateLimits("memory://", failures_per_minute=5, sleep=Sleeps()),
    )


@pytest.fixture
def facilitator(db):
    return facilitator_in(db)


@pytest.fixture
def session_code(db, facilitator):
    return create_session(db, "dimissioni-difficili", "Prova", dots=3, cap=2, owner_id=facilitator.id)


@pytest.fixture
def staff(bus, facilitator, session_code):
    """The session's facilitator, bound to it; the session is in raccolta."""
    actor = bus.staff_bind(facilitator.id, "facilitator", session_code.id)
    advance(bus, actor, "raccolta")
    return actor

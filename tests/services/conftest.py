import pytest

from workshop.seed import create_session
from workshop.services.bus import CommandBus
from workshop.services.publisher import RecordingPublisher
from workshop.services.ratelimit import JoinLimiter
from workshop.services.tokens import ParticipantTokens


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def bus(db, publisher):
    return CommandBus(db, publisher, ParticipantTokens("test-secret"),
                      JoinLimiter("memory://", failures_per_minute=5))


@pytest.fixture
def session_code(db):
    return create_session(db, "dimissioni-difficili", "Prova", dots=3, cap=2)

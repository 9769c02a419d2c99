import pytest

from tests.helpers import advance
from workshop.seed import _closed_session, create_session, sample_data
from workshop.services import accounts, schede
from workshop.services.bus import CommandBus
from workshop.services.publisher import RecordingPublisher
from workshop.services.ratelimit import RateLimits
from workshop.services.tokens import ParticipantTokens


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def bus(db, publisher):
    return CommandBus(db, publisher, ParticipantTokens("test-secret"),
                      RateLimits("memory://", failures_per_minute=5))


@pytest.fixture
def facilitator(db):
    return accounts.create_user(db, "facilitatrice", "Fabia Facilitatrice", "facilitator",
                                "una password lunga")


@pytest.fixture
def session_code(db, facilitator):
    return create_session(db, "dimissioni-difficili", "Prova", dots=3, cap=2,
                          owner_id=facilitator.id)


@pytest.fixture
def staff(bus, facilitator, session_code):
    """The session's facilitator, bound to it; the session is in raccolta."""
    actor = bus.staff_bind(facilitator.id, "facilitator", session_code.id)
    advance(bus, actor, "raccolta")
    return actor


@pytest.fixture
def closed_labs(db, facilitator):
    """Both sample sessions taken through every phase to chiusa, as the demo does."""
    bus = CommandBus(db, RecordingPublisher(), ParticipantTokens("s"),
                     RateLimits("memory://", joins_per_minute=10**6, commands_per_minute=10**6))
    data = sample_data()
    codes = {c["key"]: c["code"] for c in data["categories"]}
    return [_closed_session(bus, db, sample, facilitator.id, codes) for sample in data["sessions"]]


@pytest.fixture
def team(db):
    make = lambda name, role: schede.Editor(  # noqa: E731
        accounts.create_user(db, name, name.title(), role, "una password lunga").id, role)
    return {"up": make("ufficio", "ufficio_piano"), "ristretta": make("ristretta", "ristretta"),
            "allargata": make("allargata", "allargata"), "fac": make("fac", "facilitator")}

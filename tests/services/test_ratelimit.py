"""The guessing limits (services/ratelimit.py): failures are slowed down, never
the right answer; a few delayed failures at a time per address; the code
space counted as a whole. Delays are recorded, never waited for: no test
here depends on the clock."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest

from tests.conftest import Sleeps
from workshop.domain import commands as c
from workshop.domain.errors import Rejected
from workshop.services.bus import CommandBus
from workshop.services.publisher import RecordingPublisher
from workshop.services.ratelimit import (
    CONCURRENT_DELAYED,
    MAX_DELAY_S,
    RateLimits,
    delay_for,
    join_scopes,
    login_scopes,
)
from workshop.services.tokens import ParticipantTokens


def limits(**settings) -> RateLimits:
    return RateLimits("memory://", **{"failures_per_minute": 10, **settings}, sleep=Sleeps())


def wrong_guess(limiter: RateLimits, *scopes) -> None:
    with limiter.attempt(*scopes) as attempt:
        attempt.failed()


def test_failures_over_the_limit_wait_longer_and_longer():
    limiter = limits()
    for _ in range(10):
        wrong_guess(limiter, *join_scopes("10.0.0.1"))
    assert limiter.sleep == []
    for _ in range(8):
        wrong_guess(limiter, *join_scopes("10.0.0.1"))
    assert limiter.sleep == [1, 2, 4, 8, 16, 30, 30, 30]
    assert delay_for(0) == 0 and delay_for(100) == MAX_DELAY_S
    # Another address is not slowed down.
    wrong_guess(limiter, *join_scopes("10.0.0.2"))
    assert len(limiter.sleep) == 8


def test_the_code_space_is_counted_over_every_address():
    limiter = limits(code_failures_per_minute=20)
    for n in range(20):
        wrong_guess(limiter, *join_scopes(f"10.0.{n}.1"))  # one guess each: under any address's limit
    assert limiter.sleep == []
    wrong_guess(limiter, *join_scopes("10.0.99.1"))  # a newcomer's first mistake
    wrong_guess(limiter, *join_scopes("10.0.98.1"))
    assert limiter.sleep == [1, 2]


class Blocking:
    """A sleep that holds its attempt until released, to have several in flight."""

    def __init__(self):
        self.asleep = threading.Semaphore(0)
        self.wake = threading.Event()

    def __call__(self, seconds):
        self.asleep.release()
        assert self.wake.wait(10)


def test_a_few_delayed_failures_at_a_time_per_address_then_refused_at_once():
    limiter = limits(failures_per_minute=2)
    for _ in range(2):
        wrong_guess(limiter, *join_scopes("10.0.0.1"))
    limiter.sleep = blocking = Blocking()
    guessers = [
        threading.Thread(target=wrong_guess, args=(limiter, *join_scopes("10.0.0.1")))
        for _ in range(CONCURRENT_DELAYED)
    ]
    for thread in guessers:
        thread.start()
    for _ in guessers:
        assert blocking.asleep.acquire(timeout=10)
    try:
        # Every place taken: refused before anything is looked at, with when to retry.
        with pytest.raises(Rejected) as refused, limiter.attempt(*join_scopes("10.0.0.1")):
            raise AssertionError("admitted")
        assert refused.value.code == "rate_limited"
        assert 1 <= refused.value.params["retry_after"] <= MAX_DELAY_S
        # Other addresses are not affected.
        with limiter.attempt(*join_scopes("10.0.0.2")):
            pass
    finally:
        blocking.wake.set()
        for thread in guessers:
            thread.join(10)
    with limiter.attempt(*join_scopes("10.0.0.1")):  # places free again
        pass


def test_attempts_in_flight_count_so_a_burst_cannot_slip_under_the_limit():
    limiter = limits(failures_per_minute=3)
    with ExitStack() as stack:
        for _ in range(3):  # three lookups at once, none failed yet
            stack.enter_context(limiter.attempt(*join_scopes("10.0.0.1")))
        for _ in range(CONCURRENT_DELAYED):  # the next ones could end up delayed: they take places
            stack.enter_context(limiter.attempt(*join_scopes("10.0.0.1")))
        with pytest.raises(Rejected) as refused:
            stack.enter_context(limiter.attempt(*join_scopes("10.0.0.1")))
        assert refused.value.code == "rate_limited"


def test_walking_the_code_space_from_one_address_stays_bounded():
    """Parallel guessers from one address, for one minute of simulated time:
    each sends its next guess as soon as it has an answer (or, refused, when a
    place frees up). Answers received are what walking the code space gains."""
    limiter = limits()
    lanes = 8
    now = {lane: 0.0 for lane in range(lanes)}
    held: list[tuple[float, ExitStack]] = []  # attempts still waiting out their delay
    answered = refused = 0
    while True:
        lane = min(now, key=now.get)
        clock = now[lane]
        if clock >= 60:
            break
        for ending in [h for h in held if h[0] <= clock]:
            held.remove(ending)
            ending[1].close()
        stack = ExitStack()
        try:
            attempt = stack.enter_context(limiter.attempt(*join_scopes("10.0.0.1")))
        except Rejected:
            refused += 1
            now[lane] = min(end for end, _ in held)
            continue
        delays = len(limiter.sleep)
        attempt.failed()
        delay = limiter.sleep[-1] if len(limiter.sleep) > delays else 0.0
        now[lane] = clock + delay
        answered += now[lane] <= 60
        if delay:
            held.append((now[lane], stack))
        else:
            stack.close()
    # 18: ten at once, then eight late ones through the CONCURRENT_DELAYED places,
    # each waiting longer than the one before (1, 2, 4, 8, 16, 30 s…).
    assert answered <= 20, answered
    assert refused > 0  # the other lanes were turned away, not answered


def test_staff_passwords_are_counted_per_account_and_address_or_per_device():
    assert [s.kind for s in login_scopes("10.0.0.1", " Fabia ")] == ["login-address", "login-account"]
    assert login_scopes("10.0.0.1", " Fabia ")[1].key == "fabia"
    assert [s.kind for s in login_scopes("10.0.0.1", "fabia", "nonce")] == ["login-device"]


# -- through the command bus ---------------------------------------------------------


@pytest.fixture
def bus(db):
    return CommandBus(db, RecordingPublisher(), ParticipantTokens("test-secret"), limits())


def join(bus, code, name, client):
    return bus.join(c.JoinSession(code=code, pseudonym=name, category="asp"), client)


def test_a_valid_code_from_an_address_over_the_limit_gets_in_at_once(bus, session_code):
    for n in range(12):
        with pytest.raises(Rejected) as wrong:
            join(bus, f"{n:06d}", "Eva", "school")
        assert wrong.value.code == "invalid_code"
    assert bus.limiter.sleep == [1, 2]  # the 11th and 12th were slowed down
    joined = join(bus, session_code.code, "Eva", "school")
    assert joined.actor.session_id == session_code.id
    assert bus.find_session(session_code.code, "school")[0].id == session_code.id
    assert bus.limiter.sleep == [1, 2]  # no delay for the right code


def test_forged_tokens_are_slowed_down_and_valid_ones_never(bus, session_code):
    joined = join(bus, session_code.code, "Anna", "nat")
    for _ in range(12):
        with pytest.raises(Rejected) as refused:
            bus.resume(c.ResumeSession(token="forged"), "nat")
        assert refused.value.code == "invalid_token"
    assert bus.limiter.sleep == [1, 2]
    assert bus.resume(c.ResumeSession(token=joined.token), "nat").actor == joined.actor
    assert bus.limiter.sleep == [1, 2]

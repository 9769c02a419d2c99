"""Rate limits, shared by the socket handlers, the join pages, the JSON API and
the staff sign-in.

**Guesses** (a join code, a participant token, a staff password) are limited
so that guessing is slow, never so that the right answer is refused: a lab's
forty phones usually share one Wi-Fi address, and refusing everything from an
address once it has failed a few times let one mistyping phone, or anyone
nearby, lock a room (or a facilitator) out. So:

- **The right answer always gets in.** A valid join code (one indexed read), a
  valid participant token, the right password are accepted at once, whatever
  failed before them.
- **Failures are counted per what is guessed as well as per address**: join
  codes per address and all together (`JOIN_CODES`: the code space, against
  many addresses walking it); passwords per address and per account.
- **Over a limit, each further failure is answered late** (a tarpit): after
  1, 2, 4, 8, 16, then 30 s (`FIRST_DELAY_S` doubling to `MAX_DELAY_S` with
  each failure over the limit in the last hour), slept cooperatively with the
  server's async mode (the `sleep` given to `RateLimits`). A guess is worth
  something only once answered, and waiting out the answer is what a guesser
  pays; a person who mistyped waits a little, then types it right. Failures
  within the limit (per minute) are answered at once, as before.
- **A few delayed failures at a time per address** (`CONCURRENT_DELAYED`),
  per account for passwords. Without it a script would send its guesses in
  parallel and wait once for all of them. An attempt that could end up delayed
  takes one of those places when it starts; when none is free it is refused
  at once with `rate_limited`, *before* the code or password is looked at:
  refusing only wrong guesses at once would tell the script which were wrong,
  at full speed. So while its places are all taken, even a right code from
  that address is told to retry after `retry_after` seconds (at most
  MAX_DELAY_S): the one case where a right answer is turned away, and only
  while that many attempts from the same address, over a limit, are in
  flight. Attempts in flight count towards the limit, so a burst cannot slip
  under it either.

What this bounds: one address gets its `limit` answers a minute at once, and
beyond them at most CONCURRENT_DELAYED answers per MAX_DELAY_S once the
delays have grown: with the defaults 18 answers in its first minute of
guessing, then 16 a minute (a wall at the limit allowed 10, and locked the
room out). Many addresses together: once the code space's own count is
passed, every wrong code from anywhere is answered late, so each address
gets no more than CONCURRENT_DELAYED answers per delay.

**Staff sign-in** follows OWASP's "device cookie": a browser in which an
account signed in successfully keeps a signed cookie for it (web/devices.py).
With it, attempts for that account are counted per device (`LOGIN_DEVICE`)
instead of per address and per account, so an attacker who triggered the
account's limit (from anywhere) or the address's (a shared network) does not
slow down or turn away its owner's own browser.

**Budgets** limit successful actions: participants created per address,
commands per participant. Generous enough for a room of forty behind one
school Wi-Fi address or a quick typist, low enough to stop a script flooding
a room. `check`/`failed` are the plain limit on a key, a wall while over, for
what is asked only of someone already past the password (a second factor).

Counts use the `limits` library: in memory for one process, in Redis when
several processes serve the rooms (WORKSHOP_RATE_LIMIT_STORAGE), so they are
shared. The attempts in flight (and so the places for delayed failures) are
counted per process: with N processes an address may have N times as many.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from limits import parse, storage, strategies

from workshop.domain.errors import Rejected

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
CONCURRENT_DELAYED = 3
# Failures over the limit are remembered for an hour, up to this many: enough
# for the delay to reach MAX_DELAY_S, and to stay there while they go on.
_OVER_REMEMBERED = 8

# What failures are counted against. All but JOIN_CODES have places for
# delayed failures; JOIN_CODES makes every attempt take its address's.
JOIN_ADDRESS = "join-address"
JOIN_CODES = "join-codes"
LOGIN_ADDRESS = "login-address"
LOGIN_ACCOUNT = "login-account"
LOGIN_DEVICE = "login-device"


@dataclass(frozen=True)
class Scope:
    kind: str
    key: str


def join_scopes(address: str) -> tuple[Scope, ...]:
    """A join code (or a token) from this client address."""
    return Scope(JOIN_ADDRESS, address), Scope(JOIN_CODES, "all")


def login_scopes(address: str, username: str, device: str | None = None) -> tuple[Scope, ...]:
    """A password for this account; `device`: the browser's device cookie for
    it, if it has a valid one."""
    if device:
        return (Scope(LOGIN_DEVICE, device),)
    return Scope(LOGIN_ADDRESS, address), Scope(LOGIN_ACCOUNT, username.strip().lower())


def delay_for(excess: int) -> float:
    """How long a failure waits when it is the `excess`-th over the limit in the last hour."""
    return 0.0 if excess <= 0 else min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (excess - 1))


class Attempt:
    """One guess being checked. `failed()` when it turns out wrong."""

    def __init__(self, limits: RateLimits, scopes: tuple[Scope, ...]):
        self._limits = limits
        self.scopes = scopes
        self.placed: tuple[Scope, ...] = ()  # where it holds a place for a delayed failure
        self.until: float | None = None  # when its delay ends (monotonic clock)

    def failed(self, *only: Scope) -> None:
        """Count the failure (against `only`, else every scope of the attempt);
        over a limit, return only after the delay."""
        self._limits._fail(self, only or self.scopes)


class RateLimits:
    def __init__(
        self,
        storage_uri: str,
        *,
        failures_per_minute: int = 10,
        joins_per_minute: int = 60,
        commands_per_minute: int = 120,
        reads_per_minute: int = 120,
        code_failures_per_minute: int = 100,
        login_failures_per_minute: int = 10,
        sleep: Callable[[float], object] = time.sleep,
        concurrent_delayed: int = CONCURRENT_DELAYED,
    ):
        self._limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
        self._limits = {
            "failures": parse(f"{failures_per_minute}/minute"),
            "joins": parse(f"{joins_per_minute}/minute"),
            "commands": parse(f"{commands_per_minute}/minute"),
            # Reads that cost the server CPU (note.similar): a room asks after a
            # pause in typing, so this is far above what a person sends.
            "reads": parse(f"{reads_per_minute}/minute"),
        }
        self._guessing = {
            JOIN_ADDRESS: failures_per_minute,
            JOIN_CODES: code_failures_per_minute,
            LOGIN_ADDRESS: login_failures_per_minute,
            LOGIN_ACCOUNT: login_failures_per_minute,
            LOGIN_DEVICE: login_failures_per_minute,
        }
        self._per_minute = {kind: parse(f"{limit}/minute") for kind, limit in self._guessing.items()}
        # How many failures were over the limit lately: how long the next one waits.
        self._over = parse(f"{_OVER_REMEMBERED}/hour")
        self._capped = {JOIN_ADDRESS, LOGIN_ADDRESS, LOGIN_ACCOUNT, LOGIN_DEVICE}
        self.concurrent_delayed = concurrent_delayed
        self.sleep = sleep  # the server's cooperative sleep; tests record it instead
        self._lock = threading.Lock()
        self._in_flight: dict[Scope, int] = {}
        self._places: dict[Scope, list[Attempt]] = {}

    # -- guesses -----------------------------------------------------------------

    def _count(self, item, kind: str, key: str) -> int:
        return item.amount - self._limiter.get_window_stats(item, kind, key).remaining

    @contextmanager
    def attempt(self, *scopes: Scope) -> Iterator[Attempt]:
        """Admit one guess. Refused at once (`rate_limited`) only when it could
        end up delayed and its address (or account, or device) already has
        `concurrent_delayed` failures waiting."""
        attempt = Attempt(self, scopes)
        # In the last minute (at most the limit); may be a round trip: not under the lock.
        counts = {s: self._count(self._per_minute[s.kind], s.kind, s.key) for s in scopes}
        with self._lock:
            if any(counts[s] + self._in_flight.get(s, 0) >= self._guessing[s.kind] for s in scopes):
                placed = tuple(s for s in scopes if s.kind in self._capped)
                full = [s for s in placed if len(self._places.get(s, ())) >= self.concurrent_delayed]
                if full:
                    raise Rejected("rate_limited", retry_after=self._retry_after(full))
                for scope in placed:
                    self._places.setdefault(scope, []).append(attempt)
                attempt.placed = placed
            for scope in scopes:
                self._in_flight[scope] = self._in_flight.get(scope, 0) + 1
        try:
            yield attempt
        finally:
            with self._lock:
                for scope in scopes:
                    left = self._in_flight.pop(scope) - 1
                    if left:
                        self._in_flight[scope] = left
                for scope in attempt.placed:
                    holders = self._places[scope]
                    holders.remove(attempt)
                    if not holders:
                        del self._places[scope]

    def _retry_after(self, full: list[Scope]) -> int:
        """Seconds until a place frees up (an attempt not yet delayed counts as the first delay)."""
        now = time.monotonic()
        soonest = max(
            min(a.until if a.until is not None else now + FIRST_DELAY_S for a in self._places[s])
            for s in full
        )
        return max(1, math.ceil(soonest - now))

    def _fail(self, attempt: Attempt, scopes: tuple[Scope, ...]) -> None:
        excess = 0
        for scope in scopes:
            if not self._limiter.hit(self._per_minute[scope.kind], scope.kind, scope.key):
                over = scope.kind + ":over"
                self._limiter.hit(self._over, over, scope.key)
                excess = max(excess, self._count(self._over, over, scope.key))
        delay = delay_for(excess)
        if delay:
            attempt.until = time.monotonic() + delay
            self.sleep(delay)

    # -- plain limits and budgets ------------------------------------------------

    def _refuse(self, name: str, key: str) -> None:
        reset_at, _ = self._limiter.get_window_stats(self._limits[name], name, key)
        raise Rejected("rate_limited", retry_after=max(1, math.ceil(reset_at - time.time())))

    def check(self, key: str) -> None:
        """Refuse outright while `key` is over its failure limit."""
        if not self._limiter.test(self._limits["failures"], "failures", key):
            self._refuse("failures", key)

    def failed(self, key: str) -> None:
        self._limiter.hit(self._limits["failures"], "failures", key)

    def spend(self, budget: str, key: str) -> None:
        """Use one unit of a budget ("joins" per address, "commands" and "reads" per participant)."""
        if not self._limiter.hit(self._limits[budget], budget, key):
            self._refuse(budget, key)

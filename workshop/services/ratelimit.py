"""Rate limit on failed joins, shared by the join form and the socket `join`.

Only failures count (a wrong code, a forged token): a room of forty people
joining from one school Wi-Fi address must not be blocked, while someone
walking the code space is. Uses the `limits` library, in memory for one
process or in Redis when several processes serve the rooms.
"""

from __future__ import annotations

import math
import time

from limits import parse, storage, strategies

from workshop.domain.errors import Rejected


class JoinLimiter:
    def __init__(self, storage_uri: str, failures_per_minute: int):
        self._limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
        self._limit = parse(f"{failures_per_minute}/minute")

    def check(self, client: str) -> None:
        """Refuse outright while this client is over its failure budget."""
        if not self._limiter.test(self._limit, "join-failures", client):
            reset_at, _ = self._limiter.get_window_stats(self._limit, "join-failures", client)
            raise Rejected("rate_limited", retry_after=max(1, math.ceil(reset_at - time.time())))

    def failed(self, client: str) -> None:
        self._limiter.hit(self._limit, "join-failures", client)

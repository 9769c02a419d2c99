"""Rate limits, shared by the socket handlers, the join pages and the JSON API.

Two kinds:
- **failures** (a wrong code, a forged token, a guessed join id): few per
  minute per client address. While over, every join attempt from that
  address is refused, valid codes included: that is what stops someone
  walking the code space. A valid token is not subject to it.
- **budgets** for successful actions: participants created per address,
  commands per participant. Generous enough for a room of forty behind one
  school Wi-Fi address or a quick typist, low enough to stop a script
  flooding a room.

Uses the `limits` library: in memory for one process, in Redis when several
processes serve the rooms (WORKSHOP_RATE_LIMIT_STORAGE).
"""

from __future__ import annotations

import math
import time

from limits import parse, storage, strategies

from workshop.domain.errors import Rejected


class RateLimits:
    def __init__(self, storage_uri: str, failures_per_minute: int = 10,
                 joins_per_minute: int = 60, commands_per_minute: int = 120):
        self._limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
        self._limits = {
            "join-failures": parse(f"{failures_per_minute}/minute"),
            "joins": parse(f"{joins_per_minute}/minute"),
            "commands": parse(f"{commands_per_minute}/minute"),
        }

    def _refuse(self, name: str, key: str) -> None:
        reset_at, _ = self._limiter.get_window_stats(self._limits[name], name, key)
        raise Rejected("rate_limited", retry_after=max(1, math.ceil(reset_at - time.time())))

    def check(self, client: str) -> None:
        """Refuse outright while this client is over its failure budget."""
        if not self._limiter.test(self._limits["join-failures"], "join-failures", client):
            self._refuse("join-failures", client)

    def failed(self, client: str) -> None:
        self._limiter.hit(self._limits["join-failures"], "join-failures", client)

    def spend(self, budget: str, key: str) -> None:
        """Use one unit of a budget ("joins" per address, "commands" per participant)."""
        if not self._limiter.hit(self._limits[budget], budget, key):
            self._refuse(budget, key)

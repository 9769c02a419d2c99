"""The phase countdown, as pure arithmetic on server time.

The server keeps how much time was left when the timer was last set or
paused, and, while it runs, when it started. Every device shows
`ends_at - now` with its clock corrected by the server time it was sent, so
all phones and the projector count down together.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from workshop.domain.errors import Rejected

MAX_SECONDS = 4 * 3600


@dataclass(frozen=True)
class Timer:
    duration_s: int = 0
    remaining_s: int = 0
    started_at: datetime | None = None  # set while running

    @property
    def running(self) -> bool:
        return self.started_at is not None

    def remaining_at(self, now: datetime) -> int:
        if self.started_at is None:
            return self.remaining_s
        return max(0, self.remaining_s - int((now - self.started_at).total_seconds()))

    def ends_at(self) -> datetime | None:
        if self.started_at is None:
            return None
        return self.started_at + timedelta(seconds=self.remaining_s)

    def apply(self, action: str, seconds: int | None, now: datetime) -> Timer:
        if action == "start":
            if seconds is None or not 1 <= seconds <= MAX_SECONDS:
                raise Rejected("timer_invalid")
            return Timer(duration_s=seconds, remaining_s=seconds, started_at=now)
        if action == "pause":
            if not self.running:
                raise Rejected("timer_invalid")
            return replace(self, remaining_s=self.remaining_at(now), started_at=None)
        if action == "resume":
            if self.running or self.remaining_s <= 0:
                raise Rejected("timer_invalid")
            return replace(self, started_at=now)
        if action == "extend":
            if seconds is None or self.duration_s == 0:
                raise Rejected("timer_invalid")
            left = self.remaining_at(now)
            new_left = min(MAX_SECONDS, max(0, left + seconds))
            restarted = now if self.running else None
            return Timer(
                duration_s=max(1, self.duration_s + (new_left - left)),
                remaining_s=new_left,
                started_at=restarted,
            )
        if action == "reset":
            return Timer()
        raise Rejected("timer_invalid")

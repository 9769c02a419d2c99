"""A lab's meetings in time: the district's clock is Europe/Rome.

Times are stored in UTC (as every timestamp) and typed, shown and put in
calendar files in Europe/Rome, so a meeting at 17:30 stays at 17:30 across
the change to and from summer time. A meeting without a date (sessions made
before meetings had one) takes the day it closed, or was created.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workshop.domain.errors import Rejected

ROME = ZoneInfo("Europe/Rome")
# How long a meeting lasts in a calendar when no end was given.
DEFAULT_LENGTH = timedelta(hours=2)
ADDRESS_MAX = 300
ROOM_MAX = 200


def local(moment: datetime) -> datetime:
    """A stored moment on the district's clock (naive values are UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ROME)


def schedule(
    day: date | None, start: time | None, end: time | None = None
) -> tuple[datetime | None, datetime | None]:
    """(starts_at, ends_at) in UTC from what was typed on the district's clock.

    No day: no date yet (both None). A day needs a start time; an end, if
    given, comes after the start on the same day."""
    if day is None:
        if start is not None or end is not None:
            raise Rejected("meeting_time_invalid")
        return None, None
    if start is None:
        raise Rejected("meeting_time_invalid")
    starts = datetime.combine(day, start, ROME)
    ends = datetime.combine(day, end, ROME) if end is not None else None
    if ends is not None and ends <= starts:
        raise Rejected("meeting_time_invalid")
    return starts.astimezone(UTC), ends.astimezone(UTC) if ends else None


def day_of(starts_at: datetime | None, closed_at: datetime | None, created_at: datetime) -> date:
    """The day a meeting took place, on the district's clock («dall’incontro del …»)."""
    return local(starts_at or closed_at or created_at).date()


UPCOMING, PAST = "upcoming", "past"


def standing(starts_at: datetime | None, ends_at: datetime | None, closed: bool, now: datetime) -> str | None:
    """Whether a meeting is to come (or under way) or past, for the lab's page.

    Closed: past, whatever its date. Open with a date: to come until its end
    (or two hours after its start). Open without a date: neither (a session
    being prepared is not announced)."""
    if closed:
        return PAST
    if starts_at is None:
        return None
    over = ends_at or (starts_at + DEFAULT_LENGTH)
    return UPCOMING if local(now) < local(over) else PAST

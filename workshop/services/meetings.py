"""A lab's meetings: when and where each session meets, its calendar files.

Setting a meeting's date and place is staff's bookkeeping of the session,
like creating it (services/sessions.py): nothing changes in the room, so it
is a plain transaction, not a command of the room's log.

Calendar files (RFC 5545) are made with `icalendar`: times on the district's
clock (TZID Europe/Rome, with its VTIMEZONE), a stable UID per meeting so a
phone updates the event rather than adding it again, and no join code (the
files are public; the code is given in the room).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from icalendar import Calendar, Event, Timezone
from sqlalchemy import false
from sqlmodel import col, select

from workshop.domain import meetings, phases, rules
from workshop.domain.errors import Rejected
from workshop.services import territories
from workshop.storage.database import Database
from workshop.storage.models import Lab, LiveSession, Territory, utcnow


@dataclass(frozen=True)
class Meeting:
    """What may be said in public of a session as a meeting of its lab."""

    session_id: int
    lab_slug: str
    lab_title: str
    title: str
    guiding_question: str
    starts_at: datetime | None
    ends_at: datetime | None
    address: str
    room: str
    closed: bool
    standing: str | None
    territory: str = ""  # its name

    @property
    def place(self) -> str:
        # The territory's name, unless the address already has it as one of
        # its parts («Via Marx 5, Albinea» in Albinea: not «…, Albinea, Albinea»).
        named = {part.strip().casefold() for part in self.address.split(",")}
        territory = "" if self.territory.strip().casefold() in named else self.territory
        return ", ".join(p for p in (self.room, self.address, territory) if p)


@dataclass(frozen=True)
class Place:
    day: date | None = None
    start: time | None = None
    end: time | None = None
    address: str = ""
    room: str = ""
    territory: str | None = None  # a key of the admin's list (services/territories.py)

    def checked(self) -> tuple[datetime | None, datetime | None, str, str]:
        """(starts_at, ends_at, address, room), or why not, before anything is written."""
        starts, ends = meetings.schedule(self.day, self.start, self.end)
        address, room = rules.one_line(self.address or ""), rules.one_line(self.room or "")
        if len(address) > meetings.ADDRESS_MAX or len(room) > meetings.ROOM_MAX:
            raise Rejected("meeting_place_invalid", address=meetings.ADDRESS_MAX, room=meetings.ROOM_MAX)
        return starts, ends, address, room


def set_meeting(db: Database, session_id: int, place: Place) -> None:
    starts, ends, address, room = place.checked()
    with db.transaction() as s:
        live = s.get(LiveSession, session_id)
        if live is None:
            raise LookupError(session_id)
        live.territory_key = territories.check(s, place.territory, live.territory_key)
        live.starts_at, live.ends_at, live.place_address, live.place_room = starts, ends, address, room
        s.add(live)


def _meeting(live: LiveSession, lab: Lab, now: datetime, territory: Territory | None) -> Meeting:
    closed = live.phase == phases.CHIUSA
    return Meeting(
        live.id,
        lab.slug,
        lab.title,
        live.title,
        live.guiding_question,
        live.starts_at,
        live.ends_at,
        live.place_address,
        live.place_room,
        closed,
        meetings.standing(live.starts_at, live.ends_at, closed, now),
        territory.name if territory else "",
    )


_WITH_LAB = (
    select(LiveSession, Lab, Territory)
    .join(Lab)
    .outerjoin(Territory, col(Territory.key) == LiveSession.territory_key)
)


def of_lab(
    db: Database, lab_slug: str, now: datetime | None = None, process_id: int | None = None
) -> dict[str, list[Meeting]]:
    """The lab's announced meetings (of one process, if given): to come (soonest
    first) and past (latest first). Sessions without a date that are still open
    are not announced, and practice sessions never are."""
    now = now or utcnow()
    with db.reader() as s:
        query = _WITH_LAB.where(Lab.slug == lab_slug, LiveSession.practice == false())
        if process_id is not None:
            query = query.where(LiveSession.process_id == process_id)
        rows = s.exec(query).all()
    found = [_meeting(live, lab, now, where) for live, lab, where in rows]
    upcoming = sorted((m for m in found if m.standing == meetings.UPCOMING), key=_start)
    past = sorted(
        (m for m in found if m.standing == meetings.PAST and m.starts_at is not None),
        key=_start,
        reverse=True,
    )
    return {meetings.UPCOMING: upcoming, meetings.PAST: past}


def _start(m: Meeting) -> datetime:
    """When a dated meeting starts (only dated ones are announced or in a calendar)."""
    if m.starts_at is None:
        raise ValueError(f"meeting {m.session_id} has no date")
    return m.starts_at


def one(db: Database, session_id: int) -> Meeting | None:
    with db.reader() as s:
        row = s.exec(_WITH_LAB.where(LiveSession.id == session_id, LiveSession.practice == false())).first()
    return _meeting(row[0], row[1], utcnow(), row[2]) if row else None


def _event(m: Meeting, host: str, url: str | None) -> Event:
    event = Event()
    event.add("uid", f"incontro-{m.session_id}@{host}")
    event.add("dtstamp", utcnow())
    starts = _start(m)
    event.add("dtstart", meetings.local(starts))
    event.add("dtend", meetings.local(m.ends_at or starts + meetings.DEFAULT_LENGTH))
    event.add("summary", f"{m.lab_title}: {m.title}")
    if m.guiding_question:
        event.add("description", m.guiding_question)
    if m.place:
        event.add("location", m.place)
    if url:
        event.add("url", url)
    return event


def calendar(found: list[Meeting], name: str, host: str, url_of=lambda m: None) -> bytes:
    """An iCalendar file of these meetings (only those with a date)."""
    cal = Calendar()
    cal.add("prodid", "-//Laboratori del Piano di Zona//incontri//IT")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Rome")
    dated = [m for m in found if m.starts_at is not None]
    for m in dated:
        cal.add_component(_event(m, host, url_of(m)))
    if dated:
        # Europe/Rome's rules over the years the meetings span, not 1970-2038.
        days = [meetings.local(_start(m)).date() for m in dated]
        cal.add_missing_timezones(
            first_date=date(min(days).year, 1, 1), last_date=date(max(days).year + 1, 1, 1)
        )
    else:
        # No meeting yet: RFC 5545 asks a calendar for at least one component, and
        # a feed subscribed to before the first meeting must still be read.
        year = meetings.local(utcnow()).year
        cal.add_component(
            Timezone.from_tzid(meetings.ROME.key, first_date=date(year, 1, 1), last_date=date(year + 1, 1, 1))
        )
    return cal.to_ical()

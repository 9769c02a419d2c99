"""The append-only event log: the only code that assigns sequence numbers.

A command first takes the session's lock (`lock_session`); from then until
commit no other command of that session, in this process or another, can run.
So `append` can number events `last_seq + 1, …` without gaps or duplicates,
and the unique (session_id, seq) constraint is only a backstop.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from workshop.domain.errors import Rejected
from workshop.domain.events import Event as DomainEvent
from workshop.storage.models import Event, LiveSession, iso, utcnow


def lock_session(s: Session, session_id: int) -> LiveSession:
    """Take the session's write lock and return its current row.

    A no-op UPDATE is the portable way: on PostgreSQL it row-locks (waiting
    for any other holder to commit), on SQLite it takes the database write lock.
    It must be the first statement of the transaction, so that what we read
    afterwards is the newest committed state.
    """
    # One round trip (UPDATE … RETURNING) rather than two: on PostgreSQL the lock
    # is held from here to the commit, and every statement in between is waited for.
    live = s.scalars(
        update(LiveSession).where(LiveSession.id == session_id)
        .values(last_seq=LiveSession.last_seq).returning(LiveSession)
    ).one_or_none()
    if live is None:
        raise Rejected("not_joined")
    return live


def to_wire(row: Event) -> dict:
    return {
        "session_id": row.session_id,
        "seq": row.seq,
        "type": row.type,
        "at": iso(row.created_at),
        "data": row.data,
    }


def append(s: Session, live: LiveSession, events: list[DomainEvent]) -> list[dict]:
    """Number and store events; the caller holds the session lock and commits."""
    now = utcnow()
    rows = []
    for offset, ev in enumerate(events, start=1):
        rows.append(Event(session_id=live.id, seq=live.last_seq + offset, type=ev.type,
                          data=ev.data, created_at=now))
    s.add_all(rows)
    live.last_seq += len(rows)
    s.add(live)
    s.flush()
    return [to_wire(r) for r in rows]


def since(s: Session, session_id: int, after_seq: int, upto_seq: int | None = None) -> list[dict]:
    query = select(Event).where(Event.session_id == session_id, Event.seq > after_seq)
    if upto_seq is not None:
        query = query.where(Event.seq <= upto_seq)
    return [to_wire(r) for r in s.exec(query.order_by(Event.seq))]

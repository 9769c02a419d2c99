"""The append-only event log: the only code that assigns sequence numbers.

A command first takes the session's lock (`lock_session`); from then until
commit no other command of that session, in this process or another, can run.
So `append` can number events `last_seq + 1, …` without gaps or duplicates,
and the unique (session_id, seq) constraint is only a backstop.
"""

from __future__ import annotations

import time

from sqlalchemy import update
from sqlmodel import Session, select

from workshop.domain.errors import Rejected
from workshop.domain.events import Event as DomainEvent
from workshop.storage.database import SESSION_LOCK_WAIT_S
from workshop.storage.models import Event, LiveSession, iso, utcnow

# Waiting for a session's lock on PostgreSQL: sleeps of 1, 2, 4 … up to 20 ms.
LOCK_RETRY_FIRST_S = 0.001
LOCK_RETRY_MAX_S = 0.02


def lock_session(s: Session, session_id: int) -> LiveSession:
    """Take the session's write lock and return its current row.

    It must be the first statement of the transaction, so that what is read
    afterwards is the newest committed state.

    SQLite: a no-op UPDATE takes the database's write lock (the transaction
    began IMMEDIATE, so it already had it). PostgreSQL: a row lock, taken
    without waiting in the database (SKIP LOCKED) and retried after a short
    cooperative sleep. So a transaction never holds the lock while its
    greenlet sleeps in the event loop's queue, and the command path can talk
    to PostgreSQL without yielding (database.without_yielding) while no
    greenlet ever waits for a lock without yielding. NO KEY UPDATE, like an
    UPDATE's lock, leaves foreign-key checks of inserts in the session free.
    """
    if s.get_bind().dialect.name != "postgresql":
        live = s.scalars(
            update(LiveSession).where(LiveSession.id == session_id)
            .values(last_seq=LiveSession.last_seq).returning(LiveSession)
        ).one_or_none()
        if live is None:
            raise Rejected("not_joined")
        return live
    query = (select(LiveSession).where(LiveSession.id == session_id)
             .with_for_update(key_share=True, skip_locked=True)
             .execution_options(populate_existing=True))
    pause, deadline = LOCK_RETRY_FIRST_S, time.monotonic() + SESSION_LOCK_WAIT_S
    while (live := s.exec(query).first()) is None:
        if pause == LOCK_RETRY_FIRST_S and not s.exec(
                select(LiveSession.id).where(LiveSession.id == session_id)).first():
            raise Rejected("not_joined")
        if time.monotonic() > deadline:  # a holder that never lets go: refuse, retryable
            raise Rejected("session_busy")
        time.sleep(pause)  # cooperative once monkey-patched
        pause = min(pause * 2, LOCK_RETRY_MAX_S)
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

"""The append-only event log: the only code that assigns sequence numbers.

A command first takes the session's lock (`lock_session`); from then until
commit no other command of that session, in this process or another, can run.
So `append` can number events `last_seq + 1, …` without gaps or duplicates,
and the unique (session_id, seq) constraint is only a backstop.

Every command runs the statements here, so they are built once, with bound
parameters: building a statement costs about as much as running it on
SQLite (docs/architecture.md, "The command path's cost").
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from workshop.domain.errors import Rejected
from workshop.domain.events import Event as DomainEvent
from workshop.storage.database import SESSION_LOCK_WAIT_S
from workshop.storage.models import Event, LiveSession, iso, utcnow

# Waiting for a session's lock on PostgreSQL: sleeps of 1, 2, 4 … up to 20 ms.
LOCK_RETRY_FIRST_S = 0.001
LOCK_RETRY_MAX_S = 0.02

_live = LiveSession.__table__.c
_READ_SESSION = select(LiveSession).where(LiveSession.id == bindparam("session_id"))
# NO KEY UPDATE, like an UPDATE's lock, leaves foreign-key checks of inserts in
# the session free; populate_existing, because the row must be the locked one.
_LOCK_SESSION = (_READ_SESSION.with_for_update(key_share=True, skip_locked=True)
                 .execution_options(populate_existing=True))
_SESSION_EXISTS = select(LiveSession.id).where(LiveSession.id == bindparam("session_id"))
_APPEND = insert(Event.__table__)
_SET_HEAD = (update(LiveSession.__table__).where(_live.id == bindparam("session_id"))
             .values(last_seq=bindparam("head")))


def lock_session(s: Session, session_id: int) -> LiveSession:
    """Take the session's write lock and return its current row.

    It must be the first statement of the transaction, so that what is read
    afterwards is the newest committed state.

    SQLite: the transaction began IMMEDIATE (Database.transaction), so it
    already holds the database's write lock; reading the row is enough.
    PostgreSQL: a row lock, taken without waiting in the database (SKIP
    LOCKED) and retried after a short cooperative sleep. So a transaction
    never holds the lock while its greenlet sleeps in the event loop's queue,
    and the command path can talk to PostgreSQL without yielding
    (database.without_yielding) while no greenlet ever waits for a lock
    without yielding.
    """
    key = {"session_id": session_id}
    if s.get_bind().dialect.name != "postgresql":
        live = s.exec(_READ_SESSION, params=key).first()
        if live is None:
            raise Rejected("not_joined")
        return live
    pause, deadline = LOCK_RETRY_FIRST_S, time.monotonic() + SESSION_LOCK_WAIT_S
    while (live := s.exec(_LOCK_SESSION, params=key).first()) is None:
        if pause == LOCK_RETRY_FIRST_S and not s.exec(_SESSION_EXISTS, params=key).first():
            raise Rejected("not_joined")
        if time.monotonic() > deadline:  # a holder that never lets go: refuse, retryable
            raise Rejected("session_busy")
        time.sleep(pause)  # cooperative once monkey-patched
        pause = min(pause * 2, LOCK_RETRY_MAX_S)
    return live


def to_wire(session_id: int, seq: int, type: str, created_at: datetime, data: dict) -> dict:
    """An event as clients receive it (docs/protocol.md §6.1), from its stored columns."""
    return {"session_id": session_id, "seq": seq, "type": type, "at": iso(created_at), "data": data}


def append(s: Session, live: LiveSession, events: list[DomainEvent]) -> list[dict]:
    """Number and store events; the caller holds the session lock and commits.

    Plain inserts, not ORM objects: every command comes through here, and the
    unit of work's bookkeeping cost more than the statements themselves."""
    if not events:
        return []
    now = utcnow()
    rows = [{"session_id": live.id, "seq": live.last_seq + offset, "type": ev.type,
             "data": ev.data, "created_at": now} for offset, ev in enumerate(events, start=1)]
    s.execute(_APPEND, rows)
    head = live.last_seq + len(rows)
    s.execute(_SET_HEAD, {"session_id": live.id, "head": head})
    set_committed_value(live, "last_seq", head)  # stored above: nothing for the ORM to flush
    return [to_wire(**r) for r in rows]


def since(s: Session, session_id: int, after_seq: int, upto_seq: int | None = None) -> list[dict]:
    log = Event.__table__.c
    query = (select(log.session_id, log.seq, log.type, log.created_at, log.data)
             .where(log.session_id == session_id, log.seq > after_seq))
    if upto_seq is not None:
        query = query.where(log.seq <= upto_seq)
    return [to_wire(**row._mapping) for row in s.execute(query.order_by(log.seq))]

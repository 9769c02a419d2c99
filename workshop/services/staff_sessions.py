"""Staff sign-ins, kept server-side.

The cookie carries only a random id (Flask-Login's user id is that id, not the
account's: its "alternative tokens"). A sign-in is good while its row exists,
is unexpired and the account is active, so deleting rows ends sign-ins
wherever their cookies are: signing out ends one, a password change or a
deactivation all of the account's. The Flask cookie itself may live 120 days
(it also keeps participants' tokens); a sign-in ends after `idle` without use.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from workshop.storage.database import Database
from workshop.storage.models import StaffSession, StaffUser, utcnow

# Use moves the expiry on, but writing at every request would make each staff
# page (and staff command) a write; once a minute is precise enough.
RENEW_AFTER = timedelta(minutes=1)


def _key(token: str) -> str:
    """The row's id: a digest, so the table's content opens no sign-in."""
    return hashlib.sha256(token.encode()).hexdigest()


def end_all(s: Session, user_id: int) -> None:
    """End every sign-in of an account (in the caller's transaction)."""
    s.exec(delete(StaffSession).where(col(StaffSession.user_id) == user_id))


class StaffSessions:
    def __init__(self, db: Database, idle: timedelta, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.idle = idle
        self.clock = clock  # replaceable: tests move time on without sleeping

    def start(self, user_id: int) -> str:
        """A new sign-in; returns the id its cookie is to carry."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.transaction() as s:
            # Housekeeping: expired rows are never used again.
            s.exec(delete(StaffSession).where(col(StaffSession.expires_at) <= now))
            s.add(
                StaffSession(
                    id=_key(token),
                    user_id=user_id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.idle,
                )
            )
        return token

    def resume(self, token: str) -> StaffUser | None:
        """The account behind a sign-in still good now, its expiry moved on; else None.

        One read by primary key (every staff page and staff socket command
        asks), and a write at most once per RENEW_AFTER.
        """
        if not token or len(token) > 100:
            return None
        key, now = _key(token), self.clock()
        with self.db.reader() as s:
            row = s.exec(
                select(StaffUser, StaffSession.last_seen_at)
                .join(StaffSession, col(StaffSession.user_id) == StaffUser.id)
                .where(StaffSession.id == key, StaffSession.expires_at > now, StaffUser.active)
            ).first()
        if row is None:
            return None
        user, last_seen = row
        if now - last_seen >= RENEW_AFTER:
            with self.db.transaction() as s:
                s.exec(
                    update(StaffSession)
                    .where(col(StaffSession.id) == key)
                    .values(last_seen_at=now, expires_at=now + self.idle)
                )
        return user

    def end(self, token: str) -> None:
        with self.db.transaction() as s:
            s.exec(delete(StaffSession).where(col(StaffSession.id) == _key(token)))

"""Who is connected to which session, shared by every server process.

One row per socket in the `presence` table; counts are distinct participants,
so two tabs of one person count once. Not part of the event log: presence is
how things are now, not something that happened to the session's content.

Announcements are coalesced: when a room of two hundred phones connects at
once, each arrival would otherwise send the counts to everyone, two hundred
squared messages. With an `interval`, a session's counts go out at most once
per interval, a little after the first change (the latest counts win anyway).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import col, delete, select

from workshop.domain.permissions import Actor
from workshop.services import views
from workshop.services.publisher import Publisher
from workshop.storage.database import Database
from workshop.storage.models import Presence, ServerHeartbeat, utcnow

HEARTBEAT_S = 30
STALE_S = 90

Defer = Callable[[float, Callable[[], None]], None]


class PresenceTracker:
    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        server_id: str,
        interval: float = 0.0,
        defer: Defer | None = None,
    ):
        self.db = db
        self.publisher = publisher
        self.server_id = server_id
        self.interval = interval
        self.defer = defer  # runs a function after a delay, in the server's async mode
        self._pending: set[int] = set()
        self._lock = threading.Lock()

    def arrive(self, sid: str, actor: Actor) -> None:
        # A participant's join (its actor from bus.actor_for: both are set).
        assert actor.participant_id is not None and actor.category is not None
        with self.db.transaction() as s:
            # A socket is one participant per session: a new join replaces the binding.
            row = s.get(Presence, (sid, actor.session_id)) or Presence(
                sid=sid,
                session_id=actor.session_id,
                server_id=self.server_id,
                participant_id=actor.participant_id,
                category_key=actor.category,
            )
            row.participant_id, row.category_key = actor.participant_id, actor.category
            s.add(row)
        self._announce(actor.session_id)

    def leave(self, sid: str) -> None:
        with self.db.transaction() as s:
            sessions = set(s.exec(select(Presence.session_id).where(Presence.sid == sid)).all())
            s.exec(delete(Presence).where(col(Presence.sid) == sid))
        for session_id in sessions:
            self._announce(session_id)

    def forget_everyone(self) -> None:
        """A single process starting: every row is from a previous run."""
        with self.db.transaction() as s:
            s.exec(delete(Presence))

    def heartbeat(self, now: datetime | None = None) -> set[int]:
        """Say this process is alive, and remove what dead processes left behind.

        With several processes, one that crashes cannot delete its sockets'
        presence rows. Every process beats every HEARTBEAT_S seconds; rows of
        a process silent for STALE_S are deleted by whichever process notices,
        and the affected rooms get fresh counts. Returns those sessions."""
        now = now or utcnow()
        cutoff = now - timedelta(seconds=STALE_S)
        with self.db.transaction() as s:
            beat = s.get(ServerHeartbeat, self.server_id) or ServerHeartbeat(server_id=self.server_id)
            beat.seen_at = now
            s.add(beat)
            s.flush()
            alive = select(ServerHeartbeat.server_id).where(ServerHeartbeat.seen_at >= cutoff)
            orphaned = col(Presence.server_id).not_in(alive)
            sessions = set(s.exec(select(Presence.session_id).where(orphaned)).all())
            s.exec(delete(Presence).where(orphaned))
            s.exec(delete(ServerHeartbeat).where(col(ServerHeartbeat.seen_at) < cutoff))
        for session_id in sessions:
            self._announce(session_id)
        return sessions

    def _announce(self, session_id: int) -> None:
        if self.interval <= 0 or self.defer is None:
            return self._send(session_id)
        with self._lock:
            if session_id in self._pending:
                return
            self._pending.add(session_id)
        self.defer(self.interval, lambda: self._flush(session_id))

    def _flush(self, session_id: int) -> None:
        with self._lock:
            self._pending.discard(session_id)
        self._send(session_id)

    def _send(self, session_id: int) -> None:
        with self.db.reader() as s:
            counts = views.presence_counts(s, session_id)
        self.publisher.presence(session_id, counts)

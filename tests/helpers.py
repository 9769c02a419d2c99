"""Small helpers shared by tests at several levels."""

from __future__ import annotations

import uuid

from workshop.domain import commands as c
from workshop.domain import phases
from workshop.storage.models import LiveSession


def cid() -> str:
    return uuid.uuid4().hex


def advance(bus, staff, to: str) -> None:
    """Take the session forward, one phase at a time, through the real command path."""
    with bus.db.reader() as s:
        current = s.get(LiveSession, staff.session_id).phase
    for phase in phases.ORDER[phases.ORDER.index(current) + 1: phases.ORDER.index(to) + 1]:
        bus.execute(staff, c.SetPhase(cid=cid(), session_id=staff.session_id, phase=phase))

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


def close_sample_labs(db, owner_id: int) -> list:
    """Both sample sessions (data/sample_labs.json) taken through every phase to
    chiusa, as the demo seed does: the closed labs the plan is built from."""
    from workshop.seed import _closed_session, sample_data
    from workshop.services.bus import CommandBus
    from workshop.services.publisher import RecordingPublisher
    from workshop.services.ratelimit import RateLimits
    from workshop.services.tokens import ParticipantTokens

    bus = CommandBus(db, RecordingPublisher(), ParticipantTokens("s"),
                     RateLimits("memory://", joins_per_minute=10**6, commands_per_minute=10**6))
    data = sample_data()
    codes = {cat["key"]: cat["code"] for cat in data["categories"]}
    return [_closed_session(bus, db, sample, owner_id, codes) for sample in data["sessions"]]


PLAN_TEAM = {"up": ("ufficio", "ufficio_piano"), "ristretta": ("ristretta", "ristretta"),
             "allargata": ("allargata", "allargata"), "fac": ("fac", "facilitator")}
PLAN_PASSWORD = "una password lunga"


def plan_team(db) -> dict:
    """One staff account per plan role (and a facilitator), as service Editors;
    usernames in PLAN_TEAM, password PLAN_PASSWORD."""
    from workshop.services import accounts, schede

    return {key: schede.Editor(accounts.create_user(db, name, name.title(), role, PLAN_PASSWORD).id, role)
            for key, (name, role) in PLAN_TEAM.items()}

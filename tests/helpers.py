"""Small helpers shared by tests at several levels."""

from __future__ import annotations

import re
import uuid

from workshop.domain import commands as c
from workshop.domain import phases
from workshop.storage.models import LiveSession

# The process `seed_reference` starts a new installation with (seed.FIRST_PROCESS).
PROCESS_SLUG = "pdz-2018-2020"


def cid() -> str:
    return uuid.uuid4().hex


def advance(bus, staff, to: str) -> None:
    """Take the session forward, one phase at a time, through the real command path."""
    with bus.db.reader() as s:
        current = s.get(LiveSession, staff.session_id).phase
    for phase in phases.ORDER[phases.ORDER.index(current) + 1 : phases.ORDER.index(to) + 1]:
        bus.execute(staff, c.SetPhase(cid=cid(), session_id=staff.session_id, phase=phase))


def unlimited_bus(db):
    """A command bus without join or command limits: the seed's people all join
    from one place, as `seed --demo` does."""
    from workshop.services.bus import CommandBus
    from workshop.services.publisher import RecordingPublisher
    from workshop.services.ratelimit import RateLimits
    from workshop.services.tokens import ParticipantTokens

    return CommandBus(
        db,
        RecordingPublisher(),
        ParticipantTokens("s"),
        RateLimits("memory://", joins_per_minute=10**6, commands_per_minute=10**6),
    )


def close_sample_labs(db, owner_id: int) -> list:
    """Both sample sessions (data/sample_labs.json) taken through every phase to
    chiusa, as the demo seed does: the closed labs the plan is built from."""
    from workshop.seed import _closed_session, sample_data

    bus = unlimited_bus(db)
    data = sample_data()
    codes = {cat["key"]: cat["code"] for cat in data["categories"]}
    return [_closed_session(bus, db, sample, owner_id, codes) for sample in data["sessions"]]


def body_decides(db, team: dict, action_id: int, target: str, why: str, *, votes=None) -> int:
    """A review step of a cabina di regia, as it is taken: at a meeting of the
    body (today, every member present), recorded by the Ufficio di Piano.
    The body gets three members when it has none. Returns the meeting's id."""
    from workshop.domain import cabine as rules
    from workshop.services import cabine, schede

    view = schede.view(db, action_id)
    body = {"ristretta": "ristretta", "allargata": "allargata"}[view["state"]]
    listed = next(b for b in cabine.bodies(db) if b["key"] == body)
    if not any(m["active"] for m in listed["members"]):
        for n in range(3):
            cabine.save_member(db, team["up"], body, f"Componente {n + 1}", "Componente", "Ente")
        listed = next(b for b in cabine.bodies(db) if b["key"] == body)
    meeting = cabine.create_meeting(
        db, team["up"], body, view["process"]["slug"], cabine.today(), "Sala del Consiglio"
    )
    cabine.add_to_agenda(db, team["up"], meeting, action_id)
    cabine.set_attendance(db, team["up"], meeting, [m["id"] for m in listed["members"] if m["active"]])
    cabine.decide(db, team["up"], meeting, action_id, target, why, votes or rules.Votes())
    return meeting


def draft_approved_refused(db, team: dict, rows) -> list[int]:
    """Three schede from three priorities, one each: left a draft, approved, not
    accepted (the last two through every review step, by `team`'s roles)."""
    from workshop.services import schede

    why = "Motivazione pubblica per il passaggio di stato"
    ids = [schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [r.cluster_id]) for r in rows]
    for action_id in ids[1:]:
        schede.transition(db, team["up"], action_id, "revisione_up", why)
        schede.transition(db, team["up"], action_id, "ristretta", why)
        body_decides(db, team, action_id, "allargata", why)
    body_decides(db, team, ids[1], "approvata", why)
    body_decides(db, team, ids[2], "non_accolta", why)
    return ids


PLAN_TEAM = {
    "up": ("ufficio", "ufficio_piano"),
    "ristretta": ("ristretta", "ristretta"),
    "allargata": ("allargata", "allargata"),
    "fac": ("fac", "facilitator"),
}
PLAN_PASSWORD = "una password lunga"


def plan_team(db) -> dict:
    """One staff account per plan role (and a facilitator), as service Editors;
    usernames in PLAN_TEAM, password PLAN_PASSWORD. The plan roles have
    two-step verification set up with TOTP_SECRET (their role requires it)."""
    from workshop.domain.staff import SECOND_FACTOR_ROLES
    from workshop.services import accounts, schede

    team = {}
    for key, (name, role) in PLAN_TEAM.items():
        user = accounts.create_user(db, name, name.title(), role, PLAN_PASSWORD)
        if role in SECOND_FACTOR_ROLES:
            enrol_totp(db, user.id)
        team[key] = schede.PlanActor(user.id, role)
    return team


# -- two-step verification ------------------------------------------------------
# The one "phone" of every test account with two-step verification.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_totp(db, user_id: int) -> list[str]:
    """Set up two-step verification for an account through the service, as a
    person does (the secret their app scans, then one code), with TOTP_SECRET.
    Returns the recovery codes. Sign in with `totp_code`."""
    import pyotp

    from workshop.services import second_factor
    from workshop.services.ratelimit import RateLimits

    second_factor.start_enrolment(db, user_id, secret=TOTP_SECRET)
    return second_factor.confirm_enrolment(
        db, RateLimits("memory://"), user_id, pyotp.TOTP(TOTP_SECRET).now()
    )


def totp_code(db, username: str) -> str:
    """The code the account's app shows now (pyotp, TOTP_SECRET).

    A code is accepted once per 30-second step, and tests sign the same
    person in several times within one: the account's last used step is
    forgotten first, as if the next step had come. (Tests of the replay rule
    itself do not use this.)"""
    import pyotp
    from sqlalchemy import update

    from workshop.storage.models import StaffUser

    with db.transaction() as s:
        s.exec(update(StaffUser).where(StaffUser.username == username).values(totp_last_step=None))
    return pyotp.TOTP(TOTP_SECRET).now()


def pass_second_step(app, http, username: str, response):
    """After the password (Flask test client): give the code if the sign-in asks for it."""
    if not response.headers.get("Location", "").endswith("/accedi/codice"):
        return response
    page = http.get("/accedi/codice").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]
    return http.post(
        "/accedi/codice",
        data={"code": totp_code(app.extensions["workshop"].db, username), "csrf_token": token},
    )

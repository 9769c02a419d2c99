"""Staff accounts: facilitators, cabina di regia members, admins.

Passwords are hashed with Argon2id (argon2-cffi, OWASP's first choice); a
hash made with older parameters is upgraded at the next successful login.
Participants never have accounts.
"""

from __future__ import annotations

import logging
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, select

from workshop.domain import staff
from workshop.domain.errors import Rejected
from workshop.domain.permissions import STAFF_ROLES
from workshop.services import staff_sessions
from workshop.storage.database import Database
from workshop.storage.models import StaffUser

log = logging.getLogger(__name__)

PASSWORD_MIN = 10
_USERNAME = re.compile(r"^[a-z0-9._-]{3,40}$")
_hasher = PasswordHasher()
# Verifying against this keeps the time of a login with an unknown username
# close to that of a wrong password, so usernames cannot be probed by timing.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """Why an account cannot be created; the message is Italian, for the admin."""


def create_user(db: Database, username: str, display_name: str, role: str, password: str) -> StaffUser:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AccountError("Nome utente: da 3 a 40 caratteri tra lettere minuscole, cifre, . _ -")
    if role not in STAFF_ROLES:
        raise AccountError("Ruolo sconosciuto.")
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"La password deve avere almeno {PASSWORD_MIN} caratteri.")
    if not display_name.strip():
        raise AccountError("Indica il nome da mostrare.")
    with db.transaction() as s:
        if s.exec(select(StaffUser.id).where(StaffUser.username == username)).first():
            raise AccountError("Esiste già un account con questo nome utente.")
        user = StaffUser(
            username=username,
            display_name=display_name.strip()[:120],
            role=role,
            password_hash=_hasher.hash(password),
        )
        s.add(user)
        s.flush()
        return user


def all_users(db: Database) -> list[StaffUser]:
    """Every staff account, by username: the admin's list."""
    with db.reader() as s:
        return list(s.exec(select(StaffUser).order_by(StaffUser.username)))


def active_with_role(db: Database, role: str) -> list[StaffUser]:
    """The active accounts of a role (e.g. the facilitators a session can be assigned to)."""
    with db.reader() as s:
        return list(s.exec(select(StaffUser).where(StaffUser.role == role, col(StaffUser.active))))


def authenticate(db: Database, username: str, password: str) -> StaffUser | None:
    with db.reader() as s:
        user = s.exec(select(StaffUser).where(StaffUser.username == username.strip().lower())).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        with db.transaction() as s:
            fresh = s.get_one(StaffUser, user.id)  # accounts are deactivated, never deleted
            fresh.password_hash = _hasher.hash(password)
    return user


def get_user(db: Database, user_id: int) -> StaffUser | None:
    with db.reader() as s:
        user = s.get(StaffUser, user_id)
    return user if user and user.active else None


def assign(db: Database, session_id: int, user_id: int) -> None:
    from workshop.storage.models import SessionFacilitator

    with db.transaction() as s:
        if s.get(SessionFacilitator, (session_id, user_id)) is None:
            s.add(SessionFacilitator(session_id=session_id, user_id=user_id))


def hash_secret(secret: str) -> str:
    """Argon2id, as for passwords (recovery codes are stored this way too)."""
    return _hasher.hash(secret)


def verify_secret(digest: str, secret: str) -> bool:
    try:
        return _hasher.verify(digest, secret)
    except (VerificationError, InvalidHashError):
        return False


def _check_new_password(password: str, repeated: str | None = None) -> None:
    if len(password) < PASSWORD_MIN:
        raise Rejected("password_too_short", min=PASSWORD_MIN)
    if repeated is not None and repeated != password:
        raise Rejected("passwords_differ")


def change_password(db: Database, user_id: int, current: str, new: str, repeated: str) -> None:
    """Someone changes their own password, knowing the current one. Every
    sign-in of the account ends (a stolen session goes with the old password);
    the caller signs the person's own browser in again."""
    _check_new_password(new, repeated)
    with db.transaction() as s:
        user = s.get(StaffUser, user_id)
        if user is None or not user.active:
            raise Rejected("account_not_found")
        if not verify_secret(user.password_hash, current):
            raise Rejected("password_wrong")
        user.password_hash = _hasher.hash(new)
        staff_sessions.end_all(s, user_id)
    log.info("password changed", extra={"user_id": user_id})


def check_password(db: Database, user_id: int, password: str) -> None:
    """Ask for the current password again before a change to how one signs in."""
    with db.reader() as s:
        user = s.get(StaffUser, user_id)
    if user is None or not verify_secret(user.password_hash, password):
        raise Rejected("password_wrong")


def turn_off_second_factor(db: Database, user_id: int, password: str) -> None:
    """Someone removes their own second factor: only if nothing requires it."""
    from workshop.services import second_factor

    check_password(db, user_id, password)
    with db.transaction() as s:
        user = s.get_one(StaffUser, user_id)  # there: check_password found it
        if not staff.may_turn_off_second_factor(user.role, user.totp_required):
            raise Rejected("second_factor_always_required")
        second_factor.remove(s, user_id)
    log.info("second factor turned off", extra={"user_id": user_id})


def admin_action(
    db: Database, admin_id: int, admin_role: str, target_id: int, action: str, password: str = ""
) -> StaffUser:
    """One of the admin page's actions on someone else's account (domain/staff.py
    says which are allowed). Deactivating, resetting the password or the second
    factor, and requiring a second factor not yet set up end the account's
    sign-ins. Every action is logged with who did it."""
    from workshop.services import second_factor

    if action == staff.RESET_PASSWORD:
        _check_new_password(password)
    with db.transaction() as s:
        user = s.get(StaffUser, target_id)
        if user is None:
            raise Rejected("account_not_found")
        staff.check_account_action(admin_role, admin_id, action, user.id, user.role)
        if action in (staff.DEACTIVATE, staff.REACTIVATE):
            user.active = action == staff.REACTIVATE
        elif action == staff.RESET_PASSWORD:
            user.password_hash = _hasher.hash(password)
        elif action == staff.RESET_SECOND_FACTOR:
            second_factor.remove(s, user.id)
        else:
            user.totp_required = action == staff.REQUIRE_SECOND_FACTOR
        ends = action in (staff.DEACTIVATE, staff.RESET_PASSWORD, staff.RESET_SECOND_FACTOR) or (
            action == staff.REQUIRE_SECOND_FACTOR and not user.totp_secret
        )
        if ends:
            # Next sign-in: with the new password, or setting the second factor up.
            staff_sessions.end_all(s, user.id)
        s.flush()
        s.refresh(user)
    log.info(
        "account changed by admin",
        extra={"action": action, "user_id": target_id, "by": admin_id, "signed_out": ends},
    )
    return user


def check_role(user: StaffUser | None, *roles: str) -> StaffUser:
    if user is None or user.role not in roles:
        raise Rejected("forbidden")
    return user

"""Staff accounts: facilitators, cabina di regia members, admins.

Passwords are hashed with Argon2id (argon2-cffi, OWASP's first choice); a
hash made with older parameters is upgraded at the next successful login.
Participants never have accounts.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select

from workshop.domain.errors import Rejected
from workshop.domain.permissions import STAFF_ROLES
from workshop.storage.database import Database
from workshop.storage.models import StaffUser

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
        user = StaffUser(username=username, display_name=display_name.strip()[:120], role=role,
                         password_hash=_hasher.hash(password))
        s.add(user)
        s.flush()
        return user


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
            fresh = s.get(StaffUser, user.id)
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


def check_role(user: StaffUser | None, *roles: str) -> StaffUser:
    if user is None or user.role not in roles:
        raise Rejected("forbidden")
    return user

"""Two-factor sign-in: time-based codes (TOTP, RFC 6238, via pyotp) and
one-time recovery codes.

- Setting up (enrolment): a secret waits in `totp_pending_secret` while the
  person adds it to their app (QR code or typed); the first code their app
  shows confirms it. Only then does it become the account's `totp_secret`,
  so setting up a new phone leaves the old one working until it is done.
- A code is good once: the time step it belongs to is stored, and only a
  later step is accepted next (one step either side of now is tolerated for
  clocks that drift). The check-and-store is one conditional UPDATE, so two
  requests racing with the same code cannot both succeed.
- Recovery codes: RECOVERY_CODES of them, shown once, stored hashed with
  Argon2 like passwords; each works once. A code's first character says
  which of the set it is (not a secret: the other nine are), so trying one
  costs one Argon2 verification, as a password does, not one per code: each
  holds the server's event loop for tens of milliseconds.
- Failed codes count against `totp:<account id>` in the rate limiter: a
  stolen password does not buy unlimited guesses at the six digits.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, update
from sqlmodel import col, select

from workshop.domain.errors import Rejected
from workshop.services import accounts
from workshop.services.ratelimit import RateLimits
from workshop.storage.database import Database
from workshop.storage.models import StaffRecoveryCode, StaffUser, utcnow

log = logging.getLogger(__name__)

ISSUER = "Laboratori Piano di Zona"
RECOVERY_CODES = 10
# Without 0/o, 1/l/i: codes are copied by hand from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10  # the index, then ~44 random bits
_TOTP_CODE = re.compile(r"^\d{6}$")

TOTP = "totp"
RECOVERY = "recovery"


def _limit_key(user_id: int) -> str:
    return f"totp:{user_id}"


def start_enrolment(db: Database, user_id: int, secret: str | None = None) -> str:
    """The secret to set the person's app up with: the one already waiting (a
    reloaded page shows the same QR code), else a new one. `secret` forces one
    (tests use a known secret)."""
    with db.transaction() as s:
        user = s.get(StaffUser, user_id)
        if user is None:
            raise Rejected("account_not_found")
        if secret is not None or not user.totp_pending_secret:
            user.totp_pending_secret = secret or pyotp.random_base32()
        return user.totp_pending_secret


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The provisioning URI as an inline SVG QR code (no request of its own that
    a cache or a log could keep: the secret is in it)."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, border=2, omitsize=True, title=title, svgclass="totp-qr"
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, for people who type it into their app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _step_of(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, or one either side) whose code `code` is."""
    code = re.sub(r"\s", "", code or "")
    if not _TOTP_CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes() -> list[str]:
    return [
        _ALPHABET[i] + "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH - 1))
        for i in range(RECOVERY_CODES)
    ]


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def confirm_enrolment(
    db: Database, limiter: RateLimits, user_id: int, code: str, now: datetime | None = None
) -> list[str]:
    """A code from the new app confirms the waiting secret: it becomes the
    account's second factor, with new recovery codes (the old ones stop
    working). Returns the recovery codes, in clear, this once."""
    now = now or utcnow()
    limiter.check(_limit_key(user_id))
    codes = _new_recovery_codes()
    hashes = [accounts.hash_secret(c) for c in codes]
    with db.transaction() as s:
        user = s.get(StaffUser, user_id)
        pending = user.totp_pending_secret if user else None
        step = _step_of(pending, code, now) if pending else None
        if user is None or not step:
            limiter.failed(_limit_key(user_id))
            raise Rejected("code_wrong")
        user.totp_secret, user.totp_pending_secret, user.totp_last_step = pending, None, step
        s.exec(delete(StaffRecoveryCode).where(col(StaffRecoveryCode.user_id) == user_id))
        for digest in hashes:
            s.add(StaffRecoveryCode(user_id=user_id, code_hash=digest, created_at=now))
    log.info("second factor set up", extra={"user_id": user_id})
    return codes


def verify(db: Database, limiter: RateLimits, user_id: int, code: str, now: datetime | None = None) -> str:
    """The second step of a sign-in: TOTP if six digits, else a recovery code.
    Returns which was used; raises `Rejected("code_wrong")` (or `rate_limited`)."""
    now = now or utcnow()
    key = _limit_key(user_id)
    limiter.check(key)
    with db.reader() as s:
        user = s.get(StaffUser, user_id)
    if user is None or not user.active or not user.totp_secret:
        raise Rejected("code_wrong")
    step = _step_of(user.totp_secret, code, now)
    if step is not None:
        with db.transaction() as s:
            # Accepted only for a step later than the last one used: no replay.
            taken = s.exec(
                update(StaffUser)
                .where(
                    col(StaffUser.id) == user_id,
                    col(StaffUser.totp_secret) == user.totp_secret,
                    col(StaffUser.totp_last_step).is_(None) | (col(StaffUser.totp_last_step) < step),
                )
                .values(totp_last_step=step)
            ).rowcount
        if taken == 1:
            return TOTP
    elif _use_recovery_code(db, user_id, code, now):
        log.info("recovery code used", extra={"user_id": user_id})
        return RECOVERY
    limiter.failed(key)
    raise Rejected("code_wrong")


def _use_recovery_code(db: Database, user_id: int, typed: str, now: datetime) -> bool:
    typed = re.sub(r"[\s-]", "", (typed or "").lower())
    index = _ALPHABET.find(typed[:1]) if len(typed) == _RECOVERY_LENGTH else -1
    if not 0 <= index < RECOVERY_CODES:
        return False
    with db.reader() as s:
        # The set in the order it was made (one transaction, ids ascending).
        rows = s.exec(
            select(StaffRecoveryCode)
            .where(StaffRecoveryCode.user_id == user_id)
            .order_by(col(StaffRecoveryCode.id))
        ).all()
    row = rows[index] if index < len(rows) else None
    if row is None or row.used_at is not None or not accounts.verify_secret(row.code_hash, typed):
        return False
    with db.transaction() as s:
        return (
            s.exec(
                update(StaffRecoveryCode)
                .where(
                    col(StaffRecoveryCode.id) == row.id,
                    col(StaffRecoveryCode.used_at).is_(None),
                )
                .values(used_at=now)
            ).rowcount
            == 1
        )


def recovery_codes_left(db: Database, user_id: int) -> int:
    with db.reader() as s:
        return len(
            s.exec(
                select(StaffRecoveryCode.id).where(
                    StaffRecoveryCode.user_id == user_id, col(StaffRecoveryCode.used_at).is_(None)
                )
            ).all()
        )


def remove(s, user_id: int) -> None:
    """No second factor any more (in the caller's transaction): secret, waiting
    secret, last step and recovery codes go."""
    s.exec(
        update(StaffUser)
        .where(col(StaffUser.id) == user_id)
        .values(totp_secret=None, totp_pending_secret=None, totp_last_step=None)
    )
    s.exec(delete(StaffRecoveryCode).where(col(StaffRecoveryCode.user_id) == user_id))

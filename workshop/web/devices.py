"""Device cookies for the staff sign-in (OWASP's "Slow Down Online Guessing
Attacks with Device Cookies").

Once the right password for an account has been typed in a browser, that
browser keeps a signed cookie naming the account with a random nonce. When it
signs in to that account again, its attempts are counted against that
device (services/ratelimit.login_scopes) instead of against the account and
the address, so someone guessing the account's password, from anywhere, or
from the same network, neither slows down nor turns away its owner. A device
cookie is good only for the accounts it names, its own wrong passwords are
limited like anyone's, and it proves nothing by itself: the password is
always asked.
"""

from __future__ import annotations

import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "workshop_device"
MAX_AGE_DAYS = 365
MAX_ACCOUNTS = 5  # a shared office computer: the last few accounts signed in from it


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="staff-device")


def _entries() -> dict[str, str]:
    """username → nonce, from this request's cookie (nothing if missing, forged or old)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        entries = _signer().loads(raw, max_age=MAX_AGE_DAYS * 86400)
    except BadSignature:
        return {}
    if not isinstance(entries, list):
        return {}
    return {
        e[0]: e[1]
        for e in entries
        if isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e)
    }


def _key(username: str) -> str:
    return username.strip().lower()  # as accounts.authenticate reads it


def trusted(username: str) -> str | None:
    """This browser's device nonce for the account, if it has signed in to it before."""
    return _entries().get(_key(username))


def remember(response: Response, username: str) -> None:
    """After the right password: a new device cookie entry for the account."""
    entries = _entries()
    entries.pop(_key(username), None)
    entries[_key(username)] = secrets.token_urlsafe(16)
    kept = list(entries.items())[-MAX_ACCOUNTS:]
    response.set_cookie(
        COOKIE,
        _signer().dumps([list(e) for e in kept]),
        max_age=MAX_AGE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )

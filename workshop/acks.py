"""The error acknowledgement, shared by the socket handlers and the JSON API.

The one place where a refused command becomes what a client reads: the stable
code, the message translated for the request's locale, and field details.
"""

from __future__ import annotations

from flask_babel import gettext

from workshop.domain.errors import Rejected


def error_ack(rejected: Rejected) -> dict:
    return {"ok": False, "error": {"code": rejected.code, "message": rejected.message(gettext),
                                   "details": rejected.details}}

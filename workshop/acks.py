"""The error acknowledgement, shared by the socket handlers and the JSON API.

The one place where a refused command becomes what a client reads: the stable
code, the message translated for the request's locale, and field details.
"""

from __future__ import annotations

from flask_babel import gettext

from workshop.domain.errors import Rejected


def error_ack(rejected: Rejected) -> dict:
    return {
        "ok": False,
        "error": {
            "code": rejected.code,
            "message": rejected.message(gettext),
            "params": rejected.params,
            "details": rejected.details,
        },
    }


def lookup_failure_status(rejected: Rejected) -> tuple[int, dict]:
    """HTTP status and headers for a failed code lookup (pages and JSON API)."""
    if rejected.code == "rate_limited":
        return 429, {"Retry-After": str(rejected.params["retry_after"])}
    return 404, {}

"""Small read-only JSON API for clients that are not the bundled web page.

Everything that changes state goes over Socket.IO (docs/protocol.md); these
endpoints only help a client build its join screen.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext

from workshop import i18n
from workshop.acks import error_ack, lookup_failure_status
from workshop.context import client_address, services
from workshop.domain.errors import Rejected
from workshop.domain.rules import NOTE_MAX_CHARS, PSEUDONYM_MAX, PSEUDONYM_MIN
from workshop.services import catalog, territories, views

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/categories")
def categories():
    rows = catalog.categories(services().db)
    return jsonify(
        categories=[{"key": r.key, "code": r.code, "label": i18n.named(r)} for r in rows],
        limits={
            "pseudonym_min": PSEUDONYM_MIN,
            "pseudonym_max": PSEUDONYM_MAX,
            "note_max_chars": NOTE_MAX_CHARS,
        },
    )


@bp.get("/territories")
def territory_list():
    """The territories a newcomer may say they live or work in (`join`'s optional
    `territory`), in the admin's order; names are place names, not translated."""
    return jsonify(
        territories=[
            {"key": t.key, "name": t.name, "kind": t.kind} for t in territories.listed(services().db)
        ]
    )


@bp.get("/sessions/<code>")
def session_preview(code: str):
    """What a join screen shows before asking for a pseudonym. Counts as a join attempt."""
    try:
        live, lab = services().bus.find_session(code, client_address())
    except Rejected as rejected:
        return jsonify(error_ack(rejected)), *lookup_failure_status(rejected)
    return jsonify(ok=True, session=views.session_view(live, lab))


@bp.errorhandler(404)
def api_not_found(_error):
    return jsonify(
        ok=False, error={"code": "not_found", "message": gettext("Risorsa non trovata."), "details": []}
    ), 404

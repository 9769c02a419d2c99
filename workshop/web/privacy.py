"""People's rights: a participant sees, downloads and erases their data; staff do it
on a request received by other channels (logged with its reference).

A participant is recognised as in the room: by the token the browser keeps
in its session cookie (pages) or sends as a bearer token (JSON API for other
clients, docs/protocol.md §12). Thin: the work is in services/privacy.py and
the erasure runs through the command bus, which tells the room.
"""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from workshop.acks import error_ack
from workshop.context import client_address, services
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, UFFICIO_PIANO
from workshop.extensions import csrf
from workshop.services import privacy
from workshop.services.ratelimit import JOIN_ADDRESS, Scope
from workshop.web.auth import role_required
from workshop.web.ids import form_id

bp = Blueprint("privacy", __name__)
STAFF = (UFFICIO_PIANO, ADMIN)


def _participant_from_token(token: str | None, join_code: str | None = None):
    """(participant, session) of a token, in the session of `join_code` if given."""
    public_id = token and services().tokens.read(token)
    return privacy.participant_in(services().db, public_id, join_code) if public_id else None


def _mine(code: str):
    """The participant this browser is in the session behind `code`, and the session (else 404)."""
    session_id = privacy.session_id_of(services().db, code)
    token = session_id and session.get("participants", {}).get(str(session_id))
    found = _participant_from_token(token, code)
    if found is None:
        abort(404)
    return found


def _download(data: dict, filename: str) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _no_store(page) -> Response:
    response = Response(page) if isinstance(page, str) else page
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the participant, from the room --------------------------------------------------


@bp.get("/s/<code>/i-miei-dati")
def mine(code: str):
    participant, live = _mine(code)
    data = privacy.personal_data(services().db, participant.id)
    return _no_store(
        render_template(
            "privacy/mine.html", data=data, live=live, code=code, frozen_note=gettext(privacy.FROZEN_NOTE)
        )
    )


@bp.get("/s/<code>/i-miei-dati.json")
def mine_json(code: str):
    participant, live = _mine(code)
    data = privacy.personal_data(services().db, participant.id)
    privacy.log_request(services().db, privacy.ACCESS, participant.id)
    return _download(data, f"i-miei-dati-sessione-{live.id}.json")


@bp.post("/s/<code>/i-miei-dati/cancella")
def erase_mine(code: str):
    participant, live = _mine(code)
    try:
        if request.form.get("conferma") != "1":
            raise Rejected("erasure_unconfirmed")
        services().bus.erase(participant.id)
    except Rejected as rejected:  # unconfirmed, or the session too busy a moment (retry)
        data = privacy.personal_data(services().db, participant.id)
        return _no_store(
            render_template(
                "privacy/mine.html",
                data=data,
                live=live,
                code=code,
                frozen_note=gettext(privacy.FROZEN_NOTE),
                error=rejected.message(gettext),
            )
        ), 422
    tokens = dict(session.get("participants", {}))
    tokens.pop(str(live.id), None)
    session["participants"] = tokens
    flash(gettext("I tuoi dati di questa sessione sono stati cancellati."), "success")
    return redirect(url_for("pages.home"), code=303)


# -- the same for other clients, with the token as bearer -----------------------------


def _bearer():
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    found = _participant_from_token(token)
    if found is None:
        # A guessed token is a failed join, answered late past the limit like one.
        with services().bus.limiter.attempt(Scope(JOIN_ADDRESS, client_address())) as attempt:
            attempt.failed()
        raise Rejected("invalid_token")
    return found[0]


@bp.get("/api/v1/me")
def api_mine():
    try:
        participant = _bearer()
    except Rejected as rejected:
        return jsonify(error_ack(rejected)), 401
    data = privacy.personal_data(services().db, participant.id)
    privacy.log_request(services().db, privacy.ACCESS, participant.id)
    response = jsonify(ok=True, data=data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/api/v1/me")
@csrf.exempt  # authenticated by the bearer token, not by a cookie: nothing to forge
def api_erase():
    try:
        participant = _bearer()
        notes = services().bus.erase(participant.id)
    except Rejected as rejected:
        return jsonify(error_ack(rejected)), 401 if rejected.code == "invalid_token" else 409
    return jsonify(ok=True, erased_notes=notes)


# -- staff, on a request received by other channels ----------------------------------


def _requests_page(
    *, error: str | None = None, status: int = 200, found: dict | None = None, form: dict | None = None
):
    return _no_store(
        render_template(
            "privacy/requests.html",
            sessions=privacy.sessions(services().db),
            log=privacy.request_log(services().db),
            error=error,
            found=found,
            form=form or {},
            reference_max=privacy.REFERENCE_MAX,
            frozen_note=gettext(privacy.FROZEN_NOTE),
        )
    ), status


@bp.get("/privacy/richieste")
@role_required(*STAFF)
def requests():
    return _requests_page()


@bp.post("/privacy/richieste")
@role_required(*STAFF)
def handle_request():
    form = request.form
    values = {
        "sessione": form.get("sessione", ""),
        "pseudonimo": form.get("pseudonimo", ""),
        "riferimento": form.get("riferimento", ""),
    }
    db = services().db
    try:
        session_id = form_id(form, "sessione")
        if session_id is None:
            raise Rejected("participant_not_found")
        ref = privacy.reference(values["riferimento"], required=True)
        participant_id = privacy.find_participant(db, session_id, values["pseudonimo"])
        action = form.get("azione", "mostra")
        if action == "cancella":
            if form.get("conferma") != "1":
                raise Rejected("erasure_unconfirmed")
            notes = services().bus.erase(participant_id, user_id=current_user.id, reference=ref)
            flash(
                gettext("Dati cancellati (contributi: %(n)s). La richiesta è registrata.", n=notes), "success"
            )
            return redirect(url_for("privacy.requests"), code=303)
        data = privacy.personal_data(db, participant_id)
        privacy.log_request(db, privacy.ACCESS, participant_id, current_user.id, ref)
        if action == "scarica":
            return _download(data, f"dati-partecipante-sessione-{session_id}.json")
    except Rejected as rejected:
        return _requests_page(error=rejected.message(gettext), status=422, form=values)
    return _requests_page(found=data, form=values)

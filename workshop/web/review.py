"""Reviewing notes for publication: which notes of a session may leave the room.

A facilitator of the session or the Ufficio di Piano reads each note, with
what may be personal data highlighted, and marks it publishable (as written,
or edited), keeps it for internal use, or leaves it to review. Thin: the rule
and the history are in services/publication.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from workshop.context import services
from workshop.domain import personal_data
from workshop.domain import publication as pub
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, FACILITATOR, UFFICIO_PIANO
from workshop.services import publication
from workshop.services.schede import PlanActor
from workshop.web.auth import role_required
from workshop.web.ids import form_ids

bp = Blueprint("review", __name__, url_prefix="/revisione")
REVIEWERS = (FACILITATOR, UFFICIO_PIANO, ADMIN)


def _editor() -> PlanActor:
    return PlanActor(current_user.id, current_user.role)


@bp.get("")
@role_required(*REVIEWERS)
def index():
    rows = publication.reviewable_sessions(services().db, _editor())
    pending = publication.pending_by_session(services().db, [live.id for live, _ in rows])
    return render_template("review/index.html", rows=rows, pending=pending)


def _page(session_id: int, *, error: str | None = None, status: int = 200, edited: dict | None = None):
    try:
        queue = publication.queue(services().db, _editor(), session_id)
    except Rejected as rejected:
        abort(404 if rejected.code == "not_joined" else 403)
    shown = request.args.get("mostra", "da_rivedere")
    notes = queue["notes"]
    if shown == "segnalati":
        notes = [n for n in notes if n["flags"]]
    elif shown in pub.STATES:
        notes = [n for n in notes if n["publication"] == shown]
    else:
        shown = "tutti"
    return render_template(
        "review/session.html",
        queue=queue,
        notes=notes,
        shown=shown,
        error=error,
        edited=edited or {},
        labels=pub.LABELS,
        flag_labels=personal_data.LABELS,
        text_max=pub.TEXT_MAX,
    ), status


@bp.get("/sessioni/<id:session_id>")
@role_required(*REVIEWERS)
def session(session_id: int):
    return _page(session_id)


@bp.post("/sessioni/<id:session_id>")
@role_required(*REVIEWERS)
def decide(session_id: int):
    form = request.form
    note_ids = form_ids(form, "contributo") or []
    state = form.get("pubblicazione", "")
    text = form.get("testo") if form.get("modifica") else None
    try:
        if not note_ids:
            raise Rejected("note_not_found")
        changed = publication.decide(services().db, _editor(), session_id, note_ids, state, text)
    except Rejected as rejected:
        if rejected.code in ("not_joined", "review_not_allowed"):
            abort(404 if rejected.code == "not_joined" else 403)
        return _page(
            session_id,
            error=rejected.message(gettext),
            status=422,
            edited={note_ids[0]: text} if text is not None and note_ids else None,
        )
    flash(
        ngettext(
            "%(num)s contributo ora è «%(state)s».",
            "%(num)s contributi ora sono «%(state)s».",
            changed,
            state=gettext(pub.LABELS[state]),
        ),
        "success",
    )
    return redirect(
        url_for("review.session", session_id=session_id, mostra=request.args.get("mostra", "da_rivedere")),
        code=303,
    )

"""Pages for facilitators: their sessions, a new session, the control room,
the projector view, and the QR code of a session's join URL.

The control room and the projector are Socket.IO clients (static/js/); these
views only check who may open them and hand over the configuration.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from workshop import i18n
from workshop.context import services
from workshop.domain import joincode, phases, rules, timer
from workshop.domain.commands import KIND_LABELS, NOTE_KINDS
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, FACILITATOR
from workshop.services import accounts, catalog, meetings, periods, territories, views
from workshop.services.sessions import SessionSettings, create_session, runnable, sessions_of
from workshop.web.auth import role_required
from workshop.web.ids import form_id
from workshop.web.meetings import MeetingFields, control_context
from workshop.web.reference import plan_areas

if TYPE_CHECKING:  # only in annotations: pages get what they show from services
    from workshop.storage.models import Lab, LiveSession

bp = Blueprint("facilitation", __name__, url_prefix="/facilitatore")


class NewSessionForm(MeetingFields):
    lab = SelectField(_l("Laboratorio"), validators=[DataRequired()])
    title = StringField(_l("Titolo della sessione"), validators=[DataRequired(), Length(max=200)])
    guiding_question = TextAreaField(_l("Domanda guida"), validators=[Length(max=1000)])
    dots = IntegerField(
        _l("Punti per partecipante"),
        default=rules.DEFAULT_DOTS_PER_PARTICIPANT,
        validators=[NumberRange(min=1, max=50)],
    )
    cap = IntegerField(
        _l("Massimo di punti su un elemento"),
        default=rules.DEFAULT_CAP_PER_ITEM,
        validators=[NumberRange(min=1, max=50)],
    )
    note_kinds = SelectMultipleField(
        _l("Tipi di contributo"),
        default=list(NOTE_KINDS),
        choices=[SelectChoice(k, _l(v)) for k, v in KIND_LABELS.items()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    show_pseudonyms = BooleanField(_l("Mostra gli pseudonimi degli autori"), default=True)
    private_writing = BooleanField(
        _l("Scrittura privata: i contributi restano visibili solo a chi li scrive finché non li riveli"),
        default=False,
    )
    practice = BooleanField(
        _l(
            "Sessione di prova / formazione: per esercitarsi; i risultati non entrano "
            "nel piano, nella restituzione né nei dati aperti (non si cambia dopo)"
        ),
        default=False,
    )
    programme = SelectField(_l("Programma attuativo"), default="")


def _my_sessions():
    return sessions_of(services().db, None if current_user.role == ADMIN else current_user.id)


@bp.route("", methods=["GET", "POST"])
@role_required(FACILITATOR, ADMIN)
def dashboard():
    form = NewSessionForm()
    form.offer_territories()
    with services().db.reader() as s:
        # The labs taking part in the current process, and its programmi attuativi.
        process = periods.current(s)
        labs = periods.labs_of(s, process.id) if process else []
        programmes = periods.programmes_of(s, process.id) if process else []
    form.lab.choices = [SelectChoice(lab.slug, lab.title) for lab in labs]
    form.programme.choices = [SelectChoice("", gettext("Nessuno in particolare"))] + [
        SelectChoice(str(p.id), str(p.year)) for p in programmes
    ]
    error = None
    if form.validate_on_submit():
        settings = SessionSettings(
            title=form.title.data,
            guiding_question=form.guiding_question.data or "",
            dots=form.dots.data,
            cap=form.cap.data,
            note_kinds=tuple(form.note_kinds.data or ()),
            show_pseudonyms=form.show_pseudonyms.data,
            private_writing=form.private_writing.data,
            practice=form.practice.data,
            programme_id=int(form.programme.data) if form.programme.data else None,
        )
        try:
            form.place().checked()  # the meeting's date and place, before anything is written
            made = create_session(services().db, form.lab.data, settings, owner_id=current_user.id)
            meetings.set_meeting(services().db, made.id, form.place())
        except Rejected as rejected:
            error = rejected.message(gettext)
        else:
            flash(gettext("Sessione creata: codice %(code)s.", code=joincode.display(made.code)), "success")
            return redirect(url_for("facilitation.control", session_id=made.id))
    return render_template(
        "facilitation/dashboard.html",
        form=form,
        sessions=_my_sessions(),
        error=error,
        process=process,
        programmes=programmes,
        process_titles={p["id"]: p["title"] for p in periods.processes(services().db)},
    ), 422 if error else 200


def _runnable(session_id: int):
    """The session and its lab, if the signed-in staff member may run it (404, 403)."""
    try:
        found = runnable(services().db, current_user.id, current_user.role, session_id)
    except Rejected:
        abort(403)
    if found is None:
        abort(404)
    return found


def _page_config(live: LiveSession, lab: Lab) -> dict:
    rows = catalog.categories(services().db)
    categories = {c.key: c.label for c in rows}
    areas = plan_areas()
    return {
        "session": views.session_view(live, lab),
        "join_url": join_url(live.join_code),
        "qr_url": url_for("facilitation.qr", code=live.join_code),
        "categories": categories,
        # In the configured order (JSON objects lose it: tojson sorts keys).
        "category_list": [{"key": c.key, "code": c.code, "label": c.label} for c in rows],
        "areas": areas,
        # For someone without a phone, like the join form: optional.
        "territories": [{"key": t.key, "name": t.name} for t in territories.listed(services().db)],
        "phases": [{"key": p, "label": gettext(phases.LABELS[p])} for p in phases.ORDER],
        "backward": phases.BACKWARD,
        "kinds": i18n.domain_labels(KIND_LABELS),
        # The limits the control room's forms check before sending (the server checks them again).
        "limits": {
            "title_max": rules.TITLE_MAX,
            "reason_max": rules.REASON_MAX,
            "timer_minutes_max": timer.MAX_SECONDS // 60,
        },
    }


@bp.get("/sessioni/<id:session_id>")
@role_required(FACILITATOR, ADMIN)
def control(session_id: int):
    live, lab = _runnable(session_id)
    facilitators = accounts.active_with_role(services().db, FACILITATOR)
    return render_template(
        "facilitation/control.html",
        live=live,
        lab=lab,
        page_config=_page_config(live, lab),
        facilitators=facilitators,
        **control_context(live, lab),
    )


@bp.get("/sessioni/<id:session_id>/proiezione")
@role_required(FACILITATOR, ADMIN)
def projector(session_id: int):
    live, lab = _runnable(session_id)
    return render_template(
        "facilitation/projector.html", live=live, lab=lab, page_config=_page_config(live, lab)
    )


@bp.post("/sessioni/<id:session_id>/facilitatori")
@role_required(ADMIN)
def assign(session_id: int):
    _runnable(session_id)
    user_id = form_id(request.form, "user_id")
    user = user_id and accounts.get_user(services().db, user_id)
    if not user or user.role != FACILITATOR:
        abort(400)
    accounts.assign(services().db, session_id, user.id)
    flash(gettext("%(name)s ora può gestire la sessione.", name=user.display_name), "success")
    return redirect(url_for("facilitation.control", session_id=session_id))


def join_url(code: str) -> str:
    base = services().settings.public_url
    path = url_for("pages.session_page", code=code)
    return base.rstrip("/") + path if base else url_for("pages.session_page", code=code, _external=True)


@bp.get("/qr/<code>.svg")
def qr(code: str):
    """The QR code of a join URL (public: it encodes only what is on the projector)."""
    normalized = joincode.normalize(code)
    if normalized is None:
        abort(404)
    buffer = io.BytesIO()
    segno.make(join_url(normalized), error="m").save(
        buffer, kind="svg", scale=10, border=2, title=gettext("Codice QR per entrare")
    )
    return Response(
        buffer.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"}
    )

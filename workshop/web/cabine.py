"""The cabine di regia as bodies: their members, their meetings (agenda,
attendance, decisions, minutes) and the plan's adoption, for staff; and the
public list of the bodies and their members' roles.

Thin, like every adapter: each form is one command of `services/cabine.py`
(or `services/schede.record_adoption`), a `Rejected` is shown on the page
it came from (422), and who may do what is asked of `domain/cabine.py`.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workshop import markup
from workshop.context import services
from workshop.domain import cabine as rules
from workshop.domain import review
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, PLAN_ROLES, UFFICIO_PIANO
from workshop.services import accounts, cabine, catalog, periods, schede
from workshop.web.auth import role_required
from workshop.web.ids import form_id, form_ids

bp = Blueprint("cabine", __name__)

FORMATS = "md, odt, docx, pdf"
EDITORS = (UFFICIO_PIANO, ADMIN)


def _db():
    return services().db


def _editor() -> schede.PlanActor:
    return schede.PlanActor(current_user.id, current_user.role)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _count(raw: str | None) -> int | None:
    """A count of votes as typed: empty is none, anything but a number is refused (-1)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if re.fullmatch(r"\d{1,4}", raw) else -1


def _period() -> periods.Period:
    try:
        return periods.resolve(_db(), request.values.get("percorso") or None, None)
    except Rejected:
        abort(404)


@bp.app_template_global("body_label")
def _body_label(key: str) -> str:
    return gettext(rules.BODY_LABELS.get(key, key))


@bp.app_template_global("quorum_label")
def _quorum_label(rule: str, number: int | None = None) -> str:
    if rule == rules.NUMERO:
        return gettext(rules.FIXED_NUMBER, n=number)
    return gettext(rules.QUORUM_RULES.get(rule, rule))


# -- the staff page of the bodies ---------------------------------------------------------


def _index(*, error: str | None = None, status: int = 200, form: dict | None = None):
    db = _db()
    period = _period()
    role = current_user.role
    return render_template(
        "cabine/index.html",
        bodies=cabine.bodies(db),
        meetings=cabine.meetings(db, period.process.slug),
        period=period,
        process=period.process,
        adoption=schede.adoption(period.process),
        labs=catalog.labs(db),
        accounts=[u for u in accounts.all_users(db) if u.active],
        quorum_rules=rules.QUORUM_RULES,
        may_edit=role in EDITORS,
        may_keep={key for key in rules.BODIES if role in (*EDITORS, key)},
        limits=rules,
        error=error,
        form=form or {},
    ), status


@bp.get("/cabine")
@role_required(*PLAN_ROLES)
def index():
    return _index()


def _refused(rejected: Rejected):
    return _index(error=rejected.message(gettext), status=422, form=request.form)


@bp.post("/cabine/<any(ristretta, allargata):body>/componenti")
@role_required(*PLAN_ROLES)
def save_member(body: str):
    form = request.form
    try:
        cabine.save_member(
            _db(),
            _editor(),
            body,
            form.get("nome", ""),
            form.get("ruolo", ""),
            form.get("ente", ""),
            member_id=form_id(form, "componente"),
            lab_id=form_id(form, "laboratorio"),
            staff_user_id=form_id(form, "account"),
            active=form.get("in_carica", "1") == "1",
        )
    except Rejected as rejected:
        return _refused(rejected)
    flash(gettext("Componente salvato."), "success")
    return redirect(url_for("cabine.index", _anchor=f"organo-{body}"), code=303)


@bp.post("/cabine/<any(ristretta, allargata):body>/numero-legale")
@role_required(*PLAN_ROLES)
def set_quorum(body: str):
    form = request.form
    try:
        cabine.set_quorum(_db(), _editor(), body, form.get("regola", ""), form_id(form, "numero"))
    except Rejected as rejected:
        return _refused(rejected)
    flash(gettext("Regola del numero legale salvata."), "success")
    return redirect(url_for("cabine.index", _anchor=f"organo-{body}"), code=303)


@bp.post("/cabine/<any(ristretta, allargata):body>/riunioni")
@role_required(*PLAN_ROLES)
def create_meeting(body: str):
    form = request.form
    try:
        meeting_id = cabine.create_meeting(
            _db(), _editor(), body, _period().process.slug, _day(form.get("giorno")), form.get("luogo", "")
        )
    except Rejected as rejected:
        return _refused(rejected)
    flash(gettext("Riunione creata: ora metti le schede all’ordine del giorno."), "success")
    return redirect(url_for("cabine.meeting", meeting_id=meeting_id), code=303)


@bp.post("/cabine/adozione")
@role_required(*EDITORS)
def adopt():
    form = request.form
    try:
        schede.record_adoption(
            _db(),
            _editor(),
            _period().process.slug,
            form.get("atto", ""),
            form.get("organo", ""),
            _day(form.get("data")),
            form.get("numero", ""),
            form.get("collegamento", ""),
        )
    except Rejected as rejected:
        return _refused(rejected)
    flash(gettext("Adozione del piano registrata."), "success")
    return redirect(url_for("cabine.index", _anchor="adozione"), code=303)


# -- a meeting ----------------------------------------------------------------------------------


def _meeting_page(meeting_id: int, *, error: str | None = None, status: int = 200, form: dict | None = None):
    db = _db()
    try:
        view = cabine.meeting_view(db, meeting_id)
    except Rejected:
        abort(404)
    role = current_user.role
    return render_template(
        "cabine/meeting.html",
        view=view,
        remarks_html=markup.render(view["remarks"]) if view["remarks"] else "",
        may_keep=role in (*EDITORS, view["body"]),
        outcome_labels={t: review.DONE[(rules.agenda_state(view["body"]), t)] for t in view["outcomes"]},
        motivation_min=review.MOTIVATION_MIN,
        motivation_max=review.MOTIVATION_MAX,
        limits=rules,
        error=error,
        form=form or {},
    ), status


@bp.get("/cabine/riunioni/<id:meeting_id>")
@role_required(*PLAN_ROLES)
def meeting(meeting_id: int):
    return _meeting_page(meeting_id)


DONE_MESSAGES = {
    "dati": _l("Dati della riunione salvati."),
    "odg_aggiungi": _l("Scheda aggiunta all’ordine del giorno."),
    "odg_togli": _l("Scheda tolta dall’ordine del giorno."),
    "presenze": _l("Presenze salvate."),
    "decisione": _l("Decisione registrata: la scheda è passata allo stato deciso dalla riunione."),
    "approva_verbale": _l("Verbale approvato e congelato: da ora la riunione non si modifica più."),
}


@bp.post("/cabine/riunioni/<id:meeting_id>")
@role_required(*PLAN_ROLES)
def change_meeting(meeting_id: int):
    db, editor, form = _db(), _editor(), request.form
    action = form.get("azione", "")
    try:
        if action == "dati":
            cabine.update_meeting(
                db,
                editor,
                meeting_id,
                _day(form.get("giorno")),
                form.get("luogo", ""),
                form.get("verbale", ""),
            )
        elif action in ("odg_aggiungi", "odg_togli"):
            action_id = form_id(form, "scheda")
            if action_id is None:
                raise Rejected("agenda_invalid", max=rules.AGENDA_MAX)
            change = cabine.add_to_agenda if action == "odg_aggiungi" else cabine.remove_from_agenda
            change(db, editor, meeting_id, action_id)
        elif action == "presenze":
            present = form_ids(form, "presenti")
            if present is None:
                raise Rejected("member_not_found")
            cabine.set_attendance(db, editor, meeting_id, present)
        elif action == "decisione":
            action_id = form_id(form, "scheda")
            if action_id is None:
                raise Rejected("not_on_agenda")
            votes = rules.Votes(
                _count(form.get("favorevoli")), _count(form.get("contrari")), _count(form.get("astenuti"))
            )
            cabine.decide(
                db, editor, meeting_id, action_id, form.get("esito", ""), form.get("motivazione", ""), votes
            )
        elif action == "approva_verbale":
            cabine.freeze_minutes(db, editor, meeting_id)
        else:
            raise Rejected("invalid_payload")
    except Rejected as rejected:
        if rejected.code == "body_meeting_not_found":
            abort(404)
        return _meeting_page(meeting_id, error=rejected.message(gettext), status=422, form=form)
    flash(str(DONE_MESSAGES[action]), "success")
    return redirect(url_for("cabine.meeting", meeting_id=meeting_id), code=303)


@bp.get(f"/cabine/riunioni/<id:meeting_id>/verbale.<any({FORMATS}):fmt>")
@role_required(*PLAN_ROLES)
def minutes(meeting_id: int, fmt: str):
    try:
        data, mime, _ = cabine.minutes_document(_db(), meeting_id, fmt)
    except Rejected:
        abort(404)
    return Response(
        data,
        headers={
            "Content-Type": mime,
            "Content-Disposition": f'attachment; filename="verbale-riunione-{meeting_id}.{fmt}"',
        },
    )


# -- public ---------------------------------------------------------------------------------------


@bp.get("/cabine-di-regia")
def public_bodies():
    """The bodies that decide on the schede: their members' names, roles and
    organisations (members of public bodies, in office), and their quorum."""
    return render_template("public/bodies.html", bodies=cabine.bodies(_db(), public=True))

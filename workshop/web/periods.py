"""Pages of a programma attuativo: its schede with the year's budget and targets,
the approved schede the rollover proposes «in continuità» (each confirmed by a
person, with new budget and targets), and its approval by the admin.

Thin: `services.periods` decides; a `Rejected` becomes an alert (422).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workshop.context import services
from workshop.domain import periods as rules
from workshop.domain import scheda as fields
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, PLAN_ROLES, UFFICIO_PIANO
from workshop.services import periods, schede
from workshop.web.auth import role_required
from workshop.web.ids import form_id

bp = Blueprint("periods", __name__)

STATE_LABELS = {rules.IN_PREPARAZIONE: _l("in preparazione"), rules.APPROVATO: _l("approvato")}
CONTINUITY_LABELS = {rules.NUOVA: _l("nuova"), rules.CONTINUITA: _l("in continuità")}


@bp.app_template_global("programme_state_label")
def _state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


@bp.app_template_global("continuity_label")
def _continuity_label(continuity: str) -> str:
    return str(CONTINUITY_LABELS.get(continuity, continuity))


@bp.app_template_global("scheda_programmes")
def _scheda_programmes(action_id: int) -> list[dict]:
    return periods.programmes_of_action(services().db, action_id)


def _page(programme_id: int, *, error: str | None = None, failed: int | None = None, status: int = 200):
    try:
        view = periods.programme_view(services().db, programme_id)
    except Rejected:
        abort(404)
    return render_template(
        "plan/programme.html",
        view=view,
        error=error,
        failed=failed,
        form=request.form,
        fonti={k: gettext(v) for k, v in fields.FONTI.items()},
        amount=fields.amount,
        may_confirm=current_user.role in (UFFICIO_PIANO, ADMIN)
        and view["programme"].state == rules.IN_PREPARAZIONE,
        may_approve=current_user.role == ADMIN and view["programme"].state == rules.IN_PREPARAZIONE,
    ), status


@bp.get("/piano/programmi/<id:programme_id>")
@role_required(*PLAN_ROLES)
def programme(programme_id: int):
    return _page(programme_id)


@bp.post("/piano/programmi/<id:programme_id>/conferma")
@role_required(UFFICIO_PIANO, ADMIN)
def confirm(programme_id: int):
    """One proposed scheda confirmed into the programme with the year's budget and targets."""
    form = request.form
    action_id = form_id(form, "scheda")
    budget = {m[1]: v for k, v in form.items() if (m := re.fullmatch(r"preventivo-(\w+)", k))}
    targets = {m[1]: v for k, v in form.items() if (m := re.fullmatch(r"obiettivo-(\d{1,3})", k))}
    try:
        if action_id is None:
            raise Rejected("entry_not_found")
        periods.confirm(
            services().db,
            schede.PlanActor(current_user.id, current_user.role),
            programme_id,
            action_id,
            budget,
            targets,
        )
    except Rejected as rejected:
        if rejected.code == "programme_not_found":
            abort(404)
        return _page(programme_id, error=rejected.message(gettext), failed=action_id, status=422)
    flash(gettext("Scheda confermata nel programma attuativo."), "success")
    return redirect(url_for("periods.programme", programme_id=programme_id, _anchor="schede"), code=303)


@bp.post("/piano/programmi/<id:programme_id>/togli")
@role_required(UFFICIO_PIANO, ADMIN)
def withdraw(programme_id: int):
    """A scheda confirmed by mistake, taken out of a programme still in preparation."""
    action_id = form_id(request.form, "scheda")
    try:
        if action_id is None:
            raise Rejected("entry_not_found")
        periods.withdraw(
            services().db, schede.PlanActor(current_user.id, current_user.role), programme_id, action_id
        )
    except Rejected as rejected:
        if rejected.code == "programme_not_found":
            abort(404)
        return _page(programme_id, error=rejected.message(gettext), status=422)
    flash(gettext("Scheda tolta dal programma attuativo: torna tra quelle da confermare."), "success")
    return redirect(url_for("periods.programme", programme_id=programme_id, _anchor="proposte"), code=303)


@bp.post("/piano/programmi/<id:programme_id>/approva")
@role_required(ADMIN)
def approve(programme_id: int):
    try:
        periods.approve_programme(
            services().db,
            schede.PlanActor(current_user.id, current_user.role),
            programme_id,
            request.form.get("atto", ""),
        )
    except Rejected as rejected:
        if rejected.code == "programme_not_found":
            abort(404)
        return _page(programme_id, error=rejected.message(gettext), status=422)
    flash(gettext("Programma attuativo approvato."), "success")
    return redirect(url_for("periods.programme", programme_id=programme_id), code=303)

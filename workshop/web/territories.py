"""The admin's list of territories (domain/territory.py): Comuni, Poli di servizio
sociale, quartieri. A meeting's place belongs to one (web/meetings.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from workshop.context import services
from workshop.domain import territory
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN
from workshop.services import territories
from workshop.web.auth import role_required

bp = Blueprint("territories", __name__)


@bp.route("/admin/territori", methods=["GET", "POST"])
@role_required(ADMIN)
def manage():
    db = services().db
    error, status = None, 200
    if request.method == "POST":
        form = request.form
        try:
            if form.get("azione") == "nuovo":
                territories.add(db, form.get("tipo", ""), form.get("nome", ""))
                flash(gettext("Territorio aggiunto all’elenco."), "success")
            elif form.get("azione") == "modifica":
                territories.update(
                    db, form.get("chiave", ""), form.get("nome", ""), active=form.get("attivo") == "1"
                )
                flash(gettext("Territorio aggiornato."), "success")
            else:
                raise Rejected("territory_invalid", max=territory.NAME_MAX)
            return redirect(url_for("territories.manage"), code=303)
        except Rejected as rejected:
            error, status = rejected.message(gettext), 422
    return render_template(
        "plan/territories.html",
        rows=territories.listed(db, active_only=False),
        kinds=territory.KINDS,
        name_max=territory.NAME_MAX,
        error=error,
    ), status

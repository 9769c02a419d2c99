"""Pages of the monitoring (accountability): the staff's list of approved schede
with the CSV import and its template, a scheda's yearly report form and the
accounts that may report on it, the public overview by area, and the annual
monitoring report as a document.

Thin: `services.monitoring` decides (who may report is
`domain/monitoring.may_report`, asked again by the service on every write);
a `Rejected` becomes an alert (422), a CSV's problems a list by row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from workshop.domain import monitoring as rules
from workshop.domain import review
from workshop.domain import scheda as fields
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, PLAN_ROLES, STAFF_ROLES, UFFICIO_PIANO
from workshop.services import accounts, documents, exports, monitoring, schede
from workshop.web.auth import role_required
from workshop.web.ids import form_ids
from workshop.web.plan import _db, _editor, _period, bp
from workshop.web.plan.downloads import FORMATS, _download
from workshop.web.reference import plan_areas


@bp.app_template_global("monitoring_label")
def _status_label(status: str | None) -> str:
    return gettext(rules.LABELS[status]) if status in rules.LABELS else gettext(rules.NOT_REPORTED)


@bp.app_template_global("monitoring_typed")
def _typed(value: str) -> str:
    return rules.value_typed(value)


@bp.app_template_global("monitoring_body")
def _body_label(body: str | None) -> str:
    return gettext(rules.BODIES[body]) if body in rules.BODIES else ""


def _whole(raw: str) -> bool:
    """Digits 0-9 only: `str.isdigit` also says yes to «²» or «①», which `int` refuses."""
    return raw.isascii() and raw.isdigit()


def _fonti() -> dict[str, str]:
    return {k: gettext(v) for k, v in fields.FONTI.items()}


def _problems(rejected: Rejected) -> list[dict]:
    """A CSV's problems, each with its row and the message in the reader's language."""
    return [
        {"line": d["line"], "message": Rejected(d["code"], **d["params"]).message(gettext)}
        for d in rejected.details
    ]


def _reportable(period) -> list[dict]:
    """The approved schede of the period the reader may report on (a referente:
    those named to them)."""
    rows = monitoring.monitored_actions(_db(), period.process.slug)
    if current_user.role not in PLAN_ROLES:
        mine = monitoring.reported_by(_db(), current_user.id)
        rows = [r for r in rows if r["id"] in mine]
    return rows


def _list_page(*, error: str | None = None, problems: list[dict] | None = None, status: int = 200):
    period = _period()
    rows = _reportable(period)
    return render_template(
        "plan/monitoring.html",
        period=period,
        rows=rows,
        error=error,
        problems=problems or [],
        columns=monitoring.CSV_COLUMNS,
        statuses=rules.STATUSES,
        fonti=_fonti(),
        years=schede.years(period.process),
        referente_only=current_user.role not in PLAN_ROLES,
    ), status


@bp.get("/piano/monitoraggio")
@role_required(*STAFF_ROLES)
def monitoring_list():
    return _list_page()


@bp.get("/piano/monitoraggio/modello.csv")
@role_required(*STAFF_ROLES)
def monitoring_template():
    # The examples name a scheda the reader may report on, in this year when the
    # plan covers it: the template imports as downloaded (then the reader edits it).
    period = _period()
    rows = _reportable(period)
    years = schede.years(period.process)
    this_year = datetime.now(UTC).year
    example = (rows[0]["id"], this_year if this_year in years else years[0]) if rows and years else None
    return _download(monitoring.template_csv(example), "text/csv; charset=utf-8", "modello-monitoraggio.csv")


@bp.post("/piano/monitoraggio/importa")
@role_required(*STAFF_ROLES)
def monitoring_import():
    """A CSV of monitoring rows: all in, or nothing and the list of what to fix."""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Rejected("csv_no_file")
        done = monitoring.import_csv(_db(), _editor(), upload.read(monitoring.CSV_MAX_BYTES + 1))
    except Rejected as rejected:
        return _list_page(error=rejected.message(gettext), problems=_problems(rejected), status=422)
    # Three counts, each with its own plural («1 anni di schede aggiornati» before).
    flash(
        gettext(
            "File importato: %(rows)s, %(reports)s, %(entries)s.",
            rows=ngettext("%(num)s riga", "%(num)s righe", done.rows),
            reports=ngettext(
                "%(num)s anno di una scheda aggiornato", "%(num)s anni di schede aggiornati", done.reports
            ),
            entries=ngettext("%(num)s voce di cronologia", "%(num)s voci di cronologia", done.entries),
        ),
        "success",
    )
    return redirect(url_for("plan.monitoring_list"), code=303)


def _scheda_page(action_id: int, *, error: str | None = None, status: int = 200):
    db = _db()
    actor = _editor()
    may_report = monitoring.may_report(db, actor, action_id)
    if current_user.role not in PLAN_ROLES and not may_report:
        abort(403)
    try:
        view = schede.view(db, action_id, referenti=True)
        data = monitoring.of_action(db, action_id, staff=True)
    except Rejected:
        abort(404)
    years = [y["year"] for y in data["years"]]
    asked = request.values.get("anno", "")
    year = int(asked) if _whole(asked) and int(asked) in years else (data["latest"] or {}).get("year")
    if year is None:
        year = years[0] if years else None
    return render_template(
        "plan/monitoring_scheda.html",
        view=view,
        data=data,
        year=year,
        current=next((y for y in data["years"] if y["year"] == year), None),
        error=error,
        form=request.form,
        statuses=rules.STATUSES,
        fonti=_fonti(),
        may_report=may_report and data["monitored"],
        may_name=current_user.role in (UFFICIO_PIANO, ADMIN),
        reporters=monitoring.reporters(db, action_id),
        accounts=[u for u in accounts.all_users(db) if u.active],
    ), status


@bp.get("/piano/schede/<id:action_id>/monitoraggio")
@role_required(*STAFF_ROLES)
def monitoring_scheda(action_id: int):
    return _scheda_page(action_id)


@bp.post("/piano/schede/<id:action_id>/monitoraggio")
@role_required(*STAFF_ROLES)
def monitoring_record(action_id: int):
    form = request.form
    year = form.get("anno", "")
    try:
        monitoring.record(
            _db(),
            _editor(),
            action_id,
            int(year) if _whole(year) and len(year) == 4 else -1,
            status=form.get("stato", ""),
            progress=form.get("avanzamento", ""),
            values={k.removeprefix("valore-"): v for k, v in form.items() if k.startswith("valore-")},
            spent={k.removeprefix("speso-"): v for k, v in form.items() if k.startswith("speso-")},
            entry=(form.get("voce_data", ""), form.get("voce_testo", "")),
        )
    except Rejected as rejected:
        if rejected.code == "scheda_not_found":
            abort(404)
        if rejected.code == "forbidden":
            abort(403)
        return _scheda_page(action_id, error=rejected.message(gettext), status=422)
    flash(gettext("Monitoraggio del %(year)s salvato.", year=year), "success")
    return redirect(url_for("plan.monitoring_scheda", action_id=action_id, anno=year), code=303)


@bp.post("/piano/schede/<id:action_id>/monitoraggio/referenti")
@role_required(UFFICIO_PIANO, ADMIN)
def monitoring_reporters(action_id: int):
    chosen = form_ids(request.form, "account")
    try:
        if chosen is None:
            raise Rejected("monitoring_reporter_invalid")
        monitoring.set_reporters(_db(), _editor(), action_id, chosen)
    except Rejected as rejected:
        if rejected.code == "scheda_not_found":
            abort(404)
        return _scheda_page(action_id, error=rejected.message(gettext), status=422)
    flash(gettext("Referenti del monitoraggio aggiornati."), "success")
    return redirect(url_for("plan.monitoring_scheda", action_id=action_id), code=303)


# -- public ------------------------------------------------------------------------------


@bp.get("/monitoraggio")
def monitoring_overview():
    """The approved schede by area of the plan, each with how it is doing now."""
    period = _period()
    by_area = monitoring.overview(_db(), period)
    years = schede.years(period.process)
    return render_template(
        "public/monitoring.html",
        period=period,
        process=period.process,
        by_area=by_area,
        areas=plan_areas(),
        years=years,
        statuses=rules.STATUSES,
    )


@bp.get(f"/monitoraggio.<any({FORMATS}):fmt>")
def monitoring_export(fmt: str):
    """The annual monitoring report (`?anno=`, a year of the process; by default
    the latest year anything was reported for, else the first)."""
    period = _period()
    process = period.process
    years = schede.years(process)
    asked = request.args.get("anno", "")
    if asked:
        if not _whole(asked) or int(asked) not in years:
            abort(404)
        year = int(asked)
    else:
        reported = [
            r["latest"]["year"]
            for rows in monitoring.overview(_db(), period).values()
            for r in rows
            if r["latest"]
        ]
        if not years:
            abort(404)
        year = max(reported) if reported else years[0]
    blocks = documents.monitoring_blocks(_db(), process.slug, year)
    title = documents.monitoring_title(process.title, year)
    header = documents.running_header(
        process.title, f"Monitoraggio {year} · {documents.when(datetime.now(UTC))}"
    )
    data, mime = exports.render(blocks, fmt, title, header)
    return _download(data, mime, f"monitoraggio-{process.slug}-{year}.{fmt}")


def monitoring_of(action_id: int) -> dict:
    """A scheda's public monitoring for its page (nothing before it is approved),
    and the numbers its charts draw (the same as its tables)."""
    data = monitoring.of_action(_db(), action_id)
    if data["state"] != review.APPROVATA:
        return {"monitoring": None, "monitoring_chart": None}
    years = data["years"]
    chart = {
        "years": [y["year"] for y in years],
        "progress": [y["progress"] for y in years],
        "indicators": [
            {
                "label": row["descrizione"],
                "base": years[0]["indicators"][n]["partenza_num"] if years else None,
                "targets": [y["indicators"][n]["target_num"] for y in years],
                "values": [y["indicators"][n]["value_num"] for y in years],
            }
            for n, row in enumerate(data["indicators"])
        ],
    }
    return {"monitoring": data, "monitoring_chart": chart}

"""Pages of the plan: the cabina di regia's dashboard, the scheda editor with its
review, the public *restituzione* to the labs, and the exports.

Thin, like every adapter: each view reads through `services.consolidation` and
`services.schede`, or sends one command to them, and turns a `Rejected` into
an alert (422; 409 when someone saved in between; 404 for a missing scheda).
What the rules allow (editable fields, next steps) is asked of `domain.review`,
never decided here; a field the form leaves enabled is still checked by the
service. Public pages use only public views: counts by category under 5
suppressed (`PriorityRow.public()`), staff shown by role, never by name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from workshop.context import services
from workshop.domain import phases, review
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, ALLARGATA, PLAN_ROLES, UFFICIO_PIANO
from workshop.domain.priority import SCORES_WEIGHT, SUPPORT_WEIGHT
from workshop.seed import PROCESS_SLUG
from workshop.services import exports, schede
from workshop.services.consolidation import consolidate
from workshop.storage.models import Category, Lab, LiveSession, Process
from workshop.web.auth import ROLE_LABELS, role_required
from workshop.web.ids import form_id, form_ids
from workshop.web.reference import plan_areas

bp = Blueprint("plan", __name__)

ROME = ZoneInfo("Europe/Rome")
INDICATOR_KEYS = ("indicatore", "baseline", "target", "fonte")
INDICATOR_ROWS_MAX = 30
EMPTY_INDICATOR_ROWS = 2  # blank rows after the filled ones, so that adding works without JS
TEXT_INPUTS = ("titolo", "capofila")  # one-line fields; the others are markdown
MARKDOWN_INPUTS = schede.MARKDOWN_FIELDS
FIELD_HINTS = {
    "titolo": _l("Breve e riconoscibile, fino a 300 caratteri."),
    "razionale": _l("Perché serve: i problemi e i casi portati dai laboratori."),
    "descrizione": _l("Che cosa si fa, in poche righe."),
    "destinatari": _l("A chi si rivolge l’intervento."),
    "azioni": _l("Un’azione per riga, numerata (1. 2. 3.), con i tempi se noti."),
    "attori": _l("Enti, servizi, associazioni e altri soggetti coinvolti."),
    "risorse": _l("Volontariato, locali, reti: ciò che non è denaro."),
    "capofila": _l("L’ente responsabile dell’intervento."),
    "preventivo": _l("Totale e ripartizione per fonte di finanziamento."),
}
# What the button of each review step says (by current and target state).
STEP_VERBS = {
    (review.BOZZA, review.REVISIONE_UP): _l("Avvia la revisione dell’Ufficio di Piano"),
    (review.REVISIONE_UP, review.BOZZA): _l("Riporta in bozza"),
    (review.REVISIONE_UP, review.RISTRETTA_STATE): _l("Invia alla cabina di regia ristretta"),
    (review.RISTRETTA_STATE, review.REVISIONE_UP): _l("Rimanda all’Ufficio di Piano"),
    (review.RISTRETTA_STATE, review.ALLARGATA_STATE): _l("Invia alla cabina di regia allargata"),
    (review.ALLARGATA_STATE, review.APPROVATA): _l("Approva la scheda"),
    (review.ALLARGATA_STATE, review.RINVIATA): _l("Rinvia la scheda"),
    (review.ALLARGATA_STATE, review.NON_ACCOLTA): _l("Non accogliere la scheda"),
    (review.RINVIATA, review.REVISIONE_UP): _l("Riprendi in revisione"),
}
# The main path of the review, shown as steps on the editor.
REVIEW_PATH = (review.BOZZA, review.REVISIONE_UP, review.RISTRETTA_STATE, review.ALLARGATA_STATE)


# -- helpers ---------------------------------------------------------------------

def _db():
    return services().db


def _editor() -> schede.Editor:
    return schede.Editor(current_user.id, current_user.role)


def _status(rejected: Rejected) -> int:
    return 409 if rejected.code == "version_conflict" else 422


def _state_label(state: str) -> str:
    return gettext(review.LABELS.get(state, state))


def _short_label(label: str) -> str:
    """«Azienda USL di Reggio Emilia (Distretto, …)» → «Azienda USL di Reggio Emilia»."""
    for sep in (" (", " / ", " - ", " – "):
        head, found, _ = label.partition(sep)
        if found and head:
            label = head
    return label


def _categories() -> list[dict]:
    with _db().reader() as s:
        rows = s.exec(select(Category).order_by(Category.position)).all()
    return [{"key": c.key, "code": c.code, "label": c.label, "short": _short_label(c.label)}
            for c in rows]


def _process(slug: str) -> Process:
    with _db().reader() as s:
        process = s.exec(select(Process).where(Process.slug == slug)).first()
    if process is None:
        abort(404)
    return process


def _public_view(action_id: int) -> dict:
    try:
        return schede.view(_db(), action_id, public=True)
    except Rejected:
        abort(404)


@bp.app_template_filter("plan_when")
def _when(moment: datetime | None) -> str:
    """A stored moment (UTC; naive on SQLite) as a date and time in Italy."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, "d MMMM y, HH:mm", tzinfo=ROME, locale="it")


@bp.app_template_filter("iso_when")
def _iso_when(moment: str | None) -> str:
    """An ISO 8601 moment as it comes in a JSON view (…Z), as a date and time in Italy."""
    return _when(datetime.fromisoformat(moment.replace("Z", "+00:00"))) if moment else ""


@bp.app_template_filter("plan_num")
def _num(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0")


@bp.app_template_global("plan_state_label")
def _state_label_global(state: str) -> str:
    return _state_label(state)


@bp.app_template_global("plan_role_label")
def _role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_global("is_plan_role")
def _is_plan_role(role: str | None) -> bool:
    return role in PLAN_ROLES


# -- the dashboard ---------------------------------------------------------------

def _chart_data(rows, categories: list[dict]) -> tuple[dict, list[dict]]:
    """What the two charts draw, and the categories that have dots (in their order)."""
    present = [c for c in categories if any(r.by_category.get(c["key"]) for r in rows)]
    known = {c["key"] for c in categories}
    for key in sorted({k for r in rows for k in r.by_category} - known):
        present.append({"key": key, "code": key, "label": key, "short": key})
    return {
        "categories": [{"key": c["key"], "label": c["short"]} for c in present],
        "rows": [{"label": f"{r.rank}. {r.title}", "by_category": r.by_category, "dots": r.dots,
                  # Not rounded here: the table and the chart round the same value alike.
                  "support": 100 * SUPPORT_WEIGHT * r.support_normalized,
                  "scores": 100 * SCORES_WEIGHT * r.scores_component,
                  "index": r.index} for r in rows],
    }, present


def _dashboard(*, error: str | None = None, selected=(), status: int = 200):
    db = _db()
    _process(PROCESS_SLUG)
    areas = plan_areas()
    with db.reader() as s:
        lab_slugs = set(s.exec(select(Lab.slug)))
    lab = request.args.get("laboratorio") or None
    area = request.args.get("area") or None
    ignored = [v for v, ok in ((lab, lab in lab_slugs), (area, area in areas)) if v and not ok]
    lab = lab if lab in lab_slugs else None
    area = area if area in areas else None
    result = consolidate(db, PROCESS_SLUG, lab=lab, area=area)
    categories = _categories()
    chart, present = _chart_data(result.rows, categories)
    actions = schede.list_actions(db, PROCESS_SLUG)
    return render_template(
        "plan/dashboard.html", result=result, areas=areas, lab=lab, area=area, ignored=ignored,
        lab_titles={x["slug"]: x["title"] for x in result.labs}, chart=chart, present=present,
        actions=actions, error=error, selected={int(c) for c in selected},
        can_create=current_user.role in (UFFICIO_PIANO, ADMIN),
        support_weight=SUPPORT_WEIGHT, scores_weight=SCORES_WEIGHT), status


@bp.get("/piano")
@role_required(*PLAN_ROLES)
def dashboard():
    return _dashboard()


@bp.post("/piano/schede")
@role_required(UFFICIO_PIANO, ADMIN)
def create():
    # Anything that is not an id (a number beyond the database's range too) is
    # no selection: the service answers clusters_invalid.
    cluster_ids = form_ids(request.form, "gruppo") or []
    try:
        action_id = schede.create_from_clusters(_db(), _editor(), PROCESS_SLUG, cluster_ids)
    except Rejected as rejected:
        return _dashboard(error=rejected.message(gettext), selected=cluster_ids,
                          status=_status(rejected))
    flash(gettext("Scheda creata dalla selezione: ora puoi completarla."), "success")
    return redirect(url_for("plan.editor", action_id=action_id), code=303)


# -- the editor and the review ---------------------------------------------------

def _indicator_rows(form) -> list[dict]:
    """The indicator rows of the form, in their order, without the empty ones."""
    found: dict[int, dict] = {}
    for name, value in form.items():
        m = re.fullmatch(r"indicatori-(\d{1,4})-(\w+)", name)
        if m and m[2] in INDICATOR_KEYS:
            found.setdefault(int(m[1]), {})[m[2]] = value
    rows = [{k: found[i].get(k, "") for k in INDICATOR_KEYS} for i in sorted(found)]
    return [r for r in rows if any(v.strip() for v in r.values())]


def _changes(form) -> dict:
    """Every field the form sent. The service decides what may change: a field
    the role may not edit is refused there, not silently dropped here."""
    changes = {f: form[f] for f in (*TEXT_INPUTS, *MARKDOWN_INPUTS, "area_prevalente") if f in form}
    if "altre_aree_inviate" in form:
        main = form.get("area_prevalente")
        changes["altre_aree"] = [a for a in form.getlist("altre_aree") if a != main]
    if "indicatori_inviati" in form:
        changes["indicatori"] = _indicator_rows(form)
    return changes


def _trace(content: dict, categories: list[dict]) -> dict:
    order = [c["key"] for c in categories]

    def position(key: str) -> int:
        return order.index(key) if key in order else len(order)

    clusters = [{**c, "by_category": dict(sorted(c.get("by_category", {}).items(),
                                                 key=lambda kv: position(kv[0])))}
                for c in content.get("tracciabilita", {}).get("clusters", [])]
    with _db().reader() as s:
        labs = {x.slug: x.title for x in s.exec(select(Lab))}
    by_category: dict[str, int] = {}  # staff only: public views carry no raw split
    for c in clusters:
        for k, n in c["by_category"].items():
            by_category[k] = by_category.get(k, 0) + n
    return {"clusters": clusters, "labs": labs,
            "dots": sum(c.get("dots", 0) for c in clusters),
            "dots_available": sum(c.get("dots_available", 0) for c in clusters),
            "by_category": sorted(by_category.items(), key=lambda kv: position(kv[0]))}


def _editor_page(action_id: int, *, error: str | None = None, status: int = 200,
                 values: dict | None = None, preview: bool = False,
                 step: tuple[str, str] | None = None, step_error: bool = False,
                 observation: str = "", observation_error: bool = False,
                 conflict_from: int | None = None, base_version: int | None = None):
    """The editor. `values`: what the user typed, shown again after a refusal or
    for a preview; `base_version`: the version those edits started from (after a
    conflict the current one, so that saving again is a deliberate overwrite)."""
    db = _db()
    try:
        view = schede.view(db, action_id)
    except Rejected:
        abort(404)
    role = current_user.role
    state = view["state"]
    content = dict(view["content"])
    if values:
        content.update(values)
    indicators = list(content.get("indicatori") or [])
    blank = {k: "" for k in INDICATOR_KEYS}
    indicators += [dict(blank) for _ in range(
        max(0, min(EMPTY_INDICATOR_ROWS + (1 if not indicators else 0),
                   INDICATOR_ROWS_MAX - len(indicators))))]
    categories = _categories()
    versions = view["versions"]
    return render_template(
        "plan/editor.html", view=view, content=content, indicators=indicators,
        editable=review.editable_fields(role, state),
        steps=[(t, STEP_VERBS.get((state, t), t)) for t in review.next_steps(role, state)],
        may_observe=state == review.ALLARGATA_STATE and role in (ALLARGATA, ADMIN),
        areas=plan_areas(), labels=schede.FIELD_LABELS, hints=FIELD_HINTS,
        markdown_fields=MARKDOWN_INPUTS, html=schede.rendered(content) if preview else view["html"],
        is_preview=preview,
        error=error, step=step, step_error=step_error, observation=observation,
        observation_error=observation_error, conflict_from=conflict_from,
        trace=_trace(view["content"], categories),
        category_labels={c["key"]: c["short"] for c in categories},
        review_path=REVIEW_PATH, final=state in review.FINAL or state == review.RINVIATA,
        version_numbers=[v["version"] for v in versions],
        base_version=base_version if base_version is not None and not conflict_from
        else view["version"],
        motivation_min=review.MOTIVATION_MIN, motivation_max=review.MOTIVATION_MAX,
        observation_max=review.OBSERVATION_MAX, text_max=schede.TEXT_MAX), status


@bp.get("/piano/schede/<id:action_id>")
@role_required(*PLAN_ROLES)
def editor(action_id: int):
    return _editor_page(action_id)


@bp.post("/piano/schede/<id:action_id>")
@role_required(*PLAN_ROLES)
def save(action_id: int):
    form = request.form
    changes = _changes(form)
    # What the form shows again if the save is refused (or for a preview).
    values = dict(changes)
    if form.get("azione") == "anteprima":  # shown, not saved
        return _editor_page(action_id, values=values, preview=True,
                            base_version=form_id(form, "version"))
    expected = form_id(form, "version")
    try:
        if expected is None:
            raise Rejected("invalid_payload")
        version = schede.update_fields(_db(), _editor(), action_id, changes, expected)
    except Rejected as rejected:
        if rejected.code == "scheda_not_found":
            abort(404)
        return _editor_page(action_id, error=rejected.message(gettext), status=_status(rejected),
                            values=values, base_version=expected, conflict_from=expected
                            if rejected.code == "version_conflict" else None)
    if version == expected:
        flash(gettext("Nessuna modifica da salvare."), "info")
    else:
        flash(gettext("Scheda salvata: versione %(version)s.", version=version), "success")
    return redirect(url_for("plan.editor", action_id=action_id), code=303)


@bp.post("/piano/schede/<id:action_id>/stato")
@role_required(*PLAN_ROLES)
def move(action_id: int):
    target = request.form.get("stato", "")
    motivation = request.form.get("motivazione", "")
    try:
        schede.transition(_db(), _editor(), action_id, target, motivation)
    except Rejected as rejected:
        if rejected.code == "scheda_not_found":
            abort(404)
        return _editor_page(action_id, error=rejected.message(gettext), status=_status(rejected),
                            step=(target, motivation), step_error=True)
    flash(gettext("La scheda è passata allo stato «%(state)s».", state=_state_label(target)),
          "success")
    return redirect(url_for("plan.editor", action_id=action_id), code=303)


@bp.post("/piano/schede/<id:action_id>/osservazioni")
@role_required(*PLAN_ROLES)
def observe(action_id: int):
    text = request.form.get("osservazione", "")
    try:
        schede.observe(_db(), _editor(), action_id, text)
    except Rejected as rejected:
        if rejected.code == "scheda_not_found":
            abort(404)
        return _editor_page(action_id, error=rejected.message(gettext), status=_status(rejected),
                            observation=text, observation_error=True)
    flash(gettext("Osservazione registrata."), "success")
    return redirect(url_for("plan.editor", action_id=action_id, _anchor="osservazioni"), code=303)


@bp.get("/piano/schede/<id:action_id>/confronto")
@role_required(*PLAN_ROLES)
def compare(action_id: int):
    db = _db()
    try:
        view = schede.view(db, action_id)
    except Rejected:
        abort(404)
    newer = form_id(request.args, "a") or view["version"]
    older = form_id(request.args, "da") or max(1, newer - 1)
    try:
        changes = schede.diff(db, action_id, older, newer)
    except Rejected:
        abort(404)
    for change in changes:
        rows = [_diff_row(line) for line in change["lines"]]
        # A separator only between two runs of lines, not before the first.
        change["rows"] = rows[1:] if rows and rows[0]["kind"] == "hunk" else rows
    return render_template("plan/diff.html", view=view, older=older, newer=newer,
                           changes=changes, versions=view["versions"])


def _diff_row(line: str) -> dict:
    if line.startswith("@@"):
        return {"kind": "hunk", "text": ""}
    sign, text = (line[:1], line[1:]) if line[:1] in "+- " else (" ", line)
    return {"kind": {"+": "added", "-": "removed"}.get(sign, "same"), "text": text}


# -- public pages ----------------------------------------------------------------

@bp.get("/laboratori")
def labs():
    db = _db()
    process = _process(PROCESS_SLUG)
    with db.reader() as s:
        rows = s.exec(select(Lab, func.count(LiveSession.id))
                      .outerjoin(LiveSession, (LiveSession.lab_id == Lab.id)
                                 & (LiveSession.phase == phases.CHIUSA))
                      .where(Lab.process_id == process.id).group_by(Lab.id)
                      .order_by(Lab.id)).all()
    return render_template("public/labs.html", process=process, labs=rows)


@bp.get("/laboratori/<slug>")
def lab_page(slug: str):
    db = _db()
    with db.reader() as s:
        found = s.exec(select(Lab, Process).join(Process, Process.id == Lab.process_id)
                       .where(Lab.slug == slug)).first()
        if found is None:
            abort(404)
        lab, process = found
        sessions = s.exec(select(LiveSession).where(LiveSession.lab_id == lab.id,
                                                    LiveSession.phase == phases.CHIUSA)
                          .order_by(LiveSession.closed_at, LiveSession.id)).all()
    rows = consolidate(db, process.slug, lab=slug).rows
    by_session: dict[int, list[dict]] = {}
    decided: dict[int, dict] = {}
    for row in rows:
        by_session.setdefault(row.session_id, []).append(row.public())
        for action in row.actions:
            if action["id"] not in decided:
                decided[action["id"]] = _public_view(action["id"])
    return render_template("public/lab.html", lab=lab, process=process, sessions=sessions,
                           by_session=by_session, decided=decided, areas=plan_areas(),
                           categories={c["key"]: c["short"] for c in _categories()})


@bp.get("/schede/<id:action_id>")
def public_scheda(action_id: int):
    view = _public_view(action_id)
    categories = _categories()
    return render_template("public/scheda.html", view=view, content=view["content"],
                           html=view["html"], areas=plan_areas(), labels=schede.FIELD_LABELS,
                           trace=_trace(view["content"], categories),
                           category_labels={c["key"]: c["short"] for c in categories})


# -- exports ---------------------------------------------------------------------

def _download(data: bytes, mime: str, filename: str) -> Response:
    return Response(data, headers={"Content-Type": mime,
                                   "Content-Disposition": f'attachment; filename="{filename}"',
                                   "Cache-Control": "no-cache"})


@bp.get("/dati-aperti/<process_slug>.zip")
def opendata(process_slug: str):
    process = _process(process_slug)
    return _download(exports.opendata_zip(_db(), process.slug), "application/zip",
                     f"dati-aperti-{process.slug}.zip")


@bp.get("/schede/<id:action_id>.<any(md, odt, pdf):fmt>")
def scheda_export(action_id: int, fmt: str):
    view = _public_view(action_id)
    blocks = exports.scheda_blocks(view, exports.area_labels(_db()))
    data, mime = exports.render(blocks, fmt, view["title"])
    return _download(data, mime, f"scheda-{action_id}.{fmt}")


@bp.get("/piano/bozza.<any(md, odt, pdf):fmt>")
def plan_export(fmt: str):
    process = _process(PROCESS_SLUG)
    data, mime = exports.render(exports.plan_blocks(_db(), process.slug), fmt,
                                gettext("Bozza del piano — %(title)s", title=process.title))
    return _download(data, mime, f"bozza-piano-{process.slug}.{fmt}")

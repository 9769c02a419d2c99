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

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from workshop import i18n
from workshop.context import services
from workshop.domain import review
from workshop.domain import scheda as fields
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, ALLARGATA, PLAN_ROLES, UFFICIO_PIANO
from workshop.domain.priority import SCORES_WEIGHT, SUPPORT_WEIGHT
from workshop.services import catalog, documents, exports, periods, schede, territories
from workshop.services.consolidation import consolidate
from workshop.storage.models import Lab, LiveSession, Process
from workshop.web.auth import ROLE_LABELS, role_required
from workshop.web.ids import form_id, form_ids
from workshop.web.meetings import public_meetings
from workshop.web.reference import plan_areas

bp = Blueprint("plan", __name__)


@bp.context_processor
def _limits() -> dict:
    """The scheda's limits, as the domain sets them, for the forms' maxlength."""
    return {"limits": fields}


ROME = ZoneInfo("Europe/Rome")
INDICATOR_KEYS = fields.INDICATOR_KEYS
INDICATOR_ROWS_MAX = fields.INDICATORS_MAX
EMPTY_INDICATOR_ROWS = 2  # blank rows after the filled ones, so that adding works without JS
ACTION_ROWS_MAX = fields.ACTIONS_MAX
EMPTY_ACTION_ROWS = 3
TEXT_INPUTS = ("titolo", "rif_distrettuale")  # one-line fields
MARKDOWN_INPUTS = fields.MARKDOWN_FIELDS
FIELD_HINTS = {
    "titolo": _l("Breve e riconoscibile, fino a %(max)s caratteri.", max=fields.TITLE_MAX),
    "rif_regionale": _l(
        "Le schede del piano regionale che l’intervento attua (l’elenco lo tiene l’amministrazione)."
    ),
    "rif_distrettuale": _l("Il codice della scheda nel piano del distretto, per esempio RE-PDZ-A-07."),
    "ambito": _l("Distrettuale (tutti i Comuni del distretto) o sub-distrettuale, con i Comuni interessati."),
    "razionale": _l("Perché serve: i problemi e i casi portati dai laboratori."),
    "descrizione": _l("Che cosa si fa, in poche righe."),
    "destinatari": _l("A chi si rivolge l’intervento."),
    "azioni": _l(
        "Un’azione per riga, nell’ordine in cui si svolgono, con il periodo (per esempio "
        "«mesi 1–4» o «dal 2019»). Le righe vuote non sono salvate."
    ),
    "collegate": _l(
        "Le altre schede del piano collegate a questa e, se serve, altri interventi o politiche integrate."
    ),
    "attori": _l("Enti, servizi, associazioni e altri soggetti che realizzano l’intervento."),
    "referenti": _l(
        "Chi risponde dell’intervento, con i contatti: resta all’interno degli uffici, "
        "non compare nella pagina pubblica, nei documenti pubblici né nei dati aperti."
    ),
    "risorse": _l("Volontariato, locali, reti: ciò che non è denaro."),
    "capofila": _l("L’ente responsabile dell’intervento, e chi precisamente."),
    "preventivo": _l(
        "Importi in euro per fonte di finanziamento e anno, come 95.000 o 95.000,50: "
        "i totali li calcola la piattaforma."
    ),
}
# What the button of each review step says (by current and target state).
STEP_VERBS = {
    (review.BOZZA, review.REVISIONE_UP): _l("Avvia la revisione dell’Ufficio di Piano"),
    (review.REVISIONE_UP, review.BOZZA): _l("Riporta in bozza"),
    (review.REVISIONE_UP, review.AT_RISTRETTA): _l("Invia alla cabina di regia ristretta"),
    (review.AT_RISTRETTA, review.REVISIONE_UP): _l("Rimanda all’Ufficio di Piano"),
    (review.AT_RISTRETTA, review.AT_ALLARGATA): _l("Invia alla cabina di regia allargata"),
    (review.AT_ALLARGATA, review.APPROVATA): _l("Approva la scheda"),
    (review.AT_ALLARGATA, review.RINVIATA): _l("Rinvia la scheda"),
    (review.AT_ALLARGATA, review.NON_ACCOLTA): _l("Non accogliere la scheda"),
    (review.RINVIATA, review.REVISIONE_UP): _l("Riprendi in revisione"),
}
# The main path of the review, shown as steps on the editor.
REVIEW_PATH = (review.BOZZA, review.REVISIONE_UP, review.AT_RISTRETTA, review.AT_ALLARGATA)


# -- helpers ---------------------------------------------------------------------


def _db():
    return services().db


def _editor() -> schede.PlanActor:
    return schede.PlanActor(current_user.id, current_user.role)


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
    rows = catalog.categories(_db())
    return [{"key": c.key, "code": c.code, "label": c.label, "short": _short_label(c.label)} for c in rows]


def _process(slug: str) -> Process:
    with _db().reader() as s:
        process = s.exec(select(Process).where(Process.slug == slug)).first()
    if process is None:
        abort(404)
    return process


def _period() -> periods.Period:
    """The process a page is about (`?percorso=`, else the current one) and its
    programma attuativo when one is asked for (`?programma=<anno>`)."""
    try:
        return periods.resolve(
            _db(), request.values.get("percorso") or None, request.values.get("programma") or None
        )
    except Rejected:
        abort(404)


@bp.app_template_global("period_args")
def _period_args(period: periods.Period | None = None, **more) -> dict:
    """The query arguments that keep a page on its process and programme (none
    for the current process as a whole: its addresses stay as they were)."""
    args = {}
    if period is not None and not period.process.current:
        args["percorso"] = period.process.slug
    if period is not None and period.programme is not None:
        args["percorso"] = period.process.slug
        args["programma"] = period.programme.year
    return args | {k: v for k, v in more.items() if v is not None}


def _public_view(action_id: int) -> dict:
    try:
        return schede.view(_db(), action_id, public=True)
    except Rejected:
        abort(404)


@bp.app_template_filter("plan_when")
def _when(moment: datetime | None) -> str:
    """A stored moment (UTC; naive on SQLite) as a date and time in Italy, written as the
    reader's language writes it."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return i18n.when(moment.astimezone(ROME))


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


@bp.app_template_global("plan_body_label")
def _body_label(role: str | None) -> str:
    return gettext(review.BODIES.get(role, "")) if role else ""


@bp.app_template_global("plan_origin_label")
def _origin_label(origin: str | None) -> str:
    return gettext(fields.ORIGINI.get(origin or fields.LABORATORI, "")).lower()


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
        "rows": [
            {
                "label": f"{r.rank}. {r.title}",
                "by_category": r.by_category,
                "dots": r.dots,
                # Not rounded here: the table and the chart round the same value alike.
                "support": 100 * SUPPORT_WEIGHT * r.support_normalized,
                "scores": 100 * SCORES_WEIGHT * r.scores_component,
                "index": r.index,
            }
            for r in rows
        ],
    }, present


def _dashboard(*, error: str | None = None, selected=(), status: int = 200):
    db = _db()
    period = _period()
    slug = period.process.slug
    areas = plan_areas()
    with db.reader() as s:
        lab_slugs = {x.slug for x in periods.labs_of(s, period.process.id)}
        programmes = periods.programmes_of(s, period.process.id)
        in_programme = set(periods.confirmed_actions(s, period.programme_id)) if period.programme else None
    lab = request.args.get("laboratorio") or None
    area = request.args.get("area") or None
    places = territories.names(db)
    territory = request.args.get("territorio") or None
    if territory is not None and territory not in places:
        ignored_territory, territory = [territory], None
    else:
        ignored_territory = []
    ignored = [v for v, ok in ((lab, lab in lab_slugs), (area, area in areas)) if v and not ok]
    ignored += ignored_territory
    lab = lab if lab in lab_slugs else None
    area = area if area in areas else None
    result = consolidate(db, slug, lab=lab, area=area, programme_id=period.programme_id, territory=territory)
    categories = _categories()
    chart, present = _chart_data(result.rows, categories)
    actions = [a for a in schede.list_actions(db, slug) if in_programme is None or a["id"] in in_programme]
    return render_template(
        "plan/dashboard.html",
        result=result,
        areas=areas,
        lab=lab,
        area=area,
        ignored=ignored,
        lab_titles={x["slug"]: x["title"] for x in result.labs},
        chart=chart,
        present=present,
        actions=actions,
        error=error,
        selected={int(c) for c in selected},
        territory=territory,
        territories=places,
        can_create=current_user.role in (UFFICIO_PIANO, ADMIN),
        origins={k: gettext(v) for k, v in fields.ORIGINI.items() if k != fields.LABORATORI},
        support_weight=SUPPORT_WEIGHT,
        scores_weight=SCORES_WEIGHT,
        period=period,
        all_processes=periods.processes(db),
        programmes=programmes,
    ), status


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
        action_id = schede.create_from_clusters(_db(), _editor(), _period().process.slug, cluster_ids)
    except Rejected as rejected:
        return _dashboard(error=rejected.message(gettext), selected=cluster_ids, status=_status(rejected))
    flash(gettext("Scheda creata dalla selezione: ora puoi completarla."), "success")
    return redirect(url_for("plan.editor", action_id=action_id), code=303)


# -- the editor and the review ---------------------------------------------------


def _numbered_rows(form, prefix: str, keys) -> list[dict]:
    """Rows of a repeated group of the form (`prefix-N-key`), in their order."""
    found: dict[int, dict] = {}
    for name, value in form.items():
        m = re.fullmatch(rf"{prefix}-(\d{{1,4}})-(\w+)", name)
        if m and m[2] in keys:
            found.setdefault(int(m[1]), {})[m[2]] = value
    return [found[i] for i in sorted(found)]


def _indicator_rows(form, years: tuple[int, ...]) -> list[dict]:
    """The indicator rows of the form, in their order, without the empty ones."""
    targets = {f"obiettivo_{y}": str(y) for y in years}
    rows = []
    for row in _numbered_rows(form, "indicatori", set(INDICATOR_KEYS) | set(targets)):
        out = {k: row.get(k, "") for k in INDICATOR_KEYS}
        out["obiettivi"] = {year: row[key] for key, year in targets.items() if row.get(key, "").strip()}
        if any(v.strip() for k, v in out.items() if k != "obiettivi") or out["obiettivi"]:
            rows.append(out)
    return rows


def _changes(form, years: tuple[int, ...]) -> dict:
    """Every field the form sent. The service decides what may change: a field
    the role may not edit is refused there, not silently dropped here. Fields
    made of several inputs come with a hidden marker («…_inviato»), as only
    enabled inputs are sent."""
    changes = {
        f: form[f] for f in (*TEXT_INPUTS, *MARKDOWN_INPUTS, "area_prevalente", "referenti") if f in form
    }
    if "altre_aree_inviate" in form:
        main = form.get("area_prevalente")
        changes["altre_aree"] = [a for a in form.getlist("altre_aree") if a != main]
    if "rif_regionale_inviato" in form:
        changes["rif_regionale"] = form.getlist("rif_regionale")
    if "ambito_inviato" in form:
        changes["ambito"] = {"tipo": form.get("ambito_tipo", ""), "comuni": form.getlist("ambito_comuni")}
    if "capofila_inviato" in form:
        changes["capofila"] = {
            "tipo": form.get("capofila_tipo", ""),
            "specifica": form.get("capofila_specifica", ""),
        }
    for name in ("continuita", "community_lab"):
        if f"{name}_inviato" in form:
            changes[name] = form.get(name, "")
    if "azioni_inviate" in form:
        changes["azioni"] = [
            {"testo": r.get("testo", ""), "periodo": r.get("periodo", "")}
            for r in _numbered_rows(form, "azioni", {"testo", "periodo"})
            if r.get("testo", "").strip() or r.get("periodo", "").strip()
        ]
    if "collegate_inviate" in form:
        changes["collegate"] = {
            "schede": form.getlist("collegate_schede"),
            "testo": form.get("collegate_testo", ""),
        }
    if "preventivo_inviato" in form:
        amounts: dict[str, dict[str, str]] = {}
        for source in fields.FONTI:
            for year in years:
                typed = form.get(f"preventivo-{source}-{year}", "").strip()
                if typed:
                    amounts.setdefault(source, {})[str(year)] = typed
        changes["preventivo"] = {"importi": amounts, "note": form.get("preventivo_note", "")}
    if "indicatori_inviati" in form:
        changes["indicatori"] = _indicator_rows(form, years)
    return changes


def _trace(content: dict, categories: list[dict]) -> dict:
    order = [c["key"] for c in categories]

    def position(key: str) -> int:
        return order.index(key) if key in order else len(order)

    clusters = [
        {**c, "by_category": dict(sorted(c.get("by_category", {}).items(), key=lambda kv: position(kv[0])))}
        for c in content.get("tracciabilita", {}).get("clusters", [])
    ]
    with _db().reader() as s:
        labs = {x.slug: x.title for x in s.exec(select(Lab))}
    by_category: dict[str, int] = {}  # staff only: public views carry no raw split
    for c in clusters:
        for k, n in c["by_category"].items():
            by_category[k] = by_category.get(k, 0) + n
    # Dots available once per session: two priorities of one 60-dot session are of 60.
    dots, available, sessions = schede.trace_totals(clusters)
    return {
        "clusters": clusters,
        "labs": labs,
        "dots": dots,
        "dots_available": available,
        "sessions": sessions,
        "origin": content.get("tracciabilita", {}).get("origine"),
        "by_category": sorted(by_category.items(), key=lambda kv: position(kv[0])),
    }


def _choices() -> dict:
    """The district form's choices, translated for the page."""
    return {
        name: {k: gettext(v) for k, v in choices.items()}
        for name, choices in (
            ("capofila", fields.CAPOFILA),
            ("ambito", fields.AMBITO),
            ("continuita", fields.CONTINUITA),
            ("community_lab", fields.COMMUNITY_LAB),
            ("fonti", fields.FONTI),
            ("origini", fields.ORIGINI),
        )
    } | {"comuni": fields.COMUNI, "periodicita": [gettext(p) for p in fields.PERIODICITA]}


def _budget_cells(preventivo, years) -> dict[tuple[str, int], str]:
    """Each amount as the form shows it: as saved (Italian format), or as typed."""
    amounts = (preventivo or {}).get("importi") or {} if isinstance(preventivo, dict) else {}
    cells = {}
    for source, by_year in amounts.items():
        for year, value in (by_year or {}).items():
            cells[(source, int(year))] = fields.amount(value) if isinstance(value, int) else str(value)
    return cells


def _budget_totals(preventivo, years):
    """The totals of a saved budget (none while what was typed is not saved)."""
    if not isinstance(preventivo, dict):
        return None
    if any(
        not isinstance(v, int)
        for by_year in (preventivo.get("importi") or {}).values()
        for v in by_year.values()
    ):
        return None
    return fields.budget_totals(preventivo, years)


@bp.app_template_global("euro")
def _euro(cents: int | None) -> str:
    return fields.euro(cents) if cents is not None else "—"


@bp.app_template_global("amount")
def _amount(cents: int | None) -> str:
    return fields.amount(cents) if cents is not None else ""


def _editor_page(
    action_id: int,
    *,
    error: str | None = None,
    status: int = 200,
    values: dict | None = None,
    preview: bool = False,
    step: tuple[str, str] | None = None,
    step_error: bool = False,
    observation: str = "",
    observation_error: bool = False,
    conflict_from: int | None = None,
    base_version: int | None = None,
):
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
    years = tuple(view["process"]["years"])
    indicators = [dict(i) for i in content.get("indicatori") or [] if isinstance(i, dict)]
    blank = {**{k: "" for k in INDICATOR_KEYS}, "obiettivi": {}}
    indicators += [
        dict(blank)
        for _ in range(
            max(
                0,
                min(
                    EMPTY_INDICATOR_ROWS + (1 if not indicators else 0), INDICATOR_ROWS_MAX - len(indicators)
                ),
            )
        )
    ]
    actions = [dict(a) for a in content.get("azioni") or [] if isinstance(a, dict)]
    actions += [
        {"testo": "", "periodo": ""}
        for _ in range(max(0, min(EMPTY_ACTION_ROWS, ACTION_ROWS_MAX - len(actions))))
    ]
    regional = schede.regional_list(db)
    listed = {r["number"] for r in regional}
    chosen = [
        r if isinstance(r, dict) else {"numero": str(r), "titolo": ""}
        for r in content.get("rif_regionale") or []
    ]
    regional += [
        {"number": r["numero"], "title": r.get("titolo", ""), "active": False}
        for r in chosen
        if r["numero"] not in listed
    ]
    others = [a for a in schede.list_actions(db, view["process"]["slug"]) if a["id"] != action_id]
    categories = _categories()
    versions = view["versions"]
    return render_template(
        "plan/editor.html",
        view=view,
        content=content,
        indicators=indicators,
        actions=actions,
        years=years,
        regional=regional,
        regional_chosen={r["numero"] for r in chosen},
        other_schede=others,
        budget=_budget_cells(content.get("preventivo"), years),
        totals=_budget_totals(content.get("preventivo"), years),
        choices=_choices(),
        editable=review.editable_fields(role, state),
        steps=[(t, STEP_VERBS.get((state, t), t)) for t in review.next_steps(role, state)],
        may_observe=state == review.AT_ALLARGATA and role in (ALLARGATA, ADMIN),
        areas=plan_areas(),
        labels=schede.FIELD_LABELS,
        hints=FIELD_HINTS,
        markdown_fields=MARKDOWN_INPUTS,
        html=schede.rendered(content) if preview else view["html"],
        is_preview=preview,
        error=error,
        step=step,
        step_error=step_error,
        observation=observation,
        observation_error=observation_error,
        conflict_from=conflict_from,
        trace=_trace(view["content"], categories),
        category_labels={c["key"]: c["short"] for c in categories},
        review_path=REVIEW_PATH,
        final=state in review.FINAL or state == review.RINVIATA,
        version_numbers=[v["version"] for v in versions],
        base_version=base_version if base_version is not None and not conflict_from else view["version"],
        motivation_min=review.MOTIVATION_MIN,
        motivation_max=review.MOTIVATION_MAX,
        observation_max=review.OBSERVATION_MAX,
        text_max=schede.TEXT_MAX,
    ), status


@bp.get("/piano/schede/<id:action_id>")
@role_required(*PLAN_ROLES)
def editor(action_id: int):
    return _editor_page(action_id)


@bp.post("/piano/schede/<id:action_id>")
@role_required(*PLAN_ROLES)
def save(action_id: int):
    form = request.form
    try:
        years = tuple(schede.view(_db(), action_id)["process"]["years"])
    except Rejected:
        abort(404)
    changes = _changes(form, years)
    # What the form shows again if the save is refused (or for a preview).
    values = dict(changes)
    if form.get("azione") == "anteprima":  # shown, not saved
        return _editor_page(action_id, values=values, preview=True, base_version=form_id(form, "version"))
    expected = form_id(form, "version")
    try:
        if expected is None:
            raise Rejected("invalid_payload")
        version = schede.update_fields(_db(), _editor(), action_id, changes, expected)
    except Rejected as rejected:
        if rejected.code == "scheda_not_found":
            abort(404)
        return _editor_page(
            action_id,
            error=rejected.message(gettext),
            status=_status(rejected),
            values=values,
            base_version=expected,
            conflict_from=expected if rejected.code == "version_conflict" else None,
        )
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
        return _editor_page(
            action_id,
            error=rejected.message(gettext),
            status=_status(rejected),
            step=(target, motivation),
            step_error=True,
        )
    flash(gettext("La scheda è passata allo stato «%(state)s».", state=_state_label(target)), "success")
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
        return _editor_page(
            action_id,
            error=rejected.message(gettext),
            status=_status(rejected),
            observation=text,
            observation_error=True,
        )
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
    return render_template(
        "plan/diff.html", view=view, older=older, newer=newer, changes=changes, versions=view["versions"]
    )


def _diff_row(line: str) -> dict:
    if line.startswith("@@"):
        return {"kind": "hunk", "text": ""}
    sign, text = (line[:1], line[1:]) if line[:1] in "+- " else (" ", line)
    return {"kind": {"+": "added", "-": "removed"}.get(sign, "same"), "text": text}


# -- public pages ----------------------------------------------------------------


@bp.get("/laboratori")
def labs():
    db = _db()
    period = _period()
    process = period.process
    with db.reader() as s:
        taking_part = [lab.id for lab in periods.labs_of(s, process.id)]
        rows = s.exec(
            select(Lab, func.count(LiveSession.id))
            .outerjoin(
                LiveSession, (LiveSession.lab_id == Lab.id) & periods.counted(process.id, period.programme_id)
            )
            .where(Lab.id.in_(taking_part))
            .group_by(Lab.id)
            .order_by(Lab.id)
        ).all()
    return render_template(
        "public/labs.html", process=process, labs=rows, period=period, all_processes=periods.processes(db)
    )


def _groups():
    return catalog.category_groups(_db())


@bp.get("/laboratori/<slug>")
def lab_page(slug: str):
    """A lab's restituzione in one process: the asked one, else the current one
    if the lab takes part in it, else the latest it took part in; `?programma=`
    narrows it to the meetings held for one programma attuativo."""
    db = _db()
    asked = request.args.get("percorso") or None
    year = request.args.get("programma") or None
    with db.reader() as s:
        lab = s.exec(select(Lab).where(Lab.slug == slug)).first()
        if lab is None:
            abort(404)
        its_processes = periods.processes_of_lab(s, lab.id)
        if asked:
            process = next((p for p in its_processes if p.slug == asked), None)
        else:
            process = next(
                (p for p in its_processes if p.current), its_processes[0] if its_processes else None
            )
        if process is None:
            abort(404)
    try:
        period = periods.resolve(db, process.slug, year)
    except Rejected:
        abort(404)
    with db.reader() as s:
        sessions = s.exec(
            select(LiveSession)
            .where(LiveSession.lab_id == lab.id, periods.counted(process.id, period.programme_id))
            .order_by(LiveSession.closed_at, LiveSession.id)
        ).all()
    # Read for one territory: the meetings held there and their priorities.
    places = {
        key: name
        for key, name in territories.names(db).items()
        if any(live.territory_key == key for live in sessions)
    }
    territory = request.args.get("territorio") or None
    territory = territory if territory in places else None
    rows = consolidate(db, process.slug, lab=slug, programme_id=period.programme_id, territory=territory).rows
    # (A priority voted there is shown under its latest meeting, wherever that was.)
    shown = {r.session_id for r in rows}
    sessions = [
        live for live in sessions if territory is None or live.territory_key == territory or live.id in shown
    ]
    by_session: dict[int, list[dict]] = {}
    decided: dict[int, dict] = {}
    for row in rows:
        by_session.setdefault(row.session_id, []).append(row.public())
        for action in row.actions:
            if action["id"] not in decided:
                decided[action["id"]] = _public_view(action["id"])
    return render_template(
        "public/lab.html",
        lab=lab,
        process=process,
        sessions=sessions,
        lab_processes=its_processes,
        period=period,
        by_session=by_session,
        decided=decided,
        areas=plan_areas(),
        categories={c["key"]: c["short"] for c in _categories()},
        groups=_groups(),
        places=places,
        territory=territory,
        **public_meetings(slug, process.id),
    )


@bp.get("/schede/<id:action_id>")
def public_scheda(action_id: int):
    view = _public_view(action_id)
    categories = _categories()
    years = tuple(view["process"]["years"])
    return render_template(
        "public/scheda.html",
        view=view,
        content=view["content"],
        html=view["html"],
        areas=plan_areas(),
        labels=schede.FIELD_LABELS,
        trace=_trace(view["content"], categories),
        choices=_choices(),
        years=years,
        totals=fields.budget_totals(view["content"]["preventivo"], years),
        indicator_years=_indicator_years(view["content"]["indicatori"], years),
        category_labels={c["key"]: c["short"] for c in categories},
    )


def _indicator_years(indicators: list[dict], years: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(set(years) | {int(y) for i in indicators for y in i.get("obiettivi", {})}))


# -- exports ---------------------------------------------------------------------

FORMATS = "md, odt, docx, pdf"


def _download(data: bytes, mime: str, filename: str) -> Response:
    return Response(
        data,
        headers={
            "Content-Type": mime,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-cache",
        },
    )


def _publisher() -> exports.Publisher:
    """Who publishes the open data: the operator's site settings."""
    from flask import current_app

    return exports.publisher_of(current_app.extensions.get("workshop_site"))


@bp.get("/dati-aperti/<process_slug>.zip")
def opendata(process_slug: str):
    """A process's open data; `?programma=<anno>`: one programma attuativo's."""
    try:
        period = periods.resolve(_db(), process_slug, request.args.get("programma") or None)
    except Rejected:
        abort(404)
    suffix = f"-{period.programme.year}" if period.programme else ""
    return _download(
        exports.opendata_zip(
            _db(),
            period.process.slug,
            _publisher(),
            base_url=request.url_root.rstrip("/"),
            programme_id=period.programme_id,
        ),
        "application/zip",
        f"dati-aperti-{period.process.slug}{suffix}.zip",
    )


def _scheda_document(action_id: int, fmt: str, *, staff: bool) -> Response:
    db = _db()
    try:
        view = schede.view(db, action_id, public=True, referenti=staff)
    except Rejected:
        abort(404)
    blocks = exports.scheda_blocks(view, exports.area_labels(db), staff=staff)
    header = documents.running_header(
        view["process"]["title"],
        gettext("Scheda intervento n. %(id)s", id=action_id)
        + (" · " + gettext("copia per gli uffici") if staff else ""),
    )
    data, mime = exports.render(blocks, fmt, view["title"], header)
    return _download(data, mime, f"scheda-{action_id}{'-uffici' if staff else ''}.{fmt}")


@bp.get(f"/schede/<id:action_id>.<any({FORMATS}):fmt>")
def scheda_export(action_id: int, fmt: str):
    return _scheda_document(action_id, fmt, staff=False)


@bp.get(f"/piano/schede/<id:action_id>.<any({FORMATS}):fmt>")
@role_required(*PLAN_ROLES)
def scheda_export_staff(action_id: int, fmt: str):
    """The office's own copy: the public document with the referenti."""
    return _scheda_document(action_id, fmt, staff=True)


def _chosen_states() -> tuple[str, ...] | None:
    """The states the plan's document includes (`?stato=…`, repeated); none given:
    every state but «non accolta»."""
    if "stato" not in request.args:
        return None
    chosen = documents.parse_states(request.args.getlist("stato"))
    if chosen is None:
        abort(400)
    return chosen


def _plan_document(fmt: str, *, staff: bool) -> Response:
    """The plan of a process (`?percorso=`, else the current), or of one of its
    programmi attuativi (`?programma=<anno>`)."""
    period = _period()
    process = period.process
    db = _db()
    blocks = exports.plan_blocks(
        db, process.slug, _chosen_states(), staff=staff, programme_id=period.programme_id
    )
    title = documents.plan_title(db, process.slug, period.programme_id)
    header = documents.plan_header(process.title, title, datetime.now(UTC))
    data, mime = exports.render(blocks, fmt, title, header)
    suffix = f"-{period.programme.year}" if period.programme else ""
    return _download(data, mime, f"{'piano-uffici' if staff else 'bozza-piano'}-{process.slug}{suffix}.{fmt}")


@bp.get(f"/piano/bozza.<any({FORMATS}):fmt>")
def plan_export(fmt: str):
    return _plan_document(fmt, staff=False)


@bp.get(f"/piano/bozza-uffici.<any({FORMATS}):fmt>")
@role_required(*PLAN_ROLES)
def plan_export_staff(fmt: str):
    """The office's own copy of the plan: with the referenti of each scheda."""
    return _plan_document(fmt, staff=True)


# -- schede without a lab priority, and the plan's reference data ------------------


@bp.post("/piano/schede/nuova")
@role_required(UFFICIO_PIANO, ADMIN)
def create_blank():
    form = request.form
    try:
        action_id = schede.create_blank(
            _db(),
            _editor(),
            _period().process.slug,
            form.get("titolo", ""),
            form.get("origine", ""),
            form.get("area", ""),
        )
    except Rejected as rejected:
        return _dashboard(error=rejected.message(gettext), status=_status(rejected))
    flash(gettext("Scheda creata: ora puoi completarla."), "success")
    return redirect(url_for("plan.editor", action_id=action_id), code=303)


@bp.route("/admin/piano", methods=["GET", "POST"])
@role_required(ADMIN)
def plan_settings():
    """The admin keeps the processes (each with its years, labs and programmi
    attuativi), the act that adopted each plan and the regional schede that
    schede may reference. `?percorso=` chooses the process the forms edit."""
    db = _db()
    process = _period().process
    error, status = None, 200
    if request.method == "POST":
        form = request.form
        target = process.slug
        try:
            action = form.get("azione")
            if action == "periodo":
                start, end = form_id(form, "anno_inizio"), form_id(form, "anno_fine")
                schede.save_plan_settings(db, _editor(), process.slug, start, end, form.get("atto", ""))
                flash(gettext("Periodo e atto di approvazione salvati."), "success")
            elif action in ("percorso", "nuovo_percorso"):
                new = action == "nuovo_percorso"
                slug = form.get("slug", "") if new else process.slug
                periods.save_process(
                    db,
                    _editor(),
                    slug,
                    form.get("titolo_percorso", ""),
                    form.get("anno_inizio", "") if new else process.year_start,
                    form.get("anno_fine", "") if new else process.year_end,
                    form.getlist("laboratori"),
                    form.get("corrente") == "1",
                    process_id=None if new else process.id,
                )
                target = slug.strip().lower()
                flash(gettext("Percorso creato.") if new else gettext("Percorso salvato."), "success")
            elif action == "programma":
                periods.add_programme(db, _editor(), process.id, form.get("anno", ""))
                flash(
                    gettext("Programma attuativo aggiunto: ora si possono confermare le sue schede."),
                    "success",
                )
            elif action == "nuova":
                schede.save_regional(db, _editor(), form.get("numero", ""), form.get("titolo", ""), new=True)
                flash(gettext("Scheda regionale aggiunta all'elenco."), "success")
            elif action == "modifica":
                schede.save_regional(
                    db,
                    _editor(),
                    form.get("numero", ""),
                    form.get("titolo", ""),
                    active=form.get("attiva") == "1",
                )
                flash(gettext("Scheda regionale aggiornata."), "success")
            else:
                raise Rejected("invalid_payload")
            return redirect(url_for("plan.plan_settings", percorso=target), code=303)
        except Rejected as rejected:
            error, status = rejected.message(gettext), 422
        process = _process(process.slug)
    listed = periods.processes(db)
    with db.reader() as s:
        all_labs = s.exec(select(Lab).order_by(Lab.id)).all()
    return render_template(
        "plan/settings.html",
        process=process,
        processes=listed,
        shown=next(p for p in listed if p["id"] == process.id),
        all_labs=all_labs,
        years=schede.years(process),
        regional=schede.regional_list(db, active_only=False),
        form=request.form if error else {},
        error=error,
    ), status

"""The plan's staff pages: the cabina di regia's dashboard, the scheda editor
with its review, and the admin's settings of processes and regional schede."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workshop.domain import review
from workshop.domain import scheda as fields
from workshop.domain.disclosure import UNSTATED
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, ALLARGATA, PLAN_ROLES, UFFICIO_PIANO
from workshop.domain.priority import SCORES_WEIGHT, SUPPORT_WEIGHT
from workshop.services import catalog, periods, schede, territories
from workshop.services.consolidation import consolidate
from workshop.web.auth import role_required
from workshop.web.ids import form_id, form_ids
from workshop.web.plan import (
    _categories,
    _choices,
    _db,
    _editor,
    _period,
    _process,
    _state_label,
    _status,
    _trace,
    bp,
)
from workshop.web.reference import plan_areas

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
    lab_slugs = periods.lab_slugs(db, period.process.id)
    programmes = periods.programmes(db, period.process.id)
    in_programme = periods.confirmed_action_ids(db, period.programme_id) if period.programme_id else None
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
    # The territories voters said they live or work in, in the list's order,
    # those who did not say last; shown only once someone has said one.
    said = {key for r in result.rows for key in r.by_territory}
    voter_places = [key for key in places if key in said]
    voter_places += [UNSTATED] if voter_places and UNSTATED in said else []
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
        voter_places=voter_places,
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


def _refused(action_id: int, rejected: Rejected, **page):
    """The editor again with why a change was refused (404 for a scheda that is not there)."""
    if rejected.code == "scheda_not_found":
        abort(404)
    return _editor_page(action_id, error=rejected.message(gettext), status=_status(rejected), **page)


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
        return _refused(
            action_id,
            rejected,
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
        return _refused(action_id, rejected, step=(target, motivation), step_error=True)
    flash(gettext("La scheda è passata allo stato «%(state)s».", state=_state_label(target)), "success")
    return redirect(url_for("plan.editor", action_id=action_id), code=303)


@bp.post("/piano/schede/<id:action_id>/osservazioni")
@role_required(*PLAN_ROLES)
def observe(action_id: int):
    text = request.form.get("osservazione", "")
    try:
        schede.observe(_db(), _editor(), action_id, text)
    except Rejected as rejected:
        return _refused(action_id, rejected, observation=text, observation_error=True)
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
    all_labs = catalog.labs(db)
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

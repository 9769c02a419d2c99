"""The plan's public pages: the labs, each lab's *restituzione* and the public
scheda. Public views only: counts under the threshold suppressed, no names."""

from __future__ import annotations

from flask import abort, render_template, request

from workshop.domain import review
from workshop.domain import scheda as fields
from workshop.domain.errors import Rejected
from workshop.domain.review import APPROVATA
from workshop.services import catalog, monitoring, periods, schede, territories
from workshop.services.consolidation import consolidate, in_territory
from workshop.web.meetings import public_meetings
from workshop.web.plan import (
    _categories,
    _choices,
    _db,
    _period,
    _public_view,
    _trace,
    bp,
)
from workshop.web.plan.monitoring import monitoring_of
from workshop.web.reference import plan_areas


@bp.get("/laboratori")
def labs():
    db = _db()
    period = _period()
    process = period.process
    rows = periods.labs_with_meetings(db, period)
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
    lab = catalog.lab(db, slug)
    if lab is None:
        abort(404)
    its_processes = periods.lab_processes(db, lab.id)
    if asked:
        process = next((p for p in its_processes if p.slug == asked), None)
    else:
        process = next((p for p in its_processes if p.current), its_processes[0] if its_processes else None)
    if process is None:
        abort(404)
    try:
        period = periods.resolve(db, process.slug, year)
    except Rejected:
        abort(404)
    sessions = periods.lab_meetings(db, lab.id, period)
    every = consolidate(db, process.slug, lab=slug, programme_id=period.programme_id).rows
    # Read for one territory: the meetings held there, and the priorities voted
    # there or with published support from people who said they live or work
    # there (consolidation.in_territory, public: published cells only).
    names = territories.names(db)
    places = {
        key: name
        for key, name in names.items()
        if any(live.territory_key == key for live in sessions)
        or any(key in (m.get("territory_split") or {}) for r in every for m in r.meetings)
    }
    territory = request.args.get("territorio") or None
    territory = territory if territory in places else None
    # Each priority keeps its place, whatever is lifted out or filtered: in the lab
    # (a priority of several meetings), or in the meeting where it was voted.
    in_lab = {r.cluster_id: n for n, r in enumerate(every, 1)}
    in_meeting: dict[int, dict[int, int]] = {}
    for r in every:
        for m in r.meetings:
            its = in_meeting.setdefault(m["session_id"], {})
            its[r.cluster_id] = len(its) + 1
    rows = [r for r in every if territory is None or in_territory(r, territory, public=True)]
    shown = {m["session_id"] for r in rows for m in r.meetings}
    sessions = [
        live for live in sessions if territory is None or live.territory_key == territory or live.id in shown
    ]
    by_session: dict[int, list[dict]] = {}
    lines: list[dict] = []
    lines_of: dict[int, list[dict]] = {}
    voters: dict[int, int] = {}
    decided: dict[int, dict] = {}
    for row in rows:
        # A scheda the Ufficio di Piano is still drafting is not named here.
        row.actions = [a for a in row.actions if review.is_public(a["state"])]
        view = row.public()
        for m in row.meetings:
            voters[m["session_id"]] = m["voters"]
        if len(row.meetings) > 1:
            lines.append(view | {"position": in_lab[row.cluster_id]})
            for m in row.meetings:
                lines_of.setdefault(m["session_id"], []).append(view)
        else:
            position = in_meeting[row.session_id][row.cluster_id]
            by_session.setdefault(row.session_id, []).append(view | {"position": position})
        for action in row.actions:
            if action["id"] not in decided:
                decided[action["id"]] = _public_view(action["id"])
    # How each scheda the lab's priorities went into is doing now (its latest year monitored).
    now = monitoring.latest(db, [a for a, v in decided.items() if v["state"] == APPROVATA])
    return render_template(
        "public/lab.html",
        monitoring_now=now,
        all_rows=lines + [r for rs in by_session.values() for r in rs],
        lab=lab,
        process=process,
        sessions=sessions,
        lab_processes=its_processes,
        period=period,
        by_session=by_session,
        lines=lines,
        lines_of=lines_of,
        voters=voters,
        decided=decided,
        areas=plan_areas(),
        categories={c["key"]: c["short"] for c in _categories()},
        groups=_groups(),
        places=places,
        place_names=names,
        territory=territory,
        **public_meetings(slug, process.id),
    )


@bp.get("/schede/<id:action_id>")
def public_scheda(action_id: int):
    view = _public_view(action_id, preview=True)
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
        **monitoring_of(action_id),
    )


def _indicator_years(indicators: list[dict], years: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(set(years) | {int(y) for i in indicators for y in i.get("obiettivi", {})}))

"""Pages of the plan: the cabina di regia's dashboard, the scheda editor with its
review, the public *restituzione* to the labs, and the exports.

Thin, like every adapter: each view reads through `services.consolidation` and
`services.schede`, or sends one command to them, and turns a `Rejected` into
an alert (422; 409 when someone saved in between; 404 for a missing scheda).
What the rules allow (editable fields, next steps) is asked of `domain.review`,
never decided here; a field the form leaves enabled is still checked by the
service. Public pages use only public views: counts by category under 5
service. Public pages use only public views: counts by category under 5
suppressed (`PriorityRow.public()`), staff shown by role, never by name.

One blueprint, `plan` (endpoint names stay `plan.<view>`), in modules by
audience: `staff` (dashboard, editor, review, settings), `public` (the
labs' *restituzione* and the public scheda) and `downloads` (documents and
open data). This module holds what they share: helpers, template filters
and globals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, request
from flask_babel import format_date, format_decimal, gettext
from flask_login import current_user

from workshop import i18n
from workshop.context import services
from workshop.domain import monitoring as monitoring_rules
from workshop.domain import review
from workshop.domain import scheda as fields
from workshop.domain.errors import Rejected
from workshop.domain.permissions import PLAN_ROLES
from workshop.services import catalog, periods, schede
from workshop.web.auth import ROLE_LABELS

if TYPE_CHECKING:
    from workshop.storage.models import Process

bp = Blueprint("plan", __name__)


@bp.context_processor
def _limits() -> dict:
    """The scheda's limits, as the domain sets them, for the forms' maxlength."""
    return {"limits": fields}


ROME = ZoneInfo("Europe/Rome")

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
    process = periods.process_of(_db(), slug)
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


def _public_view(action_id: int, *, preview: bool = False) -> dict:
    """A scheda as the public reads it: 404 while it is a draft of the office,
    except, with `preview`, for the plan's staff (who see what will be published;
    their responses are never cached: web/auth.private_response)."""
    try:
        view = schede.view(_db(), action_id, public=True)
    except Rejected:
        abort(404)
    if not view["is_public"] and not (preview and _is_plan_role(getattr(current_user, "role", None))):
        abort(404)
    return view


@bp.app_template_filter("plan_when")
def _when(moment: datetime | None) -> str:
    """A stored moment (UTC; naive on SQLite) as a date and time in Italy, written as the
    reader's language writes it."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return i18n.when(moment.astimezone(ROME))


@bp.app_template_filter("plan_day")
def _day(day: date | None) -> str:
    """A day (a meeting's, an act's) as the reader's language writes it."""
    return format_date(day, "long") if day is not None else ""


@bp.app_template_filter("iso_when")
def _iso_when(moment: str | None) -> str:
    """An ISO 8601 moment as it comes in a JSON view (…Z), as a date and time in Italy."""
    return _when(datetime.fromisoformat(moment.replace("Z", "+00:00"))) if moment else ""


@bp.app_template_filter("plan_num")
def _num(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0")


@bp.app_template_filter("measured")
def _measured(value: str | None) -> str:
    """An indicator's measured value (stored «84.5») as the reader's language writes it."""
    if value is None:
        return "—"
    return _num(Decimal(value), monitoring_rules.value_decimals(value))


@bp.app_template_global("plan_state_label")
def _state_label_global(state: str) -> str:
    return _state_label(state)


@bp.app_template_global("plan_role_label")
def _role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_global("plan_body_subject")
def _body_subject(role: str | None) -> str:
    return gettext(review.SUBJECTS.get(role, "")) if role else ""


@bp.app_template_global("plan_body_label")
def _body_label(role: str | None) -> str:
    return gettext(review.BODIES.get(role, "")) if role else ""


@bp.app_template_global("plan_origin_label")
def _origin_label(origin: str | None) -> str:
    return gettext(fields.ORIGINI.get(origin or fields.LABORATORI, "")).lower()


@bp.app_template_global("is_plan_role")
def _is_plan_role(role: str | None) -> bool:
    return role in PLAN_ROLES


def _trace(content: dict, categories: list[dict]) -> dict:
    order = [c["key"] for c in categories]

    def position(key: str) -> int:
        return order.index(key) if key in order else len(order)

    clusters = [
        {**c, "by_category": dict(sorted(c.get("by_category", {}).items(), key=lambda kv: position(kv[0])))}
        for c in content.get("tracciabilita", {}).get("clusters", [])
    ]
    labs = catalog.lab_titles(_db())
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


@bp.app_template_global("euro")
def _euro(cents: int | None) -> str:
    return fields.euro(cents) if cents is not None else "—"


@bp.app_template_global("amount")
def _amount(cents: int | None) -> str:
    return fields.amount(cents) if cents is not None else ""


# The routes register themselves on `bp` when their modules are imported.
from workshop.web.plan import downloads, monitoring, public, staff  # noqa: E402, F401

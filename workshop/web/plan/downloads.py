"""The plan's downloads: the documents of a scheda and of the plan (public and
the offices' copies) and a process's open data."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, request
from flask_babel import gettext

from workshop.domain.errors import Rejected
from workshop.domain.permissions import PLAN_ROLES
from workshop.services import documents, exports, periods, schede
from workshop.web.auth import role_required
from workshop.web.plan import (
    _db,
    _period,
    bp,
)

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
    if not staff and not view["is_public"]:
        abort(404)  # a draft of the office is not public
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

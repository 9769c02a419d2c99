"""Meetings on the web: the date and place of a session (set by whoever runs it),
the lab's calendar files, and carrying groups forward from an earlier meeting.

Carrying groups is a command of the room (`clusters.carry`): the form here
only builds it and hands it to the bus, like a socket event, with a command
id fixed when the form was drawn, so sending the form twice applies it once.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from babel.dates import format_date, format_datetime
from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from workshop.context import services
from workshop.domain import commands as c
from workshop.domain import meetings as rules
from workshop.domain import phases
from workshop.domain import territory as territory_kinds
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, FACILITATOR
from workshop.services import catalog, continuity, meetings, territories
from workshop.web.auth import role_required
from workshop.web.ids import form_ids

if TYPE_CHECKING:  # only in annotations: pages get what they show from services
    from workshop.storage.models import Lab, LiveSession

bp = Blueprint("meetings", __name__)


class MeetingFields(FlaskForm):
    """When and where a session meets; all optional (a session may have no date yet)."""

    day = DateField(_l("Giorno dell’incontro"), validators=[Optional()])
    start = TimeField(_l("Ora di inizio"), validators=[Optional()])
    end = TimeField(_l("Ora di fine"), validators=[Optional()])
    address = StringField(_l("Indirizzo"), validators=[Length(max=rules.ADDRESS_MAX)])
    room = StringField(_l("Sala"), validators=[Length(max=rules.ROOM_MAX)])
    # Checked by the service against the admin's list (services/territories.py).
    territory = SelectField(_l("Territorio"), choices=[], validate_choice=False)

    def offer_territories(self, current: str | None = None) -> None:
        """The admin's list (and the meeting's own territory, if since taken out of it)."""
        rows = [
            t for t in territories.listed(services().db, active_only=False) if t.active or t.key == current
        ]
        self.territory.choices = [SelectChoice("", gettext("Non indicato"))] + [
            SelectChoice(t.key, f"{t.name} ({territory_kinds.KINDS[t.kind]})") for t in rows
        ]

    def place(self) -> meetings.Place:
        return meetings.Place(
            self.day.data,
            self.start.data,
            self.end.data,
            self.address.data or "",
            self.room.data or "",
            self.territory.data or None,
        )

    def fill(self, live: LiveSession) -> None:
        self.territory.data = live.territory_key or ""
        if live.starts_at is not None:
            starts = rules.local(live.starts_at)
            self.day.data, self.start.data = starts.date(), starts.time()
        if live.ends_at is not None:
            self.end.data = rules.local(live.ends_at).time()
        self.address.data, self.room.data = live.place_address, live.place_room
        self.offer_territories(live.territory_key)


# -- the control room: the meeting and what can be carried into it ----------------


def _may_run(session_id: int) -> tuple[LiveSession, Lab]:
    from workshop.web.facilitation import _runnable  # one check of who may run a session

    return _runnable(session_id)


def control_context(live: LiveSession, lab: Lab) -> dict:
    """For the control room: the meeting form, and the groups of the lab's closed
    meetings that may be carried into this one (while before the votes)."""
    form = MeetingFields(prefix="incontro")
    form.fill(live)
    sources = []
    if live.phase in phases.STAFF_PHASES[c.CarryClusters]:
        sources = continuity.carry_sources(services().db, live)
    return {"meeting_form": form, "carry_sources": sources, "carry_cid": secrets.token_urlsafe(16)}


@bp.post("/facilitatore/sessioni/<id:session_id>/incontro")
@role_required(FACILITATOR, ADMIN)
def edit(session_id: int):
    _may_run(session_id)
    form = MeetingFields(prefix="incontro")
    form.offer_territories()
    if not form.validate_on_submit():
        flash(
            " ".join(str(e) for errors in form.errors.values() for e in errors)
            or gettext("Controlla i dati dell’incontro."),
            "danger",
        )
        return redirect(url_for("facilitation.control", session_id=session_id))
    try:
        meetings.set_meeting(services().db, session_id, form.place())
    except Rejected as rejected:
        flash(rejected.message(gettext), "danger")
    else:
        flash(gettext("Data e luogo dell’incontro salvati."), "success")
    return redirect(url_for("facilitation.control", session_id=session_id))


@bp.post("/facilitatore/sessioni/<id:session_id>/riprendi")
@role_required(FACILITATOR, ADMIN)
def carry(session_id: int):
    _may_run(session_id)
    chosen = form_ids(request.form, "gruppo") or []
    base = request.form.get("cid", "")
    if not chosen or not 16 <= len(base) <= 40:
        flash(gettext("Scegli almeno un gruppo da riprendere."), "danger")
        return redirect(url_for("facilitation.control", session_id=session_id))
    by_source = continuity.clusters_by_session(services().db, chosen)
    # The staff actor a socket's `staff.join` would bind (the same check of who may run it).
    actor = services().bus.staff_bind(current_user.id, current_user.role, session_id)
    carried = 0
    try:
        if len({x for ids in by_source.values() for x in ids}) != len(set(chosen)):
            raise Rejected("cluster_not_found")
        for source, ids in sorted(by_source.items()):
            # One command per earlier meeting, its id derived from the form's: a
            # form sent twice gives the same ids, and the bus applies each once.
            ack = services().bus.execute(
                actor,
                c.CarryClusters(
                    cid=f"{base}:{source}",
                    session_id=session_id,
                    from_session_id=source,
                    cluster_ids=sorted(ids, key=chosen.index),
                ),
            )
            carried += sum(1 for e in ack["events"] if e["type"] == "cluster.created")
    except Rejected as rejected:
        flash(rejected.message(gettext), "danger")
    if carried:
        flash(gettext("Gruppi ripresi dagli incontri precedenti: %(n)s.", n=carried), "success")
    return redirect(url_for("facilitation.control", session_id=session_id))


# -- calendar files ------------------------------------------------------------------

ICS = "text/calendar; charset=utf-8"


def _ics(data: bytes, filename: str) -> Response:
    return Response(
        data,
        headers={
            "Content-Type": ICS,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "public, max-age=300",
        },
    )


def _host() -> str:
    base = services().settings.public_url or request.host_url
    return urlsplit(base).hostname or "localhost"


def _lab_url(m: meetings.Meeting) -> str:
    return url_for("plan.lab_page", slug=m.lab_slug, _external=True) + f"#incontro-{m.session_id}"


@bp.get("/laboratori/<slug>/calendario.ics")
def lab_calendar(slug: str):
    lab = catalog.lab(services().db, slug)
    if lab is None:
        abort(404)
    found = meetings.of_lab(services().db, slug)
    everything = found[rules.UPCOMING] + found[rules.PAST]
    name = gettext("Incontri del laboratorio %(lab)s", lab=lab.title)
    return _ics(meetings.calendar(everything, name, _host(), _lab_url), f"{slug}.ics")


@bp.get("/laboratori/<slug>/incontri/<id:session_id>.ics")
def meeting_calendar(slug: str, session_id: int):
    m = meetings.one(services().db, session_id)
    if m is None or m.lab_slug != slug or m.starts_at is None:
        abort(404)
    name = gettext("Incontri del laboratorio %(lab)s", lab=m.lab_title)
    return _ics(meetings.calendar([m], name, _host(), _lab_url), f"incontro-{session_id}.ics")


def public_meetings(slug: str, process_id: int | None = None) -> dict:
    """For the lab's public page (in one process)."""
    found = meetings.of_lab(services().db, slug, process_id=process_id)
    return {"upcoming_meetings": found[rules.UPCOMING], "past_meetings": found[rules.PAST]}


@bp.app_template_filter("meeting_day")
def _day(day) -> str:
    """«12 gennaio 2027», in the page's language."""
    return format_date(day, "d MMMM y", locale=str(get_locale() or "it"))


@bp.app_template_filter("meeting_when")
def _when(m: meetings.Meeting) -> str:
    """«martedì 12 gennaio 2027, 17:30–19:30» on the district's clock."""
    locale = str(get_locale() or "it")
    starts = rules.local(m.starts_at)
    text = format_datetime(starts, "EEEE d MMMM y, HH:mm", tzinfo=rules.ROME, locale=locale)
    if m.ends_at is not None:
        text += "–" + format_datetime(rules.local(m.ends_at), "HH:mm", tzinfo=rules.ROME, locale=locale)
    return text


@bp.app_template_filter("meeting_local_day")
def _local_day(moment):
    return rules.local(moment).date()

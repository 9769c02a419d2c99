"""Pages for participants: enter a code, pick a pseudonym, the room.

Joining through these forms goes through the same command bus as the socket
`join`; the page only adds the browser's memory of who it is (a signed token
in the session cookie), so coming back restores the same participant.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError

from workshop import i18n
from workshop.acks import lookup_failure_status
from workshop.context import client_address, services
from workshop.domain import commands as c
from workshop.domain import rules
from workshop.domain import territory as territory_rules
from workshop.domain.errors import Rejected
from workshop.domain.rules import PSEUDONYM_MAX
from workshop.services import catalog, territories, views
from workshop.services import privacy as rights
from workshop.web.auth import private_response
from workshop.web.reference import plan_areas

if TYPE_CHECKING:  # only in annotations: pages get what they show from services
    from workshop.storage.models import Lab, LiveSession, Participant

bp = Blueprint("pages", __name__)


def _categories():
    return catalog.categories(services().db)


def _join_form(**fields) -> str:
    """The join form, with the lists it offers (categories; territories, optional)."""
    return render_template(
        "join.html",
        categories=_categories(),
        territories=territories.listed(services().db),
        territory_kinds=territory_rules.KINDS,
        pseudonym_max=PSEUDONYM_MAX,
        **fields,
    )


def _remembered_participant(live: LiveSession) -> tuple[Participant, str] | None:
    """The participant this browser already is in this session, if any."""
    token = session.get("participants", {}).get(str(live.id))
    public_id = token and services().tokens.read(token)
    found = public_id and rights.participant_in(services().db, public_id, live.join_code)
    return (found[0], token) if found else None


def _remember(session_id: int, token: str) -> None:
    tokens = dict(session.get("participants", {}))
    tokens[str(session_id)] = token
    session["participants"] = tokens
    session.permanent = True


@bp.get("/")
def home():
    return render_template("home.html")


def _find_session(typed: str) -> tuple[LiveSession, Lab]:
    return services().bus.find_session(typed, client_address())


@bp.post("/entra")
def enter():
    """The home form: a typed code leads to that session's page."""
    typed = request.form.get("code", "")
    try:
        live, _ = _find_session(typed)
    except Rejected as rejected:
        return (
            render_template("home.html", error=rejected.message(gettext), code=typed),
            *lookup_failure_status(rejected),
        )
    return redirect(url_for("pages.session_page", code=live.join_code))


@bp.route("/s/<code>", methods=["GET", "POST"])
def session_page(code: str):
    """The URL behind the QR code: join form for newcomers, the room for the others."""
    try:
        live, lab = _find_session(code)
    except Rejected as rejected:
        return render_template(
            "error.html", title=gettext("Sessione non trovata"), message=rejected.message(gettext)
        ), *lookup_failure_status(rejected)
    if live.join_code != code:
        return redirect(url_for("pages.session_page", code=live.join_code))
    remembered = _remembered_participant(live)
    if remembered is None and request.method == "POST":
        form = request.form
        # Every problem of the form at once, not one per submission.
        problems = _join_form_problems(
            form.get("pseudonym", ""), form.get("category", ""), form.get("territory", "")
        )
        typed = {
            "pseudonym": form.get("pseudonym", ""),
            "category": form.get("category", ""),
            "territory": form.get("territory", ""),
            "form_cid": form.get("cid"),
        }
        if problems:
            return _join_form(live=live, lab=lab, problems=problems, **typed), 422
        try:
            fields = {
                "code": code,
                "pseudonym": form.get("pseudonym", ""),
                "category": form.get("category", ""),
            }
            if form.get("territory"):  # optional: «Preferisco non dirlo» sends nothing
                fields["territory"] = form["territory"]
            if form.get("cid"):  # the form's own id: a resubmitted form is the same join
                fields["cid"] = form["cid"]
            joined = services().bus.join(c.parse(c.JoinSession, fields), client_address())
        except Rejected as rejected:
            return _join_form(
                live=live, lab=lab, error=rejected.message(gettext), error_code=rejected.code, **typed
            ), 422
        _remember(live.id, joined.token)
        return redirect(url_for("pages.session_page", code=code), code=303)
    if remembered is None:
        return _join_form(live=live, lab=lab, form_cid=secrets.token_urlsafe(24))
    participant, token = remembered
    categories = _categories()
    room_config = {
        "token": token,
        "session": views.session_view(live, lab),
        "me": views.author_view(participant),
        "categories": {cat.key: i18n.named(cat) for cat in categories},
        "category_list": [{"key": c.key, "code": c.code, "label": i18n.named(c)} for c in categories],
        "areas": plan_areas(),
    }
    page = make_response(
        render_template(
            "room.html", live=live, lab=lab, me=participant, room_config=room_config, categories=categories
        )
    )
    # The page embeds the participant's token: no cache may keep it.
    page.headers["Cache-Control"] = "no-store"
    return page


def _join_form_problems(pseudonym: str, category: str, territory: str = "") -> dict[str, str]:
    """What is wrong with the join form's fields, by field (checked again by the bus)."""
    problems = {}
    try:
        rules.pseudonym(pseudonym)
    except Rejected as rejected:
        problems["pseudonym"] = rejected.message(gettext)
    if category not in {cat.key for cat in _categories()}:
        problems["category"] = Rejected("unknown_category").message(gettext)
    if territory and territory not in {t.key for t in territories.listed(services().db)}:
        problems["territory"] = Rejected("territory_unknown").message(gettext)
    return problems


@bp.get("/healthz")
def health():
    """For load balancers: 200 when the database answers, 503 otherwise."""
    if not services().db.answers():
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", server=services().server_id)


@bp.get("/privacy")
def privacy():
    from workshop.domain import disclosure, publication

    return render_template(
        "privacy.html",
        datasets=publication.OPEN_DATA,
        retention_days=services().settings.retention_days,
        threshold=disclosure.THRESHOLD,
    )


@bp.get("/accessibilita")
def accessibility():
    return render_template("accessibility.html")


@bp.get("/contatti")
def contacts():
    return render_template("contacts.html")


@bp.get("/note-legali")
def legal():
    from workshop import markup, site

    notes = site.info().legal_notes
    return render_template("legal.html", legal_html=markup.render(notes) if notes else "")


@bp.app_errorhandler(404)
def not_found(_error):
    return render_template(
        "error.html",
        title=gettext("Pagina non trovata"),
        message=gettext("L'indirizzo non corrisponde a nessuna pagina."),
    ), 404


@bp.app_errorhandler(CSRFError)
def csrf_failed(_error):
    return render_template(
        "error.html",
        title=gettext("Modulo scaduto"),
        message=gettext("Il modulo è scaduto o non è valido: ricarica la pagina e riprova."),
    ), 400


# Every script and style is a file of ours; inline <style> is allowed only
# because Bootstrap Italia injects its @font-face rules that way.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# A year; not includeSubDomains: other services of the district's domain are not ours to pin.
HSTS = "max-age=31536000"


@bp.after_app_request
def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if private_response():
        # Staff pages (the control room, the plan, accounts) must not come back
        # from a cache or the back button once someone has signed out.
        response.headers["Cache-Control"] = "no-store"
    if (services().settings.public_url or "").startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response

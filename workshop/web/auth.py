"""Staff sign-in (Flask-Login), and the admin's page of accounts.

Signing in: the password, then — when the account has a second factor — a
code from the person's app (or a recovery code); when their role requires a
second factor they have not set up, setting it up is part of the sign-in.
Between the steps the browser holds only a short-lived, signed note of who
passed the password (`PENDING`), never a sign-in. A completed sign-in is a
server-side row (services/staff_sessions.py) whose random id is what
Flask-Login keeps in the cookie.

Forms are Flask-WTF forms: CSRF-protected and validated in one place.
"""

from __future__ import annotations

import time
from functools import wraps
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from workshop.context import client_address, services
from workshop.domain import staff
from workshop.domain.errors import Rejected
from workshop.domain.permissions import (
    ADMIN,
    ALLARGATA,
    FACILITATOR,
    PLAN_ROLES,
    RISTRETTA,
    UFFICIO_PIANO,
)
from workshop.domain.staff import ACCOUNT_ACTIONS, second_factor_required
from workshop.services import accounts, second_factor
from workshop.services.ratelimit import login_scopes
from workshop.web import devices

if TYPE_CHECKING:  # only in annotations: pages get what they show from services
    from workshop.storage.models import StaffUser

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Accedi per continuare.")

ROLE_LABELS = {
    FACILITATOR: _l("Facilitatore/facilitatrice"),
    UFFICIO_PIANO: _l("Ufficio di Piano"),
    RISTRETTA: _l("Cabina di regia ristretta"),
    ALLARGATA: _l("Cabina di regia allargata"),
    ADMIN: _l("Amministratore/amministratrice"),
}


class StaffMember(UserMixin):
    """The signed-in staff member, as Flask-Login sees them.

    `id` is the account's id (what views use); `get_id()`, what Flask-Login
    stores in the cookie, is the sign-in's random id ("alternative tokens").
    """

    def __init__(self, user: StaffUser, sign_in: str):
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name
        self.role = user.role
        self.sign_in = sign_in

    def get_id(self) -> str:
        return self.sign_in

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)


@login_manager.user_loader
def load_user(sign_in: str):
    # Once per request (and per staff socket command): the sign-in's row must
    # exist, be unexpired and belong to an active account.
    user = services().staff_sessions.resume(sign_in)
    return StaffMember(user, sign_in) if user else None


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.staff_only = True  # read by private_response(): never cached
        return wrapper

    return decorator


# Who passed the password and still owes the second step, for how long.
PENDING = "staff_pending"
PENDING_SECONDS = 300


def private_response() -> bool:
    """Whether a response is for staff eyes, so that no cache (nor a shared
    computer's back button after «Esci») keeps it: any view behind sign-in,
    and anything served to a browser holding a staff sign-in or half of one.
    Static files are left cacheable; they are the same for everyone."""
    if request.endpoint in ("static", "static_earlier"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "staff_only", False) or "_user_id" in session or PENDING in session)


class LoginForm(FlaskForm):
    username = StringField(_l("Nome utente"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField(_l("Codice"), validators=[DataRequired(), Length(max=40)])


class NewUserForm(FlaskForm):
    username = StringField(_l("Nome utente"), validators=[DataRequired(), Length(min=3, max=40)])
    display_name = StringField(_l("Nome e cognome"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Ruolo"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    password = PasswordField(
        _l("Password iniziale"), validators=[DataRequired(), Length(min=accounts.PASSWORD_MIN, max=200)]
    )


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never send a fresh login to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/accedi", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        # The right password always signs in; wrong ones are slowed down, per
        # account and per address, or per device for the owner's own browser
        # (services/ratelimit.py, web/devices.py).
        username = form.username.data
        scopes = login_scopes(client_address(), username, devices.trusted(username))
        try:
            with services().bus.limiter.attempt(*scopes) as attempt:
                user = accounts.authenticate(services().db, username, form.password.data)
                if user is None:
                    attempt.failed()
        except Rejected as rejected:
            error, status = rejected.message(gettext), 429
        else:
            if user is not None:
                response = _after_password(user, _safe_next(request.args.get("next")))
                devices.remember(response, user.username)
                return response
            error, status = _l("Nome utente o password non corretti."), 401
    return render_template("auth/login.html", form=form, error=error), status


def _home(role: str) -> str:
    return url_for("plan.dashboard" if role in PLAN_ROLES and role != ADMIN else "facilitation.dashboard")


def _after_password(user: StaffUser, target: str | None):
    """The password was right: signed in, or on to the second step."""
    if not user.totp_secret and not second_factor_required(user.role, user.totp_required):
        sign_in(user)
        return redirect(target or _home(user.role))
    session[PENDING] = {"user_id": user.id, "since": int(time.time()), "next": target}
    return redirect(url_for("auth.second_step" if user.totp_secret else "auth.enrol"))


def sign_in(user: StaffUser) -> None:
    """A new server-side sign-in for this browser (a previous one of it ends)."""
    svc = services()
    session.pop(PENDING, None)
    if previous := session.get("_user_id"):
        svc.staff_sessions.end(previous)
    login_user(StaffMember(user, svc.staff_sessions.start(user.id)))


def _pending() -> tuple[StaffUser, str | None] | None:
    """Who passed the password in this browser in the last PENDING_SECONDS."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = accounts.get_user(services().db, pending.get("user_id", 0))
    return (user, pending.get("next")) if user else None


def _expired():
    session.pop(PENDING, None)
    flash(_l("L'accesso è scaduto: inserisci di nuovo nome utente e password."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/accedi/codice", methods=["GET", "POST"])
def second_step():
    """Second step: the code the person's app shows, or a recovery code."""
    pending = _pending()
    if pending is None or not pending[0].totp_secret:
        return _expired()
    user, target = pending
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            used = second_factor.verify(services().db, services().bus.limiter, user.id, form.code.data)
        except Rejected as rejected:
            error = rejected.message(gettext)
        else:
            sign_in(user)
            if used == second_factor.RECOVERY:
                left = second_factor.recovery_codes_left(services().db, user.id)
                flash(
                    gettext(
                        "Hai usato un codice di recupero: ne restano %(left)s. Se hai "
                        "cambiato telefono, configura di nuovo la verifica in due passaggi "
                        "da «Il mio account».",
                        left=left,
                    ),
                    "info",
                )
            return redirect(target or _home(user.role))
    return render_template("auth/second_step.html", form=form, error=error), 401 if error else 200


@bp.route("/accedi/configura", methods=["GET", "POST"])
def enrol():
    """Setting up the second factor, as part of signing in, for a role that requires it."""
    pending = _pending()
    if pending is None or pending[0].totp_secret:
        return _expired()
    user, target = pending
    form = CodeForm()
    return enrolment_page(user, form, on_confirmed=lambda: sign_in(user), next_url=target or _home(user.role))


def enrolment_page(user: StaffUser, form: FlaskForm, on_confirmed, next_url: str, check=lambda: None):
    """Shared by the sign-in and «Il mio account»: the QR code and the secret,
    a code to confirm, then the recovery codes, shown this once."""
    db = services().db
    error = None
    if form.validate_on_submit():
        try:
            check()
            codes = second_factor.confirm_enrolment(db, services().bus.limiter, user.id, form.code.data)
        except Rejected as rejected:
            error = rejected.message(gettext)
        else:
            on_confirmed()
            return render_template(
                "auth/recovery_codes.html",
                next_url=next_url,
                codes=[second_factor.display_code(c) for c in codes],
            )
    secret = second_factor.start_enrolment(db, user.id)
    uri = second_factor.provisioning_uri(secret, user.username)
    page = make_response(
        render_template(
            "auth/enrol.html",
            form=form,
            error=error,
            secret=second_factor.grouped(secret),
            qr=second_factor.qr_svg(uri, gettext("Codice QR per l'app di autenticazione")),
            replacing=bool(user.totp_secret),
        )
    )
    return page, 422 if error else 200


@bp.post("/esci")
def logout():
    if current_user.is_authenticated:
        services().staff_sessions.end(current_user.get_id())
    session.pop(PENDING, None)
    logout_user()
    flash(_l("Sei uscito/a."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/admin/utenti", methods=["GET", "POST"])
@role_required(ADMIN)
def users():
    form = NewUserForm()
    error = None
    if form.validate_on_submit():
        try:
            accounts.create_user(
                services().db, form.username.data, form.display_name.data, form.role.data, form.password.data
            )
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            flash(_l("Account creato."), "success")
            return redirect(url_for("auth.users"))
    return _users_page(form, error), 422 if error else 200


def _users_page(form: NewUserForm, error: str | None = None, action_error: str | None = None):
    rows = accounts.all_users(services().db)
    return render_template(
        "auth/users.html",
        form=form,
        users=rows,
        error=error,
        action_error=action_error,
        role_labels=ROLE_LABELS,
        required={u.id: second_factor_required(u.role, u.totp_required) for u in rows},
    )


class AccountActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    password = PasswordField(_l("Nuova password"), validators=[Length(max=200)])


ACTION_DONE = {
    staff.DEACTIVATE: _l("Account disattivato: le sue sessioni di accesso sono chiuse."),
    staff.REACTIVATE: _l("Account riattivato."),
    staff.RESET_PASSWORD: _l(
        "Password impostata: le sessioni di accesso dell'account sono chiuse. Comunicala di persona."
    ),
    staff.RESET_SECOND_FACTOR: _l(
        "Verifica in due passaggi azzerata: al prossimo accesso andrà configurata di nuovo."
    ),
    staff.REQUIRE_SECOND_FACTOR: _l(
        "Da ora l'account deve usare la verifica in due passaggi: la configurerà al prossimo accesso."
    ),
    staff.WAIVE_SECOND_FACTOR: _l("La verifica in due passaggi ora è facoltativa per l'account."),
}


@bp.post("/admin/utenti/<id:user_id>")
@role_required(ADMIN)
def account_action(user_id: int):
    """The admin's actions on an account (the rules: domain/staff.py)."""
    form = AccountActionForm()
    if not form.validate_on_submit() or form.action.data not in ACCOUNT_ACTIONS:
        abort(400)
    try:
        accounts.admin_action(
            services().db,
            current_user.id,
            current_user.role,
            user_id,
            form.action.data,
            form.password.data or "",
        )
    except Rejected as rejected:
        status = (
            404
            if rejected.code == "account_not_found"
            else (403 if rejected.code in ("forbidden", "own_account") else 422)
        )
        return _users_page(NewUserForm(formdata=None), action_error=rejected.message(gettext)), status
    flash(ACTION_DONE[form.action.data], "success")
    return redirect(url_for("auth.users"))

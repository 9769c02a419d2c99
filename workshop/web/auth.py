"""Staff sign-in (Flask-Login), and the admin's page to create accounts.

Forms are Flask-WTF forms: CSRF-protected and validated in one place.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from workshop.context import client_address, services
from workshop.domain.errors import Rejected
from workshop.domain.permissions import (
    ADMIN,
    ALLARGATA,
    FACILITATOR,
    PLAN_ROLES,
    RISTRETTA,
    UFFICIO_PIANO,
)
from workshop.services import accounts
from workshop.storage.models import StaffUser

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Accedi per continuare.")

ROLE_LABELS = {FACILITATOR: _l("Facilitatore/facilitatrice"), UFFICIO_PIANO: _l("Ufficio di Piano"),
               RISTRETTA: _l("Cabina di regia ristretta"), ALLARGATA: _l("Cabina di regia allargata"),
               ADMIN: _l("Amministratore/amministratrice")}


class StaffMember(UserMixin):
    """The signed-in staff member, as Flask-Login sees them."""

    def __init__(self, user: StaffUser):
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name
        self.role = user.role

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)


@login_manager.user_loader
def load_user(user_id: str):
    user = accounts.get_user(services().db, int(user_id)) if user_id.isdigit() else None
    return StaffMember(user) if user else None


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


class LoginForm(FlaskForm):
    username = StringField(_l("Nome utente"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class NewUserForm(FlaskForm):
    username = StringField(_l("Nome utente"), validators=[DataRequired(), Length(min=3, max=40)])
    display_name = StringField(_l("Nome e cognome"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Ruolo"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    password = PasswordField(_l("Password iniziale"),
                             validators=[DataRequired(), Length(min=accounts.PASSWORD_MIN, max=200)])


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
    if form.validate_on_submit():
        limiter = services().bus.limiter
        client = "login:" + client_address()
        try:
            limiter.check(client)
        except Rejected as rejected:
            error = rejected.message()
        else:
            user = accounts.authenticate(services().db, form.username.data, form.password.data)
            if user is not None:
                login_user(StaffMember(user))
                home = ("plan.dashboard" if user.role in PLAN_ROLES and user.role != ADMIN
                        else "facilitation.dashboard")
                return redirect(_safe_next(request.args.get("next")) or url_for(home))
            limiter.failed(client)
            error = _l("Nome utente o password non corretti.")
    return render_template("auth/login.html", form=form, error=error), 200 if not error else 401


@bp.post("/esci")
def logout():
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
            accounts.create_user(services().db, form.username.data, form.display_name.data,
                                 form.role.data, form.password.data)
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            flash(_l("Account creato."), "success")
            return redirect(url_for("auth.users"))
    with services().db.reader() as s:
        rows = s.exec(select(StaffUser).order_by(StaffUser.username)).all()
    return render_template("auth/users.html", form=form, users=rows, error=error,
                           role_labels=ROLE_LABELS), 422 if error else 200

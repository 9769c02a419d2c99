"""«Il mio account»: each staff member changes their own password and sets up
(or, where nothing requires it, removes) their two-step verification.

Every change to how one signs in asks for the current password again, so a
browser left signed in is not enough to take the account over; wrong
passwords here count against `password:<account id>` in the rate limiter.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from workshop.context import services
from workshop.domain.errors import Rejected
from workshop.domain.permissions import STAFF_ROLES
from workshop.domain.staff import may_turn_off_second_factor, second_factor_required
from workshop.services import accounts, second_factor
from workshop.web import auth
from workshop.web.auth import CodeForm, role_required

bp = Blueprint("account", __name__)


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Password attuale"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("Nuova password"), validators=[DataRequired(), Length(max=200)])
    repeated = PasswordField(_l("Ripeti la nuova password"), validators=[DataRequired(), Length(max=200)])


class CurrentPasswordForm(FlaskForm):
    password = PasswordField(_l("Password attuale"), validators=[DataRequired(), Length(max=200)])


class EnrolForm(CodeForm):
    password = PasswordField(_l("Password attuale"), validators=[DataRequired(), Length(max=200)])


def _me():
    return accounts.get_user(services().db, current_user.id)


def _checked(check) -> None:
    """Run a check of the current password under its failure limit."""
    limiter, key = services().bus.limiter, f"password:{current_user.id}"
    limiter.check(key)
    try:
        check()
    except Rejected as rejected:
        if rejected.code == "password_wrong":
            limiter.failed(key)
        raise


def _page(password_form=None, off_form=None, error=None, status=200):
    user = _me()
    return render_template(
        "auth/account.html",
        user=user,
        password_form=password_form or PasswordChangeForm(),
        off_form=off_form or CurrentPasswordForm(),
        error=error,
        required=second_factor_required(user.role, user.totp_required),
        may_turn_off=may_turn_off_second_factor(user.role, user.totp_required),
        codes_left=second_factor.recovery_codes_left(services().db, user.id),
        role_label=auth.ROLE_LABELS.get(user.role, user.role),
        password_min=accounts.PASSWORD_MIN,
    ), status


@bp.get("/account")
@role_required(*STAFF_ROLES)
def overview():
    return _page()


@bp.post("/account/password")
@role_required(*STAFF_ROLES)
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            _checked(
                lambda: accounts.change_password(
                    services().db, current_user.id, form.current.data, form.new.data, form.repeated.data
                )
            )
        except Rejected as rejected:
            return _page(password_form=form, error=rejected.message(gettext), status=422)
        # Every sign-in of the account has ended, this browser's too: it gets a new one.
        auth.sign_in(_me())
        flash(_l("Password cambiata. Gli altri accessi con questo account sono stati chiusi."), "success")
        return redirect(url_for("account.overview"))
    return _page(password_form=form, status=422)


@bp.route("/account/verifica-in-due-passaggi", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def enrol():
    """Set up two-step verification, or move it to a new phone (the old one
    works until the new one is confirmed)."""
    form = EnrolForm()
    user = _me()
    return auth.enrolment_page(
        user,
        form,
        on_confirmed=lambda: None,
        next_url=url_for("account.overview"),
        check=lambda: _checked(lambda: accounts.check_password(services().db, user.id, form.password.data)),
    )


@bp.post("/account/verifica-in-due-passaggi/disattiva")
@role_required(*STAFF_ROLES)
def turn_off():
    form = CurrentPasswordForm()
    if form.validate_on_submit():
        try:
            _checked(
                lambda: accounts.turn_off_second_factor(services().db, current_user.id, form.password.data)
            )
        except Rejected as rejected:
            status = 403 if rejected.code == "second_factor_always_required" else 422
            return _page(off_form=form, error=rejected.message(gettext), status=status)
        flash(_l("Verifica in due passaggi disattivata."), "success")
        return redirect(url_for("account.overview"))
    return _page(off_form=form, status=422)

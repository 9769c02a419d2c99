"""Staff sign-in over HTTP and Socket.IO: sign-ins end server-side (sign-out,
password change, deactivation, a working day unused), staff pages are never
stored, HSTS behind https, and two-step verification (TOTP, recovery codes)."""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import url_for
from sqlalchemy import update

from tests.conftest import make_settings
from tests.helpers import cid, enrol_totp, totp_code
from tests.live.test_staff_pages import PASSWORD, sign_in, token
from workshop.extensions import socketio
from workshop.services import accounts

NEW_PASSWORD = "una password nuova e lunga"


def db_of(app):
    return app.extensions["workshop"].db


def cookie_of(http) -> str:
    return http.get_cookie("session").value


def replayed(app, cookie: str):
    """Another client presenting a captured session cookie."""
    http = app.test_client()
    http.set_cookie("session", cookie)
    return http


def signed_out(response) -> bool:
    return response.status_code == 302 and "/accedi" in response.headers["Location"]


def post(http, path, **data):
    return http.post(path, data={"csrf_token": token(http, "/accedi"), **data})


def staff_socket(app, http, session_id):
    client = socketio.test_client(app, flask_test_client=http)
    assert client.emit("staff.join", {"session_id": session_id}, callback=True)["ok"]
    return client


def staff_command(client, session_id) -> dict:
    return client.emit(
        "timer.control",
        {"cid": cid(), "session_id": session_id, "action": "start", "seconds": 60},
        callback=True,
    )


@pytest.fixture
def capo(app):
    """An admin with two-step verification set up."""
    user = accounts.create_user(db_of(app), "capo", "Amministratrice", "admin", PASSWORD)
    enrol_totp(db_of(app), user.id)
    return user


# -- 1. a sign-in ends on the server --------------------------------------------


def test_a_cookie_captured_before_esci_does_not_sign_in_after_it(app, facilitator):
    fabia, _ = sign_in(app, "fabia")
    captured = cookie_of(fabia)
    assert replayed(app, captured).get("/facilitatore").status_code == 200
    assert post(fabia, "/esci").status_code == 302
    assert signed_out(replayed(app, captured).get("/facilitatore"))
    assert signed_out(fabia.get("/facilitatore"))


def test_signing_out_stops_that_browsers_staff_socket_and_no_other(app, live_session, facilitator):
    fabia, _ = sign_in(app, "fabia")
    laptop, _ = sign_in(app, "fabia")
    control, other = staff_socket(app, fabia, live_session.id), staff_socket(app, laptop, live_session.id)
    assert staff_command(control, live_session.id)["ok"]
    post(fabia, "/esci")
    refused = staff_command(control, live_session.id)
    assert refused["error"]["code"] == "login_required"
    state = control.emit("staff.state", {"session_id": live_session.id}, callback=True)
    assert state["error"]["code"] == "login_required"
    assert staff_command(other, live_session.id)["ok"]  # the other sign-in goes on
    for client in (control, other):
        client.disconnect()


def test_a_password_change_ends_every_sign_in_and_staff_socket_of_the_account(app, live_session, facilitator):
    fabia, _ = sign_in(app, "fabia")
    laptop, _ = sign_in(app, "fabia")
    captured = cookie_of(laptop)
    control = staff_socket(app, laptop, live_session.id)
    assert fabia.get("/account").status_code == 200

    wrong = post(fabia, "/account/password", current="non è questa", new=NEW_PASSWORD, repeated=NEW_PASSWORD)
    assert wrong.status_code == 422 and "non è corretta" in html.unescape(wrong.get_data(as_text=True))
    differ = post(fabia, "/account/password", current=PASSWORD, new=NEW_PASSWORD, repeated="altro")
    assert differ.status_code == 422
    assert staff_command(control, live_session.id)["ok"]  # nothing changed yet

    changed = post(fabia, "/account/password", current=PASSWORD, new=NEW_PASSWORD, repeated=NEW_PASSWORD)
    assert changed.status_code == 302
    assert fabia.get("/facilitatore").status_code == 200  # the browser that changed it stays in
    assert signed_out(replayed(app, captured).get("/facilitatore"))
    assert staff_command(control, live_session.id)["error"]["code"] == "login_required"
    assert sign_in(app, "fabia")[1].status_code == 401
    assert sign_in(app, "fabia", NEW_PASSWORD)[1].status_code == 302
    control.disconnect()


def test_deactivating_an_account_ends_its_sign_ins_and_sockets(app, live_session, facilitator, capo):
    fabia, _ = sign_in(app, "fabia")
    captured = cookie_of(fabia)
    control = staff_socket(app, fabia, live_session.id)
    admin, _ = sign_in(app, "capo")

    assert post(admin, f"/admin/utenti/{facilitator.id}", action="disattiva").status_code == 302
    assert signed_out(replayed(app, captured).get("/facilitatore"))
    assert staff_command(control, live_session.id)["error"]["code"] == "login_required"
    assert sign_in(app, "fabia")[1].status_code == 401

    assert post(admin, f"/admin/utenti/{facilitator.id}", action="riattiva").status_code == 302
    assert signed_out(replayed(app, captured).get("/facilitatore"))  # ended, not suspended
    assert sign_in(app, "fabia")[1].status_code == 302
    control.disconnect()


def test_an_admin_resets_a_password_and_the_old_sign_ins_end(app, facilitator, capo):
    fabia, _ = sign_in(app, "fabia")
    admin, _ = sign_in(app, "capo")
    short = post(admin, f"/admin/utenti/{facilitator.id}", action="password", password="corta")
    assert short.status_code == 422 and fabia.get("/facilitatore").status_code == 200
    assert (
        post(admin, f"/admin/utenti/{facilitator.id}", action="password", password=NEW_PASSWORD).status_code
        == 302
    )
    assert signed_out(fabia.get("/facilitatore"))
    assert sign_in(app, "fabia", NEW_PASSWORD)[1].status_code == 302


# -- 2. a working day without use -----------------------------------------------


def test_a_sign_in_unused_for_a_working_day_ends_and_use_renews_it(app, facilitator):
    assert app.extensions["workshop"].settings.staff_idle_hours == 10
    sessions = app.extensions["workshop"].staff_sessions
    start = datetime.now(UTC)
    now = [start]
    sessions.clock = lambda: now[0]
    fabia, _ = sign_in(app, "fabia")
    now[0] = start + timedelta(hours=9, minutes=50)
    assert fabia.get("/facilitatore").status_code == 200  # used: ten more hours from here
    now[0] = start + timedelta(hours=19, minutes=40)
    assert fabia.get("/facilitatore").status_code == 200
    now[0] = start + timedelta(hours=29, minutes=41)
    assert signed_out(fabia.get("/facilitatore"))


def test_a_participants_long_lived_cookie_does_not_keep_staff_signed_in(app, live_session, facilitator):
    """The cookie lasts 120 days once its browser joined a session as a participant;
    the staff sign-in in it lasts a working day without use all the same."""
    http = app.test_client()
    joined = http.post(
        f"/s/{live_session.code}",
        data={"pseudonym": "Pia", "category": "asp", "csrf_token": token(http, f"/s/{live_session.code}")},
    )
    assert joined.status_code == 303
    http.post(
        "/accedi", data={"username": "fabia", "password": PASSWORD, "csrf_token": token(http, "/accedi")}
    )
    assert "Expires=" in joined.headers["Set-Cookie"]  # the permanent cookie
    assert http.get("/facilitatore").status_code == 200
    from workshop.storage.models import StaffSession

    idle = datetime.now(UTC) - timedelta(hours=10, minutes=1)
    with db_of(app).transaction() as s:
        s.exec(update(StaffSession).values(last_seen_at=idle, expires_at=idle + timedelta(hours=10)))
    assert signed_out(http.get("/facilitatore"))
    assert http.get(f"/s/{live_session.code}").status_code == 200  # still the participant


# -- 3. caching and transport headers -------------------------------------------


def test_staff_pages_are_never_stored_and_public_pages_keep_their_caching(app, live_session, facilitator):
    anonymous = app.test_client()
    with app.test_request_context():
        css = url_for("static", filename="css/app.css")  # fingerprinted: /static/<build>/css/app.css
    for path in ("/", "/laboratori", "/privacy", css):
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
    assert anonymous.get("/facilitatore").headers["Cache-Control"] == "no-store"  # behind sign-in

    fabia, _ = sign_in(app, "fabia")
    for path in (
        "/facilitatore",
        f"/facilitatore/sessioni/{live_session.id}",
        f"/facilitatore/sessioni/{live_session.id}/proiezione",
        "/account",
        "/",
    ):
        response = fabia.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert "no-store" not in fabia.get(css).headers.get("Cache-Control", "")
    post(fabia, "/esci")
    assert "no-store" not in fabia.get("/").headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "public_url,hsts",
    [("https://laboratori.example.it", True), ("http://localhost:5000", False), (None, False)],
)
def test_hsts_only_when_the_public_url_is_https(database_url, public_url, hsts):
    from workshop.app import create_app

    application = create_app(make_settings(database_url, public_url=public_url))
    response = application.test_client().get("/")
    assert ("Strict-Transport-Security" in response.headers) is hsts
    if hsts:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    application.extensions["workshop"].db.dispose()


# -- 4. two-step verification ----------------------------------------------------


def test_an_admin_without_two_step_verification_sets_it_up_before_any_page(app):
    accounts.create_user(db_of(app), "capo", "Amministratrice", "admin", PASSWORD)
    http = app.test_client()
    response = http.post(
        "/accedi", data={"username": "capo", "password": PASSWORD, "csrf_token": token(http, "/accedi")}
    )
    assert response.headers["Location"].endswith("/accedi/configura")
    for path in ("/facilitatore", "/admin/utenti", "/piano", "/account"):
        assert signed_out(http.get(path)), path

    page = http.get("/accedi/configura")
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "<svg" in body and "otpauth" not in body  # the QR code inline, the URI only inside it
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', body)[1]
    assert shown in http.get("/accedi/configura").get_data(as_text=True)  # a reload: the same one
    secret = shown.replace(" ", "")
    app_code = pyotp.TOTP(secret).now()

    wrong = http.post("/accedi/configura", data={"code": "12345", "csrf_token": token(http, "/accedi")})
    assert wrong.status_code == 422 and signed_out(http.get("/admin/utenti"))
    done = http.post("/accedi/configura", data={"code": app_code, "csrf_token": token(http, "/accedi")})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert http.get("/admin/utenti").status_code == 200
    assert signed_out(http.get("/accedi/configura"))  # done: no second set-up from the same sign-in

    # From now on this account signs in with a code.
    again = app.test_client()
    response = again.post(
        "/accedi", data={"username": "capo", "password": PASSWORD, "csrf_token": token(again, "/accedi")}
    )
    assert response.headers["Location"].endswith("/accedi/codice")


def test_codes_wrong_right_reused_and_recovery_codes_once(app, capo):
    recovery = enrol_totp(db_of(app), capo.id)  # a second set-up: new codes, the old ones void

    def password_step():
        http = app.test_client()
        response = http.post(
            "/accedi", data={"username": "capo", "password": PASSWORD, "csrf_token": token(http, "/accedi")}
        )
        assert response.headers["Location"].endswith("/accedi/codice")
        assert signed_out(http.get("/admin/utenti"))  # the password alone is not a sign-in
        return http

    def code_step(http, code):
        return http.post("/accedi/codice", data={"code": code, "csrf_token": token(http, "/accedi")})

    code = totp_code(db_of(app), "capo")
    http = password_step()
    wrong = code_step(http, f"{(int(code) + 1) % 10**6:06d}")
    assert wrong.status_code == 401 and "non valido" in html.unescape(wrong.get_data(as_text=True))
    assert code_step(http, code).status_code == 302
    assert http.get("/admin/utenti").status_code == 200

    replay = password_step()
    assert code_step(replay, code).status_code == 401  # the same code, a second time

    first = password_step()
    forged = recovery[0][:1] + ("b" if recovery[0][1] != "b" else "c") + recovery[0][2:]
    assert code_step(first, forged).status_code == 401  # its first character only says which
    assert code_step(first, recovery[0]).status_code == 302
    page = first.get("/admin/utenti")
    assert page.status_code == 200 and "ne restano 9" in html.unescape(page.get_data(as_text=True))
    assert code_step(password_step(), recovery[0]).status_code == 401  # once only
    assert code_step(password_step(), recovery[1].upper().replace("-", " ")).status_code == 302


def test_wrong_codes_are_limited_per_account(app, capo):
    http = app.test_client()
    http.post(
        "/accedi", data={"username": "capo", "password": PASSWORD, "csrf_token": token(http, "/accedi")}
    )
    for _ in range(5):  # the app fixture allows 5 failures a minute
        http.post("/accedi/codice", data={"code": "000000", "csrf_token": token(http, "/accedi")})
    limited = http.post(
        "/accedi/codice", data={"code": totp_code(db_of(app), "capo"), "csrf_token": token(http, "/accedi")}
    )
    assert limited.status_code == 401 and "Troppi tentativi" in limited.get_data(as_text=True)
    assert signed_out(http.get("/admin/utenti"))


def test_the_password_step_expires(app, capo, monkeypatch):
    from workshop.web import auth

    http = app.test_client()
    http.post(
        "/accedi", data={"username": "capo", "password": PASSWORD, "csrf_token": token(http, "/accedi")}
    )
    monkeypatch.setattr(auth, "PENDING_SECONDS", -1)
    late = http.post(
        "/accedi/codice", data={"code": totp_code(db_of(app), "capo"), "csrf_token": token(http, "/accedi")}
    )
    assert signed_out(late) and signed_out(http.get("/admin/utenti"))


def test_facilitators_choose_unless_the_admin_requires_it(app, facilitator, capo):
    db = db_of(app)
    fabia, signed = sign_in(app, "fabia")
    assert signed.headers["Location"].endswith("/facilitatore")  # no code asked
    assert "Facoltativa" in fabia.get("/account").get_data(as_text=True)

    # She turns it on for herself (current password + a code), then signs in with it.
    page = html.unescape(fabia.get("/account/verifica-in-due-passaggi").get_data(as_text=True))
    secret = re.search(r'id="totp-secret">([^<]+)<', page)[1].replace(" ", "")
    no_password = post(
        fabia, "/account/verifica-in-due-passaggi", password="sbagliata!!", code=pyotp.TOTP(secret).now()
    )
    assert no_password.status_code == 422
    on = post(fabia, "/account/verifica-in-due-passaggi", password=PASSWORD, code=pyotp.TOTP(secret).now())
    assert on.status_code == 200 and on.get_data(as_text=True).count("<li><code>") == 10
    http = app.test_client()
    response = http.post(
        "/accedi", data={"username": "fabia", "password": PASSWORD, "csrf_token": token(http, "/accedi")}
    )
    assert response.headers["Location"].endswith("/accedi/codice")
    # ... and off again: not required for her.
    assert post(fabia, "/account/verifica-in-due-passaggi/disattiva", password=PASSWORD).status_code == 302
    assert sign_in(app, "fabia")[1].headers["Location"].endswith("/facilitatore")

    # The admin requires it: her sign-ins end, and the next one sets it up first.
    admin, _ = sign_in(app, "capo")
    assert post(admin, f"/admin/utenti/{facilitator.id}", action="richiedi-due-fattori").status_code == 302
    assert signed_out(fabia.get("/facilitatore"))
    fabia, signed = sign_in(app, "fabia")
    assert signed.headers["Location"].endswith("/accedi/configura")
    enrol_totp(db, facilitator.id)
    fabia, _ = sign_in(app, "fabia")
    refused = post(fabia, "/account/verifica-in-due-passaggi/disattiva", password=PASSWORD)
    assert refused.status_code == 403
    assert (
        post(admin, f"/admin/utenti/{facilitator.id}", action="non-richiedere-due-fattori").status_code == 302
    )
    assert fabia.get("/facilitatore").status_code == 200  # waiving it signs no one out


def test_an_admin_resets_someones_two_step_verification_and_it_is_logged(app, capo, caplog):
    db = db_of(app)
    ufficio = accounts.create_user(db, "ufficio", "Ufficio", "ufficio_piano", PASSWORD)
    enrol_totp(db, ufficio.id)
    up, _ = sign_in(app, "ufficio")
    assert up.get("/piano").status_code == 200
    admin, _ = sign_in(app, "capo")
    with caplog.at_level(logging.INFO, logger="workshop.services.accounts"):
        assert post(admin, f"/admin/utenti/{ufficio.id}", action="azzera-due-fattori").status_code == 302
    record = next(r for r in caplog.records if r.getMessage() == "account changed by admin")
    assert (record.action, record.user_id, record.by) == ("azzera-due-fattori", ufficio.id, capo.id)
    assert signed_out(up.get("/piano"))
    http = app.test_client()
    response = http.post(
        "/accedi", data={"username": "ufficio", "password": PASSWORD, "csrf_token": token(http, "/accedi")}
    )
    assert response.headers["Location"].endswith("/accedi/configura")  # its role requires it


def test_the_admin_page_shows_who_has_two_step_verification(app, facilitator, capo):
    admin, _ = sign_in(app, "capo")
    page = html.unescape(admin.get("/admin/utenti").get_data(as_text=True))
    fabia_row = re.search(r'<tr data-username="fabia">(.*?)</tr>', page, re.S)[1]
    assert "Non attiva" in fabia_row and "facoltativa" in fabia_row
    assert 'value="richiedi-due-fattori"' in fabia_row and 'value="disattiva"' in fabia_row
    capo_row = re.search(r'<tr data-username="capo">(.*?)</tr>', page, re.S)[1]
    assert "obbligatoria" in capo_row and 'value="disattiva"' not in capo_row  # not on oneself


def test_the_demo_facilitator_signs_in_with_a_password_and_the_admin_sets_up_first(
    app, tmp_path, monkeypatch
):
    from workshop.seed import _demo_accounts

    _demo_accounts(db_of(app), tmp_path)
    passwords = dict(line.split() for line in (tmp_path / "demo-credentials.txt").read_text().splitlines())
    http, response = sign_in(app, "facilitatore", passwords["facilitatore"])
    assert response.headers["Location"].endswith("/facilitatore")
    http, response = sign_in(app, "admin", passwords["admin"])
    assert response.headers["Location"].endswith("/accedi/configura")

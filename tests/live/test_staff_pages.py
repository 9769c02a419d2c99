"""Staff pages over HTTP: sign-in with CSRF, sessions, assignments, accounts, QR."""

from __future__ import annotations

import re

import pytest

from tests.helpers import enrol_totp, pass_second_step
from workshop.services import accounts

PASSWORD = "una password lunga"


def token(http, path):
    page = http.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]


def sign_in(app, username, password=PASSWORD):
    """Password, then the code when the account has two-step verification."""
    http = app.test_client()
    response = http.post(
        "/accedi", data={"username": username, "password": password, "csrf_token": token(http, "/accedi")}
    )
    return http, pass_second_step(app, http, username, response)


@pytest.fixture
def people(app, facilitator):
    db = app.extensions["workshop"].db
    accounts.create_user(db, "altra", "Altra Facilitatrice", "facilitator", PASSWORD)
    enrol_totp(db, accounts.create_user(db, "capo", "Amministratrice", "admin", PASSWORD).id)


def test_sign_in_refuses_wrong_passwords_and_unknown_users(app, people):
    for username, password in (("fabia", "sbagliata!!"), ("nessuno", PASSWORD)):
        _, response = sign_in(app, username, password)
        assert response.status_code == 401
        assert "non corretti" in response.get_data(as_text=True)
    _, response = sign_in(app, "fabia")
    assert response.status_code == 302 and response.headers["Location"].endswith("/facilitatore")


def test_sign_in_never_redirects_off_site(app, people):
    http = app.test_client()
    response = http.post(
        "/accedi?next=//evil.example/x",
        data={"username": "fabia", "password": PASSWORD, "csrf_token": token(http, "/accedi")},
    )
    assert response.headers["Location"].endswith("/facilitatore")


def test_a_facilitator_creates_a_session_and_only_staff_of_it_may_open_it(app, people):
    fabia, _ = sign_in(app, "fabia")
    created = fabia.post(
        "/facilitatore",
        data={
            "csrf_token": token(fabia, "/facilitatore"),
            "lab": "dopo-di-noi",
            "title": "Terzo incontro",
            "guiding_question": "Che cosa serve?",
            "dots": "5",
            "cap": "3",
            "note_kinds": ["proposta", "risorsa"],
            "private_writing": "y",
        },
    )
    assert created.status_code == 302
    session_id = int(created.headers["Location"].rsplit("/", 1)[1])
    control = fabia.get(f"/facilitatore/sessioni/{session_id}")
    assert control.status_code == 200 and "Terzo incontro" in control.get_data(as_text=True)
    config = re.search(r'id="control-config">(.*?)</script>', control.get_data(as_text=True), re.S)[1]
    assert '"private_writing": true' in config and '"note_kinds": ["proposta", "risorsa"]' in config

    altra, _ = sign_in(app, "altra")
    assert altra.get(f"/facilitatore/sessioni/{session_id}").status_code == 403
    assert "Terzo incontro" not in altra.get("/facilitatore").get_data(as_text=True)

    capo, _ = sign_in(app, "capo")
    with app.app_context():
        altra_id = next(
            u for u in [accounts.authenticate(app.extensions["workshop"].db, "altra", PASSWORD)]
        ).id
    assigned = capo.post(
        f"/facilitatore/sessioni/{session_id}/facilitatori",
        data={"user_id": altra_id, "csrf_token": token(capo, f"/facilitatore/sessioni/{session_id}")},
    )
    assert assigned.status_code == 302
    assert altra.get(f"/facilitatore/sessioni/{session_id}").status_code == 200
    assert "Terzo incontro" in altra.get("/facilitatore").get_data(as_text=True)
    assert (
        fabia.post(
            f"/facilitatore/sessioni/{session_id}/facilitatori",
            data={"user_id": altra_id, "csrf_token": token(fabia, "/facilitatore")},
        ).status_code
        == 403
    )


def test_impossible_settings_are_refused_in_italian(app, people):
    fabia, _ = sign_in(app, "fabia")
    refused = fabia.post(
        "/facilitatore",
        data={
            "csrf_token": token(fabia, "/facilitatore"),
            "lab": "dopo-di-noi",
            "title": "X",
            "dots": "2",
            "cap": "3",
            "note_kinds": ["proposta"],
        },
    )
    assert refused.status_code == 422


def test_only_admins_manage_accounts(app, people):
    fabia, _ = sign_in(app, "fabia")
    assert fabia.get("/admin/utenti").status_code == 403
    capo, _ = sign_in(app, "capo")
    made = capo.post(
        "/admin/utenti",
        data={
            "csrf_token": token(capo, "/admin/utenti"),
            "username": "nuova",
            "display_name": "Nuova",
            "role": "ristretta",
            "password": "abbastanza lunga",
        },
    )
    assert made.status_code == 302
    # A ristretta account: the password is right, then it must set up two-step verification.
    assert sign_in(app, "nuova", "abbastanza lunga")[1].headers["Location"].endswith("/accedi/configura")
    short = capo.post(
        "/admin/utenti",
        data={
            "csrf_token": token(capo, "/admin/utenti"),
            "username": "corta",
            "display_name": "C",
            "role": "ristretta",
            "password": "corta",
        },
    )
    assert "almeno 10" in short.get_data(as_text=True) or "10" in short.get_data(as_text=True)
    assert sign_in(app, "corta", "corta")[1].status_code == 401  # no account was made


def test_pages_need_sign_in_and_logout_needs_csrf(app, people):
    anonymous = app.test_client()
    assert anonymous.get("/facilitatore").status_code == 302
    fabia, _ = sign_in(app, "fabia")
    assert fabia.post("/esci").status_code == 400  # no CSRF token
    assert fabia.post("/esci", data={"csrf_token": token(fabia, "/facilitatore")}).status_code == 302
    assert fabia.get("/facilitatore").status_code == 302


def test_qr_code_is_an_svg_of_the_join_url(app, live_session):
    response = app.test_client().get(f"/facilitatore/qr/{live_session.code}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith("<?xml")
    assert app.test_client().get("/facilitatore/qr/abc.svg").status_code == 404

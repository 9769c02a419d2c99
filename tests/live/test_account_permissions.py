"""Authorization of the account actions over HTTP, as a full matrix: each role ×
each action (one's own password and second factor, the admin's actions on
someone else's account), allowed or refused — the HTTP twin of
test_permissions_matrix.py."""

from __future__ import annotations

import pytest

from tests.helpers import enrol_totp, pass_second_step
from tests.live.test_staff_pages import token
from workshop.services import accounts

PASSWORD = "una password lunga"
NEW_PASSWORD = "una password nuova e lunga"
ROLES = ("facilitator", "ufficio_piano", "ristretta", "allargata", "admin")
OWN = {"account_page", "change_own_password"}
ADMIN_ACTIONS = {
    "users_page",
    "deactivate",
    "reactivate",
    "reset_password",
    "reset_second_factor",
    "require_second_factor",
    "waive_second_factor",
}

# role → the actions it may take (everything else: 403, or the sign-in page for strangers)
EXPECTED = {
    "anonymous": set(),
    "facilitator": OWN | {"turn_off_own_second_factor"},  # not required for facilitators
    "ufficio_piano": OWN,
    "ristretta": OWN,
    "allargata": OWN,
    "admin": OWN | ADMIN_ACTIONS,
}


def request_for(action: str, target: int) -> tuple[str, str, dict]:
    """(method, path, form) of each action; admin actions aim at `target`."""
    admin = f"/admin/utenti/{target}"
    return {
        "account_page": ("GET", "/account", {}),
        "change_own_password": (
            "POST",
            "/account/password",
            {"current": PASSWORD, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD},
        ),
        "turn_off_own_second_factor": (
            "POST",
            "/account/verifica-in-due-passaggi/disattiva",
            {"password": PASSWORD},
        ),
        "users_page": ("GET", "/admin/utenti", {}),
        "deactivate": ("POST", admin, {"action": "disattiva"}),
        "reactivate": ("POST", admin, {"action": "riattiva"}),
        "reset_password": ("POST", admin, {"action": "password", "password": NEW_PASSWORD}),
        "reset_second_factor": ("POST", admin, {"action": "azzera-due-fattori"}),
        "require_second_factor": ("POST", admin, {"action": "richiedi-due-fattori"}),
        "waive_second_factor": ("POST", admin, {"action": "non-richiedere-due-fattori"}),
    }[action]


ACTIONS = (
    "account_page",
    "turn_off_own_second_factor",
    "users_page",
    "deactivate",
    "reactivate",
    "reset_password",
    "reset_second_factor",
    "require_second_factor",
    "waive_second_factor",
    "change_own_password",
)  # last: it changes the password the others are asked for


def test_every_action_is_in_the_matrix():
    assert set(ACTIONS) == OWN | ADMIN_ACTIONS | {"turn_off_own_second_factor"}
    assert all(EXPECTED[role] <= set(ACTIONS) for role in EXPECTED)


def outcome(response) -> str:
    if response.status_code == 302 and "/accedi" in response.headers["Location"]:
        return "sign_in"
    if response.status_code == 403:
        return "refused"
    assert response.status_code in (200, 302), response.status_code
    return "ok"


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_by_account_action(app, role):
    db = app.extensions["workshop"].db
    # The target: a facilitator with two-step verification (so that every action applies).
    target = accounts.create_user(db, "bersaglio", "Bersaglio", "facilitator", PASSWORD)
    enrol_totp(db, target.id)
    http = app.test_client()
    if role != "anonymous":
        me = accounts.create_user(db, "persona", "Persona", role, PASSWORD)
        enrol_totp(db, me.id)  # everyone has it here, so that turning it off can be tried
        response = http.post(
            "/accedi",
            data={"username": "persona", "password": PASSWORD, "csrf_token": token(http, "/accedi")},
        )
        assert pass_second_step(app, http, "persona", response).status_code == 302
    outcomes = {}
    for action in ACTIONS:
        method, path, form = request_for(action, target.id)
        if method == "GET":
            response = http.get(path)
        else:
            response = http.post(path, data={"csrf_token": token(http, "/accedi"), **form})
        outcomes[action] = outcome(response)
    for action, got in outcomes.items():
        if action in EXPECTED[role]:
            assert got == "ok", (role, action, got)
        else:
            assert got == ("sign_in" if role == "anonymous" else "refused"), (role, action, got)


def test_an_admin_acts_on_others_only_and_requires_a_second_factor_of_facilitators_only(app):
    db = app.extensions["workshop"].db
    admin = accounts.create_user(db, "capo", "Capo", "admin", PASSWORD)
    enrol_totp(db, admin.id)
    ristretta = accounts.create_user(db, "ristretta", "Ristretta", "ristretta", PASSWORD)
    http = app.test_client()
    response = http.post(
        "/accedi", data={"username": "capo", "password": PASSWORD, "csrf_token": token(http, "/accedi")}
    )
    pass_second_step(app, http, "capo", response)
    for action in ("disattiva", "password", "azzera-due-fattori"):
        own = http.post(
            f"/admin/utenti/{admin.id}",
            data={"csrf_token": token(http, "/accedi"), "action": action, "password": NEW_PASSWORD},
        )
        assert own.status_code == 403 and "Il mio account" in own.get_data(as_text=True), action
    for action in ("richiedi-due-fattori", "non-richiedere-due-fattori"):
        fixed = http.post(
            f"/admin/utenti/{ristretta.id}", data={"csrf_token": token(http, "/accedi"), "action": action}
        )
        assert fixed.status_code == 422 and "sempre obbligatoria" in fixed.get_data(as_text=True)
    assert (
        http.post(
            "/admin/utenti/999999", data={"csrf_token": token(http, "/accedi"), "action": "disattiva"}
        ).status_code
        == 404
    )
    assert (
        http.post(
            f"/admin/utenti/{ristretta.id}", data={"csrf_token": token(http, "/accedi"), "action": "cancella"}
        ).status_code
        == 400
    )
    assert http.post(f"/admin/utenti/{ristretta.id}", data={"action": "disattiva"}).status_code == 400
    assert http.get("/admin/utenti").status_code == 200  # the admin is still signed in, and active

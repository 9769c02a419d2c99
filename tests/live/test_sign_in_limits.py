"""Wrong staff passwords are slowed down, per address and per account, but the
right password signs in, and the owner's own browser (its device cookie) is
not held up by an attack on the account. Delays are recorded, not waited for."""

from __future__ import annotations

from contextlib import ExitStack

from tests.live.test_staff_pages import PASSWORD, token
from workshop.services.ratelimit import CONCURRENT_DELAYED, login_scopes
from workshop.web import devices


def browser(app, address: str):
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = address
    return http


def sign_in(http, password: str, username: str = "fabia"):
    return http.post(
        "/accedi", data={"username": username, "password": password, "csrf_token": token(http, "/accedi")}
    )


def test_the_right_password_after_ten_wrong_ones_from_the_same_address_signs_in(app, facilitator):
    sleeps = app.extensions["workshop"].bus.limiter.sleep
    http = browser(app, "192.0.2.10")
    for n in range(12):
        wrong = sign_in(http, f"sbagliata {n}")
        assert wrong.status_code == 401 and "non corretti" in wrong.get_data(as_text=True)
    assert sleeps == [1, 2]  # the 11th and 12th were answered late, not refused
    right = sign_in(http, PASSWORD)
    assert right.status_code == 302 and right.headers["Location"].endswith("/facilitatore")
    assert sleeps == [1, 2]


def test_the_owners_browser_signs_in_at_once_while_others_attack_the_account(app, facilitator):
    limiter = app.extensions["workshop"].bus.limiter
    owner = browser(app, "192.0.2.20")
    assert sign_in(owner, PASSWORD).status_code == 302
    assert owner.get_cookie(devices.COOKIE) is not None
    # Twelve wrong passwords, each from another address: the account goes over its limit.
    for n in range(12):
        assert sign_in(browser(app, f"198.51.100.{n}"), f"sbagliata {n}").status_code == 401
    assert limiter.sleep == [1, 2]
    # The right password still signs in, from a browser the account never used…
    assert sign_in(browser(app, "192.0.2.30"), PASSWORD).status_code == 302
    with ExitStack() as attack:
        # …but not while the attack keeps as many guesses waiting as the account allows:
        for n in range(CONCURRENT_DELAYED):
            attack.enter_context(limiter.attempt(*login_scopes(f"203.0.113.{n}", "fabia")))
        refused = sign_in(browser(app, "192.0.2.40"), PASSWORD)
        assert refused.status_code == 429 and "Troppi tentativi" in refused.get_data(as_text=True)
        # The owner's browser is counted on its own: in at once, and its typos not held up.
        assert sign_in(owner, "un errore di battitura").status_code == 401
        assert sign_in(owner, PASSWORD).status_code == 302
    assert limiter.sleep == [1, 2]


def test_a_device_cookie_is_for_its_own_account_only(app, facilitator):
    from workshop.services import accounts

    accounts.create_user(app.extensions["workshop"].db, "altra", "Altra", "facilitator", PASSWORD)
    limiter = app.extensions["workshop"].bus.limiter
    http = browser(app, "192.0.2.50")
    assert sign_in(http, PASSWORD).status_code == 302
    for n in range(11):  # another account, from the browser trusted for fabia
        assert sign_in(http, f"sbagliata {n}", "altra").status_code == 401
    assert limiter.sleep == [1]
    forged = browser(app, "192.0.2.60")
    forged.set_cookie(devices.COOKIE, "not-signed")
    assert sign_in(forged, "sbagliata", "altra").status_code == 401
    assert limiter.sleep == [1, 2]

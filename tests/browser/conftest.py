"""Headless Chromium (Debian's) driven by Playwright against a real server."""

from __future__ import annotations

import os

import pytest

from tests.servers import migrated_sqlite, open_room, start_server, stop_server

CHROMIUM = os.environ.get("WORKSHOP_CHROMIUM", "/usr/bin/chromium")
# Chromium on this machine kind must not try to reach the network by itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def web_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("browser-server")
    server = start_server(migrated_sqlite(instance), instance)
    yield server
    stop_server(server)


@pytest.fixture
def room(web_server, request):
    """A session open for writing (raccolta); `room.facilitator` moves it on."""
    made = open_room(
        web_server,
        "dopo-di-noi",
        "Laboratorio nel browser",
        guiding_question="Che cosa serve per il dopo di noi?",
    )
    request.addfinalizer(made.facilitator.close)
    return made


@pytest.fixture
def new_page(browser, web_server, tmp_path):
    """A page in its own browser context: a separate person with their own cookies."""
    contexts = []

    def factory(width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.accept()))
        page.console_errors = []
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        # CSP violations and failed asset loads are reported as console errors.
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def context_at(browser):
    """Browser contexts of a given size that let axe-core in (`bypass_csp`: the
    pages' own policy is unchanged), for the accessibility audits."""
    made = []

    def factory(width, height):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="it-IT", bypass_csp=True
        )
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield factory
    for context in made:
        context.close()

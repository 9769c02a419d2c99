"""The room as people meet it (issue 12): the keyboard alone, a phone, the
projector wall, a screen reader's live regions, the closed room."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_room_browser import note_card
from tests.servers import open_room

pytestmark = pytest.mark.browser


@pytest.fixture
def roomy(web_server, request):
    """A room in raccolta where one note may take all three dots."""
    made = open_room(web_server, "dopo-di-noi", "Tre punti", guiding_question="Che cosa serve?",
                     dots=3, cap=3)
    request.addfinalizer(made.facilitator.close)
    return made


def tab_to(page, predicate_js, limit=80):
    """Press Tab until the focused element satisfies `predicate_js` (an arrow function of the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"({predicate_js})(document.activeElement)"):
            return
    raise AssertionError("never reached by Tab: " + predicate_js)


def focused(page):
    return page.evaluate("(e => e.className + ' ' + e.getAttribute('aria-label'))(document.activeElement)")


def test_keyboard_participant_joins_writes_votes_and_withdraws(new_page, web_server, roomy):
    page = new_page(360, 740)
    page.goto(web_server.url + "/")
    tab_to(page, "(e) => e.id === 'code'")
    page.keyboard.type(roomy.code)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/s/"))
    tab_to(page, "(e) => e.id === 'pseudonym'")
    page.keyboard.type("Tastiera")
    page.keyboard.press("Tab")  # the category
    page.keyboard.press("ArrowDown")
    tab_to(page, "(e) => e.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online")

    tab_to(page, "(e) => e.id === 'note-text'")
    page.keyboard.type("Scritto con la sola tastiera")
    tab_to(page, "(e) => e.type === 'submit' && e.closest('#note-form')")
    page.keyboard.press("Enter")
    expect(note_card(page, "sola tastiera")).to_have_count(1)
    expect(note_card(page, "sola tastiera").locator("button.note-edit")).to_have_count(1)

    roomy.facilitator.advance("votazione")
    expect(page.locator("#phase-banner")).to_have_attribute("data-phase", "votazione")
    expect(note_card(page, "sola tastiera").locator("button.vote-place")).to_be_enabled()
    page.locator("#main").focus()
    tab_to(page, "(e) => e.classList.contains('vote-place')")
    place = note_card(page, "sola tastiera").locator("button.vote-place")
    expect(page.locator("#dots-left")).to_have_text("3")
    for left in ("2", "1"):
        page.keyboard.press("Enter")
        expect(page.locator("#dots-left")).to_have_text(left)
        page.wait_for_timeout(400)  # the ack, the personal state and the room's event have all arrived
        assert place.evaluate("(b) => b === document.activeElement"), focused(page)
        expect(page.locator("#dots-left")).to_have_text(left)
    # Withdrawing by keyboard: one Tab to «Togli un punto», focus stays there too.
    page.keyboard.press("Tab")
    withdraw = note_card(page, "sola tastiera").locator("button.vote-withdraw")
    assert withdraw.evaluate("(b) => b === document.activeElement"), focused(page)
    page.keyboard.press("Enter")
    expect(page.locator("#dots-left")).to_have_text("2")
    page.wait_for_timeout(400)
    assert withdraw.evaluate("(b) => b === document.activeElement"), focused(page)
    assert page.console_errors == []

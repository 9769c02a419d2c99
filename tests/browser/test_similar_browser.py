"""Real headless Chromium: similar notes while writing, and the facilitator's
suggested groups applied to every screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_facilitation_browser import control_room, staff_cluster, staff_note
from tests.browser.test_room_browser import join, note_card, post_note

pytestmark = pytest.mark.browser

SAID = "Le famiglie non sanno a chi rivolgersi dopo la dimissione dall'ospedale"


def test_a_participant_sees_a_similar_note_while_typing(new_page, web_server, room):
    anna, bruno = new_page(), new_page(width=360, height=740)
    join(anna, web_server.url, room.code, "Anna")
    join(bruno, web_server.url, room.code, "Bruno", "ausl")
    post_note(anna, SAID, "problema")
    post_note(anna, "Corsi di italiano serali per chi lavora")
    expect(note_card(bruno, "Corsi di italiano")).to_have_count(1)

    # Typed key by key, as on a phone: asked once the typing pauses.
    bruno.locator("#note-text").press_sequentially("Dopo le dimissioni ospedaliere le famiglie non sanno a chi "
                                                   "rivolgersi", delay=5)
    panel = bruno.locator("#similar-notes")
    expect(panel).to_be_visible()
    expect(panel.locator(".similar-item")).to_have_count(1)
    expect(panel.locator(".similar-item")).to_contain_text("Le famiglie non sanno a chi rivolgersi")
    expect(bruno.locator("#live-region")).to_contain_text("1 contributo simile")
    go = panel.get_by_role("button", name="Vai al contributo simile: Le famiglie non sanno")
    assert go.bounding_box()["height"] >= 44  # a participant's target

    # By keyboard: to the note on the board, which gets the focus.
    go.focus()
    go.press("Enter")
    said_id = note_card(bruno, "Le famiglie non sanno").get_attribute("data-note-id")
    focused = bruno.evaluate("document.activeElement.dataset.noteId")
    assert focused == said_id

    # Publishing anyway is always possible; the list goes with the draft.
    bruno.locator("#note-form [type=submit]").click()
    expect(note_card(anna, "Dopo le dimissioni ospedaliere")).to_have_count(1)
    expect(panel).to_be_hidden()

    # A hidden note is never offered.
    room.facilitator.run("note.hide", note_id=int(said_id), reason="Doppione")
    expect(note_card(bruno, "dall'ospedale")).to_have_count(0)
    bruno.locator("#note-text").press_sequentially("Le famiglie non sanno a chi rivolgersi", delay=5)
    expect(panel.locator(".similar-item")).to_have_count(1)  # Bruno's own, published just now
    expect(panel.locator(".similar-item")).to_contain_text("Dopo le dimissioni ospedaliere")
    expect(panel).not_to_contain_text("dall'ospedale")
    for page in (anna, bruno):
        assert page.console_errors == [], page.console_errors

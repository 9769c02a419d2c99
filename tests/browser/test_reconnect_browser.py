"""The browser client survives a server restart: it reconnects and catches up by itself."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_room_browser import join, note_card, post_note
from tests.protocol_client import ProtocolClient

pytestmark = pytest.mark.browser


def test_page_reconnects_after_server_restart_and_catches_up(new_page, web_server, room):
    anna = new_page()
    join(anna, web_server.url, room.code, "Anna")
    post_note(anna, "Prima del riavvio")
    # Stored: the server's card (it has an id) is shown, and the pending one goes once
    # the ack is in. Under a loaded full suite the ack once came more than 5 s after the
    # room's event, so the pending card gets longer than expect's default to go.
    expect(anna.locator("article.note[data-note-id]", has_text="Prima del riavvio")).to_be_visible()
    expect(anna.locator("article.note-pending")).to_have_count(0, timeout=15_000)

    web_server.stop()
    expect(anna.locator("#connection-status")).not_to_have_attribute("data-state", "online", timeout=15_000)
    web_server.start()

    # Someone else writes while Anna's page is still reconnecting.
    other = ProtocolClient(web_server.url)
    other.connect()
    other.join(room.code, "Bruno")
    other.note("Scritto durante il riavvio")
    other.close()

    expect(anna.locator("#connection-status")).to_have_attribute("data-state", "online", timeout=30_000)
    expect(note_card(anna, "Scritto durante il riavvio")).to_be_visible()
    expect(anna.locator("article.note")).to_have_count(2)

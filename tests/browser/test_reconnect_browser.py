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
    expect(note_card(anna, "Prima del riavvio")).to_be_visible()

    web_server.stop()
    expect(anna.locator("#connection-status")).not_to_have_attribute("data-state", "online",
                                                                      timeout=15_000)
    web_server.start()

    # Someone else writes while Anna's page is still reconnecting.
    other = ProtocolClient(web_server.url)
    other.connect()
    other.join(room.code, "Bruno")
    other.note("Scritto durante il riavvio")
    other.close()

    expect(anna.locator("#connection-status")).to_have_attribute("data-state", "online",
                                                                 timeout=30_000)
    expect(note_card(anna, "Scritto durante il riavvio")).to_be_visible()
    expect(anna.locator("article.note")).to_have_count(2)

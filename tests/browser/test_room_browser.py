"""Real headless Chromium: people join, write, vote and see each other live."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def join(page, base_url, code, pseudonym, category="cittadino", via_home=True):
    if via_home:
        page.goto(base_url + "/")
        page.fill("#code", code[:3] + " " + code[3:])
        page.locator("#code").press("Enter")
    else:
        page.goto(f"{base_url}/s/{code}")
    page.fill("#pseudonym", pseudonym)
    page.select_option("#category", category)
    page.get_by_role("button", name=re.compile("Entra")).click()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online")


def post_note(page, text, kind="proposta"):
    page.select_option("#note-kind", kind)
    page.fill("#note-text", text)
    page.locator("#note-form [type=submit]").click()


def note_card(page, text):
    return page.locator("article.note", has_text=text)


def test_two_people_see_each_others_notes_and_votes_live(new_page, web_server, room):
    anna, bruno = new_page(), new_page()
    join(anna, web_server.url, room.code, "Anna")
    join(bruno, web_server.url, room.code, "Bruno", "ausl", via_home=False)
    expect(anna.locator("#presence")).to_contain_text("2")

    post_note(anna, "Servono **più posti** di sollievo")
    card_b = note_card(bruno, "posti di sollievo")
    expect(card_b).to_be_visible()
    expect(card_b.locator(".note-body strong")).to_have_text("più posti")
    expect(card_b).to_contain_text("Anna")
    post_note(bruno, "Un punto unico per le famiglie", "risorsa")
    card_a = note_card(anna, "punto unico")
    expect(card_a).to_be_visible()
    expect(card_b.locator("button.vote-place")).to_have_count(0)  # dots only in votazione

    # Voting, with the totals revealed so that everyone sees them live.
    room.facilitator.advance("votazione")
    room.facilitator.run("results.reveal")
    expect(anna.locator("#phase-banner")).to_have_attribute("data-phase", "votazione")
    expect(anna.locator("#note-text")).to_be_disabled()
    card_b.locator("button.vote-place").click()
    expect(note_card(anna, "posti di sollievo").locator(".note-votes")).to_have_attribute("data-votes", "1")
    expect(bruno.locator("#dots-left")).to_have_text("2")

    card_a.locator("button.vote-place").click()
    card_a.locator("button.vote-place").click()
    expect(note_card(bruno, "punto unico").locator(".note-votes")).to_have_attribute("data-votes", "2")
    expect(card_a.locator("button.vote-place")).to_be_disabled()  # cap of 2 reached
    expect(anna.locator("#dots-left")).to_have_text("1")

    card_a.locator("button.vote-withdraw").click()
    expect(note_card(bruno, "punto unico").locator(".note-votes")).to_have_attribute("data-votes", "1")
    assert anna.console_errors == [] and bruno.console_errors == []


def test_script_payloads_in_notes_run_nothing(new_page, web_server, room):
    anna, bruno = new_page(), new_page()
    join(anna, web_server.url, room.code, "Anna")
    join(bruno, web_server.url, room.code, "Bruno")
    for page in (anna, bruno):
        page.evaluate("window.__pwned = 0")
    payloads = [
        '<img src=x onerror="window.__pwned = 1">',
        "<script>window.__pwned = 2</script>",
        "[clicca qui](javascript:window.__pwned=3)",
        '<svg onload="window.__pwned = 4"></svg>',
        '<a href="#" onclick="window.__pwned = 5">link</a>',
    ]
    for text in payloads:
        post_note(anna, text)
    expect(bruno.locator("article.note")).to_have_count(len(payloads))
    for link in ("clicca qui", "link"):
        bruno.locator("article.note a", has_text=link).click()
    bruno.wait_for_timeout(300)
    for page in (anna, bruno):
        assert page.evaluate("window.__pwned") == 0
        assert page.locator("article.note img, article.note script, article.note svg").count() == 0
        assert page.dialogs == []
    # The text is shown for what it is, not swallowed.
    expect(bruno.locator("article.note", has_text="<script>window.__pwned = 2</script>")).to_be_visible()


def test_coming_back_restores_the_same_participant_and_dots(new_page, web_server, room):
    anna = new_page()
    join(anna, web_server.url, room.code, "Anna")
    post_note(anna, "Da votare")
    expect(note_card(anna, "Da votare").locator("button.note-edit")).to_be_visible()
    room.facilitator.advance("votazione")
    note_card(anna, "Da votare").locator("button.vote-place").click()
    expect(anna.locator("#dots-left")).to_have_text("2")
    anna.goto(web_server.url + "/")
    anna.goto(f"{web_server.url}/s/{room.code}")  # no join form this time
    expect(anna.locator("#connection-status")).to_have_attribute("data-state", "online")
    expect(anna.locator("#dots-left")).to_have_text("2")
    expect(note_card(anna, "Da votare")).to_contain_text("(tu)")  # still the author
    expect(note_card(anna, "Da votare").locator(".my-dots")).to_have_text("1")


def test_wrong_code_gets_a_clear_message(new_page, web_server):
    page = new_page()
    page.goto(web_server.url + "/")
    page.fill("#code", "000 001")
    page.locator("#code").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Codice non valido")


def test_edit_and_delete_own_note_by_keyboard(new_page, web_server, room):
    anna, bruno = new_page(), new_page()
    join(anna, web_server.url, room.code, "Anna")
    join(bruno, web_server.url, room.code, "Bruno")
    post_note(anna, "Testo con refuso")
    expect(note_card(bruno, "refuso").locator("button.note-edit")).to_have_count(0)  # not Bruno's
    edit = note_card(anna, "refuso").locator("button.note-edit")
    edit.focus()
    anna.keyboard.press("Enter")
    editor = note_card(anna, "refuso").locator("textarea")
    editor.fill("Testo corretto")
    editor.press("Tab")
    anna.keyboard.press("Enter")  # focus is on the Save button
    expect(note_card(bruno, "Testo corretto")).to_be_visible()
    note_card(anna, "Testo corretto").locator("button.note-delete").click()  # confirm() accepted
    expect(bruno.locator("article.note", has_text="Testo corretto")).to_have_count(0)


def test_offline_note_is_sent_when_the_connection_returns(new_page, web_server, room):
    anna, bruno = new_page(), new_page()
    join(anna, web_server.url, room.code, "Anna")
    join(bruno, web_server.url, room.code, "Bruno")
    anna.context.set_offline(True)
    # Going offline does not close an open websocket by itself; drop it as a lost network would.
    anna.evaluate("window.workshopRoom.socket.io.engine.close()")
    expect(anna.locator("#connection-status")).not_to_have_attribute("data-state", "online", timeout=15_000)
    post_note(anna, "Scritto senza rete")
    expect(anna.locator("#outbox-status")).to_contain_text("1")
    anna.context.set_offline(False)
    expect(anna.locator("#connection-status")).to_have_attribute("data-state", "online", timeout=20_000)
    expect(note_card(bruno, "Scritto senza rete")).to_be_visible(timeout=15_000)
    expect(anna.locator("article.note", has_text="Scritto senza rete")).to_have_count(1)


def test_phone_width_reflows_without_horizontal_scroll(new_page, web_server, room):
    phone = new_page(width=320, height=640)
    join(phone, web_server.url, room.code, "Carla")
    post_note(phone, "Dal telefono, una nota abbastanza lunga da andare a capo più volte " * 3)
    expect(phone.locator("article.note")).to_have_count(1)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0

"""Real headless Chromium: a facilitator runs a session from the control room
through every phase while participants and the projector follow live."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_room_browser import join, note_card, post_note
from tests.servers import FACILITATOR

pytestmark = pytest.mark.browser

HASH = re.compile(r"^[0-9a-f]{64}$")


def sign_in(page, base_url):
    page.goto(base_url + "/accedi")
    page.fill("#username", FACILITATOR[0])
    page.fill("#password", FACILITATOR[1])
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile("/facilitatore"))


def control_room(new_page, web_server, room, width=1280, height=2400):
    page = new_page(width=width, height=height)
    sign_in(page, web_server.url)
    page.goto(f"{web_server.url}/facilitatore/sessioni/{room.id}")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online")
    return page


def open_projector(control, web_server, room):
    """The wall's page, in the facilitator's browser, keeping its console errors."""
    projector = control.context.new_page()
    projector.console_errors = []
    projector.on("console", lambda m: m.type == "error" and projector.console_errors.append(m.text))
    projector.goto(f"{web_server.url}/facilitatore/sessioni/{room.id}/proiezione")
    return projector


def staff_note(page, text):
    return page.locator("article.staff-note", has_text=text)


def staff_cluster(page, title):
    return page.locator("section.staff-cluster", has=page.locator(".cluster-title", has_text=title))


def test_a_session_from_raccolta_to_chiusa(new_page, web_server, room):
    control = control_room(new_page, web_server, room)
    projector = open_projector(control, web_server, room)
    anna, bruno = new_page(), new_page(width=320, height=640)
    join(anna, web_server.url, room.code, "Anna")
    join(bruno, web_server.url, room.code, "Bruno", "ausl")
    expect(control.locator("#phase-current")).to_have_attribute("data-phase", "raccolta")
    expect(control.locator("#join-code")).to_have_text(room.code[:3] + " " + room.code[3:])

    post_note(anna, "Servono posti di sollievo")
    post_note(anna, "Un punto unico di informazione")
    post_note(bruno, "Sportello unico informativo")
    post_note(bruno, "Fuori tema", "caso")
    expect(control.locator("article.staff-note")).to_have_count(4)

    # Hide with a reason (inline form), the author sees why, then restore.
    staff_note(control, "Fuori tema").locator("button.note-hide").click()
    reason = staff_note(control, "Fuori tema").locator(".note-inline input")
    reason.fill("Non pertinente")
    reason.press("Enter")
    expect(note_card(anna, "Fuori tema")).to_have_count(0)
    expect(note_card(bruno, "Fuori tema").locator(".note-hidden-reason")).to_contain_text(
        "Nascosto dal facilitatore: Non pertinente"
    )
    staff_note(control, "Fuori tema").locator("button.note-restore").click()
    expect(note_card(anna, "Fuori tema")).to_have_count(1)

    # Someone without a phone, typed in by the facilitator.
    control.fill("#offline-pseudonym", "Carla")
    control.locator("#offline-add").click()
    expect(control.locator("#offline-list")).to_contain_text("Carla")
    carla = control.locator("#acting-as option", has_text="Carla").get_attribute("value")
    control.select_option("#acting-as", carla)
    control.fill("#staff-note-text", "Trasporti la sera")
    control.locator("#staff-note-form [type=submit]").click()
    expect(note_card(anna, "Trasporti la sera")).to_have_count(1)

    control.locator('#phase-next[data-phase-target="raggruppamento"]').click()
    expect(anna.locator("#phase-banner")).to_have_attribute("data-phase", "raggruppamento")
    expect(anna.locator("#note-text")).to_be_disabled()

    # Merge two duplicates: the first selected stays.
    staff_note(control, "Un punto unico").locator("input.note-select").check()
    staff_note(control, "Sportello unico").locator("input.note-select").check()
    control.locator("#merge-selected").click()  # confirm() accepted
    expect(note_card(bruno, "Sportello unico")).to_have_count(0)

    # Clusters: one with a selected note, one filled from the menu, one by drag and drop.
    staff_note(control, "posti di sollievo").locator("input.note-select").check()
    control.fill("#cluster-new-title", "Sollievo")
    control.locator("#cluster-create").click()
    control.fill("#cluster-new-title", "Informazione")
    control.locator("#cluster-new-title").press("Enter")
    info = staff_cluster(control, "Informazione")
    expect(info).to_have_count(1)
    info_id = info.get_attribute("data-cluster-id")
    staff_note(control, "Un punto unico").locator("select.note-move").select_option(info_id)
    staff_note(control, "Trasporti la sera").drag_to(info, source_position={"x": 60, "y": 14})
    room_info = anna.locator(f'section.cluster-card[data-cluster-id="{info_id}"]')
    expect(room_info.locator("article.note")).to_have_count(2)
    info.locator('input.cluster-area[value="A"]').check()
    expect(room_info.locator(".area-code")).to_have_text(["A"])

    control.locator('#phase-next[data-phase-target="votazione"]').click()
    expect(anna.locator("#phase-banner")).to_have_attribute("data-phase", "votazione")
    expect(room_info.locator("article.note button.vote-place")).to_have_count(0)  # vote the cluster
    room_info.locator("button.vote-place").click()
    expect(anna.locator("#dots-left")).to_have_text("2")
    expect(room_info.locator(".cluster-votes-label")).to_contain_text("nascosti")
    expect(info.locator(".cluster-votes")).to_have_attribute("data-votes", "1")  # staff see totals
    info.locator("button.vote-for-place").click()  # for Carla
    expect(info.locator(".cluster-votes")).to_have_attribute("data-votes", "2")
    expect(anna.locator("#votes-progress")).to_contain_text("2 punti")

    control.locator("#reveal-results").click()
    expect(room_info.locator(".cluster-votes")).to_have_attribute("data-votes", "2")
    expect(anna.locator("#results-panel")).to_be_visible()
    expect(projector.locator("#results-table tbody tr").first).to_contain_text("Informazione")

    control.locator('#phase-next[data-phase-target="valutazione"]').click()
    info.locator("select.score-impatto").select_option("5")
    info.locator("select.score-fattibilita").select_option("3")
    info.locator("select.score-urgenza").select_option("4")
    info.locator("button.score-save").click()
    expect(room_info.locator(".cluster-scores")).to_contain_text("impatto 5")

    control.locator('#phase-next[data-phase-target="chiusa"]').click()  # confirm() accepted
    for page in (control, projector):
        expect(page.locator("#snapshot-hash")).to_have_text(HASH)
    shown = {p.locator("#snapshot-hash").text_content().strip() for p in (control, projector)}
    assert len(shown) == 1  # the wall shows the frozen results' hash the control room has
    for page in (anna, bruno):  # a citizen gets a closing message and the public results, not a hash
        expect(page.locator("#closed-notice")).to_be_visible()
        expect(page.locator("#public-results-link")).to_have_attribute("href", "/laboratori/dopo-di-noi")
        assert "SHA-256" not in page.locator("main").inner_text()
    expect(anna.locator("button.vote-place")).to_have_count(0)
    expect(anna.locator("#composer")).to_be_hidden()
    overflow = bruno.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    for page in (control, projector, anna, bruno):
        assert page.console_errors == [], page.console_errors


def test_control_room_by_keyboard(new_page, web_server, room):
    control = control_room(new_page, web_server, room)
    anna = new_page()
    join(anna, web_server.url, room.code, "Anna")
    post_note(anna, "Primo")
    post_note(anna, "Secondo")
    keys = control.keyboard

    control.locator("#cluster-new-title").focus()
    keys.type("Gruppo A")
    keys.press("Enter")
    control.locator("#cluster-new-title").focus()
    keys.type("Gruppo B")
    keys.press("Enter")
    expect(control.locator("section.staff-cluster")).to_have_count(2)

    # Arrow keys on the closed «Sposta in» menu: one move, once the choice settles.
    staff_note(control, "Primo").locator("select.note-move").focus()
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    expect(anna.locator("section.cluster-card", has_text="Gruppo B").locator("article.note")).to_have_count(1)
    expect(staff_note(control, "Primo").locator("select.note-move")).to_be_focused()

    # Hide: the reason field gets the focus; Escape cancels and gives the focus back.
    staff_note(control, "Secondo").locator("button.note-hide").focus()
    keys.press("Enter")
    expect(staff_note(control, "Secondo").locator(".note-inline input")).to_be_focused()
    keys.press("Escape")
    expect(staff_note(control, "Secondo").locator("button.note-hide")).to_be_focused()

    control.locator("#phase-next").focus()
    keys.press("Enter")
    expect(anna.locator("#phase-banner")).to_have_attribute("data-phase", "raggruppamento")
    control.locator("#timer-minutes").fill("3")
    control.locator("#timer-minutes").press("Enter")
    expect(anna.locator("#timer")).to_have_text(re.compile(r"0[23]:\d\d"))
    control.locator("#timer-pause").focus()
    keys.press("Enter")
    expect(anna.locator("#timer-status")).to_have_text("In pausa")
    assert control.console_errors == [] and anna.console_errors == []


def test_projector_shows_the_code_then_the_board(new_page, web_server, room):
    control = control_room(new_page, web_server, room, height=900)
    control.locator('#phase-back[data-phase-target="accoglienza"]').click()
    projector = open_projector(control, web_server, room)
    expect(projector.locator("#projector-code")).to_have_text(room.code[:3] + " " + room.code[3:])
    expect(projector.locator("#projector-qr")).to_be_visible()
    anna = new_page()
    join(anna, web_server.url, room.code, "Anna")
    expect(projector.locator("#projector-connected")).to_contain_text("1 persona")
    control.locator("#phase-next").click()
    expect(projector.locator("#projector-phase")).to_have_attribute("data-phase", "raccolta")
    expect(projector.locator("#projector-code")).to_be_hidden()
    post_note(anna, "Sul muro")
    expect(projector.locator("#projector-board")).to_contain_text("Sul muro")
    assert projector.console_errors == []

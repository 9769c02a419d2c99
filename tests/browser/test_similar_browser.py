"""Real headless Chromium: similar notes while writing, and the facilitator's
suggested groups applied to every screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility_browser import audit, small_targets
from tests.browser.test_facilitation_browser import (
    control_room,
    open_projector,
    sign_in,
    staff_cluster,
    staff_note,
)
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
    draft = "Dopo le dimissioni ospedaliere le famiglie non sanno a chi rivolgersi"
    bruno.locator("#note-text").press_sequentially(draft, delay=5)
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

    # A note hidden while it is listed leaves the list; typed again, it is never offered.
    bruno.locator("#note-text").press_sequentially("Le famiglie non sanno a chi rivolgersi", delay=5)
    expect(panel.locator(".similar-item")).to_have_count(2)  # Anna's, and Bruno's own just published
    room.facilitator.run("note.hide", note_id=int(said_id), reason="Doppione")
    expect(note_card(bruno, "dall'ospedale")).to_have_count(0)
    expect(panel.locator(".similar-item")).to_have_count(1)
    expect(panel).not_to_contain_text("dall'ospedale")
    bruno.locator("#note-text").press_sequentially(" subito", delay=5)
    expect(bruno.locator("#live-region")).to_contain_text("1 contributo simile")
    expect(panel.locator(".similar-item")).to_have_count(1)
    expect(panel.locator(".similar-item")).to_contain_text("Dopo le dimissioni ospedaliere")
    expect(panel).not_to_contain_text("dall'ospedale")
    for page in (anna, bruno):
        assert page.console_errors == [], page.console_errors


def test_similar_notes_while_editing_ones_own_and_while_writing_for_someone(new_page, web_server, room):
    control = control_room(new_page, web_server, room)
    anna, bruno = new_page(), new_page(width=360, height=740)
    join(anna, web_server.url, room.code, "Anna")
    join(bruno, web_server.url, room.code, "Bruno", "ausl")
    post_note(anna, SAID, "problema")
    post_note(bruno, "Corsi di italiano serali per chi lavora")
    expect(note_card(bruno, "dall'ospedale")).to_have_count(1)

    # Bruno edits his own note into what Anna said: her note is listed under the
    # editor, his own never (it is the note being edited).
    note_card(bruno, "Corsi di italiano").locator("button.note-edit").click()
    editor = note_card(bruno, "Corsi di italiano").locator("textarea")
    editor.fill("")
    editor.press_sequentially("Dopo le dimissioni le famiglie non sanno a chi rivolgersi", delay=5)
    listed = note_card(bruno, "Corsi di italiano").locator(".similar-notes")
    expect(listed).to_be_visible()
    expect(listed.locator(".similar-item")).to_have_count(1)
    expect(listed.locator(".similar-item")).to_contain_text("Le famiglie non sanno")
    expect(bruno.locator("#live-region")).to_contain_text("1 contributo simile")
    # Cancelled with Escape: the list goes with the editor.
    editor.press("Escape")
    expect(bruno.locator(".similar-notes:not(#similar-notes)")).to_have_count(0)

    # The facilitator writes for Carla, who has no phone: the same list under the form.
    control.fill("#offline-pseudonym", "Carla")
    control.locator("#offline-add").click()
    carla = control.locator("#acting-as option", has_text="Carla").get_attribute("value")
    control.select_option("#acting-as", carla)
    control.locator("#staff-note-text").press_sequentially(
        "Le famiglie dopo la dimissione non sanno a chi rivolgersi", delay=5
    )
    behalf = control.locator("#staff-similar")
    expect(behalf).to_be_visible()
    expect(behalf.locator(".similar-item")).to_have_count(1)
    expect(behalf.locator(".similar-item")).to_contain_text("Le famiglie non sanno")
    # «Vai al contributo» takes the facilitator to that note on the board.
    behalf.get_by_role("button", name="Vai al contributo simile: Le famiglie non sanno").click()
    said_id = note_card(anna, "dall'ospedale").get_attribute("data-note-id")
    assert control.evaluate("document.activeElement.dataset.noteId") == said_id
    # Published anyway (Carla's choice): the list goes.
    control.locator("#staff-note-form [type=submit]").click()
    expect(note_card(anna, "Le famiglie dopo la dimissione")).to_have_count(1)
    expect(behalf).to_be_hidden()
    for page in (control, anna, bruno):
        assert page.console_errors == [], page.console_errors


AUSILI = (
    "Il rientro a casa senza ausili: il letto arriva dopo una settimana",
    "Ausili e letto a casa prima del rientro dall'ospedale",
    "Gli ausili per il rientro a casa vanno ordinati durante il ricovero",
)
COPY = "Mancano posti di sollievo in struttura"


def test_a_facilitator_applies_suggestions_and_every_screen_updates(new_page, web_server, room):
    control = control_room(new_page, web_server, room)
    projector = open_projector(control, web_server, room)
    anna = new_page()
    join(anna, web_server.url, room.code, "Anna")
    for text in (*AUSILI, COPY, COPY.lower() + "!", "Il bando per le associazioni sportive esce tardi"):
        post_note(anna, text)
    expect(control.locator("article.staff-note")).to_have_count(6)
    control.locator('#phase-next[data-phase-target="raggruppamento"]').click()
    expect(anna.locator("#phase-banner")).to_have_attribute("data-phase", "raggruppamento")

    # Asked by keyboard; the proposals are listed and said, nothing has changed yet.
    control.locator("#suggest-groups").focus()
    control.keyboard.press("Enter")
    panel = control.locator("#suggest-panel")
    expect(panel).to_be_visible()
    # The two copies are a group too (and a duplicate); the lone note is in neither.
    expect(control.locator("#suggest-status")).to_contain_text("2 gruppi, 1 possibile doppione")
    expect(control.locator("#live-region")).to_contain_text("2 gruppi")
    # Said once: the visible status line is not a second live region repeating it.
    assert control.locator("[aria-live]", has_text="2 gruppi").count() == 1
    expect(panel).not_to_contain_text("associazioni sportive")
    new_group = panel.locator("li.suggestion", has_text="Nuovo gruppo").filter(has_text="ordinati")
    expect(new_group.locator(".suggest-note")).to_have_count(3)
    title = new_group.locator("input.suggest-title-input")
    assert "usili" in title.input_value()
    expect(control.locator("section.staff-cluster")).to_have_count(0)
    # Every suggestion has «Crea il gruppo»/«Scarta»: each named after its own, none alike.
    actions = panel.locator("button.suggest-apply, button.suggest-drop")
    names = [b.get_attribute("aria-label") for b in actions.all()]
    assert None not in names and len(set(names)) == len(names) == 6, names
    suggested = title.input_value()
    expect(new_group.get_by_role("button", name=f"Scarta il gruppo proposto «{suggested}»")).to_have_count(1)
    duplicate = panel.locator("li.suggestion", has_text="Possibili doppioni")
    expect(duplicate.locator("button.suggest-apply")).to_have_accessible_name(
        "Seleziona per unire i possibili doppioni di «Mancano posti di sollievo in struttura»"
    )

    # Edited, then applied: the ordinary cluster.create, seen by every screen.
    title.fill("Ausili pronti al rientro")
    expect(new_group.locator("button.suggest-apply")).to_have_accessible_name(
        "Crea il gruppo «Ausili pronti al rientro»"
    )
    new_group.locator("button.suggest-apply").click()
    cluster = staff_cluster(control, "Ausili pronti al rientro")
    expect(cluster.locator("article.staff-note")).to_have_count(3)
    room_cluster = anna.locator("section.cluster-card", has_text="Ausili pronti al rientro")
    expect(room_cluster.locator("article.note")).to_have_count(3)
    wall = projector.locator("section.projector-cluster", has_text="Ausili pronti al rientro")
    expect(wall).to_have_count(1)
    expect(wall).to_contain_text("ordinati durante il ricovero")

    # The duplicate goes to the board's selection; the existing merge applies it.
    panel.locator("li.suggestion", has_text="Possibili doppioni").locator("button.suggest-apply").click()
    expect(control.locator("#merge-selected")).to_be_focused()
    control.locator("#merge-selected").click()  # confirm() accepted
    expect(note_card(anna, "posti di sollievo")).to_have_count(1)
    expect(projector.locator("main")).not_to_contain_text("mancano posti di sollievo in struttura!")
    expect(staff_note(control, "posti di sollievo")).to_have_count(1)
    # What is left: the copies' group, now of one note, is no longer proposed.
    expect(panel.locator("li.suggestion")).to_have_count(0)
    expect(control.locator("#suggest-empty")).to_be_visible()
    for page in (control, projector, anna):
        assert page.console_errors == [], page.console_errors


def test_the_similar_notes_and_the_suggestions_pass_axe(context_at, web_server, room):
    """WCAG 2.1 AA with both panels open: the room on a phone (44 px targets), the control room (24)."""
    found = []
    phone = context_at(360, 740).new_page()
    join(phone, web_server.url, room.code, "Anna")
    for text in (SAID, SAID.replace("Le famiglie", "I familiari"), COPY):
        post_note(phone, text, "problema")
    phone.locator("#note-text").press_sequentially("le famiglie non sanno a chi rivolgersi", delay=5)
    expect(phone.locator("#similar-notes .similar-item")).to_have_count(2)
    audit(phone, found, "room with similar notes")
    small_targets(phone, found, "room with similar notes")
    control = context_at(1366, 768).new_page()
    sign_in(control, web_server.url)
    control.goto(f"{web_server.url}/facilitatore/sessioni/{room.id}")
    expect(control.locator("#connection-status")).to_have_attribute("data-state", "online")
    control.locator("#suggest-groups").click()
    expect(control.locator("#suggest-panel li.suggestion").first).to_be_visible()
    audit(control, found, "control room with suggestions")
    small_targets(control, found, "control room with suggestions", least=24)
    assert found == []


def _a_room_with_a_similar_note(new_page, web_server, room, width, height):
    anna, bruno = new_page(), new_page(width=width, height=height)
    join(anna, web_server.url, room.code, "Anna")
    join(bruno, web_server.url, room.code, "Bruno", "ausl")
    post_note(anna, SAID, "problema")
    others = ("Corsi di italiano serali per chi lavora", "Più panchine nel parco", "Orari della biblioteca")
    for text in others:
        post_note(anna, text)
    expect(note_card(bruno, "Orari della biblioteca")).to_have_count(1)
    draft = "Dopo le dimissioni ospedaliere le famiglie non sanno a chi rivolgersi"
    bruno.locator("#note-text").press_sequentially(draft, delay=5)
    return bruno, draft


def test_on_a_phone_the_similar_notes_are_noticed_while_typing(new_page, web_server, room):
    bruno, _ = _a_room_with_a_similar_note(new_page, web_server, room, 390, 844)
    hint = bruno.locator("#similar-hint")
    expect(hint).to_have_text("1 contributo simile: vedi sotto")
    # In sight while typing (the list is under «Pubblica»), the focus still in the text box, and said once.
    expect(hint).to_be_in_viewport()
    assert bruno.evaluate("document.activeElement.id") == "note-text"
    assert hint.get_attribute("aria-live") is None
    expect(bruno.locator("#live-region")).to_contain_text("1 contributo simile")
    assert bruno.locator("[aria-live]", has_text="contributo simile").count() == 1
    assert hint.bounding_box()["height"] >= 44
    # It leads to the list.
    hint.click()
    expect(bruno.locator("#similar-notes .similar-go")).to_be_focused()
    # The draft published, the line goes with the list.
    bruno.locator("#note-form [type=submit]").click()
    expect(hint).to_be_hidden()
    assert bruno.console_errors == [], bruno.console_errors


def test_after_going_to_a_similar_note_the_draft_is_one_tab_away(new_page, web_server, room):
    bruno, draft = _a_room_with_a_similar_note(new_page, web_server, room, 390, 844)
    go = bruno.locator("#similar-notes .similar-go")
    go.focus()
    go.press("Enter")
    said_id = note_card(bruno, "Le famiglie non sanno").get_attribute("data-note-id")
    assert bruno.evaluate("document.activeElement.dataset.noteId") == said_id
    bruno.keyboard.press("Tab")
    back = bruno.locator(".similar-back")
    expect(back).to_be_focused()
    expect(back).to_have_text("Torna alla bozza")
    assert back.bounding_box()["height"] >= 44
    bruno.keyboard.press("Enter")
    area = bruno.locator("#note-text")
    expect(area).to_be_focused()
    expect(area).to_have_value(draft)
    expect(back).to_have_count(0)
    assert bruno.console_errors == [], bruno.console_errors


@pytest.mark.parametrize(("code", "label"), [("fr", "Problème\u00a0:"), ("zh", "问题：")])
def test_the_kind_of_a_similar_note_is_said_in_the_pages_language(new_page, web_server, room, code, label):
    anna = new_page()
    join(anna, web_server.url, room.code, "Anna")
    post_note(anna, SAID, "problema")
    page = new_page(390, 844)
    page.goto(f"{web_server.url}/?lang={code}")
    page.goto(f"{web_server.url}/s/{room.code}")
    page.fill("#pseudonym", "Li")
    page.select_option("#category", "cittadino")
    page.locator("main form [type=submit]").click()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online")
    page.locator("#note-text").press_sequentially("le famiglie non sanno a chi rivolgersi", delay=5)
    kind = page.locator("#similar-notes .similar-kind")
    expect(kind).to_have_count(1)
    assert kind.text_content() == label
    assert page.console_errors == [], page.console_errors

"""The room as people meet it (issue 12): the keyboard alone, a phone, the
projector wall, a screen reader's live regions, the closed room."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_facilitation_browser import sign_in
from tests.browser.test_room_browser import join, note_card, post_note
from tests.servers import open_room

pytestmark = pytest.mark.browser


@pytest.fixture
def roomy(web_server, request):
    """A room in raccolta where one note may take all three dots."""
    made = open_room(
        web_server, "dopo-di-noi", "Tre punti", guiding_question="Che cosa serve?", dots=3, cap=3
    )
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


# ------------------------------------------------------------------ the wall

NOTES = [
    "Servono più posti di sollievo per le famiglie che assistono a casa",
    "Un punto unico di informazione per chi cerca aiuto",
    "Trasporti accessibili la sera e nei fine settimana",
    "Formazione per chi assiste un familiare con disabilità",
    "Gruppi di mutuo aiuto tra genitori",
    "Case famiglia piccole vicino ai luoghi di vita",
    "Il volontariato del quartiere già aiuta con la spesa",
    "Sportello legale per amministrazione di sostegno",
    "Progetti di vita scritti insieme alla persona",
    "Tempo libero e sport inclusivi per i giovani adulti",
    "Lavoro accompagnato nelle cooperative del territorio",
    "Una mappa dei servizi aggiornata e semplice",
    "Sollievo anche d'estate, quando i centri chiudono",
    "L'ultimo contributo arrivato deve vedersi sul muro",
]


def participants(web_server, code, n):
    from tests.protocol_client import ProtocolClient

    people = []
    for i in range(n):
        person = ProtocolClient(web_server.url)
        person.connect()
        assert person.join(code, f"Persona {i + 1}")["ok"]
        people.append(person)
    return people


def projector_page(new_page, web_server, room, width, height):
    page = new_page(width, height)
    sign_in(page, web_server.url)
    page.goto(f"{web_server.url}/facilitatore/sessioni/{room.id}/proiezione")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online")
    return page


def in_view(page, locator):
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"]
    )


def test_projector_uses_the_wall_and_scales_its_text(new_page, web_server, room):
    people = participants(web_server, room.code, 4)
    try:
        ids = [
            people[i % 4].note(text, ("problema", "proposta", "risorsa", "caso")[i % 4])
            for i, text in enumerate(NOTES)
        ]
        sizes = {}
        for width, height in ((1366, 768), (1920, 1080)):
            wall = projector_page(new_page, web_server, room, width, height)
            cards = wall.locator(".projector-note")
            expect(cards).to_have_count(len(NOTES))
            newest = wall.locator(f'.projector-note[data-note-id="{ids[-1]}"]')
            assert in_view(wall, newest), (width, newest.bounding_box())
            boxes = [cards.nth(i).bounding_box() for i in range(len(NOTES))]
            span = max(b["x"] + b["width"] for b in boxes) - min(b["x"] for b in boxes)
            assert span >= 0.85 * width, (width, span)  # columns across the wall, not a third of it
            sizes[width] = wall.evaluate("""() => {
                const px = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
                return {note: px('.projector-note-body'), author: px('.projector-note-author')};
            }""")
            if width == 1920:
                visible = sum(in_view(wall, cards.nth(i)) for i in range(len(NOTES)))
                assert visible == len(NOTES) or in_view(wall, newest), visible
        assert sizes[1920]["note"] >= 32, sizes
        assert sizes[1920]["note"] > sizes[1366]["note"], sizes
        assert sizes[1920]["author"] > sizes[1366]["author"], sizes
        assert sizes[1920]["author"] >= 20, sizes

        # Votes, the reveal: the results fit one screen at both sizes.
        room.facilitator.advance("votazione")
        for i, person in enumerate(people):
            for note_id in ids[i : i + 3]:
                assert person.send("vote.place", note_id=note_id)["ok"]
        room.facilitator.run("results.reveal")
        for width, height in ((1366, 768), (1920, 1080)):
            wall = projector_page(new_page, web_server, room, width, height)
            results = wall.locator("#projector-results")
            expect(results).to_be_visible()
            expect(wall.locator("#results-table tbody tr")).to_have_count(len(NOTES))
            wall.wait_for_timeout(300)
            box = results.bounding_box()
            assert box["y"] + box["height"] <= height, (width, box)
            assert wall.evaluate("document.documentElement.scrollWidth") <= width
            label = wall.evaluate("() => window.workshopProjector.chart().options.scales.y.ticks.font.size")
            assert label >= (24 if width == 1920 else 16), label
    finally:
        for person in people:
            person.close()


# ------------------------------------------------------------- phone first


def top(page, selector):
    return page.locator(selector).first.bounding_box()["y"]


def bottom(page, selector):
    box = page.locator(selector).first.bounding_box()
    return box["y"] + box["height"]


def test_on_a_phone_what_the_person_is_asked_to_do_comes_first(new_page, web_server, room):
    page = new_page(360, 740)
    join(page, web_server.url, room.code, "Telefono")
    page.evaluate("window.scrollTo(0, 0)")
    # raccolta: the writing box and «Pubblica» on the first screen, before who is connected.
    assert bottom(page, "#note-text") <= 740, bottom(page, "#note-text")
    assert bottom(page, "#note-form [type=submit]") <= 740, bottom(page, "#note-form [type=submit]")
    assert bottom(page, "#note-form [type=submit]") < top(page, "#presence")
    post_note(page, "Un contributo da votare")
    expect(note_card(page, "da votare")).to_have_count(1)

    # votazione: the dots left and the first dot button come first.
    room.facilitator.advance("votazione")
    expect(page.locator("#phase-banner")).to_have_attribute("data-phase", "votazione")
    page.evaluate("window.scrollTo(0, 0)")
    assert bottom(page, "#dots-left") <= 740
    assert bottom(page, "button.vote-place") <= 740, bottom(page, "button.vote-place")
    assert bottom(page, "button.vote-place") < top(page, "#presence")
    assert top(page, "button.vote-place") < top(page, "#composer")


# ----------------------------------------------------------- screen readers

RECORD_LIVE = """() => {
    window.__said = [];
    const region = document.getElementById('live-region');
    new MutationObserver(() => region.textContent && window.__said.push(region.textContent))
        .observe(region, {childList: true, characterData: true, subtree: true});
}"""


def test_screen_readers_hear_the_dots_left_and_not_every_join(new_page, web_server, roomy):
    page = new_page(360, 740)
    join(page, web_server.url, roomy.code, "Lettore")
    post_note(page, "Un contributo da votare")
    expect(note_card(page, "da votare")).to_have_count(1)
    assert page.locator("#presence").get_attribute("role") is None
    assert page.locator("#presence").get_attribute("aria-live") is None
    page.evaluate(RECORD_LIVE)

    people = participants(web_server, roomy.code, 3)  # three joins, one leave
    people[0].close()
    expect(page.locator("#presence")).to_contain_text("3 persone collegate")
    page.wait_for_timeout(1500)
    said = page.evaluate("window.__said")
    assert sum("collegat" in s for s in said) <= 1, said

    roomy.facilitator.advance("votazione")
    expect(page.locator("#phase-banner")).to_have_attribute("data-phase", "votazione")
    note_card(page, "da votare").locator("button.vote-place").press("Enter")
    expect(page.locator("#live-region")).to_contain_text("Ti restano 2 punti su 3")
    note_card(page, "da votare").locator("button.vote-place").press("Enter")
    expect(page.locator("#live-region")).to_contain_text("Ti resta 1 punto su 3")
    for person in people[1:]:
        person.close()
    page.wait_for_timeout(1500)
    said = page.evaluate("window.__said")
    assert sum("collegat" in s for s in said) <= 1, said


# --------------------------------------------------- phones, forms, the end


def test_on_a_phone_the_header_is_a_menu_and_the_cards_are_centred(new_page, web_server, room):
    staff = new_page(360, 740)
    sign_in(staff, web_server.url)
    slim = staff.locator(".it-header-slim-wrapper")
    assert slim.bounding_box()["height"] <= 64, slim.bounding_box()  # one line, not three
    expect(staff.get_by_role("link", name="Le mie sessioni")).to_have_count(0)  # folded away
    staff.locator(".header-menu summary").click()
    expect(staff.get_by_role("link", name="Le mie sessioni")).to_be_visible()
    expect(staff.get_by_role("button", name=re.compile("Esci"))).to_be_visible()

    page = new_page(360, 740)
    for path in ("/", f"/s/{room.code}"):
        page.goto(web_server.url + path)
        box = page.locator(".entry-card").bounding_box()
        middle = page.evaluate("document.documentElement.clientWidth / 2")
        assert abs(box["x"] + box["width"] / 2 - middle) <= 1, (path, box, middle)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path  # no sideways scroll


def test_the_join_form_reports_every_problem_at_once(new_page, web_server, room):
    page = new_page(360, 740)
    page.goto(f"{web_server.url}/s/{room.code}")
    page.fill("#pseudonym", "x")  # too short, and no category
    page.get_by_role("button", name=re.compile("Entra")).click()
    errors = page.locator("#join-error li")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("pseudonimo")
    expect(errors.nth(1)).to_contain_text("categoria")
    expect(page.locator("#pseudonym")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#category")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#pseudonym")).to_be_focused()
    # Acronyms in the categories are spelled out.
    options = page.locator("#category").inner_text()
    for expansion in (
        "associazione di promozione sociale",
        "dipendenze patologiche",
        "salute mentale",
        "neuropsichiatria",
        "istruzione degli adulti",
    ):
        assert expansion in options, expansion


def test_a_closed_room_thanks_and_points_to_the_public_results(new_page, web_server, room):
    page = new_page(360, 740)
    join(page, web_server.url, room.code, "Fine")
    post_note(page, "Un contributo prima della fine")
    room.facilitator.advance("votazione")
    expect(page.locator("button.vote-place")).to_have_count(1)
    page.locator("button.vote-place").click()
    expect(page.locator("#dots-left")).to_have_text("2")
    room.facilitator.advance("chiusa")
    expect(page.locator("#closed-notice")).to_be_visible()
    expect(page.locator("#closed-notice")).to_contain_text("Grazie per aver partecipato")
    expect(page.locator("#public-results-link")).to_have_attribute("href", "/laboratori/dopo-di-noi")
    text = page.locator("main").inner_text()
    assert "SHA-256" not in text and "Ti resta" not in text and "Ti restano" not in text, text


def test_a_newcomer_may_say_where_they_live_and_finds_it_among_their_data(new_page, web_server, room):
    from workshop.domain.errors import Rejected
    from workshop.services import territories

    for kind, name in (("comune", "Albinea"), ("polo", "Polo Nord")):
        try:
            territories.add(web_server.db, kind, name)
        except Rejected:  # the server is shared: another test may have added it
            pass
    page = new_page(360, 740)
    page.goto(f"{web_server.url}/s/{room.code}")
    field = page.get_by_label("Dove vivi o lavori (facoltativo)")
    expect(field).to_have_value("")  # «Preferisco non dirlo» unless they choose
    expect(field.locator("optgroup")).to_have_count(2)
    page.fill("#pseudonym", "Vicina")
    page.select_option("#category", "cittadino")
    field.select_option(label="Albinea")
    page.get_by_role("button", name=re.compile("Entra")).click()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name=re.compile("I tuoi dati")).click()
    expect(page.locator("#my-territory")).to_have_text("Albinea")

"""Real headless Chromium: a participant erases their data from the room while
others watch, and the projector shows the split by categories only as it may
be published, once voting is over."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.test_facilitation_browser import control_room
from tests.browser.test_room_browser import join, note_card, post_note
from tests.protocol_client import ProtocolClient

pytestmark = pytest.mark.browser


def test_a_participant_erases_their_data_and_the_room_sees_the_note_go(new_page, web_server, room):
    anna, bruno = new_page(), new_page(width=360, height=740)
    join(anna, web_server.url, room.code, "Annabella")
    join(bruno, web_server.url, room.code, "Bruno", "ausl")
    post_note(anna, "Mia madre è stata dimessa il venerdì")
    post_note(bruno, "Un numero unico per le dimissioni")
    expect(note_card(bruno, "Mia madre")).to_have_count(1)

    anna.get_by_role("link", name=re.compile("I tuoi dati")).click()
    expect(anna.locator("h1")).to_have_text("I tuoi dati in questa sessione")
    expect(anna.locator("#my-pseudonym")).to_have_text("Annabella")
    expect(anna.locator(".my-notes")).to_contain_text("Mia madre")
    anna.locator("#erase-form button[type=submit]").click()
    expect(anna.locator("#conferma")).to_be_focused()  # the box must be ticked first (required)
    anna.locator("label[for=conferma]").click()  # Bootstrap Italia draws the box on the label
    expect(anna.locator("#conferma")).to_be_checked()
    anna.locator("#erase-form button[type=submit]").click()
    expect(anna.locator(".alert-success")).to_contain_text(
        "I tuoi dati di questa sessione sono stati cancellati"
    )

    expect(note_card(bruno, "Mia madre")).to_have_count(0)  # gone from the room, live
    expect(note_card(bruno, "Un numero unico")).to_have_count(1)
    bruno.reload()
    expect(bruno.locator("#connection-status")).to_have_attribute("data-state", "online")
    expect(note_card(bruno, "Mia madre")).to_have_count(0)
    anna.goto(f"{web_server.url}/s/{room.code}")
    expect(anna.locator("#pseudonym")).to_be_visible()  # a stranger again: the join form
    assert anna.console_errors == [] and bruno.console_errors == []


def test_the_projector_shows_the_split_once_the_session_is_closed_with_small_counts_reserved(
    new_page, web_server, room
):
    control = control_room(new_page, web_server, room, height=1200)
    staff = room.facilitator
    staff.advance("raggruppamento")
    casa = staff.run("cluster.create", title="Casa")["events"][0]["data"]["cluster"]["id"]
    lavoro = staff.run("cluster.create", title="Lavoro")["events"][0]["data"]["cluster"]["id"]
    staff.advance("votazione")
    people = []
    # Six citizens and six from public bodies put two dots on «Casa»; the one union
    # member puts one on «Lavoro» and so does one citizen.
    ballots = (
        [("cittadino", [casa, casa, lavoro])]
        + [("cittadino", [casa, casa])] * 5
        + [("ausl", [casa, casa])] * 6
        + [("sindacato", [lavoro])]
    )
    for n, (category, ballot) in enumerate(ballots):
        client = ProtocolClient(web_server.url)
        client.connect()
        client.join(room.code, f"Persona {n}", category)
        for target in ballot:
            ack = client.sio.call(
                "vote.place",
                {"cid": uuid.uuid4().hex, "session_id": room.id, "cluster_id": target},
                timeout=10,
            )
            assert ack["ok"], ack
        people.append(client)
    projector = control.context.new_page()
    projector.console_errors = []
    projector.on("console", lambda m: m.type == "error" and projector.console_errors.append(m.text))
    projector.goto(f"{web_server.url}/facilitatore/sessioni/{room.id}/proiezione")
    staff.run("results.reveal")
    table = projector.locator("#results-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("thead th")).to_have_count(3)  # totals only while voting is open
    staff.advance("valutazione")
    expect(table.locator("thead th")).to_have_count(3)  # and while the table still scores
    staff.advance("chiusa")
    # The one union member is no column of their own: with the citizens.
    expect(table.locator("thead th")).to_have_text(
        [
            "Posizione",
            "Priorità",
            "Cittadini e famiglie (con altre categorie)",
            "Enti pubblici e scuola",
            "Totale",
        ]
    )
    casa_row = table.locator(f'tbody tr[data-id="{casa}"]')
    expect(casa_row.locator("td")).to_have_text(["1", "12", "12", "24"])
    lavoro_row = table.locator(f'tbody tr[data-id="{lavoro}"]')
    # 2 dots (a citizen, the union member): reserved, and the 0 beside it too, or the
    # total would give the 2 back.
    expect(lavoro_row.locator("td")).to_have_text(["2", "riservato", "riservato", "2"])
    expect(table.locator("tfoot td")).to_have_text(["—", "—", "26"])
    text = projector.locator("#projector-results").inner_text()
    assert "sindacato" not in text.lower() and "Organizzazione sindacale" not in text
    # The control room shows the same cells, and the offline dots column stays off the wall.
    expect(control.locator(f'section.staff-cluster[data-cluster-id="{lavoro}"] .vote-split')).to_contain_text(
        "riservato"
    )
    for client in people:
        client.close()
    assert projector.console_errors == [] and control.console_errors == []

"""Real headless Chromium: a scheda intervento from the dashboard to the
decision, by the Ufficio di Piano and the two cabine di regia deciding at their
meetings (agenda, attendance, decision), and back to the lab's public page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PLAN_PASSWORD, close_sample_labs, plan_team, totp_code
from workshop.services import cabine

pytestmark = pytest.mark.browser

DECISION = "Approvata perché è la priorità più votata e si appoggia su servizi esistenti."


@pytest.fixture(scope="module")
def plan_server(web_server):
    """The module's server with the two sample labs closed and the plan's staff."""
    close_sample_labs(web_server.db, web_server.facilitator_id)
    team = plan_team(web_server.db)
    for body, n in (("ristretta", 5), ("allargata", 7)):
        for i in range(n):
            cabine.save_member(
                web_server.db, team["up"], body, f"{body.title()} {i + 1}", "Componente", "Ente"
            )
    return web_server


CAPOFILA = "AUSL di Reggio Emilia, Distretto di Reggio Emilia"


def signed_in(new_page, server, username, width=1280):
    page = new_page(width=width)
    page.goto(server.url + "/accedi")
    page.fill("#username", username)
    page.fill("#password", PLAN_PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r"/accedi/codice$"))  # the plan's roles verify in two steps
    page.fill("#code", totp_code(server.db, username))
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r"/piano$"))
    return page


def decide_at_meeting(page, server, body, scheda_id, present, target, motivation, editor_url):
    """A meeting of the body, recorded through its pages: created today, the scheda
    on its agenda, who is present, and the decision with its motivation."""
    page.goto(server.url + "/cabine")
    form = page.locator(f'form.new-meeting[data-body="{body}"]')
    form.locator('input[name="giorno"]').fill(cabine.today().isoformat())
    form.locator('input[name="luogo"]').fill("Sala del Consiglio")
    form.locator("[type=submit]").click()
    page.wait_for_url(re.compile(r"/cabine/riunioni/\d+$"))
    page.select_option("#odg-scheda", str(scheda_id))
    page.locator("#agenda-form [type=submit]").click()
    expect(page.locator("main .alert-success")).to_contain_text("ordine del giorno")
    labels = page.locator("#attendance-form .form-check-label")  # Bootstrap Italia draws the box on the label
    for i in range(present):
        labels.nth(i).click()
    expect(page.locator('#attendance-form input[name="presenti"]:checked')).to_have_count(present)
    page.locator("#attendance-form [type=submit]").click()
    expect(page.locator("#quorum-state")).to_have_attribute("data-quorum", "yes")
    form = page.locator(f'form.decision-form[data-scheda-id="{scheda_id}"]')
    form.locator(f'label[for="esito-{scheda_id}-{target}"]').click()
    form.locator("textarea").fill(motivation)
    form.locator('input[name="favorevoli"]').fill(str(present))
    form.locator("[type=submit]").click()
    expect(page.locator("main .alert-success")).to_contain_text("Decisione registrata")
    expect(page.locator(f'.agenda-item[data-scheda-id="{scheda_id}"] .decision-motivation')).to_have_text(
        motivation
    )
    page.goto(editor_url)
    expect(page.locator("#scheda-state .state-badge")).to_have_attribute("data-state", target)


def step(page, target, motivation):
    form = page.locator(f'form.step-form[data-target="{target}"]')
    form.locator("textarea").fill(motivation)
    form.locator("[type=submit]").click()
    expect(page.locator("#scheda-state .state-badge")).to_have_attribute("data-state", target)


def test_a_scheda_from_draft_to_decision_and_back_to_the_lab(new_page, plan_server):
    # The Ufficio di Piano creates a scheda from the top priority.
    up = signed_in(new_page, plan_server, "ufficio")
    titles = up.locator("#priorities-table tbody th.priority-title")
    expect(titles.nth(0)).to_contain_text("Punto unico distrettuale")
    expect(titles.nth(1)).to_contain_text("Dal tirocinio")
    assert up.evaluate("window.workshopPlanCharts.length") == 2  # both charts drawn
    up.locator('tr[data-rank="1"] input.row-select').check()
    expect(up.locator("#selection-status")).to_contain_text("1 priorità selezionata")
    up.locator("#create-scheda").click()
    up.wait_for_url(re.compile(r"/piano/schede/\d+$"))
    editor_url = up.url
    expect(up.locator("#scheda-title")).to_contain_text("Punto unico distrettuale")
    expect(up.locator("#scheda-state .state-badge")).to_have_attribute("data-state", "bozza")

    # Edits a field, sees it rendered, and sends the scheda on with motivations.
    up.fill("#descrizione", "Un **punto unico** per le dimissioni protette.")
    up.locator("#save-scheda").click()
    expect(up.locator("main .alert-success")).to_contain_text("versione 2")
    expect(up.locator('.preview-body[data-field="descrizione"] strong')).to_have_text("punto unico")
    step(up, "revisione_up", "Bozza completa, la riprende l'Ufficio di Piano.")
    step(up, "ristretta", "Pronta per capofila, preventivo e indicatori.")
    expect(up.locator("#titolo")).to_be_disabled()

    # The ristretta fills capofila and indicators (one more row added) and moves it on.
    ristretta = signed_in(new_page, plan_server, "ristretta")
    ristretta.goto(editor_url)
    expect(ristretta.locator("#titolo")).to_be_disabled()
    ristretta.select_option("#capofila_tipo", "ausl")
    ristretta.fill("#capofila_specifica", CAPOFILA)
    ristretta.fill("#ind-0-descrizione", "Riammissioni non programmate entro 30 giorni")
    ristretta.fill("#ind-0-partenza", "da rilevare")
    target = ristretta.locator('#indicator-rows .indicator-row input[id^="ind-0-obiettivo_"]').last
    target.fill("≤ -10%")
    ristretta.fill("#ind-0-fonte", "AUSL")
    rows = ristretta.locator("#indicator-rows .indicator-row")
    before = rows.count()
    ristretta.locator("#indicator-add").click()
    expect(rows).to_have_count(before + 1)
    added = rows.nth(before)
    expect(added.locator("input").first).to_be_focused()
    added.locator("input").first.fill("Famiglie informate prima della dimissione")
    ristretta.locator("#save-scheda").click()
    expect(ristretta.locator("main .alert-success")).to_contain_text("versione 3")
    expect(ristretta.locator("#capofila_tipo")).to_have_value("ausl")
    expect(ristretta.locator("#capofila_specifica")).to_have_value(CAPOFILA)
    expect(target).to_have_value("≤ -10%")
    expect(ristretta.locator("#ind-1-descrizione")).to_have_value("Famiglie informate prima della dimissione")
    # Sending it on is the ristretta's decision, at a meeting with its quorum, not a button.
    expect(ristretta.locator('form.step-form[data-target="allargata"]')).to_have_count(0)
    expect(ristretta.locator("#decided-at-meeting")).to_be_visible()
    scheda_id = int(editor_url.rsplit("/", 1)[1])
    decide_at_meeting(
        ristretta,
        plan_server,
        "ristretta",
        scheda_id,
        3,
        "allargata",
        "Capofila e indicatori definiti: alla cabina allargata.",
        editor_url,
    )

    # The allargata adds an observation and approves with a motivation.
    allargata = signed_in(new_page, plan_server, "allargata")
    allargata.goto(editor_url)
    allargata.fill("#osservazione", "Coinvolgere i medici di medicina generale fin dall'avvio.")
    allargata.locator("#observation-form [type=submit]").click()
    expect(allargata.locator("#osservazioni .observation-text")).to_have_text(
        "Coinvolgere i medici di medicina generale fin dall'avvio."
    )
    decide_at_meeting(allargata, plan_server, "allargata", scheda_id, 5, "approvata", DECISION, editor_url)
    expect(allargata.locator("#history .decision")).to_have_count(4)
    expect(allargata.locator("#history .decision-meeting").last).to_contain_text("favorevoli 5")
    # Versions compared: the ristretta's save, + and − marked.
    allargata.locator('#versions li[data-version="3"] a').click()
    expect(allargata.locator('.diff-field[data-field="capofila"] .diff-added')).to_contain_text("AUSL")

    # Anyone, on a phone: the lab's restituzione shows the decision and its motivation.
    anyone = new_page(width=320)
    anyone.goto(plan_server.url + "/laboratori")
    anyone.locator('a[href="/laboratori/dimissioni-difficili"]').click()
    card = anyone.locator("li.priority-card", has_text="Punto unico distrettuale")
    expect(card.locator(".outcome .state-badge").first).to_have_text("Approvata")
    expect(card.locator(".decision-motivation").last).to_have_text(DECISION)
    card.locator(".split-details summary").click()
    # Dots by groups of categories: a number of at least 5, or «riservato», never a small one.
    expect(card.locator(".split-count").first).to_have_text(re.compile(r"^(riservato|0|[5-9]|\d\d+)$"))
    assert anyone.evaluate("document.documentElement.scrollWidth") <= 320

    for page in (up, ristretta, allargata, anyone):
        assert page.console_errors == []

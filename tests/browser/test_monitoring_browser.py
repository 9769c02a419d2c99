"""Real headless Chromium (issue 15): the Ufficio di Piano enters a year's monitoring
of an approved scheda in the form, and the public scheda shows it: the status,
the progress bar, the timeline, and the charts drawn beside their tables."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PLAN_PASSWORD, PROCESS_SLUG, close_sample_labs, plan_team, totp_code
from tests.monitoring_helpers import approved_scheda
from workshop.services.consolidation import consolidate

pytestmark = pytest.mark.browser


def test_a_monitoring_update_entered_in_the_ui_shows_on_the_public_page(new_page, web_server):
    db = web_server.db
    close_sample_labs(db, web_server.facilitator_id)
    team = plan_team(db)
    scheda = approved_scheda(db, team, consolidate(db, PROCESS_SLUG).rows[0].cluster_id)

    page = new_page(width=1280, height=1800)
    page.goto(web_server.url + "/accedi")
    page.fill("#username", "ufficio")
    page.fill("#password", PLAN_PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r"/accedi/codice$"))
    page.fill("#code", totp_code(db, "ufficio"))
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/accedi" not in url)

    page.goto(f"{web_server.url}/piano/monitoraggio")
    page.locator(f"#monitored-table tr[data-scheda-id='{scheda}'] a").click()
    page.wait_for_url(re.compile(rf"/piano/schede/{scheda}/monitoraggio$"))
    page.locator("#monitoring-years a", has_text="2019").click()
    form = page.locator("#monitoring-form")
    form.get_by_label("Stato dell’intervento").select_option("in_corso")
    form.get_by_label("Avanzamento (%)").fill("45")
    form.get_by_label("1. Persone accompagnate").fill("17")
    form.get_by_label("FRNA (Fondo regionale per la non autosufficienza)").fill("6.000")
    form.get_by_label("Data").fill("2019-05-20")
    form.get_by_label("Che cosa è successo").fill("Aperto lo sportello per le dimissioni protette")
    form.locator("[type=submit]").click()
    page.wait_for_url(re.compile(r"anno=2019$"))
    expect(page.locator(".alert-success")).to_contain_text("Monitoraggio del 2019 salvato")
    expect(page.locator("#staff-timeline")).to_contain_text("Aperto lo sportello")

    public = new_page(width=1280, height=2400)
    public.goto(f"{web_server.url}/schede/{scheda}")
    expect(public.locator("#monitoring-now")).to_contain_text("In corso")
    expect(public.locator("#monitoring-now")).to_contain_text("45%")
    expect(public.locator("#monitoraggio progress.monitoring-progress")).to_have_attribute("value", "45")
    expect(public.locator("#public-timeline")).to_contain_text(
        "Aperto lo sportello per le dimissioni protette"
    )
    expect(public.locator("#public-timeline")).to_contain_text("Ufficio di Piano")
    expect(public.locator("#monitoring-years-table tr[data-year='2019']")).to_contain_text("45%")
    # The charts are drawn (Chart.js) and their tables stay beside them.
    expect(public.locator("#chart-progress-wrap")).to_be_visible()
    expect(public.locator("#chart-indicator-0-wrap")).to_be_visible()
    public.wait_for_function(
        "window.workshopMonitoringCharts && window.workshopMonitoringCharts.length === 3"
    )
    table = public.locator(".monitoring-indicator-table[data-indicator='1'] tbody tr", has_text="2019")
    expect(table).to_contain_text("17")
    assert page.console_errors == [] and public.console_errors == []

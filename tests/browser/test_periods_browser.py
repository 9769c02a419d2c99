"""Real headless Chromium (issue 14): a facilitator rehearses in a practice
session, labelled on the control room, the projector and a participant's phone;
the admin starts a new programming period and its first programma attuativo
from the settings page, and the public lab pages keep the previous one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_facilitation_browser import sign_in
from tests.browser.test_room_browser import join
from tests.helpers import PROCESS_SLUG, close_sample_labs, enrol_totp, totp_code
from workshop.services import accounts

pytestmark = pytest.mark.browser

LABEL = "Prova / formazione"


def test_a_practice_session_is_labelled_wherever_it_is_seen(new_page, web_server):
    control = new_page(width=1280, height=1800)
    sign_in(control, web_server.url)
    control.fill("#title", "Prova della nuova facilitatrice")
    control.select_option("#lab", "dopo-di-noi")
    control.locator("label[for=practice]").click()  # Bootstrap Italia draws the box on the label
    expect(control.locator("#practice")).to_be_checked()
    control.locator("#new-session-form [type=submit]").click()
    control.wait_for_url(re.compile(r"/facilitatore/sessioni/\d+$"))
    expect(control.locator("h1 .practice-badge")).to_have_text(LABEL)
    expect(control.locator("#connection-status")).to_have_attribute("data-state", "online")
    session_id = control.url.rsplit("/", 1)[1]
    code = control.locator("#join-code").inner_text().replace(" ", "")

    projector = control.context.new_page()
    projector.goto(f"{web_server.url}/facilitatore/sessioni/{session_id}/proiezione")
    expect(projector.locator("h1 .practice-badge")).to_have_text(LABEL)

    phone = new_page(width=360, height=740)
    phone.goto(f"{web_server.url}/s/{code}")
    expect(phone.locator(".practice-badge")).to_have_text(LABEL)
    join(phone, web_server.url, code, "Marta")
    expect(phone.locator("#practice-notice")).to_contain_text("non entrano nel piano")
    expect(phone.locator("#practice-notice")).to_be_in_viewport()

    control.goto(f"{web_server.url}/facilitatore")
    item = control.locator("#session-list li", has_text="Prova della nuova facilitatrice")
    expect(item.locator(".practice-badge")).to_have_text(LABEL)
    assert control.console_errors == [] and phone.console_errors == []


def test_the_admin_starts_a_new_period_and_the_previous_one_stays_readable(new_page, web_server):
    close_sample_labs(web_server.db, web_server.facilitator_id)
    admin = accounts.create_user(web_server.db, "capo", "Amministratrice", "admin", "una password lunga")
    enrol_totp(web_server.db, admin.id)
    page = new_page(width=1280, height=1600)
    page.goto(web_server.url + "/accedi")
    page.fill("#username", "capo")
    page.fill("#password", "una password lunga")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r"/accedi/codice$"))
    page.fill("#code", totp_code(web_server.db, "capo"))
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/accedi" not in url)

    page.goto(web_server.url + "/admin/piano")
    form = page.locator("#new-process-form")
    form.get_by_label("Titolo").fill("Piano di Zona 2021-2023")
    form.get_by_label("Identificativo").fill("pdz-2021-2023")
    form.get_by_label("Dal").fill("2021")
    form.get_by_label("al", exact=True).fill("2023")
    form.locator("label", has_text="Lavoro e svantaggio sociale").click()
    expect(form.get_by_label("Lavoro e svantaggio sociale")).not_to_be_checked()
    form.locator("label[for=nuovo-corrente]").click()
    form.locator("[type=submit]").click()
    page.wait_for_url(re.compile(r"percorso=pdz-2021-2023$"))
    expect(page.locator("#process-table tr[data-process='pdz-2021-2023'] .badge")).to_have_text("corrente")
    page.select_option("#anno", "2021")
    page.locator("#programme-form [type=submit]").click()
    expect(page.locator("#programme-list")).to_contain_text("Programma attuativo 2021")

    public = new_page(width=360, height=740)
    public.goto(web_server.url + "/laboratori")
    expect(public.locator("#lab-list")).not_to_contain_text("Lavoro e svantaggio sociale")
    public.locator("#process-links a", has_text="2018-2020").click()
    public.wait_for_url(re.compile(rf"percorso={PROCESS_SLUG}$"))
    public.locator("#lab-list a", has_text="Lavoro e svantaggio sociale").click()
    expect(public.locator(".lab-session")).to_have_count(1)
    assert page.console_errors == [] and public.console_errors == []

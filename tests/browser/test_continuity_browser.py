"""Real headless Chromium: the second meeting of a lab starts from the groups of the
first. The facilitator picks a group in the control room; it arrives with its notes
marked «dall’incontro del …» in the control room and on a participant's phone, and
the participant's new dot goes to the same priority."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_facilitation_browser import control_room, staff_cluster
from tests.browser.test_room_browser import join
from tests.helpers import close_sample_labs
from tests.servers import open_room
from workshop.domain import meetings
from workshop.storage.models import LiveSession

pytestmark = pytest.mark.browser

A2 = "Punto unico distrettuale e informazione alle famiglie"
A1 = "Segnalazione precoce e valutazione condivisa ospedale-territorio"
DAY = re.compile(r"dall’incontro del \d{1,2} \w+ \d{4}")


def test_a_facilitator_carries_a_group_forward_and_the_room_sees_it(new_page, web_server, request):
    first = next(
        m
        for m in close_sample_labs(web_server.db, web_server.facilitator_id)
        if m.lab_title == "Dimissioni difficili"
    )
    with web_server.db.reader() as s:
        day = meetings.day_of(None, s.get(LiveSession, first.id).closed_at, None)
    room = open_room(web_server, "dimissioni-difficili", "Secondo incontro")
    request.addfinalizer(room.facilitator.close)

    anna = new_page(width=360, height=740)
    join(anna, web_server.url, room.code, "Anna")
    control = control_room(new_page, web_server, room)
    panel = control.locator("#carry-panel")
    expect(panel.locator("legend")).to_contain_text(str(day.year))
    panel.locator("label", has_text=A2).click()  # Bootstrap Italia draws the box on the label
    expect(panel.get_by_label(A2)).to_be_checked()
    panel.get_by_role("button", name="Riprendi i gruppi scelti").click()
    expect(control.locator(".alert-success, .alert")).to_contain_text("Gruppi ripresi")
    expect(control.locator("#connection-status")).to_have_attribute("data-state", "online")

    group = staff_cluster(control, A2)
    expect(group).to_be_visible()
    carried = group.locator("article.staff-note")
    expect(carried.first).to_contain_text(DAY)
    assert carried.count() >= 2
    # Already here: it cannot be carried twice, the other groups still can.
    expect(panel.get_by_label(A2)).to_be_disabled()
    expect(panel.get_by_label(A1)).to_be_enabled()

    # The phone that was already in the room got it live, with the day it was written.
    on_phone = anna.locator("article.note", has_text=DAY)
    expect(on_phone.first).to_be_visible()
    expect(on_phone).to_have_count(carried.count())
    expect(anna.locator(".note-carried").first).to_have_text(DAY)
    assert not anna.console_errors and not control.console_errors

"""axe-core (WCAG 2.1 A/AA, and 2.2's 24-px target size) on every page state
people meet, on a phone (360×740) and a laptop (1366×768): no critical and no
serious violation. Participant pages also keep their controls ≥ 44 px.

axe-core comes from npm (package.json devDependencies). The app's CSP allows
no script but its own, so the test's browser contexts bypass it
(`bypass_csp=True`): the pages' own policy is unchanged."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_room_browser import join, note_card, post_note
from tests.helpers import PLAN_PASSWORD, close_sample_labs, enrol_totp, plan_team, totp_code
from tests.servers import FACILITATOR, open_room
from workshop.services import meetings

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = [(360, 740), (1366, 768)]
ADMIN = ("amministra", "una password lunga")


@pytest.fixture(scope="module")
def server(web_server):
    from workshop.services import accounts

    if not AXE.exists():
        pytest.fail("axe-core missing: npm ci")
    close_sample_labs(web_server.db, web_server.facilitator_id)
    plan_team(web_server.db)
    admin = accounts.create_user(web_server.db, ADMIN[0], "Amministra", "admin", ADMIN[1])
    enrol_totp(web_server.db, admin.id)
    return web_server


MONITORED: dict = {}


def monitored_scheda(server) -> int:
    """An approved scheda with a year of monitoring (made once for the module's server)."""
    if "id" not in MONITORED:
        from tests.helpers import PLAN_TEAM, PROCESS_SLUG
        from tests.monitoring_helpers import approved_scheda
        from workshop.services import accounts, monitoring, schede
        from workshop.services.consolidation import consolidate

        users = {u.username: u.id for u in accounts.all_users(server.db)}
        team = {key: schede.PlanActor(users[name], role) for key, (name, role) in PLAN_TEAM.items()}
        rows = consolidate(server.db, PROCESS_SLUG).rows
        MONITORED["id"] = approved_scheda(server.db, team, rows[0].cluster_id)
        monitoring.record(
            server.db,
            team["up"],
            MONITORED["id"],
            2019,
            status="in_corso",
            progress="40",
            values={"1": "16"},
            spent={"frna": "3.000"},
            entry=("2019-04-01", "Avvio del servizio"),
        )
    return MONITORED["id"]


def audit(page, found, state):
    """axe on the page as it is now: critical and serious violations into `found`."""
    page.wait_for_timeout(200)  # the last render
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    for v in result["violations"]:
        if v["impact"] in ("critical", "serious"):
            targets = [" ".join(map(str, n["target"])) for n in v["nodes"]][:4]
            found.append(f"{state}: {v['id']} ({v['impact']}, {len(v['nodes'])}) {targets}")


SMALL_TARGETS = """(min) => Array.from(document.querySelectorAll(
    'main button, main input:not([type=hidden]), main select, main textarea, main summary, header summary'))
  .filter((e) => e.offsetParent !== null)
  .map((e) => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
  .filter(([, r]) => r.height < min || r.width < min)
  .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def small_targets(page, found, state, least=44):
    """Every control at least 44×44 px on participant pages (WCAG 2.5.5), 24 on staff ones (2.5.8)."""
    for target in page.evaluate(SMALL_TARGETS, least):
        found.append(f"{state}: target under {least} px: {target}")


def staff_page(context, server, username, password, landing, second_step=True):
    page = context.new_page()
    page.goto(server.url + "/accedi")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("main form [type=submit]").click()
    if second_step:
        page.wait_for_url(re.compile(r"/accedi/codice$"))
        page.fill("#code", totp_code(server.db, username))
        page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(landing))
    return page


def a_meeting_of_the_ristretta(db) -> int:
    """The ristretta with three members, a scheda before it, and a meeting today with it on the agenda."""
    from workshop.services import accounts, cabine, schede

    user = next(u for u in accounts.all_users(db) if u.username == "ufficio")
    up = schede.PlanActor(user.id, user.role)
    members = [
        cabine.save_member(db, up, "ristretta", f"Persona {n}", "Componente", "Ente") for n in range(3)
    ]
    action_id = schede.create_blank(db, up, "pdz-2018-2020", "Scheda per l'accessibilità", "regionale", "A")
    schede.transition(db, up, action_id, "revisione_up", "Prima lettura dell'ufficio")
    schede.transition(db, up, action_id, "ristretta", "Pronta per la cabina di regia")
    made = cabine.create_meeting(db, up, "ristretta", "pdz-2018-2020", cabine.today(), "Sala del Consiglio")
    cabine.add_to_agenda(db, up, made, action_id)
    cabine.set_attendance(db, up, made, members[:2])
    return made


@pytest.mark.parametrize(("width", "height"), SIZES, ids=["phone", "laptop"])
def test_no_serious_violation_on_any_page_state(server, context_at, width, height):
    base = server.url
    # A lab with a closed meeting: the control room offers its groups to carry forward.
    room = open_room(server, "dimissioni-difficili", "Accessibilità", guiding_question="Che cosa serve?")
    meetings.set_meeting(
        server.db,
        room.id,
        meetings.Place(date.today() + timedelta(days=7), time(17, 30), None, "Via Roma 1", "Sala 2"),
    )
    found: list[str] = []
    targets: list[str] = []
    try:
        anyone = context_at(width, height).new_page()
        for path, state in (
            ("/", "home"),
            ("/privacy", "privacy"),
            ("/accessibilita", "accessibility"),
            (f"/s/{room.code}", "join"),
            ("/laboratori/dimissioni-difficili", "lab page with its meetings"),
            ("/cabine-di-regia", "the cabine di regia, public"),
        ):
            anyone.goto(base + path)
            audit(anyone, found, state)
            small_targets(anyone, targets, state)

        person = context_at(width, height).new_page()
        join(person, base, room.code, "Persona", via_home=False)
        post_note(person, "Servono più posti di sollievo")
        expect(note_card(person, "posti di sollievo")).to_have_count(1)
        audit(person, found, "room (raccolta)")
        small_targets(person, targets, "room (raccolta)")

        staff = context_at(width, height)
        control = staff_page(staff, server, *FACILITATOR, "/facilitatore", second_step=False)
        control.goto(f"{base}/facilitatore/sessioni/{room.id}")
        expect(control.locator("#connection-status")).to_have_attribute("data-state", "online")
        post_note(person, "Un secondo contributo")
        expect(control.locator("input.note-select")).to_have_count(2)
        audit(control, found, "control room")
        small_targets(control, targets, "control room", 24)
        projector = staff.new_page()
        projector.goto(f"{base}/facilitatore/sessioni/{room.id}/proiezione")
        expect(projector.locator("#connection-status")).to_have_attribute("data-state", "online")
        audit(projector, found, "projector (raccolta)")

        room.facilitator.advance("votazione")
        expect(person.locator("#phase-banner")).to_have_attribute("data-phase", "votazione")
        note_card(person, "posti di sollievo").locator("button.vote-place").click()
        expect(person.locator("#dots-left")).to_have_text("2")
        audit(person, found, "room (votazione)")
        small_targets(person, targets, "room (votazione)")

        room.facilitator.advance("chiusa")
        expect(person.locator("#phase-banner")).to_have_attribute("data-phase", "chiusa")
        audit(person, found, "room (chiusa)")
        small_targets(person, targets, "room (chiusa)")
        expect(projector.locator("#projector")).to_have_attribute("data-phase", "chiusa")
        audit(projector, found, "projector (chiusa)")

        plan = staff_page(context_at(width, height), server, "ufficio", PLAN_PASSWORD, r"/piano$")
        audit(plan, found, "/piano")
        small_targets(plan, targets, "/piano", 24)
        # The cabine (issue 15): their page, and a meeting with its agenda, attendance and decision form.
        meeting = a_meeting_of_the_ristretta(server.db)
        for path, state in (
            ("/cabine", "/cabine"),
            (f"/cabine/riunioni/{meeting}", "a meeting of the ristretta"),
        ):
            plan.goto(base + path)
            audit(plan, found, state)
            small_targets(plan, targets, state, 24)
        admin = staff_page(context_at(width, height), server, *ADMIN, r".*")
        admin.goto(base + "/admin/utenti")
        audit(admin, found, "/admin/utenti")
        # Programming periods (issue 14): the settings and a programma attuativo.
        admin.goto(base + "/admin/piano")
        audit(admin, found, "/admin/piano")
        small_targets(admin, targets, "/admin/piano", 24)
        programme = admin.locator("#programme-list a").first
        if not programme.count():
            admin.locator("#programme-form [type=submit]").click()
        admin.locator("#programme-list a").first.click()
        admin.wait_for_url(re.compile(r"/piano/programmi/\d+$"))
        audit(admin, found, "programma attuativo")
        small_targets(admin, targets, "programma attuativo", 24)
        control.goto(f"{base}/facilitatore")
        audit(control, found, "/facilitatore")
        small_targets(control, targets, "/facilitatore", 24)
        practice = open_room(server, "dopo-di-noi", "Prova", practice=True)
        practice.facilitator.close()
        anyone.goto(f"{base}/s/{practice.code}")
        audit(anyone, found, "join (practice)")
        # Monitoring (issue 15): the public scheda with its charts, the overview, the staff form.
        scheda = monitored_scheda(server)
        for path, state in (
            (f"/schede/{scheda}", "public scheda with its monitoring"),
            ("/monitoraggio", "monitoring by area"),
            ("/laboratori/dimissioni-difficili", "lab page: what became of the proposals"),
        ):
            anyone.goto(base + path)
            audit(anyone, found, state)
            small_targets(anyone, targets, state)
        for path, state in (
            (f"/piano/schede/{scheda}/monitoraggio", "monitoring form"),
            ("/piano/monitoraggio", "monitoring list"),
        ):
            plan.goto(base + path)
            audit(plan, found, state)
            small_targets(plan, targets, state, 24)
    finally:
        room.facilitator.close()
    assert found == [], "\n".join(found)
    assert targets == [], "\n".join(targets)

"""Real headless Chromium: the injection corpus in every page that shows it.

A real server; the corpus (tests/data/injection_corpus.json) stored as people
store text: the facilitator's form for the sessions' titles and questions,
Socket.IO for notes, pseudonyms, cluster titles and hide reasons, the plan's
service for the schede, their motivations and observations
(tests/injection_seed.py). Then every page that shows them is opened: the
participant's room, the control room and the projector in raccolta (the
notes, and the hidden ones with their reasons for their author) and in
votazione (the clusters, the results revealed); the facilitator's sessions;
the plan's dashboard, editor and versions compared; the public pages of the
labs and of the schede.

In each page: no dialog opened, no probe called (payloads that call
`xssProbe(n)`, a function defined here, or set `window.xssProbed`), no
Content Security Policy violation, no console error, and nothing active in
the DOM: no `on…` attribute, no `javascript:` URL, no script that is not one
of ours, no frame, object or embed. Then the pages that insert people's
Markdown as HTML (the rooms, closed by now, the editor, the public scheda)
are opened again with the CSP switched off, so that the test does not rest
on it: a payload that reached the DOM would run there.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.browser.test_facilitation_browser import sign_in as facilitator_sign_in
from tests.browser.test_review_browser import signed_in as plan_sign_in
from tests.helpers import plan_team
from tests.injection_seed import LAB, seed
from tests.protocol_client import ProtocolClient
from tests.servers import FACILITATOR, migrated_sqlite, start_server, stop_server
from tests.staff_client import StaffClient
from tests.staff_client import sign_in as http_sign_in
from workshop.domain import phases
from workshop.domain.commands import NOTE_KINDS
from workshop.storage.models import LiveSession

pytestmark = pytest.mark.browser

# Set before any page script runs: the probe the corpus calls, and a record of
# CSP violations (the policy has no report URI: the page itself is told).
PROBE = """
window.xssProbes = [];
window.xssProbe = function (n) { window.xssProbes.push(String(n)); };
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                            (e.sample || ""));
});
"""

# What in the DOM could run: found by walking every element of the page.
AUDIT = """
() => {
  const found = [];
  const here = location.origin + "/static/";
  const scheme = /^(javascript|vbscript|livescript|data):/i;
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\\u0000-\\u0020\\u007f-\\u00a0]/g, "");
      if (name.startsWith("on")) found.push(`${tag}[${name}]`);
      if (name === "srcdoc") found.push(`${tag}[srcdoc]`);
      // (data: only as an image, or the empty data:, of the favicon)
      if (scheme.test(value) && !/^data:(image\\/(png|gif|jpeg|webp)[;,]|,$)/i.test(value)) {
        found.push(`${tag}[${name}=${a.value.slice(0, 60)}]`);
      }
    }
    if (["iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"].includes(tag)) {
      found.push(`<${tag}>`);
    }
    if (tag === "meta" && (el.getAttribute("http-equiv") || "").toLowerCase() === "refresh") {
      found.push("<meta refresh>");
    }
    if (tag === "script") {
      if (el.type === "application/json") {
        try { JSON.parse(el.textContent); } catch (e) { found.push(`json script ${el.id} broken`); }
      } else if (!el.src || !el.src.startsWith(here)) {
        found.push(`<script> ${el.src || el.textContent.slice(0, 60)}`);
      }
    }
  }
  return found;
}
"""

SERVER_ENV = {"WORKSHOP_JOINS_PER_MINUTE": "1000000", "WORKSHOP_COMMANDS_PER_MINUTE": "1000000"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("injection-server")
    made = start_server(migrated_sqlite(instance), instance, env=SERVER_ENV)
    yield made
    stop_server(made)


class OverTheWire:
    """As people do it: the facilitator's form over HTTP, Socket.IO for the rest."""

    def __init__(self, server):
        self.url, self.db, self.owner_id = server.url, server.db, server.facilitator_id
        self.http = http_sign_in(server.url, *FACILITATOR)
        page = self.http.get(f"{self.url}/facilitatore").text
        self.csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        self.facilitator = StaffClient(server.url, *FACILITATOR)
        self.facilitator.connect()
        self.bound: set[int] = set()
        self.binding = threading.Lock()
        self.people: list[ProtocolClient] = []

    def new_session(self, title: str, question: str) -> tuple[int, str]:
        response = self.http.post(
            f"{self.url}/facilitatore",
            allow_redirects=False,
            data={
                "csrf_token": self.csrf,
                "lab": LAB,
                "title": title,
                "guiding_question": question,
                "dots": 3,
                "cap": 2,
                "note_kinds": list(NOTE_KINDS),
                "show_pseudonyms": "y",
            },
        )
        assert response.status_code == 302, response.text[:500]
        session_id = int(re.search(r"/sessioni/(\d+)", response.headers["Location"])[1])
        with self.db.reader() as s:
            return session_id, s.get(LiveSession, session_id).join_code

    def staff(self, session_id: int, event: str, **payload) -> dict:
        with self.binding:
            if session_id not in self.bound:
                ack = self.facilitator.sio.call("staff.join", {"session_id": session_id}, timeout=30)
                assert ack["ok"], ack
                self.bound.add(session_id)
        ack = self.facilitator.sio.call(
            event, {"cid": uuid.uuid4().hex, "session_id": session_id, **payload}, timeout=30
        )
        assert ack["ok"], (event, ack)
        return ack

    def join(self, session_id: int, code: str, pseudonym: str, category: str = "cittadino"):
        person = ProtocolClient(self.url)
        person.connect()
        self.people.append(person)
        ack = person.join(code, pseudonym, category)
        assert ack["ok"], ack
        return person, ack["token"]

    def resume(self, token: str) -> ProtocolClient:
        person = ProtocolClient(self.url)
        person.connect()
        self.people.append(person)
        person.resume(token)
        return person

    def act(self, person: ProtocolClient, event: str, **payload) -> dict:
        ack = person.send(event, **payload)
        assert ack["ok"], (event, ack)
        return ack

    def leave(self, person: ProtocolClient) -> None:
        """Gone once they have written: fewer sockets for every event to reach."""
        person.close()
        self.people.remove(person)

    def each(self, fn, items) -> list:
        """`fn` over the items, a few at a time: a command's round trip costs
        several times what the server spends on it, and the session's lock
        keeps the commands in order anyway."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(fn, items))

    def close(self):
        for client in [self.facilitator, *self.people]:
            client.close()


class Visits:
    """Browser contexts (one per person) and the audit of every page opened."""

    def __init__(self, browser, server, bypass_csp: bool = False):
        self.browser, self.server, self.bypass_csp = browser, server, bypass_csp
        self.contexts = []
        self.problems: list[str] = []
        self.pages = 0

    def new_page(self, width=1280, height=1600, context=None):
        """A page in a context of its own (a person of their own), or in `context`."""
        if context is None:
            context = self.browser.new_context(
                viewport={"width": width, "height": height}, locale="it-IT", bypass_csp=self.bypass_csp
            )
            context.set_default_timeout(30_000)
            context.add_init_script(PROBE)
            self.contexts.append(context)
        page = context.new_page()
        page.dialogs, page.console_errors = [], []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        return page

    def audit(self, page, label: str) -> None:
        page.wait_for_timeout(200)  # an onerror or onload would have fired by now
        found = [f"dialog: {m}" for m in page.dialogs]
        found += [f"probe called: {n}" for n in page.evaluate("window.xssProbes")]
        if page.evaluate("window.xssProbed !== undefined"):
            found.append("window.xssProbed set")
        found += [f"CSP violation: {v}" for v in page.evaluate("window.cspViolations")]
        found += [f"console: {e}" for e in page.console_errors]
        found += [f"DOM: {d}" for d in page.evaluate(AUDIT)]
        self.problems += [f"{label}: {f}" for f in found]
        page.dialogs.clear()
        page.console_errors.clear()
        page.evaluate("window.xssProbes.length = 0; window.cspViolations.length = 0")
        self.pages += 1

    def close(self):
        for context in self.contexts:
            context.close()


def ready(page, *selectors: str) -> None:
    """Connected, and what was asked for drawn: a room of a thousand cards takes a while."""
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online", timeout=60_000)
    for selector in selectors:
        expect(page.locator(selector).first).to_be_attached(timeout=60_000)


def room_pages(visits, server, stored, participant, control, projector, phase):
    """The participant's room, the control room and the projector, once the
    whole board of the phase is there."""
    main_id, code, *_ = stored.main
    last = max(note_id for note_id, _ in stored.notes)
    participant.goto(f"{server.url}/s/{code}")
    ready(participant, f'li[data-note-id="{last}"]')
    if phase == phases.RACCOLTA and stored.hidden:  # its author sees why a note was hidden
        expect(participant.locator(".note-hidden-reason")).to_have_count(len(stored.hidden))
    visits.audit(participant, f"room ({phase})")
    participant.goto(f"{server.url}/s/{code}/i-miei-dati")  # all they wrote, on one page
    visits.audit(participant, f"their data ({phase})")
    control.goto(f"{server.url}/facilitatore/sessioni/{main_id}")
    ready(control, f'li.staff-note-item[data-note-id="{last}"]')
    visits.audit(control, f"control room ({phase})")
    projector.goto(f"{server.url}/facilitatore/sessioni/{main_id}/proiezione")
    ready(projector, ".projector-note, .projector-cluster, .result-name")
    visits.audit(projector, f"projector ({phase})")
    # Away from the room until the next look: a thousand cards redrawn at every
    # event the scenario sends would only slow it down.
    for page in (participant, control, projector):
        page.goto("about:blank")


def plan_and_public_pages(visits, server, stored, facilitator, plan, markup_only=False):
    """`markup_only`: only the pages that insert people's Markdown as HTML (the
    others show text through the templates' escaping alone)."""
    a, b = stored.schede[:2]
    if not markup_only:
        facilitator.goto(f"{server.url}/facilitatore")
        visits.audit(facilitator, "facilitator's sessions")
    plan_paths = [f"/piano/schede/{a}", f"/piano/schede/{b}"]
    public_paths = [f"/schede/{a}", f"/schede/{b}"]
    if not markup_only:
        plan_paths += [
            "/piano",
            f"/piano/schede/{a}/confronto?da=1&a=2",
            f"/piano/schede/{b}/confronto?da=1&a=2",
            "/revisione",
            f"/revisione/sessioni/{stored.main[0]}?mostra=tutti",
            "/privacy/richieste",
        ]
        public_paths += ["/laboratori", f"/laboratori/{LAB}"]
    for path in plan_paths:
        plan.goto(server.url + path)
        visits.audit(plan, path)
    anyone = visits.new_page()
    for path in public_paths:
        anyone.goto(server.url + path)
        visits.audit(anyone, path)


def test_the_corpus_runs_nothing_in_any_page(browser, server):
    from workshop.services import accounts, schede

    team = plan_team(server.db)
    admin = accounts.create_user(server.db, "amministra", "Amministra", "admin", "una password lunga")
    team["admin"] = schede.PlanActor(admin.id, "admin")

    visits = Visits(browser, server)
    facilitator = visits.new_page()
    facilitator_sign_in(facilitator, server.url)
    control = visits.new_page(height=2400)
    facilitator_sign_in(control, server.url)
    projector = visits.new_page(context=control.context)
    participant = visits.new_page(width=390, height=2400)
    wire = OverTheWire(server)

    def join_in_the_browser(session_id, code, pseudonym):
        """The participant joins from the page (the form), then writes from Python
        with the same token: quicker than typing a hundred notes."""
        participant.goto(f"{server.url}/s/{code}")
        participant.fill("#pseudonym", pseudonym)
        participant.select_option("#category", "cittadino")
        participant.get_by_role("button", name=re.compile("Entra")).click()
        expect(participant.locator("#connection-status")).to_have_attribute("data-state", "online")
        token = json.loads(participant.locator("#room-config").text_content())["token"]
        participant.goto("about:blank")  # (see room_pages)
        return wire.resume(token), token

    def checkpoint(phase, stored):
        room_pages(visits, server, stored, participant, control, projector, phase)

    again = Visits(browser, server, bypass_csp=True)
    try:
        stored = seed(wire, server.db, team, participant=join_in_the_browser, checkpoint=checkpoint)
        plan = plan_sign_in(lambda width=1280: visits.new_page(width=width), server, "ufficio")
        plan_and_public_pages(visits, server, stored, facilitator, plan)
        assert visits.problems == [], visits.problems[:30]

        # Again with the CSP off (the same people, by their cookies), where people's
        # Markdown becomes HTML: what the policy would have blocked would run now.
        # The rooms as they end, closed.
        people = {}
        for name, page in (("participant", participant), ("facilitator", control), ("plan", plan)):
            people[name] = again.new_page(width=390 if name == "participant" else 1280, height=2400)
            people[name].context.add_cookies(page.context.cookies())
        room_pages(
            again,
            server,
            stored,
            people["participant"],
            people["facilitator"],
            again.new_page(context=people["facilitator"].context),
            phases.CHIUSA,
        )
        plan_and_public_pages(again, server, stored, people["facilitator"], people["plan"], markup_only=True)
        assert again.problems == [], again.problems[:30]
    finally:
        wire.close()
        visits.close()
        again.close()

"""Socket event handlers through Flask-SocketIO's test client (no real server)."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import to_phase
from tests.helpers import cid as new_cid
from workshop.domain import commands as c
from workshop.extensions import socketio
from workshop.live import handlers as live_handlers
from workshop.live import wire


def cid() -> str:
    return uuid.uuid4().hex


class Client:
    """A participant's socket with helpers for acks and received events."""

    def __init__(self, app):
        self.raw = socketio.test_client(app)
        self.session_id = None
        self.token = None

    def call(self, event, *args):
        return self.raw.emit(event, *args, callback=True)

    def join(self, code, name, category="cittadino", **extra):
        ack = self.call("join", {"code": code, "pseudonym": name, "category": category, **extra})
        if ack["ok"]:
            self.session_id, self.token = ack["session"]["id"], ack["token"]
        return ack

    def command(self, event, **payload):
        return self.call(event, {"cid": cid(), "session_id": self.session_id, **payload})

    def received(self, name="event"):
        return [m["args"][0] for m in self.raw.get_received() if m["name"] == name]


def reveal(app, made):
    bus = app.extensions["workshop"].bus
    with bus.db.reader() as s:
        from workshop.storage.models import LiveSession

        owner = s.get(LiveSession, made.id).owner_id
    staff = bus.staff_bind(owner, "facilitator", made.id)
    bus.execute(staff, c.RevealResults(cid=new_cid(), session_id=made.id))


def head_of(client):
    return client.call("sync", {"session_id": client.session_id, "since": 0})["head"]


def test_join_gives_token_snapshot_and_tells_the_room(clients, live_session):
    anna, bruno = clients(), clients()
    ack = anna.join(live_session.code, "Anna")
    assert ack["ok"] and ack["mode"] == "snapshot" and ack["notes"] == []
    assert ack["session"]["settings"]["dots_per_participant"] == 3
    assert ack["self"]["dots_left"] == 3 and ack["self"]["participant"]["pseudonym"] == "Anna"
    anna.received()
    bruno.join(live_session.code.replace("", " ").strip(), "Bruno", "ausl")  # spaced code works
    joined = anna.received()
    assert [e["type"] for e in joined] == ["participant.joined"]
    assert joined[0]["data"]["participant"]["pseudonym"] == "Bruno"


def test_notes_and_votes_fan_out_to_the_room(app, clients, live_session):
    anna, bruno = clients(), clients()
    anna.join(live_session.code, "Anna")
    bruno.join(live_session.code, "Bruno", "ausl")
    bruno.received()
    ack = anna.command("note.create", kind="proposta", text="Uno *sportello*")
    assert ack["ok"]
    event = ack["events"][0]
    assert bruno.received() == [event]
    assert event["data"]["note"]["html"] == "<p>Uno <em>sportello</em></p>"
    note_id = event["data"]["note"]["id"]
    to_phase(app, live_session, "votazione")
    assert anna.received()[-1]["data"]["totals"] is None  # hidden from now on
    ack = bruno.command("vote.place", note_id=note_id)
    assert ack["self"]["dots_left"] == 2 and ack["self"]["votes"] == {str(note_id): 1}
    seen = anna.received()
    # Totals are hidden until the reveal: the room learns only that a dot was placed.
    assert seen[-1]["type"] == "vote.placed" and seen[-1]["data"] == {"dots_placed": 1}
    assert anna.call("sync", {"session_id": anna.session_id, "since": 0})["events"][-1] == seen[-1]
    snapshot = anna.call("sync", {"session_id": anna.session_id, "since": 10_000})
    assert snapshot["notes"][0]["votes"] is None and "results" not in snapshot
    reveal(app, live_session)
    revealed = anna.received()[-1]
    assert revealed["type"] == "results.revealed"
    assert revealed["data"]["totals"]["notes"] == {str(note_id): 1}
    assert revealed["data"]["results"]["items"][0]["votes"] == 1
    # Who voted is never broadcast, nor their category: with `participant.joined`
    # (pseudonym and category) a split per dot would say who just voted.
    assert "participant" not in str(revealed["data"]) and "ausl" not in str(revealed["data"])
    bruno.command("vote.place", note_id=note_id)
    assert anna.received()[-1]["data"] == {"note_id": note_id, "total": 2}


def test_own_state_reaches_every_tab_of_the_participant(app, clients, live_session):
    tab1, tab2 = clients(), clients()
    tab1.join(live_session.code, "Anna")
    tab2.call("join", {"token": tab1.token})
    tab2.session_id = tab1.session_id
    note_id = tab1.command("note.create", kind="problema", text="x")["events"][0]["data"]["note"]["id"]
    to_phase(app, live_session, "votazione")
    tab1.command("vote.place", note_id=note_id)
    assert tab2.received("self")[-1]["dots_left"] == 2


def test_budget_and_cap_are_enforced_with_clear_errors(app, clients, live_session):
    anna = clients()
    anna.join(live_session.code, "Anna")
    a, b = (
        anna.command("note.create", kind="proposta", text=t)["events"][0]["data"]["note"]["id"]
        for t in ("a", "b")
    )
    to_phase(app, live_session, "votazione")
    assert anna.command("vote.place", note_id=a)["ok"]
    assert anna.command("vote.place", note_id=a)["ok"]
    capped = anna.command("vote.place", note_id=a)
    assert capped["error"]["code"] == "vote_cap_reached"
    assert capped["error"]["message"] == "Hai già dato il massimo di 2 punti a questo contributo."
    assert anna.command("vote.place", note_id=b)["ok"]
    spent = anna.command("vote.place", note_id=b)
    assert spent["error"]["code"] == "vote_budget_exhausted"
    assert anna.command("vote.withdraw", note_id=a)["self"]["dots_left"] == 1
    assert anna.command("vote.withdraw", note_id=a)["self"]["dots_left"] == 2
    assert anna.command("vote.withdraw", note_id=a)["error"]["code"] == "no_vote_to_withdraw"


def test_only_the_author_edits_or_deletes(clients, live_session):
    anna, bruno = clients(), clients()
    anna.join(live_session.code, "Anna")
    bruno.join(live_session.code, "Bruno")
    note_id = anna.command("note.create", kind="caso", text="Mio")["events"][0]["data"]["note"]["id"]
    head = head_of(anna)
    for event, extra in (("note.edit", {"text": "Tuo"}), ("note.delete", {})):
        ack = bruno.command(event, note_id=note_id, **extra)
        assert ack["error"]["code"] == "not_note_author"
    assert head_of(anna) == head
    edited = anna.command("note.edit", note_id=note_id, text="Mio, corretto", kind="problema")
    assert edited["events"][0]["data"]["note"]["text"] == "Mio, corretto"
    assert edited["events"][0]["data"]["note"]["kind"] == "problema"
    assert anna.command("note.delete", note_id=note_id)["events"][0]["type"] == "note.deleted"
    again = anna.command("note.edit", note_id=note_id, text="risorto")
    assert again["error"]["code"] == "note_not_found"


def test_retry_with_same_cid_returns_the_original_outcome(clients, live_session):
    anna, bruno = clients(), clients()
    anna.join(live_session.code, "Anna")
    bruno.join(live_session.code, "Bruno")
    bruno.received()
    payload = {"cid": "retry-abc-123", "session_id": anna.session_id, "kind": "risorsa", "text": "x"}
    first, second = anna.call("note.create", payload), anna.call("note.create", payload)
    assert second["duplicate"] is True and second["events"] == first["events"]
    assert len(bruno.received()) == 1  # the retry is not broadcast again
    changed = anna.call("note.create", {**payload, "text": "y"})
    assert changed["error"]["code"] == "command_id_reused"


BAD_INPUTS = [
    ("note.create", ("not an object",), "invalid_payload"),
    ("note.create", (None,), "invalid_payload"),
    ("note.create", (), "invalid_payload"),
    ("note.create", ({"session_id": "{sid}", "kind": "proposta", "text": "x"},), "invalid_payload"),
    (
        "note.create",
        ({"cid": "abcdefgh", "session_id": "1", "kind": "proposta", "text": "x"},),
        "invalid_payload",
    ),
    (
        "note.create",
        ({"cid": "abcdefgh", "session_id": "{sid}", "kind": "idea", "text": "x"},),
        "note_kind_invalid",
    ),
    (
        "note.create",
        ({"cid": "abcdefgh", "session_id": "{sid}", "kind": "Proposta", "text": "x"},),
        "note_kind_invalid",
    ),
    (
        "note.create",
        ({"cid": "abcdefgh", "session_id": "{sid}", "kind": "proposta", "text": "x"}, 2),
        "invalid_payload",
    ),
    (
        "note.create",
        ({"cid": "abcdefgh", "session_id": "{sid}", "kind": "proposta", "text": "x" * 40_000},),
        "payload_too_large",
    ),
    (
        "note.create",
        ({"cid": "abcdefgh", "session_id": "{sid}", "kind": "proposta", "text": "x" * 501},),
        "note_too_long",
    ),
    (
        "note.create",
        ({"cid": "abcdefgh", "session_id": 999_999, "kind": "proposta", "text": "x"},),
        "not_joined",
    ),
    ("vote.place", ({"cid": "abcdefgh", "session_id": "{sid}", "note_id": 999_999},), "wrong_phase"),
    (
        "vote.place",
        ({"cid": "abcdefgh", "session_id": "{sid}", "note_id": 1, "cluster_id": 1},),
        "invalid_payload",
    ),
    ("phase.set", ({"cid": "abcdefgh", "session_id": "{sid}", "phase": "chiusa"},), "forbidden"),
    ("staff.join", ({"session_id": "{sid}"},), "login_required"),
    ("vote.place", ({"cid": "abcdefgh", "session_id": "{sid}", "note_id": -1},), "invalid_payload"),
    ("sync", ({"session_id": "{sid}"},), "invalid_payload"),
    ("join", ({"code": 123456},), "invalid_payload"),
    ("join", ({"token": 5},), "invalid_payload"),
    ("drop.tables", ({},), "unknown_event"),
    ("message", ("ciao",), "unknown_event"),
]


def _fill(args, sid):
    def fill(value):
        if isinstance(value, dict):
            return {k: (sid if v == "{sid}" else v) for k, v in value.items()}
        return value

    return tuple(fill(a) for a in args)


@pytest.mark.parametrize(
    "event,args,code", BAD_INPUTS, ids=[f"{e}-{c}-{i}" for i, (e, _, c) in enumerate(BAD_INPUTS)]
)
def test_bad_input_gets_a_structured_error_changes_nothing_and_keeps_the_connection(
    clients, live_session, event, args, code
):
    anna = clients()
    anna.join(live_session.code, "Anna")
    head = head_of(anna)
    ack = anna.call(event, *_fill(args, anna.session_id))
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
    assert anna.raw.is_connected()
    assert head_of(anna) == head
    assert anna.command("note.create", kind="proposta", text="ancora qui")["ok"]


def test_invalid_payload_lists_the_fields_at_fault(clients, live_session):
    anna = clients()
    anna.join(live_session.code, "Anna")
    ack = anna.call("vote.place", {"cid": "abcdefgh", "session_id": anna.session_id, "note_id": "7"})
    assert ack["error"]["details"] == [
        {"field": "note_id", "type": "int_type", "problem": "Input should be a valid integer"}
    ]


def test_commands_before_joining_are_refused(clients, live_session, app):
    stranger = clients()
    stranger.session_id = 1
    assert stranger.command("note.create", kind="proposta", text="x")["error"]["code"] == "not_joined"
    assert stranger.call("sync", {"session_id": 1, "since": 0})["error"]["code"] == "not_joined"


def test_joining_one_session_gives_no_rights_in_another(clients, live_session, app):
    from workshop.seed import create_session

    other = create_session(app.extensions["workshop"].db, "dopo-di-noi", "Altra")
    anna, bruno = clients(), clients()
    anna.join(live_session.code, "Anna")
    bruno.join(other.code, "Bruno")
    bruno.received()
    ack = anna.call("note.create", {"cid": cid(), "session_id": other.id, "kind": "caso", "text": "x"})
    assert ack["error"]["code"] == "not_joined"
    assert bruno.received() == []


def test_wrong_codes_are_slowed_down_and_the_right_one_still_gets_in(app, clients, live_session):
    guesser = clients()
    codes = [guesser.join(f"10000{i}", "Eva")["error"]["code"] for i in range(7)]
    assert codes == ["invalid_code"] * 7
    sleeps = app.extensions["workshop"].bus.limiter.sleep
    assert sleeps == [1, 2]  # after five failures (the test app's limit), answered late
    assert guesser.join(live_session.code, "Eva")["ok"]  # a valid code is never refused
    assert sleeps == [1, 2]


def test_http_lookups_share_the_limit_and_say_when_to_retry(app, live_session):
    http = app.test_client()
    limiter = app.extensions["workshop"].bus.limiter
    for n in range(5):
        assert http.get(f"/api/v1/sessions/90000{n}").status_code == 404
    assert limiter.sleep == []
    page = http.post("/entra", data={"code": "900009", "csrf_token": csrf_token(http)})
    assert page.status_code == 404 and limiter.sleep == [1]  # the sixth failure, from a page
    # The right code from this address: the API, the form and the QR link all answer at once.
    assert http.get(f"/api/v1/sessions/{live_session.code}").get_json()["ok"]
    page = http.post("/entra", data={"code": live_session.code, "csrf_token": csrf_token(http)})
    assert page.status_code == 302
    assert http.get(f"/s/{live_session.code}").status_code == 200
    assert limiter.sleep == [1]
    # While this address already has as many failures waiting as it may, anything
    # from it is refused at once, before the code is looked at, saying when to retry.
    from contextlib import ExitStack

    from workshop.services.ratelimit import CONCURRENT_DELAYED, join_scopes

    with ExitStack() as waiting:
        for _ in range(CONCURRENT_DELAYED):
            waiting.enter_context(limiter.attempt(*join_scopes("127.0.0.1")))
        refused = http.get(f"/api/v1/sessions/{live_session.code}")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 30
        assert refused.get_json()["error"]["code"] == "rate_limited"
        page = http.post("/entra", data={"code": live_session.code, "csrf_token": csrf_token(http)})
        assert page.status_code == 429 and "Troppi tentativi" in page.get_data(as_text=True)
    assert http.get(f"/api/v1/sessions/{live_session.code}").status_code == 200


def csrf_token(http, path="/"):
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(path).get_data(as_text=True))[1]


def test_forms_without_csrf_token_are_refused_in_italian(app, live_session):
    http = app.test_client()
    refused = http.post("/entra", data={"code": live_session.code})
    assert refused.status_code == 400
    assert "ricarica" in refused.get_data(as_text=True).lower()
    accepted = http.post("/entra", data={"code": live_session.code, "csrf_token": csrf_token(http)})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith(live_session.code)


def test_a_retried_join_returns_the_same_participant_however_the_code_is_typed(clients, live_session):
    first, retry = clients(), clients()
    a = first.join(live_session.code, "Anna  Maria", cid="join-retry-001-0123456789abcdef")
    spaced = live_session.code[:3] + " " + live_session.code[3:]
    b = retry.join(spaced, "anna maria", cid="join-retry-001-0123456789abcdef")
    assert b["duplicate"] is True
    assert b["self"]["participant"] == a["self"]["participant"]
    reused = retry.join(spaced, "Bruno", cid="join-retry-001-0123456789abcdef")
    assert reused["error"]["code"] == "command_id_reused"


def test_joining_again_on_one_socket_rebinds_it(clients, live_session):
    watcher, socket_ = clients(), clients()
    watcher.join(live_session.code, "Osservatore", "comune")
    socket_.join(live_session.code, "Prima", "cittadino")
    ack = socket_.join(live_session.code, "Seconda", "ausl")
    assert ack["presence"]["by_category"] == {"comune": 1, "ausl": 1}
    note = socket_.command("note.create", kind="caso", text="x")["events"][0]["data"]["note"]
    assert note["author"]["pseudonym"] == "Seconda"


def test_returning_with_token_keeps_identity_and_dots(app, clients, live_session):
    anna = clients()
    anna.join(live_session.code, "Anna")
    note_id = anna.command("note.create", kind="proposta", text="x")["events"][0]["data"]["note"]["id"]
    to_phase(app, live_session, "votazione")
    anna.command("vote.place", note_id=note_id)
    anna.raw.disconnect()
    back = clients()
    ack = back.call("join", {"token": anna.token})
    assert ack["self"]["participant"]["pseudonym"] == "Anna"
    assert ack["self"]["dots_left"] == 2 and ack["self"]["votes"] == {str(note_id): 1}
    assert back.call("join", {"token": anna.token + "x"})["error"]["code"] == "invalid_token"


def test_resync_after_disconnect_returns_exactly_the_missed_events(clients, live_session):
    anna, bruno = clients(), clients()
    anna.join(live_session.code, "Anna")
    bruno.join(live_session.code, "Bruno")
    applied = head_of(anna)
    anna.raw.disconnect()
    missed = [bruno.command("note.create", kind="proposta", text=f"n{i}")["events"][0] for i in range(3)]
    back = clients()
    ack = back.call("join", {"token": anna.token, "since": applied})
    assert ack["mode"] == "events"
    assert ack["events"] == missed
    assert ack["head"] == missed[-1]["seq"]


def test_presence_counts_distinct_participants_by_category(clients, live_session):
    anna, anna2, bruno = clients(), clients(), clients()
    anna.join(live_session.code, "Anna", "cittadino")
    anna2.call("join", {"token": anna.token})
    ack = bruno.join(live_session.code, "Bruno", "ausl")
    assert ack["presence"]["connected"] == 2
    assert ack["presence"]["by_category"] == {"cittadino": 1, "ausl": 1}
    anna.received("presence")
    bruno.raw.disconnect()
    assert anna.received("presence")[-1]["by_category"] == {"cittadino": 1}
    anna2.raw.disconnect()
    assert anna.received("presence")[-1]["connected"] == 1  # Anna's first tab is still here


def test_a_server_fault_is_an_error_ack_not_a_dropped_connection(clients, live_session, monkeypatch):
    anna = clients()
    anna.join(live_session.code, "Anna")
    head = head_of(anna)
    from workshop.services import handlers

    def broken(*_args):
        raise RuntimeError("bug")

    monkeypatch.setitem(handlers.HANDLERS, handlers.c.CreateNote, broken)
    ack = anna.command("note.create", kind="proposta", text="x")
    assert ack["error"]["code"] == "internal_error"
    assert anna.raw.is_connected() and head_of(anna) == head


def test_documented_events_are_all_handled(app):
    """Every command in the protocol document's tables (§5) is one the server
    handles, and every event the server handles is documented."""
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text()
    commands_section = doc.split("## 5. Commands", 1)[1].split("## 6.", 1)[0]
    tables = re.findall(r"^\| event name \|.*\n\|[-|]+\n((?:\|.*\n)+)", commands_section, re.M)
    documented = {name for rows in tables for name in re.findall(r"^\| `([a-z_.]+)` \|", rows, re.M)}
    assert documented == set(live_handlers.COMMAND_EVENTS), documented ^ set(live_handlers.COMMAND_EVENTS)
    # The other events a client may send, each with its own section heading.
    others = {"join", "sync", "staff.join", "staff.state", "note.similar", "groups.suggest"}
    headings = {
        name
        for line in re.findall(r"^###? [\d.]+ .*$", doc, re.M)
        for name in re.findall(r"`([a-z_.]+)`", line)
    }
    assert others <= headings, others - headings
    internal = {"connect", "disconnect", "*", wire.RESERVED, wire.UNREADABLE}  # never sent by a client
    handled = set(socketio.server.handlers["/"]) - internal
    assert handled == set(live_handlers.COMMAND_EVENTS) | others, handled ^ (
        set(live_handlers.COMMAND_EVENTS) | others
    )


def test_rebinding_a_socket_stops_the_previous_participants_private_state(app, clients, live_session):
    socket_, prima_tab = clients(), clients()
    prima = socket_.join(live_session.code, "Prima")
    prima_tab.call("join", {"token": prima["token"]})
    prima_tab.session_id = socket_.session_id
    socket_.join(live_session.code, "Seconda")
    socket_.received("self")
    prima_tab.command("note.create", kind="caso", text="di Prima")
    leaked = socket_.received("self")
    assert leaked == [] or all(s["participant"]["pseudonym"] == "Seconda" for s in leaked)


def test_a_resubmitted_join_form_is_the_same_participant(app, live_session):
    import re

    first, retry = app.test_client(), app.test_client()
    form = first.get(f"/s/{live_session.code}").get_data(as_text=True)
    fields = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form)[1],
        "cid": re.search(r'name="cid" value="([^"]+)"', form)[1],
        "pseudonym": "Anna",
        "category": "cittadino",
    }
    assert first.post(f"/s/{live_session.code}", data=fields).status_code == 303
    # The phone lost the response (and its cookie) and sends the same form again.
    retry.get("/")
    again = retry.post(f"/s/{live_session.code}", data={**fields, "csrf_token": csrf_token(retry)})
    assert again.status_code == 303
    room = retry.get(f"/s/{live_session.code}")
    assert "room-config" in room.get_data(as_text=True)
    assert room.headers["Cache-Control"] == "no-store"

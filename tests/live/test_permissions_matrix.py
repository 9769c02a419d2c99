"""Authorization as a full matrix: each role × each socket command, allowed or refused.

"Allowed" means the command got past authorization: it may still be refused
for another reason (wrong phase, unknown note), but never for who sent it.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import cid, enrol_totp, pass_second_step
from workshop.extensions import socketio
from workshop.live.handlers import COMMAND_EVENTS
from workshop.services import accounts

PERMISSION_CODES = {"not_joined", "forbidden", "login_required", "session_not_assigned"}
PASSWORD = "una password lunga"

PAYLOADS = {
    "note.create": {"kind": "proposta", "text": "x"},
    "note.edit": {"note_id": 1, "text": "x"},
    "note.delete": {"note_id": 1},
    "vote.place": {"note_id": 1},
    "vote.withdraw": {"note_id": 1},
    "phase.set": {"phase": "raggruppamento"},
    "timer.control": {"action": "start", "seconds": 60},
    "note.hide": {"note_id": 1, "reason": "fuori tema"},
    "note.restore": {"note_id": 1},
    "note.merge": {"into_note_id": 1, "note_ids": [2]},
    "note.move": {"note_id": 1, "cluster_id": None},
    "cluster.create": {"title": "Gruppo"},
    "cluster.rename": {"cluster_id": 1, "title": "Gruppo"},
    "cluster.dissolve": {"cluster_id": 1},
    "cluster.tag": {"cluster_id": 1, "areas": ["A"]},
    "notes.reveal": {},
    "results.reveal": {},
    "score.record": {"cluster_id": 1, "impatto": 3, "fattibilita": 3, "urgenza": 3},
    "participant.add_offline": {"pseudonym": "Signora Rina", "category": "cittadino"},
    "clusters.carry": {"from_session_id": 1, "cluster_ids": [1]},
}
PARTICIPANT_EVENTS = {"note.create", "note.edit", "note.delete", "vote.place", "vote.withdraw"}
FACILITATION_EVENTS = set(PAYLOADS) - PARTICIPANT_EVENTS | {"note.edit"}

# role → events it may run (everything else must be refused with a permission code)
EXPECTED = {
    "stranger": set(),
    "participant": PARTICIPANT_EVENTS,
    "owner": FACILITATION_EVENTS,
    "assigned": FACILITATION_EVENTS,
    "admin": FACILITATION_EVENTS,
    "other_facilitator": set(),
    "cabina": set(),  # a member of the cabina di regia allargata
}


def test_every_command_event_is_in_the_matrix():
    assert set(PAYLOADS) == set(COMMAND_EVENTS)


def login(app, username):
    http = app.test_client()
    page = http.get("/accedi").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = http.post("/accedi", data={"username": username, "password": PASSWORD, "csrf_token": token})
    response = pass_second_step(app, http, username, response)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return http


@pytest.fixture
def sockets(app, live_session, facilitator):
    db = app.extensions["workshop"].db
    for username, role in [
        ("assegnata", "facilitator"),
        ("altra", "facilitator"),
        ("amministra", "admin"),
        ("cabina", "allargata"),
    ]:
        user = accounts.create_user(db, username, username.title(), role, PASSWORD)
        if role in ("admin", "allargata"):  # their role requires two-step verification
            enrol_totp(db, user.id)
        if username == "assegnata":
            accounts.assign(db, live_session.id, user.id)
    made = {}
    made["stranger"] = socketio.test_client(app)
    made["participant"] = socketio.test_client(app)
    assert made["participant"].emit(
        "join", {"code": live_session.code, "pseudonym": "Pia", "category": "asp"}, callback=True
    )["ok"]
    for role, username in [
        ("owner", "fabia"),
        ("assigned", "assegnata"),
        ("admin", "amministra"),
        ("other_facilitator", "altra"),
        ("cabina", "cabina"),
    ]:
        client = socketio.test_client(app, flask_test_client=login(app, username))
        ack = client.emit("staff.join", {"session_id": live_session.id}, callback=True)
        assert ack["ok"] == (role in ("owner", "assigned", "admin")), (role, ack)
        if not ack["ok"]:
            assert ack["error"]["code"] == "session_not_assigned"
        made[role] = client
    yield made
    for client in made.values():
        client.disconnect()


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_by_command(sockets, live_session, role):
    client = sockets[role]
    outcomes = {}
    for event, payload in PAYLOADS.items():
        ack = client.emit(event, {"cid": cid(), "session_id": live_session.id, **payload}, callback=True)
        outcomes[event] = ack.get("error", {}).get("code", "ok")
    for event, code in outcomes.items():
        if event in EXPECTED[role]:
            assert code not in PERMISSION_CODES, (role, event, code)
        else:
            assert code in PERMISSION_CODES, (role, event, code)


def test_staff_state_only_for_staff_of_the_session(sockets, live_session):
    for role in EXPECTED:
        ack = sockets[role].emit("staff.state", {"session_id": live_session.id}, callback=True)
        allowed = role in ("owner", "assigned", "admin")
        assert ack["ok"] == allowed, (role, ack)
        if allowed:
            assert "participants" in ack


def test_facilitator_types_in_for_offline_participants_only(sockets, live_session):
    owner = sockets["owner"]
    added = owner.emit(
        "participant.add_offline",
        {"cid": cid(), "session_id": live_session.id, "pseudonym": "Signora Rina", "category": "cittadino"},
        callback=True,
    )
    rina = added["participant"]["id"]
    assert added["events"][0]["data"]["participant"]["offline"] is True
    ack = owner.emit(
        "note.create",
        {
            "cid": cid(),
            "session_id": live_session.id,
            "kind": "caso",
            "text": "Detto a voce",
            "on_behalf_of": rina,
        },
        callback=True,
    )
    assert ack["ok"] and ack["events"][0]["data"]["note"]["author"]["offline"] is True
    assert ack["on_behalf"]["participant"]["pseudonym"] == "Signora Rina"
    pia = sockets["participant"].emit("sync", {"session_id": live_session.id, "since": 10**6}, callback=True)
    pia_id = next(n for n in pia["notes"] if n["author"]["pseudonym"] == "Signora Rina")["author"]["id"]
    not_offline = sockets["participant"].emit(
        "join", {"code": live_session.code, "pseudonym": "Ugo", "category": "asp"}, callback=True
    )
    ugo = not_offline["self"]["participant"]["id"]
    refused = owner.emit(
        "note.create",
        {"cid": cid(), "session_id": live_session.id, "kind": "caso", "text": "x", "on_behalf_of": ugo},
        callback=True,
    )
    assert refused["error"]["code"] == "offline_participant_unknown"
    as_participant = sockets["participant"].emit(
        "note.create",
        {"cid": cid(), "session_id": live_session.id, "kind": "caso", "text": "x", "on_behalf_of": pia_id},
        callback=True,
    )
    assert as_participant["error"]["code"] == "forbidden"

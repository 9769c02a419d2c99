"""note.similar and groups.suggest on the socket (Flask-SocketIO's test client)."""

from __future__ import annotations

from tests.conftest import to_phase
from tests.live.test_permissions_matrix import login
from workshop.extensions import socketio

TEXT = "Le famiglie non sanno a chi rivolgersi dopo la dimissione dall'ospedale."


def test_a_participant_asks_for_similar_notes_and_nothing_changes(clients, live_session):
    anna, bruno = clients(), clients()
    anna.join(live_session.code, "Anna")
    bruno.join(live_session.code, "Bruno")
    written = anna.command("note.create", kind="problema", text=TEXT)["events"][0]["data"]["note"]
    head = bruno.call("sync", {"session_id": bruno.session_id, "since": 0})["head"]
    anna.received()
    draft = "Dopo le dimissioni ospedaliere le famiglie non sanno a chi rivolgersi"
    ack = bruno.call("note.similar", {"session_id": bruno.session_id, "text": draft})
    assert ack["ok"] and [f["note"] for f in ack["notes"]] == [written]
    assert 0.3 <= ack["notes"][0]["similarity"] <= 1
    # A read: no event for anyone, the head where it was.
    assert (
        anna.received() == []
        and bruno.call("sync", {"session_id": bruno.session_id, "since": 0})["head"] == head
    )


def test_bad_requests_get_structured_errors(clients, live_session):
    anna = clients()
    anna.join(live_session.code, "Anna")
    sid = anna.session_id
    assert anna.call("note.similar", {"session_id": sid})["error"]["code"] == "invalid_payload"
    assert anna.call("note.similar", {"session_id": sid, "text": 5})["error"]["code"] == "invalid_payload"
    assert anna.call("note.similar", {"session_id": sid + 1, "text": "x"})["error"]["code"] == "not_joined"
    too_long = anna.call("note.similar", {"session_id": sid, "text": "parola " * 80})["error"]
    assert too_long["code"] == "note_too_long" and too_long["params"] == {"limit": 500}
    refused = anna.call("groups.suggest", {"session_id": sid})["error"]
    assert refused["code"] == "forbidden" and refused["message"]


def test_the_facilitator_gets_suggestions_while_grouping(app, clients, live_session, facilitator):
    anna = clients()
    anna.join(live_session.code, "Anna")
    ids = [
        anna.command("note.create", kind="problema", text=t)["events"][0]["data"]["note"]["id"]
        for t in (
            TEXT,
            "Dopo la dimissione dall'ospedale le famiglie non sanno a chi rivolgersi.",
            "Corsi di italiano serali per chi lavora.",
        )
    ]
    staff = socketio.test_client(app, flask_test_client=login(app, facilitator.username))
    assert staff.emit("staff.join", {"session_id": live_session.id}, callback=True)["ok"]
    to_phase(app, live_session, "raggruppamento")
    ack = staff.emit("groups.suggest", {"session_id": live_session.id}, callback=True)
    assert ack["ok"] and ack["duplicates"] == [
        {"into_note_id": ids[0], "note_ids": [ids[1]], "similarity": ack["duplicates"][0]["similarity"]}
    ]
    assert [g["note_ids"] for g in ack["groups"]] == [ids[:2]]
    to_phase(app, live_session, "votazione")
    wrong = staff.emit("groups.suggest", {"session_id": live_session.id}, callback=True)["error"]
    assert wrong["code"] == "wrong_phase" and wrong["params"] == {"phase": "votazione"}
    staff.disconnect()

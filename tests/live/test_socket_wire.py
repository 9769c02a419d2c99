"""What a client sends that is not a well-formed command, through Flask-SocketIO's
test client (which hands the encoded packets to the server's decoder): every
packet asking for an acknowledgement gets a structured one, and reserved event
names are refused like unknown events. The same against a real server, with the
log: tests/server/test_wire_server.py."""

from __future__ import annotations

from tests.live.test_socket_handlers import Client, cid
from workshop.extensions import socketio
from workshop.live import wire


def raw(client: Client, encoded: str):
    """Send one encoded Socket.IO packet as it came off the wire; the ack it got, if any."""
    client.raw.acks = None
    socketio.server._handle_eio_message(client.raw.eio_sid, encoded)
    ack, client.raw.acks = client.raw.acks, None
    return ack and ack["args"][0]


def presence_of(app, session_id: int) -> int:
    from sqlmodel import func, select

    from workshop.storage.models import Presence

    with app.extensions["workshop"].db.reader() as s:
        return s.exec(
            select(func.count()).select_from(Presence).where(Presence.session_id == session_id)
        ).one()


def test_a_client_event_named_disconnect_is_an_unknown_event_and_changes_nothing(app, live_session):
    anna, bruno = Client(app), Client(app)
    try:
        anna.join(live_session.code, "Anna")
        bruno.join(live_session.code, "Bruno")
        assert presence_of(app, live_session.id) == 2
        for reserved in ("disconnect", "connect", "*"):
            ack = anna.call(reserved, {"reason": "client"})
            assert ack["error"]["code"] == "unknown_event", ack
            assert ack["error"]["params"] == {"event": reserved}
            ack = anna.call(reserved)
            assert ack["error"]["code"] == "unknown_event"
            anna.raw.emit(reserved, "no ack asked")
        # The handlers' own guard, should such an event reach them undecoded.
        for reserved in ("disconnect", "connect"):
            anna.raw.acks = None
            socketio.server._handle_event(anna.raw.eio_sid, "/", 77, [reserved, "client"])
            assert anna.raw.acks["args"][0]["error"]["code"] == "unknown_event"
        assert presence_of(app, live_session.id) == 2  # Anna is still counted…
        assert anna.raw.is_connected()
        note = anna.command("note.create", kind="caso", text="ancora qui")
        assert note["ok"]  # …and still acts as herself
        assert bruno.received()[-1]["data"]["note"]["text"] == "ancora qui"
        # A real disconnection still leaves.
        anna.raw.disconnect()
        assert presence_of(app, live_session.id) == 1
    finally:
        bruno.raw.disconnect()


def test_integers_too_long_to_decode_get_an_invalid_payload_ack(app, live_session):
    anna = Client(app)
    try:
        anna.join(live_session.code, "Anna")
        for digits in (101, 4000):
            ack = anna.call(
                "note.delete", {"cid": cid(), "session_id": anna.session_id, "note_id": int("9" * digits)}
            )
            assert ack["error"]["code"] == "invalid_payload", ack
            assert ack["error"]["details"][0]["field"] == "note_id"
            ack = anna.call("sync", {"session_id": -int("9" * digits), "since": 0})
            assert ack["error"]["details"][0]["type"] == "greater_than_equal"
        # Beyond what Python itself would convert (4,300 digits), as only a raw packet can carry.
        ack = raw(anna, '27["sync",{"session_id":' + "9" * 100_000 + ',"since":0}]')
        assert ack["error"]["details"][0]["field"] == "session_id"
        assert anna.command("note.create", kind="caso", text="dopo")["ok"]
    finally:
        anna.raw.disconnect()


def test_every_unreadable_packet_with_an_ack_id_gets_invalid_payload(app, live_session):
    anna = Client(app)
    try:
        anna.join(live_session.code, "Anna")
        for packet, problem in (
            ('27["sync",{"session_id":1', "json_invalid"),
            ('28["sync",{"session_id":1}]]', "json_invalid"),
            ("29" + "[" * 100_000, "json_invalid"),
            ('210{"a":1}', "event_invalid"),
            ("211[]", "event_invalid"),
            ("212[1,{}]", "event_invalid"),
            ('213"sync"', "event_invalid"),
            ('51-14["sync",{"_placeholder":true,"num":0}]', "binary_unsupported"),
        ):
            ack = raw(anna, packet)
            assert ack is not None, packet
            assert ack["error"]["code"] == "invalid_payload", packet
            assert ack["error"]["details"][0]["type"] == problem, packet
        # A client naming the internal event itself gets the same answer.
        assert anna.call(wire.UNREADABLE, {"x": 1})["error"]["code"] == "invalid_payload"
        assert anna.command("note.create", kind="caso", text="dopo")["ok"]
    finally:
        anna.raw.disconnect()


def test_packets_nothing_can_be_answered_to_are_unreadable():
    for encoded in (
        "",
        "x",
        "2",
        '2["sync",{',
        "2[]",
        "9[]",
        "4[]",
        '5-["a"]',
        "6[]",
        "2" + "1" * 120 + '["sync",{}]',
    ):
        try:
            wire.Packet(encoded_packet=encoded)
        except wire.Unreadable as unreadable:
            assert unreadable.reason in (
                "empty",
                "json_invalid",
                "event_invalid",
                "packet_type",
                "binary_unsupported",
            ), encoded
        else:
            raise AssertionError(f"{encoded!r} was read")


def test_unreadable_input_is_one_warning_a_minute_with_a_count(caplog):
    now = [0.0]
    warning = wire.RareWarning(wire.log, "unreadable", interval=60, clock=lambda: now[0])
    with caplog.at_level("WARNING", logger=wire.log.name):
        for second in range(0, 150):
            now[0] = float(second)
            warning.report("json_invalid")
    lines = [r for r in caplog.records if r.name == wire.log.name]
    assert [(r.suppressed, r.exc_info) for r in lines] == [(0, None), (59, None), (59, None)]

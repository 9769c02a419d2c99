"""A real server (eventlet, and gevent as in production) fed what a fuzzer sends,
over a raw WebSocket and over long-polling: integers too long to decode,
broken JSON, reserved event names, undecodable frames, unknown packet types.
Every packet with an ack id gets a structured answer, the connection stays
usable, and the log gets one warning line, not a traceback per packet."""

from __future__ import annotations

import json
import re

import pytest
import requests
import websocket

from tests.servers import migrated_sqlite, start_server, stop_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module", params=["eventlet", "gevent"])
def server(request, tmp_path_factory):
    instance = tmp_path_factory.mktemp(f"wire-{request.param}")
    server = start_server(migrated_sqlite(instance), instance, async_mode=request.param)
    yield server
    stop_server(server)


class RawSocket:
    """Engine.IO v4 over a WebSocket, by hand: frames go out exactly as written."""

    def __init__(self, url: str):
        self.ws = websocket.create_connection(
            url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket", timeout=10
        )
        assert self.ws.recv().startswith("0")
        self.ws.send("40")
        assert self.ws.recv().startswith("40")

    def send(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self.ws.send_binary(frame)
        else:
            self.ws.send(frame)

    def ack(self, ack_id: int) -> dict:
        while True:
            frame = self.ws.recv()
            if frame == "2":  # Engine.IO ping
                self.ws.send("3")
                continue
            found = re.match(r"43(\d+)(\[.*)", frame, re.S)
            if found and int(found[1]) == ack_id:
                return json.loads(found[2])[0]

    def close(self) -> None:
        self.ws.close()


# Nothing can be answered to these: no ack id, or not even a packet.
UNANSWERABLE = [
    '42["sync",{"session_id":1',
    "42[]",
    '42{"a":1}',
    "49[]",
    "44{}",
    "46[]",
    '451-["a",{"_placeholder":true,"num":0}]',
    "4" + "2" + "1" * 150 + '["sync",{}]',
    "x",
    "",
    "b!",
    "4",
    "49",
    b"\x00\xff",
]


def test_fuzzed_packets_get_acks_or_one_warning_and_the_connection_stays(server):
    sock = RawSocket(server.url)
    try:
        sock.send('421["sync",{"session_id":' + "9" * 150 + ',"since":0}]')
        ack = sock.ack(1)
        assert ack["error"]["code"] == "invalid_payload"
        assert ack["error"]["details"][0]["field"] == "session_id"
        sock.send('422["note.create",{"cid":"abcdefgh","session_id":1,"text":"tronc')
        assert sock.ack(2)["error"]["details"][0]["type"] == "json_invalid"
        sock.send('423["disconnect"]')
        assert sock.ack(3)["error"]["code"] == "unknown_event"
        sock.send('424["*",{"session_id":1}]')
        assert sock.ack(4)["error"]["params"] == {"event": "*"}
        for _ in range(20):
            for frame in UNANSWERABLE:
                sock.send(frame)
        sock.send('4299["sync",{"session_id":1,"since":0}]')
        assert sock.ack(99)["error"]["code"] == "not_joined"  # still connected, still answered
    finally:
        sock.close()

    http = requests.Session()
    base = server.url + "/socket.io/?EIO=4&transport=polling"
    sid = json.loads(http.get(base, timeout=10).text[1:])["sid"]
    polling = f"{base}&sid={sid}"
    assert http.post(polling, data="40", timeout=10).ok
    assert http.get(polling, timeout=10).text.startswith("40")
    for body in (
        "x",
        "4x",
        '42["sync",{',
        "\x1e".join(["4"] * 20),
        b"\xff\xfe",
        '421["sync",{"session_id":' + "9" * 150 + ',"since":0}]',
    ):
        assert http.post(polling, data=body, timeout=10).status_code in (200, 400)
    answers = http.get(polling, timeout=10).text
    assert '431[{"ok":false' in answers and '"field":"session_id"' in answers
    assert http.post(polling, data='422["sync",{"session_id":1,"since":0}]', timeout=10).ok
    assert "not_joined" in http.get(polling, timeout=10).text

    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log
    warnings = [line for line in log.splitlines() if "unreadable packet(s)" in line]
    assert len(warnings) == 1, log
    assert " WARNING " in warnings[0] and "suppressed=0" in warnings[0]

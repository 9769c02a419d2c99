"""A client of the real-time protocol, written from docs/protocol.md alone.

Used by the real-server tests (and usable by benchmarks): it keeps the board
by applying events strictly in `seq` order, buffers out-of-order ones, rejoins
with its token and last applied `seq` after any reconnection, and retries
unacknowledged commands with the same `cid`.
"""

from __future__ import annotations

import threading
import time
import uuid

import socketio

from tests.board import Board


class ProtocolClient:
    def __init__(self, url: str, *, transports=("websocket",), headers: dict | None = None):
        self.url = url
        self.headers = headers or {}
        self.transports = list(transports)
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        self.lock = threading.Condition()
        self.token: str | None = None
        self.session_id: int | None = None
        self.applied = 0
        self.state = Board()
        self.buffer: dict[int, dict] = {}
        self.received_seqs: list[int] = []  # every event message, in arrival order
        self.me: dict = {}
        self.presence: dict = {}
        self.joins = 0
        self.join_modes: list[str] = []  # "snapshot" or "events", per (re)join
        self.sio.on("event", self._on_event)
        self.sio.on("self", self._on_self)
        self.sio.on("presence", self._on_presence)
        self.sio.on("connect", self._on_connect)

    # -- connection -------------------------------------------------------
    def connect(self):
        self.sio.connect(self.url, transports=self.transports, headers=self.headers, wait_timeout=10)

    def _on_connect(self):
        if self.token is None:
            return
        # Rejoin after a reconnection, from the last applied seq (protocol §7).
        threading.Thread(target=self._rejoin, daemon=True).start()

    def _rejoin(self):
        ack = self.sio.call("join", {"token": self.token, "since": self.applied}, timeout=10)
        self._apply_join(ack)

    def join(self, code: str, pseudonym: str, category: str = "cittadino") -> dict:
        ack = self.sio.call(
            "join",
            {"code": code, "pseudonym": pseudonym, "category": category, "cid": uuid.uuid4().hex},
            timeout=10,
        )
        if ack["ok"]:
            self.token = ack["token"]
            self._apply_join(ack)
        return ack

    def resume(self, token: str, since: int | None = None) -> dict:
        self.token = token
        payload = {"token": token} if since is None else {"token": token, "since": since}
        ack = self.sio.call("join", payload, timeout=10)
        self._apply_join(ack)
        return ack

    def _apply_join(self, ack: dict):
        if not ack.get("ok"):
            raise AssertionError(ack)
        with self.lock:
            self.joins += 1
            self.join_modes.append(ack["mode"])
            self.session_id = ack["session"]["id"]
            if ack["mode"] == "snapshot":
                self.state.load(ack)
                self.applied = ack["head"]
            else:
                for event in ack["events"]:
                    self._apply(event)
            self.me = ack["self"]
            self._drain()
            self.lock.notify_all()

    # -- events -------------------------------------------------------------
    def _on_event(self, event: dict):
        with self.lock:
            self.received_seqs.append(event["seq"])
            if event["seq"] > self.applied:
                self.buffer[event["seq"]] = event
            self._drain()
            self.lock.notify_all()

    def _drain(self):
        while self.applied + 1 in self.buffer:
            self._apply(self.buffer.pop(self.applied + 1))
        for seq in [s for s in self.buffer if s <= self.applied]:
            del self.buffer[seq]

    def _apply(self, event: dict):
        if event["seq"] != self.applied + 1:
            return
        self.state.apply(event)
        self.applied = event["seq"]

    @property
    def board(self) -> dict[int, dict]:
        """The notes as this client knows them (id → note)."""
        return self.state.notes

    def _on_presence(self, counts: dict):
        with self.lock:
            self.presence = counts
            self.lock.notify_all()

    def _on_self(self, state: dict):
        with self.lock:
            if state["seq"] >= self.me.get("seq", -1):
                self.me = state

    def wait_for(self, predicate, timeout=10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.lock.wait(remaining)
            return True

    # -- commands ---------------------------------------------------------
    def send(self, event: str, cid: str | None = None, retries: int = 20, **payload) -> dict:
        """Send a command; on timeout or disconnection retry with the same cid."""
        body = {"cid": cid or uuid.uuid4().hex, "session_id": self.session_id, **payload}
        for _ in range(retries):
            try:
                return self.sio.call(event, body, timeout=5)
            except (
                socketio.exceptions.TimeoutError,
                socketio.exceptions.BadNamespaceError,
                socketio.exceptions.DisconnectedError,
            ):
                time.sleep(0.3)
        raise AssertionError(f"{event} never acknowledged")

    def note(self, text: str, kind: str = "proposta") -> int:
        ack = self.send("note.create", kind=kind, text=text)
        assert ack["ok"], ack
        return ack["events"][0]["data"]["note"]["id"]

    def close(self):
        self.sio.reconnection = False
        if self.sio.connected:
            self.sio.disconnect()


def close_all(clients: list[ProtocolClient]) -> None:
    """Close every client at once: against gevent each waits up to 3 s for the
    close frame (the server itself notices the disconnect at once)."""
    closing = [threading.Thread(target=client.close) for client in clients]
    for t in closing:
        t.start()
    for t in closing:
        t.join()

"""Reading what clients send, before any handler runs.

python-socketio decodes every packet (its JSON included) before it
dispatches anything. A packet it cannot decode raised there, outside every
handler: the client got no acknowledgement at all, and Engine.IO logged a
traceback for each such packet, so any client could flood the log. Measured
on python-socketio 5.18 / python-engineio 4.15: its JSON module refuses
integers of more than 100 digits with a `ValueError` (CPython would refuse
them at 4,300 digits); truncated JSON, a list without an event name, binary
packets, packet types a client may not send all raised too. So the server
is given (app.py):

- `json`: the JSON module of both layers, whose `loads` never raises on a
  long integer (`_bounded_int`).
- `Packet`: the Socket.IO packet class (`serializer=`). An event whose
  payload cannot be read but which asked for an acknowledgement becomes the
  internal event `UNREADABLE`, whose handler answers `invalid_payload`
  (live/handlers.py); anything else that cannot be read — no ack id to
  answer to, an unknown packet type — raises `Unreadable`. An event named as
  python-socketio's own (`RESERVED_NAMES`) becomes the internal event
  `RESERVED`, answered `unknown_event`.
- `EngineLog`: Engine.IO's logger. A `ValueError` it reports (`Unreadable`,
  or Engine.IO's own decoders refusing a frame) is the client's doing, not a
  fault of the server: it becomes one warning line a minute at most, with
  the count of those held back (`UNREADABLE_PACKETS`), instead of a
  traceback each.
- `guard_websocket` and `TransportGuard`, for the two places where Engine.IO
  lets such an error out of the WSGI application instead of logging it.
"""

from __future__ import annotations

import json as _json
import logging
import sys
import threading
import time

from engineio import packet as engine_packet
from socketio import packet
from socketio.base_server import BaseServer

log = logging.getLogger(__name__)

# Longer integers (sign included) are read as ±10**INT_DIGITS_MAX. Every bound
# a command puts on a number is far below that, so validation answers exactly
# as it would for the real number ("less than or equal to …"), and no
# arbitrarily long digit string is ever converted (quadratic in CPython).
INT_DIGITS_MAX = 20
_OVERSIZED = 10**INT_DIGITS_MAX

# What a readable event with an ack id turns into when its payload is not
# (never a name a client needs: a client sending it only gets invalid_payload).
UNREADABLE = "\x00unreadable"
# Event names python-socketio dispatches specially: its own `connect` and
# `disconnect` (a client's event of that name would run their handlers) and
# the catch-all `*` (a client's event of that name reaches it with its
# arguments shifted, and fails). A client's event so named becomes
# [RESERVED, name], answered `unknown_event` like any name the server does not know.
RESERVED = "\x00reserved"
RESERVED_NAMES = frozenset(BaseServer.reserved_events) | {"*"}
# Why, as a detail of the invalid_payload answer (docs/protocol.md §10).
PROBLEMS = {
    "json_invalid": "payload is not valid JSON",
    "event_invalid": "a packet must be a list: the event name, then its payload",
    "binary_unsupported": "payloads are JSON; binary attachments are not accepted",
}

_KNOWN_TYPES = {packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK}
# python-socketio reads this many digits of an ack id, and refuses a longer one.
_ID_DIGITS_READ = 100


def _bounded_int(digits: str) -> int:
    if len(digits) > INT_DIGITS_MAX:
        return -_OVERSIZED if digits.startswith("-") else _OVERSIZED
    return int(digits)


class JSON:
    """Stands for the `json` module (python-socketio calls `dumps` and `loads`)."""

    dumps = staticmethod(_json.dumps)

    @staticmethod
    def loads(text, **kwargs):
        return _json.loads(text, **{"parse_int": _bounded_int, **kwargs})


class Unreadable(ValueError):
    """A packet nothing can be answered to; `reason` is a fixed word, never client text."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Packet(packet.Packet):
    json = JSON

    def __init__(self, *args, encoded_packet=None, **kwargs):
        if encoded_packet is not None and len(encoded_packet) == 0:
            # The parent would not decode it at all, and dispatch an empty event.
            raise Unreadable("empty")
        super().__init__(*args, encoded_packet=encoded_packet, **kwargs)

    def decode(self, encoded_packet):
        try:
            attachments = super().decode(encoded_packet)
            problem = None
        except Exception:  # ValueError, RecursionError, TypeError…: all the sender's doing
            attachments, problem = 0, "json_invalid"
            if self.id is not None and len(str(self.id)) >= _ID_DIGITS_READ:
                self.id = None  # the first digits of an id too long to read: not the client's id
        kind = self.packet_type
        if kind in (packet.BINARY_EVENT, packet.BINARY_ACK):
            # Nothing in the protocol is binary; accepting the packet would make
            # the server wait for attachments.
            attachments, problem = 0, "binary_unsupported"
        elif (
            kind == packet.EVENT
            and problem is None
            and not (isinstance(self.data, list) and self.data and isinstance(self.data[0], str))
        ):
            problem = "event_invalid"
        elif kind not in _KNOWN_TYPES:
            raise Unreadable("packet_type")
        if problem is None:
            if kind == packet.EVENT and self.data[0] in RESERVED_NAMES:
                self.data = [RESERVED, self.data[0]]
            return attachments
        if kind in (packet.EVENT, packet.BINARY_EVENT) and self.id is not None:
            self.packet_type, self.data = packet.EVENT, [UNREADABLE, problem]
            return 0
        raise Unreadable(problem)


class RareWarning:
    """One warning line per `interval` seconds at most, with how many were held back."""

    def __init__(self, logger: logging.Logger, message: str, interval: float = 60.0, clock=time.monotonic):
        self._logger, self._message, self._interval, self._clock = logger, message, interval, clock
        self._lock = threading.Lock()
        self._next = float("-inf")
        self._held = 0

    def report(self, reason: str) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._held += 1
                return
            held, self._held, self._next = self._held, 0, now + self._interval
        self._logger.warning(self._message, extra={"reason": reason, "suppressed": held})


UNREADABLE_PACKETS = RareWarning(log, "unreadable packet(s) from clients ignored")


class _ReadableFrames:
    """A WebSocket as Engine.IO's handler reads it, minus the frames it could not decode."""

    def __init__(self, ws):
        self._ws = ws

    def wait(self):
        while True:
            frame = self._ws.wait()
            try:
                if frame is not None:
                    engine_packet.Packet(encoded_packet=frame)
            except ValueError:
                UNREADABLE_PACKETS.report("frame")
                continue
            return frame

    def __getattr__(self, name):
        return getattr(self._ws, name)


def guard_websocket(engine) -> None:
    """Engine.IO decodes WebSocket frames outside any `try`: a frame it cannot
    read at all (not even its packet type) raised out of its WebSocket handler
    and out of the WSGI application, closing the connection (gevent's server
    logged a traceback for each). Its handler now reads the WebSocket through
    `_ReadableFrames`, which drops such a frame, reported like any unreadable
    input, as Engine.IO itself drops a frame of an unknown type."""
    websocket = engine._async.get("websocket")
    if websocket is None:
        return

    def guarded(handler, server, *args, **kwargs):
        return websocket(lambda ws: handler(_ReadableFrames(ws)), server, *args, **kwargs)

    # A copy: the dict belongs to the async driver's module.
    engine._async = {**engine._async, "websocket": guarded}


class TransportGuard:
    """WSGI middleware around the Socket.IO server, for a request Engine.IO
    does not catch: a long-polling request for a session it has just closed
    raises `KeyError` out of the application (a traceback in the log, and a
    500 whose body is the traceback under eventlet). Answered 400, reported
    like unreadable input."""

    def __init__(self, app, path: str = "/socket.io/", unreadable: RareWarning = UNREADABLE_PACKETS):
        self._app, self._path, self._unreadable = app, path, unreadable

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(self._path):
            return self._app(environ, start_response)
        started = []

        def start(status, headers, *exc_info):
            started.append(status)
            return start_response(status, headers, *exc_info)

        try:
            return self._app(environ, start)
        except (KeyError, ValueError) as error:
            if started or environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                raise
            self._unreadable.report(type(error).__name__)
            start_response("400 BAD REQUEST", [("Content-Type", "text/plain")])
            return [b""]


class EngineLog:
    """The logger Engine.IO gets. Like `engineio_logger=False` it drops what is
    below an error; an error that is a client's unreadable input is reported
    through UNREADABLE_PACKETS, anything else is logged with its traceback."""

    def __init__(self, logger: logging.Logger = log, unreadable: RareWarning = UNREADABLE_PACKETS):
        self._logger, self._unreadable = logger, unreadable

    def debug(self, *args, **kwargs) -> None:
        pass

    info = warning = debug

    def error(self, msg, *args, **kwargs) -> None:
        self._logger.error(msg, *args, **kwargs)

    def exception(self, msg, *args, **kwargs) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ValueError):
            self._unreadable.report(getattr(error, "reason", type(error).__name__))
        else:
            self._logger.exception(msg, *args, **kwargs)

"""Socket.IO event handlers: parse, find the actor, call the bus, answer.

Each handler is a few lines; the rules and the transaction live in the
services. Every event gets an acknowledgement: `{"ok": true, …}` or
`{"ok": false, "error": {"code", "message", "details"}}` — never an
exception that would drop the connection. The protocol is in docs/protocol.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps

from flask import request, session
from flask_login import current_user
from flask_socketio import join_room, leave_room

from workshop.acks import error_ack
from workshop.context import client_address, services
from workshop.domain import commands as c
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor
from workshop.extensions import socketio
from workshop.live import wire
from workshop.live.rooms import participant_room, session_room
from workshop.services import similarity

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 16 * 1024

# Socket event name → the command it carries (one table, in the domain).
COMMAND_EVENTS: dict[str, type[c.SessionCommand]] = c.EVENTS


def _payload_size(data: object) -> int:
    try:
        # Compact JSON in UTF-8: what a client serializing without spaces sends.
        return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
    except (TypeError, ValueError):
        raise Rejected(
            "invalid_payload",
            details=[{"field": "", "type": "json_expected", "problem": "payload must be JSON"}],
        ) from None


def acknowledged(handler: Callable[[object], dict]) -> Callable[..., dict]:
    """Turn any outcome of a handler into an acknowledgement."""

    @wraps(handler)
    def wrapper(*args):
        try:
            if len(args) > 1:
                raise Rejected(
                    "invalid_payload",
                    details=[
                        {
                            "field": "",
                            "type": "too_many_arguments",
                            "problem": "send exactly one payload object",
                        }
                    ],
                )
            data = args[0] if args else None
            if _payload_size(data) > MAX_PAYLOAD_BYTES:
                raise Rejected("payload_too_large", limit=MAX_PAYLOAD_BYTES)
            return handler(data)
        except Rejected as rejected:
            return error_ack(rejected)
        except Exception:
            log.exception("socket event %s failed", getattr(request, "event", {}).get("message"))
            return error_ack(Rejected("internal_error"))

    return wrapper


# -- identity of this socket ----------------------------------------------
# The per-socket session (Flask-SocketIO keeps it server-side, per connection)
# maps each session the socket has joined to the actor it joined as.


def _remember(actor: Actor) -> None:
    memberships = dict(session.get("live", {}))
    memberships[str(actor.session_id)] = actor.__dict__
    session["live"] = memberships


def actor_in(session_id: int) -> Actor | None:
    found = session.get("live", {}).get(str(session_id))
    actor = Actor(**found) if found else None
    if actor is not None and actor.is_staff and not current_user.is_authenticated:
        # The staff sign-in this socket joined with has ended since (signed out,
        # password changed, deactivated, expired): checked at every staff command,
        # one read by primary key (web/auth.load_user), not only at staff.join.
        raise Rejected("login_required")
    return actor


# -- events ---------------------------------------------------------------


def _sent_by_client() -> bool:
    """Whether `connect` or `disconnect` came as a client's event, not from the server.

    python-socketio runs the handler of a reserved name for a client's event of
    that name too (the catch-all skips reserved names). Such events are renamed
    when decoded (live/wire.py); this is the second guard, so that presence is
    only ever dropped by a real disconnection. The server's own calls happen
    while the socket is not connected: during a connection until the handler
    accepts it, during a disconnection from its start (`pre_disconnect` comes
    before the handler); a client's event is dispatched only while it is."""
    return socketio.server.manager.is_connected(request.sid, request.namespace)


def _refuse_reserved(event: str) -> dict:
    return error_ack(Rejected("unknown_event", event=event))


@socketio.on("connect")
def on_connect(auth=None):
    if _sent_by_client():
        return _refuse_reserved("connect")
    # Anyone may connect; identity comes with `join`, per session.
    return True


@socketio.on("disconnect")
def on_disconnect(*_reason):
    if _sent_by_client():
        # Not a disconnection: the socket stays, and so does its presence.
        return _refuse_reserved("disconnect")
    try:
        services().presence.leave(request.sid)
    except Exception:
        log.exception("presence cleanup failed for %s", request.sid)


@socketio.on(wire.RESERVED)
def on_reserved(name=None, *_ignored):
    """A client's event named as one of python-socketio's own (live/wire.py)."""
    return _refuse_reserved(str(name)[:64])


@socketio.on(wire.UNREADABLE)
def on_unreadable(problem=None, *_ignored):
    """An event whose payload could not be read, but which asked for an answer
    (live/wire.py). Any client may send this name too: it gets the same answer."""
    problem = problem if isinstance(problem, str) and problem in wire.PROBLEMS else "json_invalid"
    return error_ack(
        Rejected(
            "invalid_payload", details=[{"field": "", "type": problem, "problem": wire.PROBLEMS[problem]}]
        )
    )


@socketio.on("join")
@acknowledged
def on_join(data):
    svc = services()
    if isinstance(data, dict) and "token" in data:
        command = c.parse(c.ResumeSession, data)
        joined = svc.bus.resume(command, client_address())
    else:
        command = c.parse(c.JoinSession, data)
        joined = svc.bus.join(command, client_address())
    actor = joined.actor
    previous = actor_in(actor.session_id)
    if previous and previous.participant_id and previous.participant_id != actor.participant_id:
        # Rebinding to someone else: stop receiving the previous participant's own state.
        leave_room(participant_room(previous.participant_id))
    _remember(actor)
    # Enter the rooms before reading the catch-up: anything committed after
    # the read is then delivered live (and deduplicated by seq on the client).
    join_room(session_room(actor.session_id))
    join_room(participant_room(actor.participant_id))
    svc.presence.arrive(request.sid, actor)
    if not socketio.server.manager.is_connected(request.sid, "/"):
        # The socket went away while we were joining: its disconnect handler has
        # already run, so take back the presence row it could not see.
        svc.presence.leave(request.sid)
    ack = svc.bus.catch_up(actor, command.since)
    return {**ack, "token": joined.token, **({"duplicate": True} if joined.duplicate else {})}


@socketio.on("sync")
@acknowledged
def on_sync(data):
    command = c.parse(c.Sync, data)
    return services().bus.sync(actor_in(command.session_id), command)


@socketio.on("staff.join")
@acknowledged
def on_staff_join(data):
    """A signed-in facilitator (the login cookie came with the handshake) opens a session."""
    command = c.parse(c.StaffJoin, data)
    if not current_user.is_authenticated:
        raise Rejected("login_required")
    svc = services()
    actor = svc.bus.staff_bind(current_user.id, current_user.role, command.session_id)
    _remember(actor)
    join_room(session_room(actor.session_id))
    return svc.bus.catch_up(actor, command.since, view=command.view)


@socketio.on("staff.state")
@acknowledged
def on_staff_state(data):
    command = c.parse(c.StaffState, data)
    return services().bus.staff_state(actor_in(command.session_id), command)


@socketio.on("note.similar")
@acknowledged
def on_note_similar(data):
    command = c.parse(c.FindSimilar, data)
    svc = services()
    return similarity.similar_notes(svc.db, actor_in(command.session_id), command, svc.bus.limiter)


@socketio.on("groups.suggest")
@acknowledged
def on_groups_suggest(data):
    command = c.parse(c.SuggestGroups, data)
    return similarity.suggest_groups(services().db, actor_in(command.session_id), command)


def _command_handler(command_type: type[c.SessionCommand]):
    def handle(data):
        command = c.parse(command_type, data)
        return services().bus.execute(actor_in(command.session_id), command)

    handle.__name__ = f"on_{command_type.__name__}"
    return acknowledged(handle)


for _event, _command in COMMAND_EVENTS.items():
    socketio.on_event(_event, _command_handler(_command))


@socketio.on("*")
def on_unknown(event, *_args):
    return error_ack(Rejected("unknown_event", event=str(event)[:64]))

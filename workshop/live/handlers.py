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
from workshop.live.rooms import participant_room, session_room

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 16 * 1024

# Socket event name → the command it carries.
COMMAND_EVENTS: dict[str, type[c.SessionCommand]] = {
    "note.create": c.CreateNote,
    "note.edit": c.EditNote,
    "note.delete": c.DeleteNote,
    "vote.place": c.PlaceVote,
    "vote.withdraw": c.WithdrawVote,
    # facilitation
    "phase.set": c.SetPhase,
    "timer.control": c.ControlTimer,
    "note.hide": c.HideNote,
    "note.restore": c.RestoreNote,
    "note.merge": c.MergeNotes,
    "note.move": c.MoveNote,
    "cluster.create": c.CreateCluster,
    "cluster.rename": c.RenameCluster,
    "cluster.dissolve": c.DissolveCluster,
    "cluster.tag": c.TagCluster,
    "notes.reveal": c.RevealNotes,
    "results.reveal": c.RevealResults,
    "score.record": c.RecordScore,
    "participant.add_offline": c.AddOfflineParticipant,
}


def _payload_size(data: object) -> int:
    try:
        # Compact JSON in UTF-8: what a client serializing without spaces sends.
        return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
    except (TypeError, ValueError):
        raise Rejected("invalid_payload", details=[
            {"field": "", "type": "json_expected", "problem": "payload must be JSON"}]) from None


def acknowledged(handler: Callable[[object], dict]) -> Callable[..., dict]:
    """Turn any outcome of a handler into an acknowledgement."""

    @wraps(handler)
    def wrapper(*args):
        try:
            if len(args) > 1:
                raise Rejected("invalid_payload", details=[
                    {"field": "", "type": "too_many_arguments",
                     "problem": "send exactly one payload object"}])
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
    return Actor(**found) if found else None


# -- events ---------------------------------------------------------------

@socketio.on("connect")
def on_connect(auth=None):
    # Anyone may connect; identity comes with `join`, per session.
    return True


@socketio.on("disconnect")
def on_disconnect(*_reason):
    try:
        services().presence.leave(request.sid)
    except Exception:
        log.exception("presence cleanup failed for %s", request.sid)


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
    return svc.bus.catch_up(actor, command.since, staff_view=command.view == "control")


@socketio.on("staff.state")
@acknowledged
def on_staff_state(data):
    command = c.parse(c.StaffState, data)
    return services().bus.staff_state(actor_in(command.session_id), command)


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

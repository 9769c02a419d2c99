"""Publishes committed events to Socket.IO rooms (through the message queue, if any)."""

from __future__ import annotations

from flask_socketio import SocketIO

from workshop.live.rooms import participant_room, session_room


class SocketPublisher:
    def __init__(self, socketio: SocketIO):
        self.socketio = socketio

    def events(self, session_id: int, events: list[dict]) -> None:
        room = session_room(session_id)
        for event in events:
            self.socketio.emit("event", event, to=room)

    def personal(self, participant_id: int, state: dict) -> None:
        self.socketio.emit("self", state, to=participant_room(participant_id))

    def presence(self, session_id: int, counts: dict) -> None:
        self.socketio.emit("presence", counts, to=session_room(session_id))

"""Where committed events go. The command path publishes only after commit.

The live adapter implements this with Socket.IO rooms; tests can record calls.
"""

from __future__ import annotations

from typing import Protocol


class Publisher(Protocol):
    def events(self, session_id: int, events: list[dict]) -> None:
        """Fan out committed events to everyone in the session's room."""

    def personal(self, participant_id: int, state: dict) -> None:
        """Send one participant (all their tabs) their own state."""

    def presence(self, session_id: int, counts: dict) -> None:
        """Tell the room who is connected."""


class RecordingPublisher:
    """Keeps what would have been sent; for scripts and tests with no sockets."""

    def __init__(self):
        self.sent: list[tuple[str, object, object]] = []

    def events(self, session_id, events):
        self.sent.append(("events", session_id, events))

    def personal(self, participant_id, state):
        self.sent.append(("personal", participant_id, state))

    def presence(self, session_id, counts):
        self.sent.append(("presence", session_id, counts))

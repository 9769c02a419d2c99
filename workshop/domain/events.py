"""Events: what happened in a session, as recorded in its event log.

An event is produced by a command handler and gets its sequence number only
when the event log appends it, inside the command's transaction. Every event
of a session is addressed to everyone in its room, so its data must be safe for
all of them: never a participant's internal id, never who placed which dot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOTE_CREATED = "note.created"
NOTE_EDITED = "note.edited"
NOTE_DELETED = "note.deleted"
VOTE_PLACED = "vote.placed"
VOTE_WITHDRAWN = "vote.withdrawn"
PARTICIPANT_JOINED = "participant.joined"

ALL = (NOTE_CREATED, NOTE_EDITED, NOTE_DELETED, VOTE_PLACED, VOTE_WITHDRAWN, PARTICIPANT_JOINED)


@dataclass(frozen=True)
class Event:
    type: str
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.type not in ALL:
            raise ValueError(f"unknown event type {self.type!r}")

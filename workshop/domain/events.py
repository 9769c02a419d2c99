"""Events: what happened in a session, as recorded in its event log.

An event is produced by a command handler and gets its sequence number only
when the event log appends it, inside the command's transaction. Every event
of a session is addressed to everyone in its room, so its data must be safe
for all of them: never a participant's internal id, never who placed which
dot, never a private note's text before the reveal, never a total before the
results are revealed. What only some may see is read through queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PARTICIPANT_JOINED = "participant.joined"
NOTE_CREATED = "note.created"
NOTE_EDITED = "note.edited"
NOTE_DELETED = "note.deleted"
NOTE_HIDDEN = "note.hidden"
NOTE_RESTORED = "note.restored"
NOTE_MERGED = "note.merged"
NOTE_MOVED = "note.moved"
NOTES_REVEALED = "notes.revealed"
VOTE_PLACED = "vote.placed"
VOTE_WITHDRAWN = "vote.withdrawn"
CLUSTER_CREATED = "cluster.created"
CLUSTER_UPDATED = "cluster.updated"
CLUSTER_DISSOLVED = "cluster.dissolved"
PHASE_CHANGED = "phase.changed"
TIMER_CHANGED = "timer.changed"
RESULTS_REVEALED = "results.revealed"
SESSION_CLOSED = "session.closed"

ALL = (
    PARTICIPANT_JOINED,
    NOTE_CREATED,
    NOTE_EDITED,
    NOTE_DELETED,
    NOTE_HIDDEN,
    NOTE_RESTORED,
    NOTE_MERGED,
    NOTE_MOVED,
    NOTES_REVEALED,
    VOTE_PLACED,
    VOTE_WITHDRAWN,
    CLUSTER_CREATED,
    CLUSTER_UPDATED,
    CLUSTER_DISSOLVED,
    PHASE_CHANGED,
    TIMER_CHANGED,
    RESULTS_REVEALED,
    SESSION_CLOSED,
)


@dataclass(frozen=True)
class Event:
    type: str
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.type not in ALL:
            raise ValueError(f"unknown event type {self.type!r}")

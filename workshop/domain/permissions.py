"""Who may run which command: the one authorization table.

Every socket event and every form that changes something passes through
`authorize` before any rule is checked. Object-level rules (only the author
edits a note) live with the rule itself in `rules`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workshop.domain import commands as c
from workshop.domain.errors import Rejected

PARTICIPANT = "participant"

PERMISSIONS: dict[str, frozenset[type[c.Command]]] = {
    PARTICIPANT: frozenset(
        {c.CreateNote, c.EditNote, c.DeleteNote, c.PlaceVote, c.WithdrawVote, c.Sync}
    ),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting in a session: known only after a successful join."""

    role: str
    session_id: int
    participant_id: int
    public_id: str
    category: str

    @property
    def scope(self) -> str:
        """The id space of this actor's command ids."""
        return f"p:{self.participant_id}"


def authorize(actor: Actor | None, command: c.SessionCommand | c.Sync) -> Actor:
    if actor is None or actor.session_id != command.session_id:
        raise Rejected("not_joined")
    if type(command) not in PERMISSIONS.get(actor.role, ()):
        raise Rejected("forbidden")
    return actor

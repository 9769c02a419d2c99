"""Who may run which command: the one authorization table.

Every socket event and every form that changes something passes through
`authorize` before any rule is checked. Which sessions a staff member may act
on is decided when they bind to the session (`may_run_session`); object-level
rules (only the author edits a note) live with the rule itself in `rules`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workshop.domain import commands as c
from workshop.domain.errors import Rejected

PARTICIPANT = "participant"
FACILITATOR = "facilitator"
UFFICIO_PIANO = "ufficio_piano"  # drafts and revises the schede intervento
RISTRETTA = "ristretta"  # cabina di regia ristretta
ALLARGATA = "allargata"  # cabina di regia allargata
ADMIN = "admin"
STAFF_ROLES = (FACILITATOR, UFFICIO_PIANO, RISTRETTA, ALLARGATA, ADMIN)
# Roles that work on the plan (consolidation, schede) rather than on live sessions.
PLAN_ROLES = (UFFICIO_PIANO, RISTRETTA, ALLARGATA, ADMIN)

PARTICIPANT_COMMANDS: frozenset[type[c.Command]] = frozenset(
    {c.CreateNote, c.EditNote, c.DeleteNote, c.PlaceVote, c.WithdrawVote, c.Sync, c.FindSimilar}
)
FACILITATION_COMMANDS: frozenset[type[c.Command]] = frozenset(
    {
        c.SetPhase,
        c.ControlTimer,
        c.HideNote,
        c.RestoreNote,
        c.EditNote,
        c.MergeNotes,
        c.CreateCluster,
        c.RenameCluster,
        c.DissolveCluster,
        c.MoveNote,
        c.TagCluster,
        c.RevealNotes,
        c.RevealResults,
        c.RecordScore,
        c.AddOfflineParticipant,
        c.Sync,
        c.StaffState,
        c.FindSimilar,
        c.SuggestGroups,
        c.CarryClusters,
    }
)

PERMISSIONS: dict[str, frozenset[type[c.Command]]] = {
    PARTICIPANT: PARTICIPANT_COMMANDS,
    FACILITATOR: FACILITATION_COMMANDS,
    ADMIN: FACILITATION_COMMANDS,
    UFFICIO_PIANO: frozenset(),
    RISTRETTA: frozenset(),
    ALLARGATA: frozenset(),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting in a session: known only after a successful join.

    A participant has `participant_id`; staff have `staff_id`. A participant
    actor built for an offline participant also carries the `staff_id` of the
    facilitator who typed the entry in.
    """

    role: str
    session_id: int
    participant_id: int | None = None
    public_id: str | None = None
    category: str | None = None
    staff_id: int | None = None

    @property
    def scope(self) -> str:
        """The id space of this actor's command ids."""
        if self.participant_id is not None and self.staff_id is None:
            return f"p:{self.participant_id}"
        return f"s:{self.staff_id}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


def authorize(actor: Actor | None, command: c.Command) -> Actor:
    if actor is None or actor.session_id != getattr(command, "session_id", None):
        raise Rejected("not_joined")
    if getattr(command, "on_behalf_of", None) is not None:
        # Only a facilitator types in notes and dots, and only for someone else.
        if actor.role in (FACILITATOR, ADMIN) and type(command) in PARTICIPANT_COMMANDS:
            return actor
        raise Rejected("forbidden")
    if type(command) not in PERMISSIONS.get(actor.role, ()):
        raise Rejected("forbidden")
    return actor


def may_review_notes(role: str, user_id: int, owner_id: int | None, assigned: set[int]) -> None:
    """Who decides whether a session's notes may be published: whoever runs the
    session, and the Ufficio di Piano (who publishes the plan)."""
    if role == UFFICIO_PIANO:
        return
    try:
        may_run_session(role, user_id, owner_id, assigned)
    except Rejected:
        raise Rejected("review_not_allowed") from None


def may_run_session(role: str, user_id: int, owner_id: int | None, assigned: set[int]) -> None:
    """Whether a staff member may open a session's control room."""
    if role == ADMIN:
        return
    if role == FACILITATOR and (owner_id == user_id or user_id in assigned):
        return
    raise Rejected("session_not_assigned")

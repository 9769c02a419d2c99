"""Commands a client can send, with their shape checked before any rule runs.

Each command is an immutable value. `parse` turns untrusted JSON into one, or
raises `Rejected("invalid_payload")` listing the fields at fault. Content rules
(text length, budgets, ownership) are not here but in `rules`, because they
need a stable error code of their own and sometimes the session's settings.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from workshop.domain.errors import Rejected, _

NOTE_KINDS: tuple[str, ...] = ("problema", "proposta", "risorsa", "caso")
KIND_LABELS = {
    "problema": _("Problema"),
    "proposta": _("Proposta"),
    "risorsa": _("Risorsa"),
    "caso": _("Caso"),
}
# Any short string: whether it is a kind this session accepts is a rule
# (rules.note_kind), answered with its own error code, note_kind_invalid.
NoteKind = Annotated[str, StringConstraints(max_length=40)]

# A client-generated command id: retries with the same id are applied once.
CommandId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{8,64}$")]
# Ids and sequence numbers are PostgreSQL `integer` columns: a larger number
# names no row, and must be refused here rather than fail in the database
# driver (the web's URL converter and form helpers use the same bound).
ID_MAX = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Seq = Annotated[int, Field(ge=0, le=ID_MAX)]
# Generous bound on raw text; the real limit (rules.NOTE_MAX_CHARS) has its own error code.
RawText = Annotated[str, StringConstraints(max_length=20_000)]


class Command(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class SessionCommand(Command):
    """A change to one live session, retried safely thanks to `cid`."""

    cid: CommandId
    session_id: Id


class ParticipantCommand(SessionCommand):
    """A participant's own action. A facilitator may run it for an offline
    participant (someone without a phone) by naming them in `on_behalf_of`."""

    on_behalf_of: Annotated[str, StringConstraints(max_length=32)] | None = None


class CreateNote(ParticipantCommand):
    kind: NoteKind
    text: RawText


class EditNote(ParticipantCommand):
    """The author edits their note; staff may correct anyone's (history is kept)."""

    note_id: Id
    text: RawText
    kind: NoteKind | None = None


class DeleteNote(ParticipantCommand):
    note_id: Id


class _VoteTarget(ParticipantCommand):
    """A dot goes on a cluster, or on a note left outside clusters: exactly one."""

    note_id: Id | None = None
    cluster_id: Id | None = None

    @model_validator(mode="after")
    def _exactly_one_target(self):
        if (self.note_id is None) == (self.cluster_id is None):
            raise ValueError("give exactly one of note_id and cluster_id")
        return self


class PlaceVote(_VoteTarget):
    pass


class WithdrawVote(_VoteTarget):
    pass


# -- facilitation (staff) ------------------------------------------------------

Title = Annotated[str, StringConstraints(max_length=1000)]
Reason = Annotated[str, StringConstraints(max_length=1000)]
Score = Annotated[int, Field(ge=1, le=5)]


class SetPhase(SessionCommand):
    phase: Annotated[str, StringConstraints(max_length=40)]


class ControlTimer(SessionCommand):
    """start (seconds = duration), pause, resume, extend (seconds may be negative), reset."""

    action: Literal["start", "pause", "resume", "extend", "reset"]
    seconds: Annotated[int, Field(ge=-36_000, le=36_000)] | None = None


class HideNote(SessionCommand):
    note_id: Id
    reason: Reason


class RestoreNote(SessionCommand):
    note_id: Id


class MergeNotes(SessionCommand):
    """Duplicates `note_ids` join `into_note_id`, which keeps its text."""

    into_note_id: Id
    note_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]


class CreateCluster(SessionCommand):
    title: Title
    note_ids: Annotated[list[Id], Field(max_length=200)] = []


class RenameCluster(SessionCommand):
    cluster_id: Id
    title: Title


class DissolveCluster(SessionCommand):
    cluster_id: Id


class MoveNote(SessionCommand):
    """Into a cluster, or out of any (cluster_id null)."""

    note_id: Id
    cluster_id: Id | None


class TagCluster(SessionCommand):
    cluster_id: Id
    areas: Annotated[list[Annotated[str, StringConstraints(max_length=4)]], Field(max_length=10)]


class RevealNotes(SessionCommand):
    pass


class RevealResults(SessionCommand):
    pass


class RecordScore(SessionCommand):
    cluster_id: Id
    impatto: Score
    fattibilita: Score
    urgenza: Score


class CarryClusters(SessionCommand):
    """Groups of an earlier, closed meeting of the same lab, with their notes,
    carried into this one: each stays the same priority (its line)."""

    from_session_id: Id
    cluster_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]


class AddOfflineParticipant(SessionCommand):
    pseudonym: Annotated[str, StringConstraints(max_length=200)]
    category: Annotated[str, StringConstraints(max_length=64)]
    territory: Annotated[str, StringConstraints(max_length=80)] | None = None  # as in join


# Socket event name → the command it carries (docs/protocol.md §5): the live
# handlers register one per name, and the session object tells clients which
# of them each phase allows (phases.CLIENT_RULES).
EVENTS: dict[str, type[SessionCommand]] = {
    "note.create": CreateNote,
    "note.edit": EditNote,
    "note.delete": DeleteNote,
    "vote.place": PlaceVote,
    "vote.withdraw": WithdrawVote,
    # facilitation
    "phase.set": SetPhase,
    "timer.control": ControlTimer,
    "note.hide": HideNote,
    "note.restore": RestoreNote,
    "note.merge": MergeNotes,
    "note.move": MoveNote,
    "cluster.create": CreateCluster,
    "cluster.rename": RenameCluster,
    "cluster.dissolve": DissolveCluster,
    "cluster.tag": TagCluster,
    "notes.reveal": RevealNotes,
    "results.reveal": RevealResults,
    "score.record": RecordScore,
    "participant.add_offline": AddOfflineParticipant,
    "clusters.carry": CarryClusters,
}


class JoinSession(Command):
    """A newcomer: join code, pseudonym and stakeholder category, and (optional)
    the territory they live or work in, a key of the admin's list."""

    code: Annotated[str, StringConstraints(max_length=32)]
    pseudonym: Annotated[str, StringConstraints(max_length=200)]
    category: Annotated[str, StringConstraints(max_length=64)]
    territory: Annotated[str, StringConstraints(max_length=80)] | None = None
    # Longer than other command ids: a join retried with it returns the token,
    # so it must be as unguessable as one (≥ 128 bits of randomness).
    cid: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{22,64}$")] | None = None
    since: Seq | None = None


class ResumeSession(Command):
    """A returning participant, identified by the signed token from their first join."""

    token: Annotated[str, StringConstraints(max_length=1000)]
    since: Seq | None = None


class Sync(Command):
    session_id: Id
    since: Seq


class StaffJoin(Command):
    """A logged-in facilitator or admin opens a session's control room, or its
    projector view (which shows only what the room may see)."""

    session_id: Id
    since: Seq | None = None
    view: Literal["control", "projector"] = "control"


class StaffState(Command):
    """The full board as staff see it (hidden notes, totals before the reveal),
    or, for the projector, the room's board with the publishable split."""

    session_id: Id
    view: Literal["control", "projector"] = "control"


class FindSimilar(Command):
    """Notes of the session that say nearly what a draft says (a read: changes
    nothing, so no `cid`). `note_id`: the note being edited, left out."""

    session_id: Id
    text: RawText
    note_id: Id | None = None


class SuggestGroups(Command):
    """Groups proposed for the loose notes, and possible duplicates (a read: the
    facilitator applies what they accept with cluster.create, note.move, note.merge)."""

    session_id: Id


C = TypeVar("C", bound=Command)


def parse(command_type: type[C], data: object) -> C:
    if not isinstance(data, dict):
        raise Rejected(
            "invalid_payload",
            details=[{"field": "", "type": "object_expected", "problem": "payload must be an object"}],
        )
    try:
        return command_type.model_validate(data)
    except ValidationError as exc:
        raise Rejected(
            "invalid_payload",
            details=[
                {
                    "field": ".".join(str(p) for p in err["loc"]),
                    "type": err["type"],
                    "problem": err["msg"],
                }
                for err in exc.errors(include_url=False, include_input=False)
            ],
        ) from None

"""Commands a client can send, with their shape checked before any rule runs.

Each command is an immutable value. `parse` turns untrusted JSON into one, or
raises `Rejected("invalid_payload")` listing the fields at fault. Content rules
(text length, budgets, ownership) are not here but in `rules`, because they
need a stable error code of their own and sometimes the session's settings.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from workshop.domain.errors import Rejected

NOTE_KINDS: tuple[str, ...] = ("problema", "proposta", "risorsa", "caso")
# Any short string: whether it is a kind this session accepts is a rule
# (rules.note_kind), answered with its own error code, note_kind_invalid.
NoteKind = Annotated[str, StringConstraints(max_length=40)]

# A client-generated command id: retries with the same id are applied once.
CommandId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{8,64}$")]
Id = Annotated[int, Field(ge=1, le=2**53)]
# Generous bound on raw text; the real limit (rules.NOTE_MAX_CHARS) has its own error code.
RawText = Annotated[str, StringConstraints(max_length=20_000)]


class Command(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class SessionCommand(Command):
    """A change to one live session, retried safely thanks to `cid`."""

    cid: CommandId
    session_id: Id


class CreateNote(SessionCommand):
    kind: NoteKind
    text: RawText


class EditNote(SessionCommand):
    note_id: Id
    text: RawText
    kind: NoteKind | None = None


class DeleteNote(SessionCommand):
    note_id: Id


class PlaceVote(SessionCommand):
    note_id: Id


class WithdrawVote(SessionCommand):
    note_id: Id


class JoinSession(Command):
    """A newcomer: join code, pseudonym and stakeholder category."""

    code: Annotated[str, StringConstraints(max_length=32)]
    pseudonym: Annotated[str, StringConstraints(max_length=200)]
    category: Annotated[str, StringConstraints(max_length=64)]
    cid: CommandId | None = None
    since: Annotated[int, Field(ge=0)] | None = None


class ResumeSession(Command):
    """A returning participant, identified by the signed token from their first join."""

    token: Annotated[str, StringConstraints(max_length=1000)]
    since: Annotated[int, Field(ge=0)] | None = None


class Sync(Command):
    session_id: Id
    since: Annotated[int, Field(ge=0)]


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

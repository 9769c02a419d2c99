"""Tables. Read tables (notes, votes, …) hold current state; `event` holds history.

The naming convention is set before any table is defined so that alembic
generates stable constraint names on both SQLite (batch mode) and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, Index, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as every timestamp on the wire."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Process(SQLModel, table=True):
    """A planning process, e.g. Piano di Zona 2018-2020."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=200)


class Lab(SQLModel, table=True):
    """One of the design labs (laboratori) of a process."""

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=200)


class Area(SQLModel, table=True):
    """A plan area (A–E)."""

    code: str = Field(primary_key=True, max_length=4)
    label: str = Field(max_length=200)


class Category(SQLModel, table=True):
    """A stakeholder category a participant declares on joining."""

    key: str = Field(primary_key=True, max_length=40)
    code: str = Field(max_length=10)
    label: str = Field(max_length=200)
    position: int = 0


class LiveSession(SQLModel, table=True):
    """One live meeting of a lab. `last_seq` is the head of its event log."""

    __tablename__ = "live_session"

    id: int | None = Field(default=None, primary_key=True)
    lab_id: int = Field(foreign_key="lab.id", index=True)
    title: str = Field(max_length=200)
    guiding_question: str = Field(default="", max_length=1000)
    join_code: str = Field(max_length=12, unique=True)
    dots_per_participant: int = 3
    cap_per_item: int = 2
    note_kinds: str = Field(default="problema,proposta,risorsa,caso", max_length=200)
    last_seq: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class Participant(SQLModel, table=True):
    """A pseudonymous participant of one session. No account, no real identity."""

    __table_args__ = (UniqueConstraint("session_id", "pseudonym_key"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="live_session.id", index=True)
    # Shown to others (author of notes); never the database id.
    public_id: str = Field(max_length=16, unique=True)
    pseudonym: str = Field(max_length=60)
    pseudonym_key: str = Field(max_length=80)
    category_key: str = Field(foreign_key="category.key", max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class Note(SQLModel, table=True):
    """A sticky note (post-it). Deleted notes keep their row, marked deleted."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="live_session.id", index=True)
    author_id: int = Field(foreign_key="participant.id", index=True)
    kind: str = Field(max_length=20)
    text: str = Field(max_length=2000)
    html: str = Field(max_length=20000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None


class Vote(SQLModel, table=True):
    """One dot. The voter's category is copied at cast time for later analysis."""

    __table_args__ = (Index("ix_vote_session_participant", "session_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="live_session.id")
    note_id: int = Field(foreign_key="note.id", index=True)
    participant_id: int = Field(foreign_key="participant.id")
    category_key: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """The append-only event log. (session_id, seq) is gapless per session."""

    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="live_session.id")
    seq: int
    type: str = Field(max_length=40)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ProcessedCommand(SQLModel, table=True):
    """Commands already applied, by client command id, so retries apply once.

    `scope` is whose id space the cid lives in (a participant, or a session for
    joins), so one client cannot collide with or probe another's ids.
    """

    __tablename__ = "processed_command"

    scope: str = Field(primary_key=True, max_length=40)
    cid: str = Field(primary_key=True, max_length=64)
    session_id: int = Field(foreign_key="live_session.id", index=True)
    fingerprint: str = Field(max_length=64)
    first_seq: int = 0
    last_seq: int = 0
    result: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Presence(SQLModel, table=True):
    """Who is connected now, one row per socket and session; shared by all processes."""

    sid: str = Field(primary_key=True, max_length=64)
    session_id: int = Field(foreign_key="live_session.id", primary_key=True, index=True)
    participant_id: int = Field(foreign_key="participant.id")
    category_key: str = Field(max_length=40)
    server_id: str = Field(max_length=40, index=True)
    connected_at: datetime = Field(default_factory=utcnow)

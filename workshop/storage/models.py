"""Tables. Read tables (notes, votes, …) hold current state; `event` holds history.

The naming convention is set before any table is defined so that alembic
generates stable constraint names on both SQLite (batch mode) and PostgreSQL.

Generated ids are typed `int`, as SQLAlchemy types them (`Mapped[int]`): every
row the code reads has one (the column is NOT NULL). Only a row just built is
without it (None) until it is flushed, which is when the database numbers it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Field, SQLModel

from workshop.domain import cabine as cabine_rules
from workshop.domain import periods as period_rules
from workshop.domain import scheda as scheda_rules
from workshop.domain.commands import NOTE_KINDS
from workshop.domain.rules import DEFAULT_CAP_PER_ITEM, DEFAULT_DOTS_PER_PARTICIPANT, TITLE_MAX

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def table_of(model: type[SQLModel]) -> Table:
    """A model's Core table, for Core statements (SQLModel sets `__table__`
    on table models without declaring it, so type checkers do not see it)."""
    table = sa_inspect(model).local_table
    assert isinstance(table, Table)  # every model here maps one plain table
    return table


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as every timestamp on the wire."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StaffUser(SQLModel, table=True):
    """A staff account: facilitator, cabina di regia member or admin."""

    __tablename__ = "staff_user"

    id: int = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=300)
    role: str = Field(max_length=20)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Two-factor sign-in (services/second_factor.py). `totp_secret` is set once
    # a first code confirmed it; a new device waits in `totp_pending_secret`
    # until it is confirmed, so the old one keeps working meanwhile.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_pending_secret: str | None = Field(default=None, max_length=64)
    # The last time step a code was accepted for: a code is good once.
    totp_last_step: int | None = None
    # Set by an admin for a facilitator; the other roles always need it (domain/staff.py).
    totp_required: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class StaffSession(SQLModel, table=True):
    """A staff sign-in, server-side: the cookie carries only its random id.

    Deleting the row ends the sign-in wherever the cookie is (sign-out, a
    password change, deactivation). `id` is the SHA-256 of the id the cookie
    carries, so a copy of the table opens no sign-in.
    """

    __tablename__ = "staff_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    # last_seen_at + the idle limit (WORKSHOP_STAFF_IDLE_HOURS), moved on by use.
    expires_at: datetime = Field(index=True)


class StaffRecoveryCode(SQLModel, table=True):
    """A one-time recovery code for two-factor sign-in, hashed like a password."""

    __tablename__ = "staff_recovery_code"

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    code_hash: str = Field(max_length=300)
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SessionFacilitator(SQLModel, table=True):
    """A facilitator assigned to a session they do not own."""

    __tablename__ = "session_facilitator"

    session_id: int = Field(foreign_key="live_session.id", primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", primary_key=True)


class SessionSnapshot(SQLModel, table=True):
    """The results of a closed session, frozen; `hash` is shown to the room.

    `document` is the published results document (domain/results.py): its
    exact bytes, whose SHA-256 is `hash`. `record` is what stays internal:
    the dots by category of each item, voters and participants by category,
    and the salts and texts that open the notes' commitments (removed when a
    note is erased). Sessions closed in the first format have no `document`:
    their `content` is what was hashed, texts and categories included.
    """

    __tablename__ = "session_snapshot"

    session_id: int = Field(foreign_key="live_session.id", primary_key=True)
    hash: str = Field(max_length=64)
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    document: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    record: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Process(SQLModel, table=True):
    """A planning process, e.g. Piano di Zona 2018-2020."""

    id: int = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=200)
    # The programming period (budgets and targets are by year); read from the
    # title when not set (domain/scheda.period).
    year_start: int | None = None
    year_end: int | None = None
    # The act that adopted the plan (Accordo di Programma, deliberation and
    # date): once set, the plan's document says «approvato» with it.
    approval_act: str | None = Field(default=None, max_length=scheda_rules.APPROVAL_ACT_MAX)
    # The adoption of the plan (domain/cabine.Adoption): the body whose act
    # adopted it (Comitato di Distretto…), the day, the act's number and where
    # to read it. Recorded with `approval_act` as the act's name.
    adoption_body: str | None = Field(default=None, max_length=cabine_rules.ADOPTION_BODY_MAX)
    adopted_on: date | None = None
    adoption_number: str | None = Field(default=None, max_length=cabine_rules.ADOPTION_NUMBER_MAX)
    adoption_url: str | None = Field(default=None, max_length=cabine_rules.ADOPTION_URL_MAX)
    # The process the labs work in now: pages open on it, the others stay
    # readable (services/periods.py keeps exactly one).
    current: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class RegionalScheda(SQLModel, table=True):
    """A scheda of the regional social and health plan that schede intervento
    implement (their «riferimento scheda regionale»). The admin keeps the list;
    a scheda stores the number and title it referenced, so later edits of the
    list do not change what was approved."""

    __tablename__ = "regional_scheda"

    number: str = Field(primary_key=True, max_length=scheda_rules.REGIONAL_NUMBER_MAX)
    title: str = Field(max_length=scheda_rules.REGIONAL_TITLE_MAX)
    position: int = 0
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class Lab(SQLModel, table=True):
    """One of the design labs (laboratori); it takes part in processes (`lab_process`)."""

    id: int = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=200)
    # The name in the participants' other languages ({"en": …, "ar": …}; workshop/i18n.py
    # `named`); the Italian one is the column beside it.
    translations: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class Area(SQLModel, table=True):
    """A plan area (A–E)."""

    code: str = Field(primary_key=True, max_length=4)
    label: str = Field(max_length=200)
    # The name in the participants' other languages ({"en": …, "ar": …}; workshop/i18n.py
    # `named`); the Italian one is the column beside it.
    translations: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class CategoryGroup(SQLModel, table=True):
    """Stakeholder categories taken together in what is published (domain/disclosure.py):
    a lab rarely has five people of one category, often of one group."""

    __tablename__ = "category_group"

    key: str = Field(primary_key=True, max_length=40)
    label: str = Field(max_length=200)
    position: int = 0
    # The name in the participants' other languages ({"en": …, "ar": …}; workshop/i18n.py
    # `named`); the Italian one is the column beside it.
    translations: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class Category(SQLModel, table=True):
    """A stakeholder category a participant declares on joining."""

    key: str = Field(primary_key=True, max_length=40)
    code: str = Field(max_length=10)
    label: str = Field(max_length=200)
    position: int = 0
    group_key: str | None = Field(default=None, foreign_key="category_group.key", max_length=40)
    # The name in the participants' other languages ({"en": …, "ar": …}; workshop/i18n.py
    # `named`); the Italian one is the column beside it.
    translations: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class Territory(SQLModel, table=True):
    """Where a lab meets (domain/territory.py): a Comune, a Polo di servizio
    sociale, a quartiere. The admin keeps the list; one leaves it by being
    deactivated, so the meetings held there keep it."""

    key: str = Field(primary_key=True, max_length=80)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    position: int = 0
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class LiveSession(SQLModel, table=True):
    """One live meeting of a lab. `last_seq` is the head of its event log."""

    __tablename__ = "live_session"

    id: int = Field(default=None, primary_key=True)
    lab_id: int = Field(foreign_key="lab.id", index=True)
    # The process and programma attuativo the meeting works for (services/periods.py).
    process_id: int = Field(foreign_key="process.id", index=True)
    programme_id: int | None = Field(default=None, foreign_key="annual_programme.id", index=True)
    # «Prova / formazione»: set when created, never changed; its results reach no
    # consolidation, restituzione, open data or plan (services/periods.counted).
    practice: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    title: str = Field(max_length=TITLE_MAX)
    guiding_question: str = Field(default="", max_length=1000)
    join_code: str = Field(max_length=12, unique=True)
    dots_per_participant: int = DEFAULT_DOTS_PER_PARTICIPANT
    cap_per_item: int = DEFAULT_CAP_PER_ITEM
    note_kinds: str = Field(default=",".join(NOTE_KINDS), max_length=200)
    last_seq: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    # Facilitation (see domain/phases.py)
    phase: str = Field(
        default="accoglienza", max_length=20, sa_column_kwargs={"server_default": "accoglienza"}
    )
    owner_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    show_pseudonyms: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    private_writing: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    notes_revealed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    results_revealed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Countdown: `timer_remaining_s` is what was left when last paused or set;
    # while running, `timer_started_at` is when it (re)started.
    timer_duration_s: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    timer_remaining_s: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    timer_started_at: datetime | None = None
    snapshot_hash: str | None = Field(default=None, max_length=64)
    # When the retention period's purge removed its people's data (services/privacy.py).
    purged_at: datetime | None = None
    # The meeting (services/meetings.py): when (UTC; shown in Europe/Rome) and where.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place_address: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    place_room: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    territory_key: str | None = Field(default=None, foreign_key="territory.key", max_length=80)


class Participant(SQLModel, table=True):
    """A pseudonymous participant of one session. No account, no real identity."""

    __table_args__ = (UniqueConstraint("session_id", "pseudonym_key"),)

    id: int = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="live_session.id", index=True)
    # Shown to others (author of notes); never the database id.
    public_id: str = Field(max_length=16, unique=True)
    pseudonym: str = Field(max_length=60)
    pseudonym_key: str = Field(max_length=80)
    category_key: str = Field(foreign_key="category.key", max_length=40)
    # The territory they said they live or work in (optional, from the admin's
    # list): counted like the category, published only as domain/disclosure.py
    # allows, never shown with their notes; cleared by erasure.
    territory_key: str | None = Field(default=None, foreign_key="territory.key", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    # Entered by a facilitator for someone without a phone.
    offline: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Their data erased (at their request, or by the retention purge): the row
    # stays, without pseudonym, so that the frozen counts keep their meaning.
    erased_at: datetime | None = None


class Note(SQLModel, table=True):
    """A sticky note (post-it). Deleted notes keep their row, marked deleted."""

    id: int = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="live_session.id", index=True)
    author_id: int = Field(foreign_key="participant.id", index=True)
    kind: str = Field(max_length=20)
    text: str = Field(max_length=2000)
    html: str = Field(max_length=20000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)
    hidden_at: datetime | None = None
    hidden_reason: str | None = Field(default=None, max_length=300)
    # Lineage of merged duplicates: the merged note points to the one it joined.
    merged_into_id: int | None = Field(default=None, foreign_key="note.id")
    # Written while private writing was on and not yet revealed.
    private: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Whether it may be published (services/publication.py): da_rivedere,
    # pubblicabile, interno; `public_text` when it is published edited.
    publication: str = Field(
        default="da_rivedere", max_length=20, sa_column_kwargs={"server_default": "da_rivedere"}
    )
    public_text: str | None = Field(default=None, max_length=2000)
    # Its text erased everywhere it was stored, at its author's request.
    erased_at: datetime | None = None
    # A note carried forward with its group from an earlier meeting: the note
    # it copies, and the day it was written («dall’incontro del …»). Its author
    # is the participant of that meeting.
    carried_from_id: int | None = Field(default=None, foreign_key="note.id")
    written_on: date | None = None


class NoteRevision(SQLModel, table=True):
    """Every text a note has had: edits by its author and corrections by staff."""

    __tablename__ = "note_revision"

    id: int = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="note.id", index=True)
    kind: str = Field(max_length=20)
    text: str = Field(max_length=2000)
    # The rendered text: events refer to a revision instead of carrying its text
    # (storage/eventlog.py), so that erasing a note erases it from the log too.
    html: str = Field(default="", max_length=20000, sa_column_kwargs={"server_default": ""})
    edited_by_participant_id: int | None = Field(default=None, foreign_key="participant.id")
    edited_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class NoteReview(SQLModel, table=True):
    """A decision on whether a note may be published, by whom and when: its history."""

    __tablename__ = "note_review"

    id: int = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="note.id", index=True)
    publication: str = Field(max_length=20)
    public_text: str | None = Field(default=None, max_length=2000)
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class PrivacyRequest(SQLModel, table=True):
    """A participant's data seen, downloaded or erased: by themselves from the
    room, or by staff on a request received by other channels (`reference`)."""

    __tablename__ = "privacy_request"

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # accesso, cancellazione
    session_id: int = Field(foreign_key="live_session.id", index=True)
    participant_id: int = Field(foreign_key="participant.id")
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    reference: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class Cluster(SQLModel, table=True):
    """Notes grouped by affinity, with a title: what gets voted and scored."""

    id: int = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="live_session.id", index=True)
    title: str = Field(max_length=200)
    areas: str = Field(default="", max_length=40)  # plan area codes, comma-separated
    created_at: datetime = Field(default_factory=utcnow)
    dissolved_at: datetime | None = None
    impatto: int | None = None
    fattibilita: int | None = None
    urgenza: int | None = None
    # Continuity (services/continuity.py): the group of an earlier meeting this
    # one carries forward, and the first group of that line, which names the
    # priority in every meeting it was voted in (domain/priority.py).
    carried_from_id: int | None = Field(default=None, foreign_key="cluster.id")
    lineage_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)


class Vote(SQLModel, table=True):
    """One dot. The voter's category is copied at cast time for later analysis."""

    __table_args__ = (
        Index("ix_vote_session_participant", "session_id", "participant_id"),
        CheckConstraint("(note_id IS NULL) <> (cluster_id IS NULL)", name="one_target"),
    )

    id: int = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="live_session.id")
    # Exactly one target: a cluster, or a note left outside clusters.
    note_id: int | None = Field(default=None, foreign_key="note.id", index=True)
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)
    participant_id: int = Field(foreign_key="participant.id")
    category_key: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """The append-only event log. (session_id, seq) is gapless per session."""

    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: int = Field(default=None, primary_key=True)
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


class PlanAction(SQLModel, table=True):
    """A scheda intervento: a draft plan action and where its review stands.

    The editable fields live in `content` (as in domain/drafting.py); every
    save is also kept whole in `plan_action_version`, so any two versions can
    be compared. `version` guards against two people saving over each other.
    """

    __tablename__ = "plan_action"

    id: int = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True)
    title: str = Field(max_length=scheda_rules.TITLE_MAX)
    area_main: str = Field(default="", max_length=4)
    state: str = Field(default="bozza", max_length=20, index=True)
    version: int = 1
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PlanActionCluster(SQLModel, table=True):
    """The prioritised clusters a scheda comes from."""

    __tablename__ = "plan_action_cluster"

    action_id: int = Field(foreign_key="plan_action.id", primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", primary_key=True, index=True)


class PlanActionVersion(SQLModel, table=True):
    __tablename__ = "plan_action_version"
    __table_args__ = (UniqueConstraint("action_id", "version"),)

    id: int = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="plan_action.id", index=True)
    version: int
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class PlanActionTransition(SQLModel, table=True):
    """A step of the review, with its public motivation."""

    __tablename__ = "plan_action_transition"

    id: int = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="plan_action.id", index=True)
    from_state: str = Field(max_length=20)
    to_state: str = Field(max_length=20)
    motivation: str = Field(max_length=4000)
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    # A body's decision: the meeting that took it (the user only recorded it),
    # and the count of the vote when the minutes give one.
    meeting_id: int | None = Field(default=None, foreign_key="body_meeting.id", index=True)
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstained: int | None = None


class PlanActionObservation(SQLModel, table=True):
    """An observation of a member of the cabina di regia allargata."""

    __tablename__ = "plan_action_observation"

    id: int = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="plan_action.id", index=True)
    text: str = Field(max_length=4000)
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ServerHeartbeat(SQLModel, table=True):
    """A server process saying it is alive; presence rows of silent ones are removed."""

    __tablename__ = "server_heartbeat"

    server_id: str = Field(primary_key=True, max_length=40)
    seen_at: datetime = Field(default_factory=utcnow, index=True)


# -- programming periods (services/periods.py) ------------------------------------


class LabProcess(SQLModel, table=True):
    """A lab taking part in a process."""

    __tablename__ = "lab_process"

    lab_id: int = Field(foreign_key="lab.id", primary_key=True)
    process_id: int = Field(foreign_key="process.id", primary_key=True, index=True)


class AnnualProgramme(SQLModel, table=True):
    """The programma attuativo of one year of a process: which schede run that
    year, with that year's budget and targets (`programme_entry`)."""

    __tablename__ = "annual_programme"
    __table_args__ = (UniqueConstraint("process_id", "year"),)

    id: int = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True)
    year: int
    title: str = Field(max_length=period_rules.TITLE_MAX)
    # in_preparazione, approvato (domain/periods.py)
    state: str = Field(default=period_rules.IN_PREPARAZIONE, max_length=20)
    approval_act: str | None = Field(default=None, max_length=scheda_rules.APPROVAL_ACT_MAX)
    # Who recorded the approval, and when (the act says who adopted it).
    approved_at: datetime | None = None
    approved_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ProgrammeEntry(SQLModel, table=True):
    """A scheda in a programma attuativo. One proposed «in continuità» by the
    rollover waits (`confirmed_at` empty) until a person confirms it with that
    year's budget and targets."""

    __tablename__ = "programme_entry"
    __table_args__ = (UniqueConstraint("programme_id", "action_id"),)

    id: int = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="annual_programme.id", index=True)
    action_id: int = Field(foreign_key="plan_action.id", index=True)
    # nuova, continuita (domain/periods.py)
    continuity: str = Field(default=period_rules.NUOVA, max_length=20)
    # The entry of the year before that it continues.
    previous_id: int | None = Field(default=None, foreign_key="programme_entry.id")
    # The year's budget in cents by source, and indicator targets by indicator.
    budget: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    targets: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    confirmed_at: datetime | None = None
    confirmed_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)


# -- the cabine di regia as bodies (services/cabine.py) -----------------------------


class Body(SQLModel, table=True):
    """A cabina di regia (ristretta, allargata): the body that decides the review
    steps of its role (`key`), with the quorum rule of its meetings."""

    key: str = Field(primary_key=True, max_length=20)
    title: str = Field(max_length=200)
    # domain/cabine.QUORUM_RULES; `quorum_number` only for a fixed number.
    quorum_rule: str = Field(default=cabine_rules.MAGGIORANZA, max_length=20)
    quorum_number: int | None = None


class BodyMember(SQLModel, table=True):
    """A member of a body: public as a name, a role and an organisation; the lab
    they represent, where so, and the staff account they sign in with, if any.
    A member who leaves stays (`active` false): past meetings name them."""

    __tablename__ = "body_member"

    id: int = Field(default=None, primary_key=True)
    body_key: str = Field(foreign_key="body.key", index=True, max_length=20)
    name: str = Field(max_length=cabine_rules.NAME_MAX)
    role: str = Field(max_length=cabine_rules.ROLE_MAX)
    organisation: str = Field(default="", max_length=cabine_rules.ORGANISATION_MAX)
    lab_id: int | None = Field(default=None, foreign_key="lab.id")
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    position: int = 0
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    created_at: datetime = Field(default_factory=utcnow)


class BodyMeeting(SQLModel, table=True):
    """A meeting of a body: day, place, agenda, attendance, the decisions taken
    there (`plan_action_transition.meeting_id`) and its minutes. Once the
    minutes are approved (`frozen_at`) the document is stored as made, with its
    SHA-256, and nothing of the meeting changes."""

    __tablename__ = "body_meeting"

    id: int = Field(default=None, primary_key=True)
    body_key: str = Field(foreign_key="body.key", index=True, max_length=20)
    process_id: int = Field(foreign_key="process.id", index=True)
    held_on: date
    place: str = Field(max_length=cabine_rules.PLACE_MAX)
    # The free part of the minutes (markdown): opening remarks, communications.
    remarks: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    frozen_at: datetime | None = None
    frozen_by: int | None = Field(default=None, foreign_key="staff_user.id")
    # The approved minutes: the PDF as made, its SHA-256, and its content (the
    # document's blocks) from which the other formats are made again.
    minutes_pdf: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    minutes_hash: str | None = Field(default=None, max_length=64)
    minutes_blocks: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The body as it was when the attendance was taken (its members in office and
    # quorum rule): the meeting's quorum is read from these, never from today's list.
    members_in_office: int | None = None
    quorum_rule: str | None = Field(default=None, max_length=20)
    quorum_number: int | None = None


class BodyMeetingItem(SQLModel, table=True):
    """A scheda on a meeting's agenda."""

    __tablename__ = "body_meeting_item"

    meeting_id: int = Field(foreign_key="body_meeting.id", primary_key=True)
    action_id: int = Field(foreign_key="plan_action.id", primary_key=True, index=True)
    position: int = 0


class BodyMeetingPresence(SQLModel, table=True):
    """A member present at a meeting."""

    __tablename__ = "body_meeting_presence"

    meeting_id: int = Field(foreign_key="body_meeting.id", primary_key=True)
    member_id: int = Field(foreign_key="body_member.id", primary_key=True, index=True)


# -- monitoring of approved schede (services/monitoring.py) ------------------------


class MonitoringReport(SQLModel, table=True):
    """How an approved scheda is doing in one year of its process: status,
    progress, indicator values and spending (domain/monitoring.py)."""

    __tablename__ = "monitoring_report"
    __table_args__ = (UniqueConstraint("action_id", "year"),)

    id: int = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="plan_action.id", index=True)
    year: int
    status: str = Field(default="da_avviare", max_length=20)
    progress: int = 0
    # indicator index (as text) → measured value (decimal text); source → cents spent
    indicator_values: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    spent: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="staff_user.id")
    # The body it was reported as (ufficio_piano, admin, referente): what is published.
    updated_body: str = Field(default="", max_length=20)


class MonitoringEntry(SQLModel, table=True):
    """A dated entry of a scheda's timeline in one year: what happened."""

    __tablename__ = "monitoring_entry"

    id: int = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="plan_action.id", index=True)
    year: int
    day: date
    text: str = Field(max_length=2000)
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    body: str = Field(default="", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class MonitoringReporter(SQLModel, table=True):
    """A staff account that may report on a scheda (its referente), besides the
    Ufficio di Piano."""

    __tablename__ = "monitoring_reporter"

    action_id: int = Field(foreign_key="plan_action.id", primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", primary_key=True, index=True)

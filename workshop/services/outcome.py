"""What every command handler shares: its result type and the lookups that
turn ids from a client into rows of *this* session (or a clear refusal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlmodel import Session, col

from workshop.domain import events as ev
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor
from workshop.services import views
from workshop.storage import eventlog
from workshop.storage.models import Cluster, LiveSession, Note, NoteRevision, Participant


@dataclass
class Outcome:
    events: list[ev.Event]
    # Participants whose own state (dots, own notes) changed besides the actor.
    affected: set[int] = field(default_factory=set)
    # Anything else the acknowledgement should carry (e.g. a new participant's id).
    result: dict = field(default_factory=dict)


# The command is Any to the type checker: the bus looks a handler up by the
# command's class (handlers.HANDLERS), so each handler takes the one class it
# is registered for, which a Callable type cannot say.
Handler = Callable[[Session, LiveSession, Actor, Any], Outcome]


def live_note(s: Session, live: LiveSession, note_id: int, *, hidden_ok: bool = False) -> Note:
    """A note of this session that is still on the board."""
    note = s.get(Note, note_id)
    if note is None or note.session_id != live.id or not views.on_board(note, hidden_ok=hidden_ok):
        raise Rejected("note_not_found")
    return note


def live_cluster(s: Session, live: LiveSession, cluster_id: int) -> Cluster:
    cluster = s.get(Cluster, cluster_id)
    if cluster is None or cluster.session_id != live.id or cluster.dissolved_at is not None:
        raise Rejected("cluster_not_found")
    return cluster


_LATEST_REVISION = select(func.max(NoteRevision.id)).where(col(NoteRevision.note_id) == bindparam("note_id"))


def public_note(
    s: Session, live: LiveSession, note: views.NoteLike, votes: int | None = None, revision: int | None = None
) -> dict:
    """The note as the whole room may see it now, for an event; its dots are
    counted unless the caller knows them (a new note has none). It carries the
    revision that holds its text, which the event log stores instead of the
    text (storage/eventlog.py); the caller that just wrote one passes it."""
    seen = views.visibility(live)
    if votes is None:
        votes = views.vote_total(s, note_id=note.id)
    view = views.note_view(note, s.get_one(Participant, note.author_id), live, seen, votes)
    return with_revision(s, view, note.id, revision)


def with_revision(s: Session, view: dict, note_id: int, revision: int | None = None) -> dict:
    if "text" in view:
        view[eventlog.REVISION_KEY] = (
            revision or s.execute(_LATEST_REVISION, {"note_id": note_id}).scalar_one()
        )
    return view


def results_event_data(s: Session, results: dict) -> dict:
    """Results for an event: a loose note's item names the revision of its title
    (the note's text), which the event log stores instead of the text."""
    for item in results["items"]:
        if item["type"] == "note":
            item[eventlog.REVISION_KEY] = s.execute(_LATEST_REVISION, {"note_id": item["id"]}).scalar_one()
    return results


def note_event(s: Session, live: LiveSession, type_: str, note: Note, **extra) -> ev.Event:
    return ev.Event(type_, {"note": public_note(s, live, note), **extra})


def cluster_event(s: Session, live: LiveSession, type_: str, cluster: Cluster, **extra) -> ev.Event:
    seen = views.visibility(live)
    return ev.Event(
        type_,
        {"cluster": views.cluster_view(cluster, seen, views.vote_total(s, cluster_id=cluster.id)), **extra},
    )

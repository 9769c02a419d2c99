"""Command handlers: load facts, ask the domain, update the read tables.

Each handler runs inside the command's transaction with the session locked,
and returns the events that describe what it changed. It never commits and
never publishes: the bus does both, in that order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, delete, select

from workshop import markup
from workshop.domain import commands as c
from workshop.domain import events as ev
from workshop.domain import rules
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor
from workshop.services import views
from workshop.storage.models import LiveSession, Note, Participant, Vote, utcnow


@dataclass
class Outcome:
    events: list[ev.Event]
    # Participants whose own state (dots left) changed besides the actor.
    affected: set[int] = field(default_factory=set)


Handler = Callable[[Session, LiveSession, Actor, c.SessionCommand], Outcome]


def _live_note(s: Session, live: LiveSession, note_id: int) -> Note:
    note = s.get(Note, note_id)
    if note is None or note.session_id != live.id or note.deleted_at is not None:
        raise Rejected("note_not_found")
    return note


def _note_event(s: Session, type_: str, note: Note) -> ev.Event:
    author = s.get(Participant, note.author_id)
    return ev.Event(type_, {"note": views.note_view(note, author, views.vote_total(s, note.id))})


def create_note(s: Session, live: LiveSession, actor: Actor, cmd: c.CreateNote) -> Outcome:
    kind = rules.note_kind(cmd.kind, views.note_kinds(live))
    text = rules.note_text(cmd.text)
    note = Note(session_id=live.id, author_id=actor.participant_id, kind=kind, text=text,
                html=markup.render(text))
    s.add(note)
    s.flush()
    return Outcome([_note_event(s, ev.NOTE_CREATED, note)])


def edit_note(s: Session, live: LiveSession, actor: Actor, cmd: c.EditNote) -> Outcome:
    note = _live_note(s, live, cmd.note_id)
    rules.check_author(note.author_id, actor.participant_id)
    note.text = rules.note_text(cmd.text)
    note.html = markup.render(note.text)
    if cmd.kind is not None:
        note.kind = rules.note_kind(cmd.kind, views.note_kinds(live))
    note.updated_at = utcnow()
    s.add(note)
    s.flush()
    return Outcome([_note_event(s, ev.NOTE_EDITED, note)])


def delete_note(s: Session, live: LiveSession, actor: Actor, cmd: c.DeleteNote) -> Outcome:
    note = _live_note(s, live, cmd.note_id)
    rules.check_author(note.author_id, actor.participant_id)
    # Dots on a deleted note go back to whoever placed them.
    refunded = set(s.exec(select(Vote.participant_id).where(Vote.note_id == note.id)).all())
    s.exec(delete(Vote).where(Vote.note_id == note.id))
    note.deleted_at = utcnow()
    s.add(note)
    return Outcome([ev.Event(ev.NOTE_DELETED, {"note_id": note.id})], affected=refunded)


def _dots_used(s: Session, live: LiveSession, participant_id: int, note_id: int) -> tuple[int, int]:
    mine = views.my_votes(s, live.id, participant_id)
    return sum(mine.values()), mine.get(note_id, 0)


def place_vote(s: Session, live: LiveSession, actor: Actor, cmd: c.PlaceVote) -> Outcome:
    note = _live_note(s, live, cmd.note_id)
    used_total, used_here = _dots_used(s, live, actor.participant_id, note.id)
    views.voting_rules(live).check_place(used_total, used_here)
    s.add(Vote(session_id=live.id, note_id=note.id, participant_id=actor.participant_id,
               category_key=actor.category))
    s.flush()
    return Outcome([ev.Event(ev.VOTE_PLACED,
                             {"note_id": note.id, "total": views.vote_total(s, note.id)})])


def withdraw_vote(s: Session, live: LiveSession, actor: Actor, cmd: c.WithdrawVote) -> Outcome:
    note = _live_note(s, live, cmd.note_id)
    _, used_here = _dots_used(s, live, actor.participant_id, note.id)
    rules.check_withdraw(used_here)
    latest = s.exec(
        select(func.max(Vote.id)).where(Vote.note_id == note.id,
                                        Vote.participant_id == actor.participant_id)
    ).one()
    s.exec(delete(Vote).where(Vote.id == latest))
    s.flush()
    return Outcome([ev.Event(ev.VOTE_WITHDRAWN,
                             {"note_id": note.id, "total": views.vote_total(s, note.id)})])


HANDLERS: dict[type[c.SessionCommand], Handler] = {
    c.CreateNote: create_note,
    c.EditNote: edit_note,
    c.DeleteNote: delete_note,
    c.PlaceVote: place_vote,
    c.WithdrawVote: withdraw_vote,
}

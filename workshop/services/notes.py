"""Notes: participants write, edit and delete their own; staff correct typos.

Every text a note has had is kept in `note_revision`.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session, col, delete, select

from workshop import markup
from workshop.domain import commands as c
from workshop.domain import events as ev
from workshop.domain import publication, rules
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor
from workshop.services import views
from workshop.services.outcome import Handler, Outcome, live_note, public_note
from workshop.services.views import NoteLike
from workshop.storage.models import LiveSession, Note, NoteRevision, Vote, table_of, utcnow

# Every note.create runs these (note.edit the second): built once (see storage/eventlog.py).
_ADD_NOTE = insert(table_of(Note)).returning(*table_of(Note).c)
_KEEP_REVISION = insert(table_of(NoteRevision)).returning(table_of(NoteRevision).c.id)


def _keep_revision(s: Session, note: NoteLike, actor: Actor) -> int:
    """Keep the note's text as a new revision; its id is what events store."""
    return s.execute(
        _KEEP_REVISION,
        {
            "note_id": note.id,
            "kind": note.kind,
            "text": note.text,
            "html": note.html,
            "edited_by_participant_id": None if actor.is_staff else actor.participant_id,
            "edited_by_staff_id": actor.staff_id if actor.is_staff else None,
            "created_at": utcnow(),
        },
    ).scalar_one()


def create_note(s: Session, live: LiveSession, actor: Actor, cmd: c.CreateNote) -> Outcome:
    kind = rules.note_kind(cmd.kind, views.note_kinds(live))
    text = rules.note_text(cmd.text)
    now = utcnow()
    # The stored row as it came back (a plain row: nothing in it changes later in
    # this transaction, so the ORM's bookkeeping would be pure cost).
    note = s.execute(
        _ADD_NOTE,
        {
            "session_id": live.id,
            "author_id": actor.participant_id,
            "kind": kind,
            "text": text,
            "html": markup.render(text),
            "private": live.private_writing and not live.notes_revealed,
            "created_at": now,
            "updated_at": now,
        },
    ).one()
    revision = _keep_revision(s, note, actor)
    return Outcome(
        [ev.Event(ev.NOTE_CREATED, {"note": public_note(s, live, note, votes=0, revision=revision)})]
    )


def edit_note(s: Session, live: LiveSession, actor: Actor, cmd: c.EditNote) -> Outcome:
    note = live_note(s, live, cmd.note_id, hidden_ok=True)
    if actor.is_staff:
        if views.is_secret(note, live):  # staff cannot read it, so cannot correct it
            raise Rejected("note_not_found")
    else:
        rules.check_author(note.author_id, actor.participant_id)
        if note.hidden_at is not None:
            raise Rejected("note_hidden")
    text, kind = rules.note_text(cmd.text), note.kind
    if cmd.kind is not None:
        kind = rules.note_kind(cmd.kind, views.note_kinds(live))
    if (text, kind) != (note.text, note.kind):
        # What a reviewer decided was about the text as it was: decided again.
        note.publication, note.public_text = publication.DA_RIVEDERE, None
    note.text, note.kind = text, kind
    note.html = markup.render(note.text)
    note.updated_at = utcnow()
    s.add(note)
    s.flush()
    revision = _keep_revision(s, note, actor)
    if note.hidden_at is not None:  # a correction of a hidden note: the room never sees it
        return Outcome([], affected={note.author_id})
    return Outcome(
        [ev.Event(ev.NOTE_EDITED, {"note": public_note(s, live, note, revision=revision)})],
        affected={note.author_id},
    )


def delete_note(s: Session, live: LiveSession, actor: Actor, cmd: c.DeleteNote) -> Outcome:
    note = live_note(s, live, cmd.note_id, hidden_ok=True)
    rules.check_author(note.author_id, actor.participant_id)
    # Dots on a deleted note go back to whoever placed them.
    refunded = set(s.exec(select(Vote.participant_id).where(col(Vote.note_id) == note.id)).all())
    s.exec(delete(Vote).where(col(Vote.note_id) == note.id))
    note.deleted_at = utcnow()
    s.add(note)
    return Outcome([ev.Event(ev.NOTE_DELETED, {"note_id": note.id})], affected=refunded)


HANDLERS: dict[type[c.SessionCommand], Handler] = {
    c.CreateNote: create_note,
    c.EditNote: edit_note,
    c.DeleteNote: delete_note,
}

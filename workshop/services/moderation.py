"""Moderation: hide a note with a reason, restore it, merge duplicates."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, delete, select

from workshop.domain import commands as c
from workshop.domain import events as ev
from workshop.domain import merging, phases, rules
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor
from workshop.services.outcome import Handler, Outcome, live_note, note_event
from workshop.storage.models import LiveSession, Vote, utcnow


def hide_note(s: Session, live: LiveSession, actor: Actor, cmd: c.HideNote) -> Outcome:
    note = live_note(s, live, cmd.note_id)
    note.hidden_reason = rules.reason(cmd.reason)
    note.hidden_at = utcnow()
    # Dots on a note nobody can see any more go back to whoever placed them.
    refunded = set(s.exec(select(Vote.participant_id).where(col(Vote.note_id) == note.id)).all())
    s.exec(delete(Vote).where(col(Vote.note_id) == note.id))
    s.add(note)
    # The room learns only that it is gone; the author sees why (in their own state).
    return Outcome([ev.Event(ev.NOTE_HIDDEN, {"note_id": note.id})], affected=refunded | {note.author_id})


def restore_note(s: Session, live: LiveSession, actor: Actor, cmd: c.RestoreNote) -> Outcome:
    note = live_note(s, live, cmd.note_id, hidden_ok=True)
    if note.hidden_at is None:
        raise Rejected("note_not_found")
    note.hidden_at = None
    note.hidden_reason = None
    s.add(note)
    s.flush()
    return Outcome([note_event(s, live, ev.NOTE_RESTORED, note)], affected={note.author_id})


def merge_notes(s: Session, live: LiveSession, actor: Actor, cmd: c.MergeNotes) -> Outcome:
    sources = merging.check_merge(cmd.into_note_id, cmd.note_ids)
    into = live_note(s, live, cmd.into_note_id)
    notes = [live_note(s, live, n) for n in sources]
    if live.phase == phases.VOTAZIONE and any(n.cluster_id for n in (into, *notes)):
        # While voting, dots on a note are dots on a loose note: keep it that way.
        raise Rejected("merge_invalid")
    group = [into.id, *sources]
    dots: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    votes = s.exec(select(Vote).where(col(Vote.note_id).in_(group))).all()
    for vote in votes:
        assert vote.note_id is not None  # selected by note
        dots[vote.participant_id][vote.note_id] += 1
    kept, refunded = merging.carry_votes(dots, into.id, sources)
    # Rewrite the group's dots: each person keeps max-over-copies on the merged note.
    category = {v.participant_id: v.category_key for v in votes}
    s.exec(delete(Vote).where(col(Vote.note_id).in_(group)))
    for participant_id, n in kept.items():
        for _ in range(n):
            s.add(
                Vote(
                    session_id=live.id,
                    note_id=into.id,
                    participant_id=participant_id,
                    category_key=category[participant_id],
                )
            )
    for note in notes:
        note.merged_into_id = into.id
        s.add(note)
    into.updated_at = utcnow()
    s.add(into)
    s.flush()
    return Outcome(
        [note_event(s, live, ev.NOTE_MERGED, into, merged=sources)],
        affected=set(refunded) | {n.author_id for n in notes},
    )


HANDLERS: dict[type[c.SessionCommand], Handler] = {
    c.HideNote: hide_note,
    c.RestoreNote: restore_note,
    c.MergeNotes: merge_notes,
}

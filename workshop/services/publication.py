"""Reviewing notes for publication: the queue of a session, and each decision with its history.

The rule is in domain/publication.py; personal data is pointed at by
domain/personal_data.py. A decision changes the note's `publication` (and
`public_text`, an edited version without personal data) and is kept as a
`note_review` row: who decided what, when, with which text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from workshop.domain import personal_data
from workshop.domain import publication as pub
from workshop.domain.errors import Rejected
from workshop.domain.permissions import may_review_notes
from workshop.services.schede import Editor
from workshop.services.views import ON_BOARD
from workshop.storage.database import Database
from workshop.storage.models import (
    Cluster,
    Lab,
    LiveSession,
    Note,
    NoteReview,
    SessionFacilitator,
    StaffUser,
    utcnow,
)


@dataclass(frozen=True)
class Marked:
    """A piece of a note's text, flagged or not, for showing it highlighted."""

    text: str
    flag: str | None = None  # the kind of personal data


def marked(text: str, flags: list[personal_data.Flag]) -> list[Marked]:
    out, at = [], 0
    for f in flags:
        if f.end <= f.start:
            continue
        if f.start > at:
            out.append(Marked(text[at:f.start]))
        out.append(Marked(text[f.start:f.end], f.kind))
        at = f.end
    if at < len(text):
        out.append(Marked(text[at:]))
    return out


def _check(s: Session, editor: Editor, live: LiveSession) -> None:
    assigned = set(s.exec(select(SessionFacilitator.user_id)
                          .where(SessionFacilitator.session_id == live.id)))
    may_review_notes(editor.role, editor.user_id, live.owner_id, assigned)


def queue(db: Database, editor: Editor, session_id: int) -> dict:
    """A session's notes as its reviewer sees them: text, flags, decision, history."""
    with db.reader() as s:
        live = s.get(LiveSession, session_id)
        if live is None:
            raise Rejected("not_joined")
        _check(s, editor, live)
        lab = s.get(Lab, live.lab_id)
        notes = s.exec(select(Note).where(Note.session_id == live.id, ON_BOARD,
                                          Note.hidden_at.is_(None), Note.erased_at.is_(None))
                       .order_by(Note.id)).all()
        clusters = {c.id: c.title for c in s.exec(select(Cluster).where(Cluster.session_id == live.id))}
        history: dict[int, list[dict]] = {}
        names = {u.id: u.display_name for u in s.exec(select(StaffUser))}
        for r in s.exec(select(NoteReview).where(NoteReview.note_id.in_([n.id for n in notes]))
                        .order_by(NoteReview.id)):
            history.setdefault(r.note_id, []).append({
                "publication": r.publication, "public_text": r.public_text, "at": r.created_at,
                "by": names.get(r.user_id)})
    items = []
    for n in notes:
        flags = personal_data.find(n.text, n.kind)
        items.append({"id": n.id, "kind": n.kind, "text": n.text, "cluster": clusters.get(n.cluster_id),
                      "publication": n.publication, "public_text": n.public_text,
                      "flags": [f.kind for f in flags], "marked": marked(n.text, flags),
                      "history": history.get(n.id, [])})
    counts = {state: sum(1 for i in items if i["publication"] == state) for state in pub.STATES}
    return {"session": live, "lab": lab, "notes": items, "counts": counts,
            "flagged": sum(1 for i in items if i["flags"])}


def decide(db: Database, editor: Editor, session_id: int, note_ids: list[int], publication: str,
           public_text: str | None = None) -> int:
    """One decision for one or several notes of a session; returns how many changed.

    An edited text applies to one note only."""
    text = pub.check_decision(publication, public_text)
    if text is not None and len(note_ids) != 1:
        raise Rejected("public_text_invalid", max=pub.TEXT_MAX)
    with db.transaction() as s:
        live = s.get(LiveSession, session_id)
        if live is None:
            raise Rejected("not_joined")
        _check(s, editor, live)
        notes = s.exec(select(Note).where(Note.id.in_(note_ids), Note.session_id == live.id, ON_BOARD,
                                          Note.hidden_at.is_(None), Note.erased_at.is_(None))).all()
        if len(notes) != len(set(note_ids)):
            raise Rejected("note_not_found")
        changed = 0
        for note in notes:
            if text == note.text:
                text = None  # «edited» to what was written: published as written
            if (note.publication, note.public_text) == (publication, text):
                continue
            note.publication, note.public_text = publication, text
            s.add(note)
            s.add(NoteReview(note_id=note.id, publication=publication, public_text=text,
                             user_id=editor.user_id, created_at=utcnow()))
            changed += 1
        return changed


def pending_by_session(db: Database, session_ids: list[int]) -> dict[int, int]:
    """How many notes of each session still wait for a decision."""
    from sqlalchemy import func

    if not session_ids:
        return {}
    with db.reader() as s:
        return dict(s.exec(select(Note.session_id, func.count()).where(
            Note.session_id.in_(session_ids), ON_BOARD, Note.hidden_at.is_(None),
            Note.erased_at.is_(None), Note.publication == pub.DA_RIVEDERE)
            .group_by(Note.session_id)).all())

"""Reviewing notes for publication: the queue of a session, and each decision with its history.

The rule is in domain/publication.py; personal data is pointed at by
domain/personal_data.py. A decision changes the note's `publication` (and
`public_text`, an edited version without personal data) and is kept as a
`note_review` row: who decided what, when, with which text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from workshop.domain import personal_data
from workshop.domain import publication as pub
from workshop.domain.errors import Rejected
from workshop.domain.permissions import FACILITATOR, may_review_notes
from workshop.services.sessions import sessions_of
from workshop.services.views import VISIBLE, is_secret
from workshop.storage import eventlog
from workshop.storage.database import Database, without_yielding
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

if TYPE_CHECKING:
    from collections.abc import Callable

    from workshop.services.schede import PlanActor


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
            out.append(Marked(text[at : f.start]))
        out.append(Marked(text[f.start : f.end], f.kind))
        at = f.end
    if at < len(text):
        out.append(Marked(text[at:]))
    return out


def reviewable_sessions(db: Database, editor: PlanActor) -> list[tuple[LiveSession, Lab]]:
    """Sessions this reviewer may review: every one for the Ufficio di Piano and
    admins, their own (or assigned) for a facilitator. Closed ones first."""
    rows = sessions_of(db, editor.user_id if editor.role == FACILITATOR else None)
    return sorted(rows, key=lambda r: (r[0].closed_at is None, -r[0].id))


def _check(s: Session, editor: PlanActor, live: LiveSession) -> None:
    assigned = set(s.exec(select(SessionFacilitator.user_id).where(SessionFacilitator.session_id == live.id)))
    may_review_notes(editor.role, editor.user_id, live.owner_id, assigned)


def queue(db: Database, editor: PlanActor, session_id: int) -> dict:
    """A session's notes as its reviewer sees them: text, flags, decision, history."""
    with db.reader() as s:
        live = s.get(LiveSession, session_id)
        if live is None:
            raise Rejected("not_joined")
        _check(s, editor, live)
        lab = s.get(Lab, live.lab_id)
        notes = [
            n
            for n in s.exec(
                select(Note)
                .where(Note.session_id == live.id, VISIBLE, col(Note.erased_at).is_(None))
                .order_by(col(Note.id))
            )
            if not is_secret(n, live)
        ]  # written privately: nobody but its author reads it yet
        # Keys int | None: a loose note's cluster_id (None) finds nothing.
        clusters: dict[int | None, str] = {
            c.id: c.title for c in s.exec(select(Cluster).where(Cluster.session_id == live.id))
        }
        history: dict[int, list[dict]] = {}
        names: dict[int | None, str] = {u.id: u.display_name for u in s.exec(select(StaffUser))}
        for r in s.exec(
            select(NoteReview)
            .where(col(NoteReview.note_id).in_([n.id for n in notes]))
            .order_by(col(NoteReview.id))
        ):
            history.setdefault(r.note_id, []).append(
                {
                    "publication": r.publication,
                    "public_text": r.public_text,
                    "at": r.created_at,
                    "by": names.get(r.user_id),
                }
            )
    items = []
    for n in notes:
        flags = personal_data.find(n.text, n.kind)
        items.append(
            {
                "id": n.id,
                "kind": n.kind,
                "text": n.text,
                "cluster": clusters.get(n.cluster_id),
                "publication": n.publication,
                "public_text": n.public_text,
                "flags": [f.kind for f in flags],
                "marked": marked(n.text, flags),
                "history": history.get(n.id, []),
            }
        )
    counts = {state: sum(1 for i in items if i["publication"] == state) for state in pub.STATES}
    return {
        "session": live,
        "lab": lab,
        "notes": items,
        "counts": counts,
        "flagged": sum(1 for i in items if i["flags"]),
    }


def decide(
    db: Database,
    editor: PlanActor,
    session_id: int,
    note_ids: list[int],
    publication: str,
    public_text: str | None = None,
) -> int:
    """One decision for one or several notes of a session; returns how many changed.

    An edited text applies to one note only."""
    text = pub.check_decision(publication, public_text)
    if text is not None and len(note_ids) != 1:
        raise Rejected("public_text_invalid", max=pub.TEXT_MAX)
    with without_yielding(), db.transaction() as s:
        # The session's lock, as a command takes it: an erasure or an edit of these
        # notes waits, and none of them changes under the decision.
        try:
            live = eventlog.lock_session(s, session_id)
        except Rejected:
            raise Rejected("not_joined") from None
        _check(s, editor, live)
        notes = [
            n
            for n in s.exec(
                select(Note).where(
                    col(Note.id).in_(note_ids),
                    Note.session_id == live.id,
                    VISIBLE,
                    col(Note.erased_at).is_(None),
                )
            )
            if not is_secret(n, live)
        ]
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
            s.add(
                NoteReview(
                    note_id=note.id,
                    publication=publication,
                    public_text=text,
                    user_id=editor.user_id,
                    created_at=utcnow(),
                )
            )
            changed += 1
        return changed


def pending_by_session(db: Database, session_ids: list[int]) -> dict[int, int]:
    """How many notes of each session still wait for a decision."""
    from sqlalchemy import func

    if not session_ids:
        return {}
    with db.reader() as s:
        return dict(
            s.exec(
                select(Note.session_id, func.count())
                .where(
                    col(Note.session_id).in_(session_ids),
                    VISIBLE,
                    col(Note.erased_at).is_(None),
                    Note.publication == pub.DA_RIVEDERE,
                )
                .group_by(col(Note.session_id))
            ).all()
        )


# -- what a scheda may show of the notes it was drafted from -------------------------

NOT_REVIEWED = "[contributo non ancora rivisto per la pubblicazione]"


def drafted_notes(content: dict) -> set[int]:
    """The notes a scheda was drafted from (its traceability block)."""
    clusters = (content or {}).get("tracciabilita", {}).get("clusters", [])
    return {n for c in clusters for n in [*c.get("note_ids", []), *c.get("notes_withheld", [])]}


def _drafted_line(text: str) -> re.Pattern:
    """A note's text as drafting wrote it in a Markdown field: one list item."""
    quoted = re.escape(text.strip().replace("\n", "\n  "))
    return re.compile(rf"^(- |\d+\. ){quoted}$", re.M)


def _list_item(new: str) -> Callable[[re.Match[str]], str]:
    """The replacement of a drafted list item: its marker, then the new text."""
    indented = new.replace("\n", "\n  ")
    return lambda m: m.group(1) + indented


def replaced(content: dict, texts: dict[str, str]) -> dict | None:
    """The content with each drafted text (a list item of a Markdown field, or a
    table row's text equal to it) replaced; None when nothing changed."""
    texts = {old.strip(): new for old, new in texts.items() if old.strip()}
    patterns = [(_drafted_line(old), _list_item(new)) for old, new in texts.items()]

    def walk(value):
        if isinstance(value, str):
            if value.strip() in texts:
                return texts[value.strip()]
            for rx, item in patterns:
                value = rx.sub(item, value)
            return value
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: v if k == "tracciabilita" else walk(v) for k, v in value.items()}
        return value

    out = walk(content)
    return out if out != content else None


def public_content(s: Session, content: dict, category_labels: dict[str, str]) -> dict:
    """What a public scheda shows: drafted notes only as reviewed. A scheda drafted
    before notes were reviewed (or from a note edited since) would otherwise
    publish their text as written; drafts of that time also listed the voters'
    categories as attori. Staff see the scheda as it is."""
    ids = drafted_notes(content)
    if not ids:
        return content
    texts = {}
    for n in s.exec(select(Note).where(col(Note.id).in_(ids))):
        shown = pub.published_text(n.publication, n.text, n.public_text)
        if n.text and shown != n.text:
            texts[n.text] = shown or NOT_REVIEWED
    out = replaced(content, texts) or dict(content)
    if isinstance(out.get("attori"), str):
        drafted = {f"- {label}" for label in category_labels.values()}
        out["attori"] = "\n".join(line for line in out["attori"].split("\n") if line.strip() not in drafted)
    return out

"""Similar notes while writing, and suggested groups for the facilitator.

Both are reads: they run in a reader transaction (never under the session's
lock, never on the command path) and change nothing. Applying a suggestion is
the facilitator's ordinary commands (cluster.create, note.move, note.merge),
so it is logged, acknowledged and replayed like any change.

Which notes they may name is the room's rule (views.VISIBLE, views.is_secret):
a hidden note, or one written privately and not yet revealed, is never
compared, so nothing about it can leak through a suggestion (not even that it
exists), to participants or to staff.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlmodel import Session

from workshop.domain import commands as c
from workshop.domain import phases, rules, similarity
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor, authorize
from workshop.services import views
from workshop.storage.database import Database
from workshop.storage.models import LiveSession, Note, Participant

_notes = Note.__table__
# Every check reads the whole board's texts: one prebuilt statement, plain rows.
_BOARD = (select(_notes.c.id, _notes.c.text, _notes.c.private, _notes.c.cluster_id)
          .where(_notes.c.session_id == bindparam("session_id"), views.VISIBLE)
          .order_by(_notes.c.id))


def comparable(s: Session, live: LiveSession) -> list:
    """The notes anyone in the room may read: (id, text, private, cluster_id) rows."""
    rows = s.execute(_BOARD, {"session_id": live.id}).all()
    return [r for r in rows if not (r.private and not live.notes_revealed)]


def similar_notes(db: Database, actor: Actor | None, command: c.FindSimilar) -> dict:
    """Up to three notes close to a draft, as the room sees them, best first."""
    actor = authorize(actor, command)
    draft = command.text.strip()
    if len(draft) > rules.NOTE_MAX_CHARS:
        raise Rejected("note_too_long", limit=rules.NOTE_MAX_CHARS)
    with db.reader() as s:
        live = s.get(LiveSession, actor.session_id)
        texts = {r.id: r.text for r in comparable(s, live)}
        found = similarity.similar(draft, texts, exclude=command.note_id) if draft else []
        seen = views.visibility(live)
        out = []
        for note_id, score in found:
            note = s.get(Note, note_id)
            votes = views.vote_total(s, note_id=note_id) if seen.totals else 0
            out.append({"note": views.note_view(note, s.get(Participant, note.author_id), live, seen, votes),
                        "similarity": score})
    return {"ok": True, "notes": out}


def suggest_groups(db: Database, actor: Actor | None, command: c.SuggestGroups) -> dict:
    """Groups for the loose notes (new ones with a title, or an existing group
    each fits) and possible duplicates, in the phases where grouping is allowed."""
    actor = authorize(actor, command)
    with db.reader() as s:
        live = s.get(LiveSession, actor.session_id)
        phases.check(live.phase, phases.STAFF_PHASES[c.CreateCluster])
        rows = comparable(s, live)
        titles = {cl.id: cl.title for cl in views.live_clusters(s, live.id)}
    suggestion = similarity.suggest({r.id: r.text for r in rows}, {r.id: r.cluster_id for r in rows}, titles)
    return {
        "ok": True,
        "groups": [{"cluster_id": g.cluster_id, "title": g.title, "note_ids": list(g.note_ids),
                    "similarity": g.score} for g in suggestion.groups],
        "duplicates": [{"into_note_id": d.into_id, "note_ids": list(d.note_ids), "similarity": d.score}
                       for d in suggestion.duplicates],
    }

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

import threading
from collections import OrderedDict

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from workshop.domain import commands as c
from workshop.domain import phases, rules, similarity
from workshop.domain.permissions import Actor, authorize
from workshop.services import views
from workshop.services.ratelimit import RateLimits
from workshop.storage.database import Database
from workshop.storage.models import LiveSession, Note, Participant, table_of

_notes = table_of(Note)
# Every check reads the whole board's texts: one prebuilt statement, plain rows.
_BOARD = (
    core_select(_notes.c.id, _notes.c.text, _notes.c.private, _notes.c.cluster_id)
    .where(_notes.c.session_id == bindparam("session_id"), views.VISIBLE)
    .order_by(_notes.c.id)
)


def comparable(s: Session, live: LiveSession) -> list:
    """The notes anyone in the room may read: (id, text, private, cluster_id) rows."""
    rows = s.execute(_BOARD, {"session_id": live.id}).all()
    return [r for r in rows if not (r.private and not live.notes_revealed)]


# The board's index per session, as of its last event: a person typing asks
# again and again while the board rarely changes, so the texts are read and
# weighed once per change. Whatever changes what the room may read (a note,
# an edit, a hiding, a reveal, an erasure) is an event, so `last_seq` moves;
# the join code tells apart sessions of databases that reuse ids (tests).
_INDEXES: OrderedDict[tuple, similarity.Index] = OrderedDict()
_INDEXES_KEPT = 32
_INDEXES_LOCK = threading.Lock()  # never held across I/O: only the dictionary's bookkeeping


def board_index(s: Session, live: LiveSession) -> similarity.Index:
    key = (live.id, live.join_code, live.last_seq)
    with _INDEXES_LOCK:
        index = _INDEXES.get(key)
    if index is None:
        index = similarity.Index({r.id: r.text for r in comparable(s, live)})
    with _INDEXES_LOCK:
        _INDEXES[key] = index
        for old in [k for k in _INDEXES if k[:2] == key[:2] and k != key]:
            del _INDEXES[old]
        _INDEXES.move_to_end(key)
        while len(_INDEXES) > _INDEXES_KEPT:
            _INDEXES.popitem(last=False)
    return index


def similar_notes(
    db: Database, actor: Actor | None, command: c.FindSimilar, limiter: RateLimits | None = None
) -> dict:
    """Up to three notes close to a draft, as the room sees them, best first.
    A participant's checks count against their "reads" budget (`limiter`)."""
    actor = authorize(actor, command)
    if limiter is not None and not actor.is_staff:
        limiter.spend("reads", actor.scope)
    draft = rules.clean_note_text(command.text)  # as note.create would store it
    rules.check_note_length(draft)
    with db.reader() as s:
        views.still_there(s, actor.participant_id)
        live = s.get_one(LiveSession, actor.session_id)  # the actor joined it; sessions stay
        found = board_index(s, live).similar(draft, exclude=command.note_id) if draft else []
        seen = views.visibility(live)
        rows = (
            s.exec(
                select(Note, Participant)
                .join(Participant, col(Participant.id) == Note.author_id)
                .where(col(Note.id).in_([i for i, _ in found]))
            ).all()
            if found
            else []
        )
        shown = {n.id: (n, p) for n, p in rows}
        out = []
        for note_id, score in found:
            note, author = shown[note_id]
            votes = views.vote_total(s, note_id=note_id) if seen.totals else 0
            out.append({"note": views.note_view(note, author, live, seen, votes), "similarity": score})
    return {"ok": True, "notes": out}


def suggest_groups(db: Database, actor: Actor | None, command: c.SuggestGroups) -> dict:
    """Groups for the loose notes (new ones with a title, or an existing group
    each fits) and possible duplicates, in the phases where grouping is allowed."""
    actor = authorize(actor, command)
    with db.reader() as s:
        live = s.get_one(LiveSession, actor.session_id)  # the actor joined it; sessions stay
        phases.check(live.phase, phases.STAFF_PHASES[c.CreateCluster])
        rows = comparable(s, live)
        titles = {cl.id: cl.title for cl in views.live_clusters(s, live.id)}
    suggestion = similarity.suggest({r.id: r.text for r in rows}, {r.id: r.cluster_id for r in rows}, titles)
    return {
        "ok": True,
        "groups": [
            {
                "cluster_id": g.cluster_id,
                "title": g.title,
                "note_ids": list(g.note_ids),
                "similarity": g.score,
            }
            for g in suggestion.groups
        ],
        "duplicates": [
            {"into_note_id": d.into_id, "note_ids": list(d.note_ids), "similarity": d.score}
            for d in suggestion.duplicates
        ],
    }

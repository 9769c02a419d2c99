"""Read models: the shapes clients see, built from the read tables.

Who sees what is decided here, in one place, by a `Visibility`:
- the room (participants, the projector) sees notes without the hidden,
  merged or deleted ones; private notes as a blank card until revealed;
  authors' pseudonyms only if the session shows them; vote totals only once
  revealed (domain/results.py);
- staff see hidden notes with their reason and the totals at all times, but
  not the text of private notes before the reveal (only their authors do);
- `personal_state` is one participant's own view: their dots and their notes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, and_, bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from workshop.domain import joincode, phases, results
from workshop.domain.errors import Rejected
from workshop.domain.rules import NOTE_MAX_CHARS, VotingRules
from workshop.domain.timer import Timer
from workshop.storage.models import (
    Cluster,
    Lab,
    LiveSession,
    Note,
    Participant,
    Presence,
    Vote,
    iso,
    table_of,
    utcnow,
)

# A note as the ORM loads it, or as a plain row of its table, which the Core
# statements return where the ORM's bookkeeping would cost more than the query.
NoteLike = Note | Row

# A note is on the board unless deleted (or erased) or merged into another; the
# room also does not see hidden ones. The rule is here only: these expressions
# for every query (over the ORM class or the plain table), `on_board` for a
# note already loaded.
_notes = table_of(Note)  # its columns serve ORM queries and the Core statements below alike
ON_BOARD = and_(_notes.c.deleted_at.is_(None), _notes.c.merged_into_id.is_(None))
VISIBLE = and_(ON_BOARD, _notes.c.hidden_at.is_(None))


def on_board(note: Note, *, hidden_ok: bool = False) -> bool:
    return note.deleted_at is None and note.merged_into_id is None and (hidden_ok or note.hidden_at is None)


@dataclass(frozen=True)
class Visibility:
    totals: bool
    authors: bool
    staff: bool


def visibility(live: LiveSession, staff: bool = False) -> Visibility:
    return Visibility(
        totals=staff or results.totals_public(live.phase, live.results_revealed),
        authors=staff or live.show_pseudonyms,
        staff=staff,
    )


def voting_rules(live: LiveSession) -> VotingRules:
    return VotingRules(budget=live.dots_per_participant, cap=live.cap_per_item)


def note_kinds(live: LiveSession) -> tuple[str, ...]:
    return tuple(k for k in live.note_kinds.split(",") if k)


def timer_of(live: LiveSession) -> Timer:
    return Timer(live.timer_duration_s, live.timer_remaining_s, live.timer_started_at)


def still_there(s: Session, participant_id: int | None) -> Participant | None:
    """The participant a socket is bound to, for a read it asks; None for staff.
    Once they erased their data nobody is left to read as: `invalid_token`, as
    for a command (bus.execute), so a socket kept open after the erasure learns
    nothing more (protocol §12.1)."""
    if participant_id is None:
        return None
    participant = s.get(Participant, participant_id)
    if participant is None or participant.erased_at is not None:
        raise Rejected("invalid_token")
    return participant


def author_view(p: Participant, show: bool = True) -> dict:
    if not show or p.erased_at is not None:
        return {"id": None, "pseudonym": None, "category": p.category_key, "offline": p.offline}
    return {"id": p.public_id, "pseudonym": p.pseudonym, "category": p.category_key, "offline": p.offline}


CARRIED_AUTHOR = {"id": None, "pseudonym": None, "category": None, "offline": False}


def is_secret(note: NoteLike, live: LiveSession) -> bool:
    """Written privately and not revealed yet: only its author may read it."""
    return note.private and not live.notes_revealed


def note_view(
    note: NoteLike,
    author: Participant,
    live: LiveSession,
    seen: Visibility,
    votes: int | None = 0,
    *,
    own: bool = False,
) -> dict:
    """A note as `seen` allows; `own` = for its author (everything, reason included)."""
    if is_secret(note, live) and not own:
        return {"id": note.id, "kind": note.kind, "private": True, "cluster_id": note.cluster_id}
    # A note carried from an earlier meeting: the room of this one is told the
    # day it was written, not who wrote it (their pseudonym and category were
    # that meeting's, and said to that room only).
    written_on = note.written_on
    carried = written_on is not None
    view = {
        "id": note.id,
        "kind": note.kind,
        "text": note.text,
        "html": note.html,
        "author": CARRIED_AUTHOR if carried else author_view(author, seen.authors or own),
        "cluster_id": note.cluster_id,
        "votes": votes if seen.totals else None,
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
    }
    if note.private:
        view["private"] = is_secret(note, live)
    if written_on is not None:
        view["written_on"] = written_on.isoformat()
    if own or seen.staff:
        view["hidden"] = note.hidden_at is not None
        if note.hidden_at is not None:
            view["hidden_reason"] = note.hidden_reason
    return view


def timer_view(live: LiveSession, now: datetime | None = None) -> dict:
    now = now or utcnow()
    timer = timer_of(live)
    ends_at = timer.ends_at()
    return {
        "duration_s": timer.duration_s,
        "remaining_s": timer.remaining_at(now),
        "running": timer.running,
        "ends_at": iso(ends_at) if ends_at else None,
        "server_now": iso(now),
    }


def session_view(live: LiveSession, lab: Lab) -> dict:
    return {
        "id": live.id,
        "code": live.join_code,
        "code_display": joincode.display(live.join_code),
        "title": live.title,
        "guiding_question": live.guiding_question,
        "lab": {"slug": lab.slug, "title": lab.title},
        "closed": live.closed_at is not None,
        # «Prova / formazione»: shown on every view; its results count nowhere.
        "practice": live.practice,
        "phase": live.phase,
        "phase_label": phases.LABELS[live.phase],
        "results_revealed": live.results_revealed,
        "notes_revealed": live.notes_revealed,
        "snapshot_hash": live.snapshot_hash,
        "timer": timer_view(live),
        "settings": {
            "dots_per_participant": live.dots_per_participant,
            "cap_per_item": live.cap_per_item,
            "note_kinds": list(note_kinds(live)),
            "note_max_chars": NOTE_MAX_CHARS,
            "show_pseudonyms": live.show_pseudonyms,
            "private_writing": live.private_writing,
        },
        "commands": phases.CLIENT_RULES,
    }


# -- counting dots -------------------------------------------------------------

# Every vote command reports a total: the statements are built once.
_TOTAL = {
    field: select(func.count()).select_from(Vote).where(getattr(Vote, field) == bindparam("target"))
    for field in ("note_id", "cluster_id")
}
_DOTS_PLACED = select(func.count()).select_from(Vote).where(Vote.session_id == bindparam("session_id"))


def vote_total(s: Session, *, note_id: int | None = None, cluster_id: int | None = None) -> int:
    field, target = ("note_id", note_id) if note_id is not None else ("cluster_id", cluster_id)
    return s.execute(_TOTAL[field], {"target": target}).scalar_one()


def dots_placed(s: Session, session_id: int) -> int:
    """Every vote command reports it (while totals are hidden): built once."""
    return s.execute(_DOTS_PLACED, {"session_id": session_id}).scalar_one()


def _totals(s: Session, live: LiveSession) -> tuple[Counter, Counter]:
    by_note: Counter[int] = Counter()
    by_cluster: Counter[int] = Counter()
    if live.closed_at is not None:
        # Frozen at closing: erasing someone's data later does not change them.
        from workshop.services import tally

        for item in tally.of_session(s, live).items:
            (by_cluster if item["type"] == "cluster" else by_note)[item["id"]] = item["votes"]
        return by_note, by_cluster
    rows = s.exec(
        select(Vote.note_id, Vote.cluster_id, func.count())
        .where(Vote.session_id == live.id)
        .group_by(col(Vote.note_id), col(Vote.cluster_id))
    ).all()
    for note_id, cluster_id, n in rows:
        if note_id is not None:
            by_note[note_id] = n
        elif cluster_id is not None:  # always, by the vote table's one_target check
            by_cluster[cluster_id] = n
    return by_note, by_cluster


def totals_map(s: Session, live: LiveSession) -> dict | None:
    """Every visible item's total, or None while totals are hidden from the room.

    Sent whenever visibility may change (phase changes, reveals), so a client
    can set all totals at once instead of inferring them."""
    if not visibility(live).totals:
        return None
    by_note, by_cluster = _totals(s, live)
    notes = s.exec(select(Note.id).where(Note.session_id == live.id, ON_BOARD)).all()
    return {
        "notes": {str(n): by_note.get(n, 0) for n in notes},
        "clusters": {str(c.id): by_cluster.get(c.id, 0) for c in live_clusters(s, live.id)},
    }


def live_clusters(s: Session, session_id: int) -> list[Cluster]:
    return list(
        s.exec(
            select(Cluster)
            .where(Cluster.session_id == session_id, col(Cluster.dissolved_at).is_(None))
            .order_by(col(Cluster.id))
        )
    )


def cluster_view(cluster: Cluster, seen: Visibility, votes: int = 0) -> dict:
    scored = cluster.impatto is not None
    view = {
        "id": cluster.id,
        "title": cluster.title,
        "areas": [a for a in cluster.areas.split(",") if a],
        "votes": votes if seen.totals else None,
        "scores": {"impatto": cluster.impatto, "fattibilita": cluster.fattibilita, "urgenza": cluster.urgenza}
        if scored
        else None,
    }
    if cluster.carried_from_id is not None:
        view["carried_from"] = cluster.carried_from_id
    return view


def board(s: Session, live: LiveSession, seen: Visibility) -> dict:
    """Notes and clusters as `seen` allows."""
    by_note, by_cluster = _totals(s, live)
    query = (
        select(Note, Participant)
        .join(Participant, col(Participant.id) == Note.author_id)
        .where(Note.session_id == live.id, ON_BOARD if seen.staff else VISIBLE)
        .order_by(col(Note.id))
    )
    notes = [note_view(n, p, live, seen, by_note.get(n.id, 0)) for n, p in s.exec(query)]
    clusters = [cluster_view(c, seen, by_cluster.get(c.id, 0)) for c in live_clusters(s, live.id)]
    return {"notes": notes, "clusters": clusters}


# A participant's own state is read after every command of theirs: its
# statements are built once (see storage/eventlog.py).
_MY_VOTES = (
    select(Vote.note_id, Vote.cluster_id, func.count())
    .where(Vote.session_id == bindparam("session_id"), Vote.participant_id == bindparam("participant_id"))
    .group_by(col(Vote.note_id), col(Vote.cluster_id))
)
# Their notes as plain rows (note_view only reads attributes; ORM objects for all
# of them each time were a tenth of the server's CPU with 20 people writing,
# docs/performance.md), with their dots counted in the same statement once the
# room may see totals (note_view shows none before).
# (In their session: a note carried to a later meeting is its author's, but not
# part of their state in the meeting they are in.)
_MY_NOTES = (
    core_select(_notes)
    .where(
        _notes.c.author_id == bindparam("participant_id"),
        _notes.c.session_id == bindparam("session_id"),
        ON_BOARD,
    )
    .order_by(_notes.c.id)
)
_MY_NOTES_WITH_DOTS = _MY_NOTES.add_columns(
    select(func.count()).select_from(Vote).where(Vote.note_id == _notes.c.id).scalar_subquery().label("dots")
)


def my_votes(s: Session, session_id: int, participant_id: int) -> tuple[dict[int, int], dict[int, int]]:
    """This participant's dots: (on notes, on clusters)."""
    rows = s.execute(_MY_VOTES, {"session_id": session_id, "participant_id": participant_id}).all()
    on_notes = {n: k for n, c, k in rows if n is not None}
    on_clusters = {c: k for n, c, k in rows if n is None}
    return on_notes, on_clusters


def personal_state(s: Session, live: LiveSession, participant: Participant) -> dict:
    """What only this participant sees: who they are here, their dots, their notes."""
    # Read inside a command's transaction too: what its handler changed through the
    # ORM must be written first (Core statements such as _MY_NOTES do not autoflush).
    s.flush()
    on_notes, on_clusters = my_votes(s, live.id, participant.id)
    used = sum(on_notes.values()) + sum(on_clusters.values())
    seen = visibility(live)
    own = s.execute(
        _MY_NOTES_WITH_DOTS if seen.totals else _MY_NOTES,
        {"participant_id": participant.id, "session_id": live.id},
    ).all()
    return {
        "session_id": live.id,
        "seq": live.last_seq,
        "participant": author_view(participant),
        "dots_total": live.dots_per_participant,
        "dots_left": voting_rules(live).dots_left(used),
        # JSON object keys are strings: ids as strings, counts as ints.
        "votes": {str(k): v for k, v in sorted(on_notes.items())},
        "cluster_votes": {str(k): v for k, v in sorted(on_clusters.items())},
        "notes": [note_view(n, participant, live, seen, n.dots if seen.totals else 0, own=True) for n in own],
    }


def presence_counts(s: Session, session_id: int) -> dict:
    """Distinct participants connected, in total and by category."""
    rows = s.exec(
        select(Presence.category_key, func.count(func.distinct(Presence.participant_id)))
        .where(Presence.session_id == session_id)
        .group_by(Presence.category_key)
    ).all()
    by_category = {k: n for k, n in rows}
    return {"session_id": session_id, "connected": sum(by_category.values()), "by_category": by_category}


def header(s: Session, live: LiveSession) -> dict:
    """The session, its event head and who is here."""
    return {
        "session": session_view(live, s.get_one(Lab, live.lab_id)),
        "head": live.last_seq,
        "presence": presence_counts(s, live.id),
        "dots_placed": dots_placed(s, live.id),  # a count, never where: safe while hidden
    }


def snapshot(
    s: Session,
    live: LiveSession,
    participant: Participant | None,
    seen: Visibility,
    *,
    projector: bool = False,
) -> dict:
    """A whole state. Results as `seen` allows: the room's totals; the control
    room's (staff) with dots typed in and the publishable split; the
    projector's, the room's with that split (it is on the wall: nothing else)."""
    from workshop.services import tally

    state = {**header(s, live), **board(s, live, seen)}
    if participant is not None:
        state["self"] = personal_state(s, live, participant)
    if seen.totals and live.phase in (phases.VOTAZIONE, phases.VALUTAZIONE, phases.CHIUSA):
        counted = tally.of_session(s, live)
        state["results"] = (
            tally.staff_results(s, live, counted, offline=seen.staff)
            if seen.staff or projector
            else tally.room_results(counted)
        )
    return state


def participants(s: Session, live: LiveSession) -> list[dict]:
    """Everyone who joined (staff only): pseudonyms, categories, and for the offline
    ones the dots they have left, since the facilitator places dots for them."""
    rows = s.exec(
        select(Participant)
        .where(Participant.session_id == live.id, col(Participant.erased_at).is_(None))
        .order_by(col(Participant.id))
    ).all()
    out = []
    for p in rows:
        view = author_view(p)
        if p.offline:
            state = personal_state(s, live, p)
            view.update(
                dots_left=state["dots_left"], votes=state["votes"], cluster_votes=state["cluster_votes"]
            )
        out.append(view)
    return out

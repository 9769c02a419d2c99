"""Read models: the shapes clients see, built from the read tables.

Every view here is safe for the whole room unless its name says otherwise
(`personal_state` is for one participant only).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from workshop.domain import joincode
from workshop.domain.rules import NOTE_MAX_CHARS, VotingRules
from workshop.storage.models import Lab, LiveSession, Note, Participant, Presence, Vote, iso


def voting_rules(live: LiveSession) -> VotingRules:
    return VotingRules(budget=live.dots_per_participant, cap=live.cap_per_item)


def note_kinds(live: LiveSession) -> tuple[str, ...]:
    return tuple(k for k in live.note_kinds.split(",") if k)


def author_view(p: Participant) -> dict:
    return {"id": p.public_id, "pseudonym": p.pseudonym, "category": p.category_key}


def note_view(note: Note, author: Participant, votes: int = 0) -> dict:
    return {
        "id": note.id,
        "kind": note.kind,
        "text": note.text,
        "html": note.html,
        "author": author_view(author),
        "votes": votes,
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
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
        "settings": {
            "dots_per_participant": live.dots_per_participant,
            "cap_per_item": live.cap_per_item,
            "note_kinds": list(note_kinds(live)),
            "note_max_chars": NOTE_MAX_CHARS,
        },
    }


def vote_total(s: Session, note_id: int) -> int:
    return s.exec(select(func.count()).select_from(Vote).where(Vote.note_id == note_id)).one()


def board(s: Session, session_id: int) -> list[dict]:
    totals = dict(
        s.exec(
            select(Vote.note_id, func.count())
            .where(Vote.session_id == session_id)
            .group_by(Vote.note_id)
        ).all()
    )
    rows = s.exec(
        select(Note, Participant)
        .join(Participant, Participant.id == Note.author_id)
        .where(Note.session_id == session_id, Note.deleted_at.is_(None))
        .order_by(Note.id)
    ).all()
    return [note_view(n, p, totals.get(n.id, 0)) for n, p in rows]


def my_votes(s: Session, session_id: int, participant_id: int) -> dict[int, int]:
    return dict(
        s.exec(
            select(Vote.note_id, func.count())
            .where(Vote.session_id == session_id, Vote.participant_id == participant_id)
            .group_by(Vote.note_id)
        ).all()
    )


def personal_state(s: Session, live: LiveSession, participant: Participant) -> dict:
    """What only this participant sees: who they are here and their dots."""
    votes = my_votes(s, live.id, participant.id)
    used = sum(votes.values())
    return {
        "session_id": live.id,
        "seq": live.last_seq,
        "participant": author_view(participant),
        "dots_total": live.dots_per_participant,
        "dots_left": voting_rules(live).dots_left(used),
        # JSON object keys are strings; note ids as strings, counts as ints.
        "votes": {str(k): v for k, v in sorted(votes.items())},
    }


def presence_counts(s: Session, session_id: int) -> dict:
    """Distinct participants connected, in total and by category."""
    rows = s.exec(
        select(Presence.category_key, func.count(func.distinct(Presence.participant_id)))
        .where(Presence.session_id == session_id)
        .group_by(Presence.category_key)
    ).all()
    by_category = {k: n for k, n in rows}
    return {"session_id": session_id, "connected": sum(by_category.values()),
            "by_category": by_category}


def header(s: Session, live: LiveSession, participant: Participant) -> dict:
    """The session, its event head, this participant's state and who is here."""
    return {
        "session": session_view(live, s.get(Lab, live.lab_id)),
        "head": live.last_seq,
        "self": personal_state(s, live, participant),
        "presence": presence_counts(s, live.id),
    }


def snapshot(s: Session, live: LiveSession, participant: Participant) -> dict:
    return {**header(s, live, participant), "notes": board(s, live.id)}

"""Dots: placed on a cluster, or on a note left outside clusters.

The budget and the cap are checked under the session lock, so concurrent
votes of one participant can never overspend. While totals are hidden, the
events say only how many dots have been placed in all, not where; once
revealed, the item's new total, never by whom.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, select
from sqlmodel import Session

from workshop.domain import commands as c
from workshop.domain import events as ev
from workshop.domain import rules
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor
from workshop.services import views
from workshop.services.outcome import Handler, Outcome, live_cluster, live_note
from workshop.storage.models import LiveSession, Vote, table_of, utcnow

# Every vote command runs one of these: plain statements, built once.
_votes = table_of(Vote)
_PLACE = insert(_votes)
# Withdrawing takes back this participant's latest dot on the target.
_WITHDRAW = {
    field: delete(_votes).where(
        _votes.c.id
        == select(func.max(_votes.c.id))
        .where(_votes.c[field] == bindparam("target"), _votes.c.participant_id == bindparam("participant_id"))
        .scalar_subquery()
    )
    for field in ("note_id", "cluster_id")
}


def _target(s: Session, live: LiveSession, cmd) -> tuple[str, int]:
    if cmd.cluster_id is not None:
        return "cluster_id", live_cluster(s, live, cmd.cluster_id).id
    note = live_note(s, live, cmd.note_id)
    if views.is_secret(note, live):
        raise Rejected("note_not_found")
    if note.cluster_id is not None:
        raise Rejected("vote_target_invalid")
    return "note_id", note.id


def _mine(s: Session, live: LiveSession, actor: Actor, field: str, target: int) -> tuple[int, int]:
    assert actor.participant_id is not None  # vote commands are participants' (permissions.authorize)
    on_notes, on_clusters = views.my_votes(s, live.id, actor.participant_id)
    used_total = sum(on_notes.values()) + sum(on_clusters.values())
    here = (on_clusters if field == "cluster_id" else on_notes).get(target, 0)
    return used_total, here


def _event(s: Session, live: LiveSession, type_: str, field: str, target: int) -> ev.Event:
    # Totals only, even once revealed: a split by category sent as each dot lands
    # would tell the room the category of whoever just voted (services/tally.py).
    if views.visibility(live).totals:
        return ev.Event(type_, {field: target, "total": views.vote_total(s, **{field: target})})
    return ev.Event(type_, {"dots_placed": views.dots_placed(s, live.id)})


def place_vote(s: Session, live: LiveSession, actor: Actor, cmd: c.PlaceVote) -> Outcome:
    field, target = _target(s, live, cmd)
    used_total, here = _mine(s, live, actor, field, target)
    views.voting_rules(live).check_place(used_total, here)
    s.execute(
        _PLACE,
        {
            "session_id": live.id,
            "participant_id": actor.participant_id,
            "category_key": actor.category,
            "note_id": None,
            "cluster_id": None,
            field: target,
            "created_at": utcnow(),
        },
    )
    return Outcome([_event(s, live, ev.VOTE_PLACED, field, target)])


def withdraw_vote(s: Session, live: LiveSession, actor: Actor, cmd: c.WithdrawVote) -> Outcome:
    field, target = _target(s, live, cmd)
    _, here = _mine(s, live, actor, field, target)
    rules.check_withdraw(here)
    s.execute(_WITHDRAW[field], {"target": target, "participant_id": actor.participant_id})
    return Outcome([_event(s, live, ev.VOTE_WITHDRAWN, field, target)])


HANDLERS: dict[type[c.SessionCommand], Handler] = {c.PlaceVote: place_vote, c.WithdrawVote: withdraw_vote}

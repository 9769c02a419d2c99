"""Running a session: phases, the countdown, reveals, scores, offline participants."""

from __future__ import annotations

import secrets

from sqlmodel import Session, col, select

from workshop.domain import commands as c
from workshop.domain import events as ev
from workshop.domain import phases, rules
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor
from workshop.services import frozen, tally, territories, views
from workshop.services.outcome import (
    Handler,
    Outcome,
    cluster_event,
    live_cluster,
    results_event_data,
    with_revision,
)
from workshop.storage.models import Category, LiveSession, Note, Participant, utcnow


def set_phase(s: Session, live: LiveSession, actor: Actor, cmd: c.SetPhase) -> Outcome:
    target = phases.transition(live.phase, cmd.phase, views.dots_placed(s, live.id))
    previous, events = live.phase, []
    if target == phases.RAGGRUPPAMENTO and live.private_writing and not live.notes_revealed:
        # Grouping needs notes everyone can read: entering it reveals them.
        events.append(_reveal_notes(s, live))
    live.phase = target
    if target == phases.CHIUSA:
        closing = _close(s, live)
    events.append(
        ev.Event(
            ev.PHASE_CHANGED,
            {
                "phase": target,
                "previous": previous,
                "label": phases.LABELS[target],
                "results_revealed": live.results_revealed,
                "totals": views.totals_map(s, live),
            },
        )
    )
    if target == phases.CHIUSA:
        events.append(closing)
    s.add(live)
    return Outcome(events)


def _close(s: Session, live: LiveSession) -> ev.Event:
    live.results_revealed = True
    live.notes_revealed = True
    live.timer_started_at = None
    live.closed_at = utcnow()
    s.flush()
    snapshot = frozen.freeze(s, live)
    live.snapshot_hash = snapshot.hash
    s.flush()
    return ev.Event(
        ev.SESSION_CLOSED,
        {
            "hash": snapshot.hash,
            "results": results_event_data(s, tally.room_results(frozen.tally_of(s, snapshot))),
        },
    )


def _reveal_notes(s: Session, live: LiveSession) -> ev.Event:
    secret = s.exec(
        select(Note, Participant)
        .join(Participant, col(Participant.id) == Note.author_id)
        .where(Note.session_id == live.id, Note.private, views.VISIBLE)
        .order_by(col(Note.id))
    ).all()
    live.notes_revealed = True
    s.add(live)
    seen = views.visibility(live)
    return ev.Event(
        ev.NOTES_REVEALED,
        {
            "notes": [
                with_revision(s, views.note_view(n, p, live, seen, views.vote_total(s, note_id=n.id)), n.id)
                for n, p in secret
            ]
        },
    )


def reveal_notes(s: Session, live: LiveSession, actor: Actor, cmd: c.RevealNotes) -> Outcome:
    return Outcome([_reveal_notes(s, live)])


def reveal_results(s: Session, live: LiveSession, actor: Actor, cmd: c.RevealResults) -> Outcome:
    live.results_revealed = True
    s.add(live)
    return Outcome(
        [
            ev.Event(
                ev.RESULTS_REVEALED,
                {
                    "results": results_event_data(s, tally.room_results(tally.count(s, live))),
                    "totals": views.totals_map(s, live),
                },
            )
        ]
    )


def control_timer(s: Session, live: LiveSession, actor: Actor, cmd: c.ControlTimer) -> Outcome:
    now = utcnow()
    timer = views.timer_of(live).apply(cmd.action, cmd.seconds, now)
    live.timer_duration_s, live.timer_remaining_s = timer.duration_s, timer.remaining_s
    live.timer_started_at = timer.started_at
    s.add(live)
    return Outcome([ev.Event(ev.TIMER_CHANGED, {"action": cmd.action, "timer": views.timer_view(live, now)})])


def record_score(s: Session, live: LiveSession, actor: Actor, cmd: c.RecordScore) -> Outcome:
    cluster = live_cluster(s, live, cmd.cluster_id)
    cluster.impatto, cluster.fattibilita, cluster.urgenza = cmd.impatto, cmd.fattibilita, cmd.urgenza
    s.add(cluster)
    return Outcome([cluster_event(s, live, ev.CLUSTER_UPDATED, cluster)])


def add_offline_participant(
    s: Session, live: LiveSession, actor: Actor, cmd: c.AddOfflineParticipant
) -> Outcome:
    if s.get(Category, cmd.category) is None:
        raise Rejected("unknown_category")
    territory = territories.check(s, cmd.territory or None)
    participant = new_participant(s, live, cmd.pseudonym, cmd.category, offline=True, territory=territory)
    return Outcome(
        [
            ev.Event(
                ev.PARTICIPANT_JOINED, {"participant": views.author_view(participant, live.show_pseudonyms)}
            )
        ],
        result={"participant": views.author_view(participant)},
    )


def new_participant(
    s: Session,
    live: LiveSession,
    pseudonym: str,
    category: str,
    offline: bool = False,
    territory: str | None = None,
) -> Participant:
    """A participant with a pseudonym unique in the session (the caller holds the lock)."""
    name = rules.pseudonym(pseudonym)
    key = rules.pseudonym_key(name)
    if s.exec(
        select(Participant.id).where(Participant.session_id == live.id, Participant.pseudonym_key == key)
    ).first():
        raise Rejected("pseudonym_taken", pseudonym=name)
    participant = Participant(
        session_id=live.id,
        public_id=secrets.token_hex(6),
        pseudonym=name,
        pseudonym_key=key,
        category_key=category,
        territory_key=territory,
        offline=offline,
    )
    s.add(participant)
    s.flush()
    return participant


HANDLERS: dict[type[c.SessionCommand], Handler] = {
    c.SetPhase: set_phase,
    c.RevealNotes: reveal_notes,
    c.RevealResults: reveal_results,
    c.ControlTimer: control_timer,
    c.RecordScore: record_score,
    c.AddOfflineParticipant: add_offline_participant,
}

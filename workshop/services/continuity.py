"""Continuity: a meeting of a lab starts from the groups of an earlier one.

The facilitator picks groups of a closed meeting of the same lab; each comes
into this session as a new group of its own (votes and scores are per
meeting) on the same line (`Cluster.lineage_id`: the first group of the
line), so consolidation counts it as one priority (domain/priority.py). Its
notes come with it as copies (`Note.carried_from_id`, the day they were
written in `written_on`: «dall’incontro del …»), authored by the participant
who wrote them in that meeting, shown without their pseudonym; the room adds
notes and dots to the group as to any other.

A practice session's groups are never carried into a real meeting.

A copy keeps the review its text had (publishable, internal, edited), since
it is the same text. Erasing its author's data erases every copy
(services/privacy.py).
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session, col, select

from workshop.domain import commands as c
from workshop.domain import events as ev
from workshop.domain import meetings, phases
from workshop.domain.errors import Rejected
from workshop.domain.permissions import Actor
from workshop.services import views
from workshop.services.outcome import Handler, Outcome, cluster_event, public_note
from workshop.storage.database import Database
from workshop.storage.models import Cluster, LiveSession, Note, NoteRevision, table_of, utcnow

_KEEP_REVISION = insert(table_of(NoteRevision)).returning(table_of(NoteRevision).c.id)


def _source(s: Session, live: LiveSession, session_id: int) -> LiveSession:
    source = s.get(LiveSession, session_id)
    # A rehearsal's groups never reach a real meeting (they would reach the plan
    # through it); a rehearsal may start from anything of its lab.
    if (
        source is None
        or source.id == live.id
        or source.lab_id != live.lab_id
        or source.phase != phases.CHIUSA
        or (source.practice and not live.practice)
    ):
        raise Rejected("carry_source_invalid")
    return source


def carry_clusters(s: Session, live: LiveSession, actor: Actor, cmd: c.CarryClusters) -> Outcome:
    source = _source(s, live, cmd.from_session_id)
    wanted = list(dict.fromkeys(cmd.cluster_ids))
    found = {
        x.id: x
        for x in s.exec(
            select(Cluster).where(
                col(Cluster.id).in_(wanted),
                Cluster.session_id == source.id,
                col(Cluster.dissolved_at).is_(None),
            )
        )
    }
    if len(found) != len(wanted):
        raise Rejected("cluster_not_found")
    here = set(
        s.exec(
            select(Cluster.lineage_id).where(
                Cluster.session_id == live.id,
                col(Cluster.dissolved_at).is_(None),
                col(Cluster.lineage_id).is_not(None),
            )
        )
    )
    day = meetings.day_of(source.starts_at, source.closed_at, source.created_at)
    now = utcnow()
    events = []
    for old in (found[i] for i in wanted):
        line = old.lineage_id or old.id
        if line in here:
            raise Rejected("cluster_already_carried", title=old.title)
        here.add(line)
        group = Cluster(
            session_id=live.id, title=old.title, areas=old.areas, carried_from_id=old.id, lineage_id=line
        )
        s.add(group)
        s.flush()
        events.append(cluster_event(s, live, ev.CLUSTER_CREATED, group, note_ids=[]))
        notes = s.exec(
            select(Note)
            .where(Note.cluster_id == old.id, views.VISIBLE, col(Note.erased_at).is_(None))
            .order_by(col(Note.id))
        ).all()
        for note in notes:
            copy = Note(
                session_id=live.id,
                author_id=note.author_id,
                kind=note.kind,
                text=note.text,
                html=note.html,
                created_at=now,
                updated_at=now,
                cluster_id=group.id,
                publication=note.publication,
                public_text=note.public_text,
                carried_from_id=note.id,
                written_on=note.written_on or day,
            )
            s.add(copy)
            s.flush()
            revision = s.execute(
                _KEEP_REVISION,
                {
                    "note_id": copy.id,
                    "kind": copy.kind,
                    "text": copy.text,
                    "html": copy.html,
                    "edited_by_participant_id": None,
                    "edited_by_staff_id": actor.staff_id,
                    "created_at": now,
                },
            ).scalar_one()
            events.append(
                ev.Event(ev.NOTE_CREATED, {"note": public_note(s, live, copy, votes=0, revision=revision)})
            )
    return Outcome(events)


HANDLERS: dict[type[c.SessionCommand], Handler] = {c.CarryClusters: carry_clusters}


def carry_sources(db: Database, live: LiveSession) -> list[dict]:
    """The lab's closed meetings whose groups may be carried into `live`, newest
    first, each with its day and its groups (and whether each is here already)."""
    with db.reader() as s:
        here = set(
            s.exec(
                select(Cluster.lineage_id).where(
                    Cluster.session_id == live.id, col(Cluster.dissolved_at).is_(None)
                )
            )
        )
        query = (
            select(LiveSession)
            .where(
                LiveSession.lab_id == live.lab_id,
                LiveSession.id != live.id,
                LiveSession.phase == phases.CHIUSA,
            )
            .order_by(col(LiveSession.id).desc())
        )
        if not live.practice:  # a rehearsal's groups never reach a real meeting
            query = query.where(col(LiveSession.practice).is_(False))
        sources = []
        for source in s.exec(query).all():
            groups = s.exec(
                select(Cluster)
                .where(Cluster.session_id == source.id, col(Cluster.dissolved_at).is_(None))
                .order_by(col(Cluster.id))
            ).all()
            if groups:
                sources.append(
                    {
                        "session": source,
                        "day": meetings.day_of(source.starts_at, source.closed_at, source.created_at),
                        "groups": [
                            {"id": g.id, "title": g.title, "here": (g.lineage_id or g.id) in here}
                            for g in groups
                        ],
                    }
                )
    return sources


def clusters_by_session(db: Database, cluster_ids: list[int]) -> dict[int, list[int]]:
    """The given groups, by the session they belong to (unknown ids left out)."""
    by_session: dict[int, list[int]] = {}
    with db.reader() as s:
        for cluster_id, session_id in s.exec(
            select(Cluster.id, Cluster.session_id).where(col(Cluster.id).in_(cluster_ids))
        ):
            by_session.setdefault(session_id, []).append(cluster_id)
    return by_session

"""Clusters: the facilitator groups notes by affinity; clusters get voted and scored."""

from __future__ import annotations

from sqlmodel import Session, col, update

from workshop.domain import commands as c
from workshop.domain import events as ev
from workshop.domain import rules
from workshop.domain.permissions import Actor
from workshop.services.outcome import Handler, Outcome, cluster_event, live_cluster, live_note
from workshop.storage.models import Cluster, LiveSession, Note, utcnow


def create_cluster(s: Session, live: LiveSession, actor: Actor, cmd: c.CreateCluster) -> Outcome:
    notes = [live_note(s, live, n) for n in dict.fromkeys(cmd.note_ids)]
    cluster = Cluster(session_id=live.id, title=rules.title(cmd.title))
    s.add(cluster)
    s.flush()
    for note in notes:
        note.cluster_id = cluster.id
        s.add(note)
    return Outcome([cluster_event(s, live, ev.CLUSTER_CREATED, cluster, note_ids=[n.id for n in notes])])


def rename_cluster(s: Session, live: LiveSession, actor: Actor, cmd: c.RenameCluster) -> Outcome:
    cluster = live_cluster(s, live, cmd.cluster_id)
    cluster.title = rules.title(cmd.title)
    s.add(cluster)
    return Outcome([cluster_event(s, live, ev.CLUSTER_UPDATED, cluster)])


def tag_cluster(s: Session, live: LiveSession, actor: Actor, cmd: c.TagCluster) -> Outcome:
    cluster = live_cluster(s, live, cmd.cluster_id)
    cluster.areas = ",".join(rules.areas(cmd.areas))
    s.add(cluster)
    return Outcome([cluster_event(s, live, ev.CLUSTER_UPDATED, cluster)])


def dissolve_cluster(s: Session, live: LiveSession, actor: Actor, cmd: c.DissolveCluster) -> Outcome:
    # Only while grouping (phases.STAFF_PHASES), so no dot can be on it yet.
    cluster = live_cluster(s, live, cmd.cluster_id)
    cluster.dissolved_at = utcnow()
    s.add(cluster)
    s.exec(update(Note).where(col(Note.cluster_id) == cluster.id).values(cluster_id=None))
    return Outcome([ev.Event(ev.CLUSTER_DISSOLVED, {"cluster_id": cluster.id})])


def move_note(s: Session, live: LiveSession, actor: Actor, cmd: c.MoveNote) -> Outcome:
    note = live_note(s, live, cmd.note_id)
    note.cluster_id = None if cmd.cluster_id is None else live_cluster(s, live, cmd.cluster_id).id
    s.add(note)
    return Outcome([ev.Event(ev.NOTE_MOVED, {"note_id": note.id, "cluster_id": note.cluster_id})])


HANDLERS: dict[type[c.SessionCommand], Handler] = {
    c.CreateCluster: create_cluster,
    c.RenameCluster: rename_cluster,
    c.TagCluster: tag_cluster,
    c.DissolveCluster: dissolve_cluster,
    c.MoveNote: move_note,
}

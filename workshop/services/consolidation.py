"""Consolidation: the priorities of every closed session of a process, ranked together.

Reads the facts (dots per cluster and category, voters, scores) with a few
aggregate queries, hands them to `domain.priority`, and shapes rows for the
dashboard, the labs' public pages and the exports. Only closed sessions count:
their results are frozen under a published hash.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from workshop.domain import disclosure, phases
from workshop.domain.errors import Rejected
from workshop.domain.priority import ClusterFacts, Priority, Scores, rank
from workshop.domain.rules import AREA_CODES
from workshop.storage.database import Database
from workshop.storage.models import (
    Cluster,
    Lab,
    LiveSession,
    PlanAction,
    PlanActionCluster,
    Process,
    Vote,
)


@dataclass
class PriorityRow:
    rank: int
    lab_slug: str
    lab_title: str
    session_id: int
    session_title: str
    snapshot_hash: str | None
    cluster_id: int
    title: str
    areas: list[str]
    dots: int
    voters: int
    dots_available: int
    support: float
    support_normalized: float
    scores: dict | None
    scores_component: float
    index: float
    breadth: float
    by_category: dict[str, int]
    scored: bool
    actions: list[dict] = field(default_factory=list)

    def public(self) -> dict:
        """For anything published: counts by category under 5 suppressed."""
        view = self.as_dict()
        view["by_category"] = disclosure.suppress(self.by_category)
        return view

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Consolidation:
    process_slug: str
    process_title: str
    rows: list[PriorityRow]
    labs: list[dict]
    areas_without_priority: list[str]


def _facts(s: Session, process_id: int) -> tuple[list[ClusterFacts], dict[int, tuple]]:
    closed = s.exec(select(LiveSession, Lab).join(Lab).where(
        Lab.process_id == process_id, LiveSession.phase == phases.CHIUSA)).all()
    sessions = {live.id: (live, lab) for live, lab in closed}
    if not sessions:
        return [], {}
    ids = list(sessions)
    by_cluster: dict[int, dict[str, int]] = defaultdict(dict)
    for cluster_id, category, n in s.exec(
            select(Vote.cluster_id, Vote.category_key, func.count())
            .where(Vote.session_id.in_(ids), Vote.cluster_id.is_not(None))
            .group_by(Vote.cluster_id, Vote.category_key)):
        by_cluster[cluster_id][category] = n
    voters = dict(s.exec(select(Vote.session_id, func.count(func.distinct(Vote.participant_id)))
                         .where(Vote.session_id.in_(ids)).group_by(Vote.session_id)).all())
    categories = dict(s.exec(select(Vote.session_id, func.count(func.distinct(Vote.category_key)))
                             .where(Vote.session_id.in_(ids)).group_by(Vote.session_id)).all())
    facts, clusters = [], {}
    for cluster in s.exec(select(Cluster).where(Cluster.session_id.in_(ids),
                                                Cluster.dissolved_at.is_(None))):
        live, lab = sessions[cluster.session_id]
        split = by_cluster.get(cluster.id, {})
        scores = (Scores(cluster.impatto, cluster.fattibilita, cluster.urgenza)
                  if cluster.impatto is not None else None)
        facts.append(ClusterFacts(
            session_id=live.id, cluster_id=cluster.id, dots=sum(split.values()),
            voters=voters.get(live.id, 0), budget=live.dots_per_participant, cap=live.cap_per_item,
            by_category=split, categories_voting=categories.get(live.id, 0), scores=scores))
        clusters[cluster.id] = (cluster, live, lab)
    return facts, clusters


def _row(position: int, p: Priority, cluster: Cluster, live: LiveSession, lab: Lab) -> PriorityRow:
    f = p.facts
    return PriorityRow(
        rank=position, lab_slug=lab.slug, lab_title=lab.title, session_id=live.id,
        session_title=live.title, snapshot_hash=live.snapshot_hash, cluster_id=cluster.id,
        title=cluster.title, areas=[a for a in cluster.areas.split(",") if a], dots=f.dots,
        voters=f.voters, dots_available=f.voters * f.budget, support=p.support,
        support_normalized=p.support_normalized,
        scores={"impatto": f.scores.impatto, "fattibilita": f.scores.fattibilita,
                "urgenza": f.scores.urgenza} if f.scores else None,
        scores_component=p.scores_component, index=p.index, breadth=p.breadth,
        by_category=dict(sorted(f.by_category.items())), scored=p.scored)


def consolidate(db: Database, process_slug: str, lab: str | None = None,
                area: str | None = None) -> Consolidation:
    """All priorities of a process, best first; optionally one lab's, or one area's."""
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).first()
        if process is None:
            raise Rejected("process_not_found")
        facts, clusters = _facts(s, process.id)
        ranked = rank(facts)
        rows = [_row(i, p, *clusters[p.facts.cluster_id]) for i, p in enumerate(ranked, start=1)]
        links = defaultdict(list)
        if rows:
            for cluster_id, action in s.exec(
                    select(PlanActionCluster.cluster_id, PlanAction)
                    .join(PlanAction, PlanAction.id == PlanActionCluster.action_id)
                    .where(PlanActionCluster.cluster_id.in_([r.cluster_id for r in rows]))):
                links[cluster_id].append({"id": action.id, "title": action.title,
                                          "state": action.state})
        labs = [{"slug": x.slug, "title": x.title}
                for x in s.exec(select(Lab).where(Lab.process_id == process.id).order_by(Lab.id))]
    for row in rows:
        row.actions = links.get(row.cluster_id, [])
    in_scope = [r for r in rows if lab is None or r.lab_slug == lab]
    covered = {a for r in in_scope for a in r.areas}
    if area is not None:
        in_scope = [r for r in in_scope if area in r.areas]
    return Consolidation(process_slug, process.title, in_scope, labs,
                         [a for a in AREA_CODES if a not in covered])

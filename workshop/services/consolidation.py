"""Consolidation: the priorities of every closed session of a process, ranked together.

Reads the facts (dots per cluster and category, voters, scores) from each
closed session's frozen results (services/frozen.py), hands them to
`domain.priority`, and shapes rows for the dashboard, the labs' public pages
and the exports. Only closed sessions count: their results are frozen under
a published hash, and erasing someone's data later does not move them.

`by_category` is the whole split, for staff; anything public takes
`public()`: the split as it may be published (domain/disclosure.py), the
same cells for a cluster wherever they appear.

A group carried forward across meetings (services/continuity.py) is one
priority, one row: shown with its latest meeting's group (`cluster_id`,
`session_id`, title, areas; latest by the day it was held, domain/priority.py),
its support combined as `domain.priority` says, and each meeting's own figures
in `meetings`, in the order they were held. Its published split is the sum
of the meetings' published cells, column by column, where every meeting
published the same columns and none of the cells is reserved; otherwise
only each meeting's own split is shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import false
from sqlmodel import Session, col, select

from workshop.domain import phases
from workshop.domain.errors import Rejected
from workshop.domain.priority import ClusterFacts, Priority, Scores, rank
from workshop.domain.rules import AREA_CODES
from workshop.services import periods, tally
from workshop.storage.database import Database
from workshop.storage.models import (
    Cluster,
    Lab,
    LiveSession,
    PlanAction,
    PlanActionCluster,
    Process,
    SessionSnapshot,
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
    # As it may be published: cells by column (None = hidden), and the columns.
    split: dict[str, int | None] = field(default_factory=dict)
    split_columns: list[dict] = field(default_factory=list)
    # Every meeting the priority was voted in, earliest first: session, group,
    # its own dots and published split (one entry for most priorities).
    meetings: list[dict] = field(default_factory=list)
    # The second cut, by the territory voters said they live or work in: the
    # whole of it (staff), and as it may be published (cells, columns).
    by_territory: dict[str, int] = field(default_factory=dict)
    territory_split: dict[str, int | None] = field(default_factory=dict)
    territory_columns: list[dict] = field(default_factory=list)

    @property
    def cluster_ids(self) -> list[int]:
        """The groups of every meeting of this priority (the line)."""
        return [m["cluster_id"] for m in self.meetings] or [self.cluster_id]

    def public(self) -> dict:
        """For anything published: the publishable split, never the raw one, and
        no breadth (a function of the raw split, from which hidden cells could
        be worked out)."""
        view = self.as_dict()
        del view["by_category"], view["breadth"], view["by_territory"]
        view["meetings"] = [
            {k: v for k, v in m.items() if k not in ("by_category", "by_territory")} for m in self.meetings
        ]
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


def _facts(
    s: Session, process_id: int, programme_id: int | None
) -> tuple[list[ClusterFacts], dict[int, tuple], dict, dict]:
    closed = s.exec(
        select(LiveSession, Lab)
        .join(Lab)
        .where(periods.counted(process_id, programme_id))
        .order_by(col(LiveSession.id))
    ).all()
    if not closed:
        return [], {}, {}, {}
    tallies = {live.id: tally.of_session(s, live) for live, _ in closed}
    sessions = {live.id: (live, lab) for live, lab in closed}
    tables = {sid: tally.published_split(s, t) for sid, t in tallies.items()}
    territory_tables = {sid: tally.published_territory_split(s, t) for sid, t in tallies.items()}
    facts, clusters = [], {}
    for cluster in s.exec(
        select(Cluster).where(
            col(Cluster.session_id).in_(list(sessions)), col(Cluster.dissolved_at).is_(None)
        )
    ):
        live, lab = sessions[cluster.session_id]
        counted = tallies[live.id]
        split = counted.split.get(tally.item_key("cluster", cluster.id), {})
        impatto, fattibilita, urgenza = cluster.impatto, cluster.fattibilita, cluster.urgenza
        # Scored all three at once (facilitation.record_score), or not at all.
        scores = (
            Scores(impatto, fattibilita, urgenza)
            if impatto is not None and fattibilita is not None and urgenza is not None
            else None
        )
        facts.append(
            ClusterFacts(
                session_id=live.id,
                cluster_id=cluster.id,
                dots=sum(split.values()),
                voters=counted.voters,
                budget=live.dots_per_participant,
                cap=live.cap_per_item,
                by_category=split,
                categories_voting=len([n for n in counted.voters_by_category.values() if n]),
                scores=scores,
                lineage=cluster.lineage_id,
                held_at=live.starts_at or live.closed_at or live.created_at,
            )
        )
        clusters[cluster.id] = (cluster, live, lab)
    published = {
        cluster_id: (tables[live.id][0].get(tally.item_key("cluster", cluster_id), {}), tables[live.id][1])
        for cluster_id, (_, live, _) in clusters.items()
    }
    territories = {
        cluster_id: {
            "raw": tallies[live.id].split_by_territory.get(tally.item_key("cluster", cluster_id), {}),
            "published": (
                territory_tables[live.id][0].get(tally.item_key("cluster", cluster_id), {}),
                territory_tables[live.id][1],
            ),
        }
        for cluster_id, (_, live, _) in clusters.items()
    }
    return facts, clusters, published, territories


def _row(position: int, p: Priority, clusters: dict[int, tuple]) -> PriorityRow:
    cluster, live, lab = clusters[p.facts.cluster_id]
    by_category: dict[str, int] = {}
    meetings = []
    for m in p.meetings:
        for key, n in m.by_category.items():
            by_category[key] = by_category.get(key, 0) + n
        _, at, _ = clusters[m.cluster_id]
        meetings.append(
            {
                "session_id": m.session_id,
                "session_title": at.title,
                "territory": at.territory_key,
                "cluster_id": m.cluster_id,
                "dots": m.dots,
                "voters": m.voters,
                "dots_available": m.available,
                "starts_at": at.starts_at,
                "closed_at": at.closed_at,
                "by_category": dict(sorted(m.by_category.items())),
            }
        )
    s = p.scores
    return PriorityRow(
        rank=position,
        lab_slug=lab.slug,
        lab_title=lab.title,
        session_id=live.id,
        session_title=live.title,
        snapshot_hash=live.snapshot_hash,
        cluster_id=cluster.id,
        title=cluster.title,
        areas=[a for a in cluster.areas.split(",") if a],
        dots=p.dots,
        voters=p.voters,
        dots_available=p.available,
        support=p.support,
        support_normalized=p.support_normalized,
        scores={"impatto": s.impatto, "fattibilita": s.fattibilita, "urgenza": s.urgenza} if s else None,
        scores_component=p.scores_component,
        index=p.index,
        breadth=p.breadth,
        by_category=dict(sorted(by_category.items())),
        scored=p.scored,
        meetings=meetings,
    )


def in_territory(row: PriorityRow, territory: str, public: bool = False) -> bool:
    """A priority «of» a territory: voted in a meeting held there, or supported
    by people who said they live or work there. For staff, any dot of theirs
    counts; for a public page, only a published cell of that territory's own
    column (a reserved or pooled one says nothing, and choosing by it would)."""
    if any(m["territory"] == territory for m in row.meetings):
        return True
    if not public:
        return row.by_territory.get(territory, 0) > 0
    return any((m.get("territory_split") or {}).get(territory) for m in row.meetings)


def _combined_split(parts: list[tuple[dict, list[dict]]]) -> tuple[dict, list[dict]]:
    """The meetings' published cells summed, where that says nothing new: the
    same columns in each, no reserved cell (None) among them."""
    if len(parts) == 1:
        return parts[0]
    columns = parts[0][1]
    if any([c["key"] for c in cols] != [c["key"] for c in columns] for _, cols in parts):
        return {}, []
    cells: dict[str, int | None] = {}
    for column in columns:
        values: list[int | None] = [cell.get(column["key"]) for cell, _ in parts]
        known = [v for v in values if v is not None]
        cells[column["key"]] = sum(known) if len(known) == len(values) else None
    if any(v is None for v in cells.values()):
        cells = dict.fromkeys(cells)
    return cells, columns


def consolidate(
    db: Database,
    process_slug: str,
    lab: str | None = None,
    area: str | None = None,
    programme_id: int | None = None,
    territory: str | None = None,
    public: bool = False,
) -> Consolidation:
    """All priorities of a process, best first; optionally one lab's, or one
    area's, or those of the meetings held for one programma attuativo, or those
    of one territory (its key, `in_territory`), with their global ranks.
    Practice sessions never count (`periods.counted`). `public`: the territory
    is read from what is published only."""
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).first()
        if process is None:
            raise Rejected("process_not_found")
        facts, clusters, published, territories = _facts(s, process.id, programme_id)
        ranked = rank(facts)
        rows = [_row(i, p, clusters) for i, p in enumerate(ranked, start=1)]
        for row in rows:
            for m in row.meetings:
                m["split"], m["split_columns"] = published[m["cluster_id"]]
                m["by_territory"] = dict(sorted(territories[m["cluster_id"]]["raw"].items()))
                m["territory_split"], m["territory_columns"] = territories[m["cluster_id"]]["published"]
                for key, n in m["by_territory"].items():
                    row.by_territory[key] = row.by_territory.get(key, 0) + n
            row.split, row.split_columns = _combined_split(
                [published[cluster_id] for cluster_id in row.cluster_ids]
            )
            row.territory_split, row.territory_columns = _combined_split(
                [territories[cluster_id]["published"] for cluster_id in row.cluster_ids]
            )
        links: defaultdict[int, list[dict]] = defaultdict(list)
        line_of = {cluster_id: row.cluster_id for row in rows for cluster_id in row.cluster_ids}
        if rows:
            for cluster_id, action in s.exec(
                select(PlanActionCluster.cluster_id, PlanAction)
                .join(PlanAction, col(PlanAction.id) == PlanActionCluster.action_id)
                .where(col(PlanActionCluster.cluster_id).in_(list(line_of)))
                .order_by(col(PlanAction.id))
            ):
                linked = links[line_of[cluster_id]]
                if all(a["id"] != action.id for a in linked):
                    linked.append({"id": action.id, "title": action.title, "state": action.state})
        labs = [{"slug": x.slug, "title": x.title} for x in periods.labs_of(s, process.id)]
    for row in rows:
        row.actions = links.get(row.cluster_id, [])
    in_scope = [
        r
        for r in rows
        if (lab is None or r.lab_slug == lab) and (territory is None or in_territory(r, territory, public))
    ]
    covered = {a for r in in_scope for a in r.areas}
    if area is not None:
        in_scope = [r for r in in_scope if area in r.areas]
    return Consolidation(
        process_slug, process.title, in_scope, labs, [a for a in AREA_CODES if a not in covered]
    )


def published_splits(
    s: Session, cluster_ids: list[int], tables: dict[int, tuple[dict, list[dict]]] | None = None
) -> dict[int, tuple[dict, list[dict]]]:
    """For clusters of closed sessions: (cells as they may be published, columns).

    Read from each session's record, where closing froze the published split
    (services/frozen.py): nothing is counted again. A session frozen before
    that (none once `seed` has run `frozen.freeze_missing_published`) is
    worked out from its frozen tally, as `tally.published_split` does.
    `tables`: the sessions' tables already read (by session id), filled in
    here; the schede of one document share it, so each session is read once."""
    if not cluster_ids:
        return {}
    tables = {} if tables is None else tables
    rows = s.exec(
        select(Cluster.id, Cluster.session_id)
        .join(LiveSession, col(LiveSession.id) == Cluster.session_id)
        .where(
            col(Cluster.id).in_(cluster_ids),
            LiveSession.phase == phases.CHIUSA,
            LiveSession.practice == false(),
        )
    ).all()
    missing = {session_id for _, session_id in rows} - set(tables)
    if missing:
        records = dict(
            s.exec(
                select(SessionSnapshot.session_id, SessionSnapshot.record).where(
                    col(SessionSnapshot.session_id).in_(missing)
                )
            ).all()
        )
        for session_id in sorted(missing):
            frozen_split = (records.get(session_id) or {}).get("published")
            if frozen_split is not None:
                tables[session_id] = (frozen_split["rows"], frozen_split["columns"])
            else:
                live = s.get_one(LiveSession, session_id)  # a cluster's: sessions stay
                tables[session_id] = tally.published_split(s, tally.of_session(s, live))
    out = {}
    for cluster_id, session_id in rows:
        cells, columns = tables[session_id]
        out[cluster_id] = (cells.get(tally.item_key("cluster", cluster_id), {}), columns)
    return out

"""Counting a session's dots, and the results each audience may see.

- **The room** (participants, events, the projector while voting) gets each
  item's total and nothing else: no split by category, no count of dots typed
  in for people without a phone (with one such person, it would be their
  ballot).
- **Staff** (control room, projector) also get the dots typed in per item (the
  control room only) and, once the session is closed, the split by category
  *as it is published* (domain/disclosure.py), frozen at closing: the same
  cells the lab's public page and the open data show.
- The **internal** tally keeps the whole split, for the closing snapshot and
  for the cabina di regia's consolidation; it never leaves the server as is.

A closed session is counted from its frozen snapshot (services/frozen.py),
never again from the votes: erasing a participant, or the retention purge,
removes their dots, but the results they were part of stay as they were.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from workshop.domain import disclosure, results
from workshop.services import views
from workshop.storage.models import (
    Category,
    CategoryGroup,
    LiveSession,
    Note,
    Participant,
    Territory,
    Vote,
)


def item_key(type_: str, id_: int) -> str:
    return f"{type_}:{id_}"


@dataclass
class Tally:
    items: list[dict]  # the room's view of each item, most dots first
    split: dict[str, dict[str, int]]  # item key → dots by the voters' category
    offline: dict[str, int] = field(default_factory=dict)
    voters_by_category: dict[str, int] = field(default_factory=dict)
    participants_by_category: dict[str, int] = field(default_factory=dict)
    dots_placed: int = 0
    voters: int = 0
    published: dict | None = None  # the publishable split, frozen at closing
    # The second cut, by the territory voters said they live or work in
    # (disclosure.UNSTATED for those who did not say); `voter_pairs`: distinct
    # voters by "category|territory", to bound the crossing of the two cuts.
    split_by_territory: dict[str, dict[str, int]] = field(default_factory=dict)
    voters_by_territory: dict[str, int] = field(default_factory=dict)
    participants_by_territory: dict[str, int] = field(default_factory=dict)
    voter_pairs: dict[str, int] = field(default_factory=dict)
    # The territory cut as published, frozen at closing; None for a session
    # closed before it existed (nothing is published by territory for it).
    published_territory: dict | None = None


def _order(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda i: (-i["votes"], i["type"], i["id"]))


def count(s: Session, live: LiveSession) -> Tally:
    """The tally from the votes as they are now (an open session)."""
    # SQLAlchemy's select: SQLModel's is typed for up to four columns.
    votes = s.execute(
        core_select(
            col(Vote.participant_id),
            col(Vote.note_id),
            col(Vote.cluster_id),
            col(Vote.category_key),
            col(Participant.offline),
            col(Participant.territory_key),
        )
        .join(Participant, col(Participant.id) == Vote.participant_id)
        .where(col(Vote.session_id) == live.id)
    ).all()
    split: dict[str, Counter] = defaultdict(Counter)
    offline: Counter = Counter()
    by_territory: dict[str, Counter] = defaultdict(Counter)
    voter_category: dict[int, str] = {}
    voter_territory: dict[int, str] = {}
    for participant_id, note_id, cluster_id, category, is_offline, territory in votes:
        key = item_key("cluster", cluster_id) if cluster_id is not None else item_key("note", note_id)
        split[key][category] += 1
        where = disclosure.voter_territory(territory)
        by_territory[key][where] += 1
        offline[key] += int(is_offline)
        voter_category[participant_id] = category
        voter_territory[participant_id] = where
    items = []
    for cluster in views.live_clusters(s, live.id):
        view = views.cluster_view(cluster, views.Visibility(totals=False, authors=False, staff=False))
        items.append(
            {
                "type": "cluster",
                "id": cluster.id,
                "title": cluster.title,
                "areas": view["areas"],
                "scores": view["scores"],
            }
        )
    loose = s.exec(
        select(Note).where(Note.session_id == live.id, col(Note.cluster_id).is_(None), views.VISIBLE)
    ).all()
    for note in loose:
        if not views.is_secret(note, live):
            items.append({"type": "note", "id": note.id, "title": note.text, "kind": note.kind})
    for item in items:
        item["votes"] = sum(split.get(item_key(item["type"], item["id"]), {}).values())
    joined = Counter(s.exec(select(Participant.category_key).where(Participant.session_id == live.id)).all())
    joined_where = Counter(
        disclosure.voter_territory(k)
        for k in s.exec(select(Participant.territory_key).where(Participant.session_id == live.id)).all()
    )
    pairs = Counter(f"{voter_category[p]}|{voter_territory[p]}" for p in voter_category)
    return Tally(
        items=_order(items),
        split={k: dict(sorted(v.items())) for k, v in split.items()},
        offline={k: n for k, n in offline.items() if n},
        voters_by_category=dict(sorted(Counter(voter_category.values()).items())),
        participants_by_category=dict(sorted(joined.items())),
        dots_placed=len(votes),
        voters=len(voter_category),
        split_by_territory={k: dict(sorted(v.items())) for k, v in by_territory.items()},
        voters_by_territory=dict(sorted(Counter(voter_territory.values()).items())),
        participants_by_territory=dict(sorted(joined_where.items())),
        voter_pairs=dict(sorted(pairs.items())),
    )


def of_session(s: Session, live: LiveSession) -> Tally:
    """The frozen tally of a closed session, the live count of an open one."""
    if live.closed_at is not None:
        from workshop.services import frozen

        found = frozen.tally(s, live)
        if found is not None:
            return found
    return count(s, live)


# -- what each audience sees -------------------------------------------------------


def room_results(t: Tally) -> dict:
    """Results for everyone in the room: totals only (docs/protocol.md §7, Results)."""
    return {"items": [dict(i) for i in t.items], "dots_placed": t.dots_placed, "voters": t.voters}


@dataclass(frozen=True)
class Groups:
    """How categories are grouped for publication, and the labels of the columns."""

    group_of: dict[str, str]
    order: list[str]
    labels: dict[str, str]

    def column_label(self, key: str) -> str:
        if key.endswith("+" + disclosure.OTHER):  # a group that also holds the small ones
            return MERGED_LABEL % {"group": self.labels.get(key.split("+")[0], key)}
        return self.labels.get(key, key)


OTHER_LABEL = "Altre categorie"
MERGED_LABEL = "%(group)s (con altre categorie)"


def groups(s: Session) -> Groups:
    rows = s.exec(select(CategoryGroup).order_by(col(CategoryGroup.position))).all()
    group_of = {c.key: c.group_key for c in s.exec(select(Category)) if c.group_key}
    return Groups(
        group_of, [g.key for g in rows], {**{g.key: g.label for g in rows}, disclosure.OTHER: OTHER_LABEL}
    )


def protected(t: Tally, g: Groups) -> disclosure.Protected:
    """The split of this tally as it may be published."""
    return disclosure.protect(
        {i: t.split.get(i, {}) for i in (item_key(x["type"], x["id"]) for x in t.items)},
        t.voters_by_category,
        g.group_of,
        g.order,
    )


def split_columns(table: disclosure.Protected, g: Groups) -> list[dict]:
    return [{"key": k, "label": g.column_label(k)} for k in table.columns.keys]


def staff_results(s: Session, live: LiveSession, t: Tally, *, offline: bool = True) -> dict:
    """Results for staff: the room's, plus (`offline`) the dots typed in per item
    and, once voting is over, the publishable split."""
    out = room_results(t)
    if offline:
        for item in out["items"]:
            item["offline_votes"] = t.offline.get(item_key(item["type"], item["id"]), 0)
    if results.split_shown(live.phase):
        rows, columns = published_split(s, t)
        out["split_columns"] = columns
        for item in out["items"]:
            item["split"] = rows.get(item_key(item["type"], item["id"]), {})
    return out


TERRITORY_OTHER_LABEL = "Altri territori"
TERRITORY_MERGED_LABEL = "%(group)s (con altri territori)"
UNSTATED_LABEL = "Territorio non indicato"


@dataclass(frozen=True)
class Places:
    """The territories' order and names, for the territory cut's columns."""

    order: list[str]
    names: dict[str, str]

    def column_label(self, key: str) -> str:
        if key.endswith("+" + disclosure.OTHER):
            return TERRITORY_MERGED_LABEL % {"group": self.label(key.split("+")[0])}
        return self.label(key)

    def label(self, key: str) -> str:
        if key == disclosure.OTHER:
            return TERRITORY_OTHER_LABEL
        if key == disclosure.UNSTATED:
            return UNSTATED_LABEL
        return self.names.get(key, key)


def places(s: Session) -> Places:
    rows = s.exec(
        select(Territory).order_by(col(Territory.kind), col(Territory.position), col(Territory.name))
    )
    listed = list(rows)
    return Places([r.key for r in listed], {r.key: r.name for r in listed})


def protected_territories(t: Tally, g: Groups, p: Places) -> disclosure.Protected:
    """The territory cut of this tally as it may be published, beside `protected`."""
    items = [item_key(x["type"], x["id"]) for x in t.items]
    pairs: dict[tuple[str, str], int] = {}
    for key, n in t.voter_pairs.items():
        category, _, territory = key.partition("|")
        pairs[(category, territory)] = n
    return disclosure.protect_territories(
        {i: t.split_by_territory.get(i, {}) for i in items},
        t.voters_by_territory,
        p.order,
        protected(t, g),
        g.group_of,
        pairs,
    )


def published_territory_split(s: Session, t: Tally) -> tuple[dict[str, dict], list[dict]]:
    """(cells by item, columns) of the territory cut as published: frozen at
    closing; nothing for a closed session frozen before the cut existed."""
    if t.published_territory is not None:
        return t.published_territory["rows"], t.published_territory["columns"]
    if t.published is not None:
        return {}, []  # frozen without it: not worked out again from votes that may be gone
    p = places(s)
    table = protected_territories(t, groups(s), p)
    return {str(k): v for k, v in table.rows.items()}, [
        {"key": k, "label": p.column_label(k)} for k in table.columns.keys
    ]


def published_split(s: Session, t: Tally) -> tuple[dict[str, dict], list[dict]]:
    """(cells by item, columns) as published: frozen at closing (services/frozen.py),
    so regrouping categories later publishes no second cut of the same table."""
    if t.published is not None:
        return t.published["rows"], t.published["columns"]
    g = groups(s)
    table = protected(t, g)
    return {str(k): v for k, v in table.rows.items()}, split_columns(table, g)

"""The priority index: the one place where support and the table's scores combine.

For a cluster voted in a closed session:

    support     S  = dots on the cluster / dots available in that session
                     (dots available = participants who voted × dots per participant)
    support_n   Sn = S / (cap / budget), clipped to [0, 1]: the share of the most any
                     cluster could get (everyone putting the per-item cap on it)
    scores      Q  = (mean of impatto, fattibilità, urgenza − 1) / 4, in [0, 1];
                     0 when the table recorded no scores (the item is flagged)
    index          = 100 × (½ Sn + ½ Q)

Because S is a share of *that session's* dots, a lab of 80 people and a lab of
12 weigh the same: what counts is how much of its own room a priority won.

Breadth (how widely a priority is supported across stakeholder categories) is
Pielou's evenness of the dots by category: the Shannon entropy of the split
divided by its maximum, ln(k), where k is the number of categories among the
session's voters. 1 = dots spread evenly over every category present; 0 =
all from one category (or only one category voted).

Breadth is shown to staff beside the index; it orders nothing.

A priority voted in several meetings of its lab (a group carried forward,
services/continuity.py: every group of the line shares its `lineage`) is one
priority, counted once. Its support combines the meetings, each normalised
within its own room first:

    S   = mean of S_m  over the meetings m where it was put to the vote
    Sn  = mean of Sn_m over the same meetings
    Q   = the scores of the latest meeting that scored it (the table judges
          the group as it stands, with what the later meetings added)
    index = 100 × (½ Sn + ½ Q), as above

A meeting counts when anyone voted in it (dots available > 0): one where the
group got no dot counts as 0, since the room could have given it some; a
meeting where nobody voted says nothing and is left out. A mean, not a sum:
meeting again must not make a priority grow by itself, and a meeting of 80
weighs what a meeting of 12 weighs. Breadth is that of the dots of all
those meetings together, over the most categories any of them had voting.
The priority is shown with its latest meeting's group (title, areas); its
dots and dots available are the meetings' sums. «Latest» and «earlier» are
by the day and start time each meeting was held (one without a date: when
it closed), then by session id: sessions can be created out of date order.

Worked by hand (budget 3, cap 2, so Sn_m = S_m × 3/2): meeting 1, 20
voters, 19 dots: S_1 = 19/60 = 0.3167, Sn_1 = 0.475; meeting 2, 10 voters,
6 dots: S_2 = 6/30 = 0.2, Sn_2 = 0.3; scores 3-4-5 at meeting 2 (Q = 0.75).
Sn = (0.475 + 0.3)/2 = 0.3875; index = 100 × (0.19375 + 0.375) = 56.875.

Ties are broken, in order, by: higher support S, higher urgenza, higher
impatto, then the earlier session and cluster (lower ids). (Breadth broke
ties once: the rank is published, and breadth comes from the split by
category, so the order would have told how reserved dots were spread.) For a
priority of several meetings, "the earlier session and cluster" are its
first meeting and the first group of its line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

SUPPORT_WEIGHT = 0.5
SCORES_WEIGHT = 0.5


@dataclass(frozen=True)
class Scores:
    impatto: int
    fattibilita: int
    urgenza: int

    @property
    def component(self) -> float:
        return ((self.impatto + self.fattibilita + self.urgenza) / 3 - 1) / 4


@dataclass(frozen=True)
class ClusterFacts:
    """What the formula needs to know about one voted cluster."""

    session_id: int
    cluster_id: int
    dots: int
    voters: int  # participants who placed at least one dot in the session
    budget: int  # dots per participant
    cap: int  # dots per item
    by_category: dict[str, int] = field(default_factory=dict)
    categories_voting: int = 0  # distinct categories among the session's voters
    scores: Scores | None = None
    # The first group of its line when carried forward from an earlier meeting:
    # the priority it belongs to (None: a line of its own).
    lineage: int | None = None
    # When its meeting was held: the day and start time it was scheduled for (a
    # meeting without a date: when it closed). None: unknown, the session id decides.
    held_at: datetime | None = None

    @property
    def line(self) -> int:
        return self.lineage if self.lineage is not None else self.cluster_id

    @property
    def available(self) -> int:
        return self.voters * self.budget

    @property
    def chronology(self) -> tuple:
        """Its place among the meetings of its line: the day and start time it was
        held, then the session id (sessions can be created out of date order)."""
        when = self.held_at
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)  # stored moments are UTC
        return (when.timestamp() if when is not None else -math.inf, self.session_id, self.cluster_id)


@dataclass(frozen=True)
class Priority:
    facts: ClusterFacts
    support: float
    support_normalized: float
    scores_component: float
    index: float
    breadth: float
    scored: bool
    # Every meeting's group of this priority, earliest first (one for most).
    meetings: tuple[ClusterFacts, ...] = ()
    # The scores the index used (the latest meeting's that has any).
    scores: Scores | None = None

    @property
    def dots(self) -> int:
        return sum(m.dots for m in self.meetings)

    @property
    def voters(self) -> int:
        return sum(m.voters for m in self.meetings)

    @property
    def available(self) -> int:
        return sum(m.available for m in self.meetings)

    def sort_key(self):
        urgenza = self.scores.urgenza if self.scores else 0
        impatto = self.scores.impatto if self.scores else 0
        first = self.meetings[0] if self.meetings else self.facts
        # Not breadth: the rank is published, and an order decided by breadth, a
        # function of the split by category, would say of two items with the same
        # published row how their reserved dots were spread (domain/disclosure.py).
        return (
            -round(self.index, 9),
            -round(self.support, 9),
            -urgenza,
            -impatto,
            first.session_id,
            first.line,
        )


def breadth(by_category: dict[str, int], categories_voting: int) -> float:
    total = sum(by_category.values())
    k = max(categories_voting, len([n for n in by_category.values() if n]))
    if total == 0 or k <= 1:
        return 0.0
    entropy = -sum(n / total * math.log(n / total) for n in by_category.values() if n)
    return entropy / math.log(k)


def room_support(facts: ClusterFacts) -> tuple[float, float]:
    """(S, Sn) of one group within its own meeting's room."""
    support = facts.dots / facts.available if facts.available else 0.0
    ceiling = facts.cap / facts.budget
    return support, (min(1.0, support / ceiling) if ceiling else 0.0)


def priority(*meetings: ClusterFacts) -> Priority:
    """One priority from the groups that carried it in each meeting (one or more,
    of the same line): support per room, then their mean (module docstring)."""
    if not meetings:
        raise ValueError("a priority needs at least one meeting")
    meetings = tuple(sorted(meetings, key=lambda f: f.chronology))
    latest = meetings[-1]
    voted = [m for m in meetings if m.available] or [latest]
    supports = [room_support(m) for m in voted]
    support = sum(s for s, _ in supports) / len(supports)
    support_n = sum(n for _, n in supports) / len(supports)
    scored = [m.scores for m in meetings if m.scores is not None]
    scores = scored[-1] if scored else None
    component = scores.component if scores else 0.0
    index = 100 * (SUPPORT_WEIGHT * support_n + SCORES_WEIGHT * component)
    by_category: dict[str, int] = {}
    for m in voted:
        for key, n in m.by_category.items():
            by_category[key] = by_category.get(key, 0) + n
    spread = breadth(by_category, max(m.categories_voting for m in voted))
    return Priority(
        latest, support, support_n, component, index, spread, scores is not None, meetings, scores
    )


def rank(all_facts: list[ClusterFacts]) -> list[Priority]:
    """Every priority, best first, with the documented tie-breaks: the groups of
    one line (carried forward across meetings) make one priority."""
    lines: dict[int, list[ClusterFacts]] = {}
    for f in all_facts:
        lines.setdefault(f.line, []).append(f)
    return sorted((priority(*group) for group in lines.values()), key=Priority.sort_key)

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

Ties are broken, in order, by: higher support S, higher urgenza, higher
impatto, then the earlier session and cluster (lower ids). (Breadth broke
ties once: the rank is published, and breadth comes from the split by
category, so the order would have told how reserved dots were spread.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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
    voters: int           # participants who placed at least one dot in the session
    budget: int           # dots per participant
    cap: int              # dots per item
    by_category: dict[str, int] = field(default_factory=dict)
    categories_voting: int = 0  # distinct categories among the session's voters
    scores: Scores | None = None


@dataclass(frozen=True)
class Priority:
    facts: ClusterFacts
    support: float
    support_normalized: float
    scores_component: float
    index: float
    breadth: float
    scored: bool

    def sort_key(self):
        f = self.facts
        urgenza = f.scores.urgenza if f.scores else 0
        impatto = f.scores.impatto if f.scores else 0
        # Not breadth: the rank is published, and an order decided by breadth, a
        # function of the split by category, would say of two items with the same
        # published row how their reserved dots were spread (domain/disclosure.py).
        return (-round(self.index, 9), -round(self.support, 9), -urgenza, -impatto,
                f.session_id, f.cluster_id)


def breadth(by_category: dict[str, int], categories_voting: int) -> float:
    total = sum(by_category.values())
    k = max(categories_voting, len([n for n in by_category.values() if n]))
    if total == 0 or k <= 1:
        return 0.0
    entropy = -sum(n / total * math.log(n / total) for n in by_category.values() if n)
    return entropy / math.log(k)


def priority(facts: ClusterFacts) -> Priority:
    available = facts.voters * facts.budget
    support = facts.dots / available if available else 0.0
    ceiling = facts.cap / facts.budget
    support_n = min(1.0, support / ceiling) if ceiling else 0.0
    scores = facts.scores.component if facts.scores else 0.0
    index = 100 * (SUPPORT_WEIGHT * support_n + SCORES_WEIGHT * scores)
    return Priority(facts, support, support_n, scores, index,
                    breadth(facts.by_category, facts.categories_voting), facts.scores is not None)


def rank(all_facts: list[ClusterFacts]) -> list[Priority]:
    """Every cluster's priority, best first, with the documented tie-breaks."""
    return sorted((priority(f) for f in all_facts), key=Priority.sort_key)

"""Statistical disclosure control: which counts by stakeholder category may be published.

A session's dots form a table: one row per voted item (a cluster, or a note
left outside clusters), one column per stakeholder category, and the row
total (the item's dots) is always published. A reader who knows the row
total and the published cells can work out a hidden cell if it is the only
one hidden in its row, or if the hidden cells of the row add up to nothing.
And with few people in a category, even a hidden cell tells something: that
the one *sindacato* member of the room voted this item.

So what is published about a session is built in three steps, here:

1. **Columns.** Categories are published by *group* (cittadini, terzo settore,
   enti pubblici…, `category_group` in the database). A group with fewer than
   5 voters in the session is pooled with the other such groups into one
   column, «Altre categorie» (`OTHER`). If that pool still has fewer than 5
   voters, it joins the smallest group that has enough («Enti pubblici e
   scuola (con altre categorie)»): a handful of people is never a column.
   (Only when nobody has enough, the session has fewer than 5 voters in all,
   and a lone column says no more than the totals.)
2. **Primary suppression.** A cell of 1 to 4 dots is hidden.
3. **Secondary suppression.** In every row with a hidden cell, at least two
   cells are hidden (the smallest published one joins a lone hidden cell).
   Then, from the row total and the published cells, each hidden cell can be
   anything from 0 to what the hidden cells hold together (at least the one
   dot of the primary cell): never pinned to one value.

Only row totals are published beside the table (no column totals: dots per
group are never published), so rows do not constrain each other and the
rule holds row by row. Every public output (the lab's page, the projector,
the open data, the schede) takes its cells from `protect`, so the same cell
is never published twice in two different cuts. `tests/disclosure_checker.py`
checks all of this from outside, by solving the linear constraints a reader
can write down from everything published.

The category of a note's author is published only where at least 5 people of
that category (or else of its group) took part in the session
(`author_label`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

THRESHOLD = 5
OTHER = "altre"  # the pooled column of groups with fewer than THRESHOLD voters


@dataclass(frozen=True)
class Columns:
    """The published columns of one session, in order."""

    keys: tuple[str, ...]
    of_group: Mapping[str, str]  # group key → the column it is published in

    def column_of(self, category: str, group_of: Mapping[str, str]) -> str:
        return self.of_group.get(group_of.get(category, OTHER), OTHER)


@dataclass(frozen=True)
class Protected:
    """A session's split as it may be published: `None` marks a hidden cell."""

    columns: Columns
    rows: dict[Hashable, dict[str, int | None]]
    totals: dict[Hashable, int]

    def hidden(self) -> set[tuple[Hashable, str]]:
        return {(r, c) for r, cells in self.rows.items() for c, v in cells.items() if v is None}


def columns(voters: Mapping[str, int], group_of: Mapping[str, str],
            group_order: list[str]) -> Columns:
    """Groups with enough voters get a column each; the others share `OTHER`.

    `voters`: distinct voters of the session by category."""
    by_group: Counter = Counter()
    for category, n in voters.items():
        by_group[group_of.get(category, OTHER)] += n
    known = [g for g in group_order if g != OTHER]
    big = [g for g in known if by_group[g] >= THRESHOLD]
    pooled = sum(n for g, n in by_group.items() if g not in big)
    pool = OTHER
    if 0 < pooled < THRESHOLD and big:
        host = min(big, key=lambda g: (by_group[g], big.index(g)))
        pool = merged(host)
        big[big.index(host)] = pool
    of_group = {g: (g if g in big else pool) for g in [*known, *by_group]}
    keys = tuple(big) + ((OTHER,) if pooled and pool == OTHER else ())
    return Columns(keys, of_group)


def merged(group: str) -> str:
    """The key of a group's column when it also holds the pool of small groups."""
    return f"{group}+{OTHER}"


def _protect_row(cells: dict[str, int]) -> dict[str, int | None]:
    if len(cells) < 2:
        return dict(cells)  # one column: the published total says as much, for everyone
    hidden = {c for c, v in cells.items() if 0 < v < THRESHOLD}
    order = list(cells)
    while hidden and len(hidden) < 2:
        # The smallest published cell goes too (a zero costs nothing): then the
        # total minus the published cells is shared by two, and pins neither.
        hidden.add(min((c for c in order if c not in hidden), key=lambda c: (cells[c], order.index(c))))
    return {c: (None if c in hidden else v) for c, v in cells.items()}


def protect(split: Mapping[Hashable, Mapping[str, int]], voters: Mapping[str, int],
            group_of: Mapping[str, str], group_order: list[str]) -> Protected:
    """The publishable split of one session.

    `split`: each item's dots by the voters' categories; `voters`: distinct
    voters by category; `group_of`: category → group; `group_order`: groups
    in the order they are shown."""
    cols = columns(voters, group_of, group_order)
    rows, totals = {}, {}
    for item, by_category in split.items():
        cells = dict.fromkeys(cols.keys, 0)
        for category, n in by_category.items():
            if n:
                cells[cols.column_of(category, group_of)] += n
        rows[item] = _protect_row(cells)
        totals[item] = sum(by_category.values())
    return Protected(cols, rows, totals)


def author_label(category: str, participants: Mapping[str, int], group_of: Mapping[str, str]
                 ) -> tuple[str, str] | None:
    """What may be published of a note's author: ("categoria", key) if at least
    THRESHOLD people of that category took part in the session, else
    ("gruppo", key) if its group had that many, else nothing."""
    if participants.get(category, 0) >= THRESHOLD:
        return "categoria", category
    group = group_of.get(category)
    if group is not None and sum(n for c, n in participants.items()
                                 if group_of.get(c) == group) >= THRESHOLD:
        return "gruppo", group
    return None

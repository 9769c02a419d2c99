"""Statistical disclosure control: which counts by stakeholder category may be published.

A session's dots form a table: one row per voted item (a cluster, or a note
left outside clusters), one column per stakeholder category, and the row
total (the item's dots) is always published. A reader who knows the row
total and the published cells can work out a hidden cell if it is the only
one hidden in its row; one who also knows *how* cells were chosen for hiding
(this rule is public) can work out more: hide "the smallest published cell"
beside a small one and a «riservato / 5 / riservato» of 14 can only be
5, 5, 4. And with few people in a category, even a hidden cell tells
something: that the one *sindacato* member of the room voted this item.

So what is published about a session is built in two steps, here:

1. **Columns.** Categories are published by *group* (cittadini, terzo settore,
   enti pubblici…, `category_group` in the database). A group with fewer than
   5 voters in the session is pooled with the other such groups into one
   column, «Altre categorie» (`OTHER`). If that pool still has fewer than 5
   voters, it joins the smallest group that has enough («Enti pubblici e
   scuola (con altre categorie)»): a handful of people is never a column.
   (Only when nobody has enough, the session has fewer than 5 voters in all,
   and a lone column says no more than the totals.)
2. **A row with any count of 1 to 4 shows only its total.** Every cell of it
   is «riservato», whatever the others hold: which cells are hidden then
   says nothing of their values (only that one of them is small), and with
   two columns or more no hidden cell is ever pinned, not even by a reader
   who knows this rule (a row's cells can always be exchanged). A row whose
   cells are all 0 or at least 5 is published whole.

Only row totals are published beside the table (no column totals: dots per
group are never published), so rows do not constrain each other and the
rule holds row by row. Every public output (the lab's page, the projector,
the open data, the schede) takes its cells from the table frozen at closing
(services/frozen.py), so the same cell is never published in two versions or
two cuts. The test suite checks it from outside twice over: by solving the
linear constraints a reader can write down from everything published
(`tests/disclosure_checker.py`), and by trying every table that this rule
would publish the same way.

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


def columns(voters: Mapping[str, int], group_of: Mapping[str, str], group_order: list[str]) -> Columns:
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


def protect_row(cells: dict[str, int]) -> dict[str, int | None]:
    """One item's cells as published: all of them, or none if any is small."""
    if len(cells) < 2:
        return dict(cells)  # one column: the published total says as much, for everyone
    if any(0 < v < THRESHOLD for v in cells.values()):
        return dict.fromkeys(cells)
    return dict(cells)


def protect(
    split: Mapping[Hashable, Mapping[str, int]],
    voters: Mapping[str, int],
    group_of: Mapping[str, str],
    group_order: list[str],
) -> Protected:
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
        rows[item] = protect_row(cells)
        totals[item] = sum(by_category.values())
    return Protected(cols, rows, totals)


def author_label(
    category: str, participants: Mapping[str, int], group_of: Mapping[str, str]
) -> tuple[str, str] | None:
    """What may be published of a note's author: ("categoria", key) if at least
    THRESHOLD people of that category took part in the session, else
    ("gruppo", key) if its group had that many, else nothing."""
    if participants.get(category, 0) >= THRESHOLD:
        return "categoria", category
    group = group_of.get(category)
    if group is not None and sum(n for c, n in participants.items() if group_of.get(c) == group) >= THRESHOLD:
        return "gruppo", group
    return None


# -- a second cut: where voters live or work --------------------------------------
#
# A participant may say which territory they live or work in (optional). The
# same session's dots are then published in a second table, item × territory,
# built by the same two steps: each territory is a group of its own, and so
# are those who did not say (`UNSTATED`); territories with fewer than 5 voters
# are pooled, and a row with any count of 1 to 4 shows only its total.
#
# Two tables of one row share only its total, so neither helps to work out a
# hidden cell of the other. But together they bound the cells of the table no
# one publishes, category × territory: a reader who sees 7 of 12 dots from
# «cittadini» and 7 of 12 from «Albinea» knows that at least 7 + 7 − 12 = 2
# came from citizens of Albinea. If fewer than 5 such people voted in the
# session, that says one of them voted the item. So a row's territory cells
# are published only when every such lower bound is 0, or falls on a pair of
# columns with at least 5 voters (`crossing_safe`); otherwise the territory
# row shows only its total, like a row with a small count. The bound is exact:
# with both rows of an item published whole, the smallest value the crossed
# cell can take is max(0, a + x − total), and a reserved row bounds nothing.

UNSTATED = "nd"  # the territory column of those who did not say


def voter_territory(territory: str | None) -> str:
    return territory or UNSTATED


def crossing_safe(
    categories: Mapping[str, int | None],
    territories: Mapping[str, int | None],
    total: int,
    pair_voters: Mapping[tuple[str, str], int],
) -> bool:
    """Whether one item's category row and territory row may both be published:
    no pair of published cells shows that someone of a small crossing
    (category column × territory column, fewer than THRESHOLD voters) voted it."""
    if len(categories) < 2 or len(territories) < 2:
        return True  # a lone column says what the total says
    for c, a in categories.items():
        for t, x in territories.items():
            if a is None or x is None:
                continue
            if a + x - total >= 1 and pair_voters.get((c, t), 0) < THRESHOLD:
                return False
    return True


def protect_territories(
    split: Mapping[Hashable, Mapping[str, int]],
    voters: Mapping[str, int],
    order: list[str],
    categories: Protected,
    group_of: Mapping[str, str],
    pair_voters: Mapping[tuple[str, str], int],
) -> Protected:
    """The publishable split of one session by the voters' territory.

    `split`: each item's dots by territory key (`UNSTATED` for those who did
    not say); `voters`: distinct voters by territory; `order`: the territories
    in the order they are shown; `categories`: the same session's published
    category table (`protect`) and `group_of` the category → group map it was
    built with; `pair_voters`: distinct voters by (category, territory), to
    count the crossings of the published columns."""
    own = {k: k for k in [*order, UNSTATED, *voters]}
    table = protect(split, voters, own, [*order, UNSTATED])
    crossing: Counter = Counter()
    for (category, territory), n in pair_voters.items():
        column = categories.columns.column_of(category, group_of)
        crossing[(column, table.columns.column_of(territory, own))] += n
    rows = {
        item: (
            cells
            if crossing_safe(categories.rows.get(item, {}), cells, table.totals[item], crossing)
            else dict.fromkeys(cells)
        )
        for item, cells in table.rows.items()
    }
    return Protected(table.columns, rows, table.totals)

"""The second cut: dots by the voters' territory, published beside the split by category.

Each cut alone obeys the category rule; together they bound the table no one
publishes (category × territory), so a row's territory cells are published only
where no pair of published cells shows that someone of a crossing of fewer than 5
people voted it. Checked by a reader who solves both cuts together
(tests/disclosure_checker.recover_crossed)."""

import random
from collections import Counter

from tests.disclosure_checker import Published, recover, recover_crossed
from tests.domain.test_disclosure import GROUP_OF, GROUPS
from workshop.domain.disclosure import (
    OTHER,
    THRESHOLD,
    UNSTATED,
    crossing_safe,
    protect,
    protect_territories,
    voter_territory,
)

TERRITORIES = ["albinea", "polo-nord", "polo-sud"]


def tables(people: list[tuple[str, str | None, dict[str, int]]]):
    """(categories, territories) published for a session of people: (category,
    territory or None, dots by item)."""
    split, by_territory = {}, {}
    voters, territory_voters, pairs = Counter(), Counter(), Counter()
    for category, territory, ballot in people:
        where = voter_territory(territory)
        if sum(ballot.values()):
            voters[category] += 1
            territory_voters[where] += 1
            pairs[(category, where)] += 1
        for item, n in ballot.items():
            split.setdefault(item, Counter())[category] += n
            by_territory.setdefault(item, Counter())[where] += n
    categories = protect(split, voters, GROUP_OF, GROUPS)
    territories = protect_territories(
        by_territory, territory_voters, TERRITORIES, categories, GROUP_OF, pairs
    )
    return categories, territories, pairs


def reader_sees(categories, territories) -> Published:
    pub = Published()
    for table, cut in ((categories, None), (territories, "territorio")):
        for row, cells in table.rows.items():
            pub.total(row, table.totals[row])
            for col, value in cells.items():
                pub.cell(row, col if cut is None else (cut, col), value)
    return pub


def small_crossings(categories, territories, pairs) -> set:
    """Crossings of published columns with fewer than 5 voters: what a reader who
    knows the room may know."""
    crossing = Counter()
    for (category, territory), n in pairs.items():
        column = categories.columns.column_of(category, GROUP_OF)
        crossing[(column, territories.columns.column_of(territory, {territory: territory}))] += n
    every = {(c, t) for c in categories.columns.keys for t in territories.columns.keys}
    return {pair for pair in every if crossing[pair] < THRESHOLD}


def test_the_crossing_of_two_cuts_can_show_that_a_small_group_voted_and_is_withheld():
    """7 of 12 dots from citizens and 7 of 12 from Albinea: at least 2 from citizens
    of Albinea, and only 1 citizen of Albinea voted. Each cut alone is fine."""
    people = (
        [("cittadino", "albinea", {"casa": 2})]  # the one citizen of Albinea
        + [("cittadino", "polo-nord", {"casa": 1, "altro": 1})] * 5
        + [("ausl", "albinea", {"casa": 1, "altro": 1})] * 5
        + [("ausl", "polo-nord", {"altro": 2})]
    )
    categories, territories, pairs = tables(people)
    assert categories.rows["casa"] == {"cittadini": 7, "enti_pubblici": 5}
    assert territories.totals["casa"] == 12
    # Published as each cut alone would publish it, the crossing gives it away.
    naive = protect(
        {"casa": {"albinea": 7, "polo-nord": 5}},
        {"albinea": 6, "polo-nord": 6},
        {"albinea": "albinea", "polo-nord": "polo-nord"},
        TERRITORIES,
    )
    both = Published()
    both.total("casa", 12)
    for col, value in categories.rows["casa"].items():
        both.cell("casa", col, value)
    for col, value in naive.rows["casa"].items():
        both.cell("casa", ("territorio", col), value)
    assert recover(both) == []  # no cut alone leaks
    assert [leak.kind for leak in recover_crossed(both, {("cittadini", "albinea")})] == [
        "someone of a small crossing voted it"
    ]
    # The rule withholds that territory row, and nothing is left to find.
    assert territories.rows["casa"] == {"albinea": None, "polo-nord": None}
    pub = reader_sees(categories, territories)
    assert recover(pub) == [] and recover_crossed(pub, small_crossings(categories, territories, pairs)) == []


def test_with_enough_people_in_every_crossing_both_cuts_are_published():
    people = (
        [("cittadino", "albinea", {"casa": 1, "altro": 1})] * 5
        + [("cittadino", "polo-nord", {"casa": 2})] * 5
        + [("ausl", "albinea", {"casa": 1, "altro": 1})] * 5
        + [("ausl", "polo-nord", {"altro": 2})] * 5
    )
    categories, territories, pairs = tables(people)
    assert territories.rows["casa"] == {"albinea": 10, "polo-nord": 10}
    assert categories.rows["casa"] == {"cittadini": 15, "enti_pubblici": 5}
    pub = reader_sees(categories, territories)
    assert recover(pub) == [] and recover_crossed(pub, small_crossings(categories, territories, pairs)) == []


def test_those_who_did_not_say_are_a_column_or_pooled_like_a_small_territory():
    people = [("cittadino", None, {"casa": 1})] * 6 + [("ausl", "albinea", {"casa": 1})] * 2
    _, territories, _ = tables(people)
    # Albinea (2 voters) joins the smallest column with 5: those who did not say.
    assert territories.columns.keys == (f"{UNSTATED}+{OTHER}",)
    people += [("ausl", "polo-sud", {"casa": 1})] * 5
    _, territories, _ = tables(people)
    assert territories.columns.keys == ("polo-sud+altre", UNSTATED)


def test_a_lone_column_in_either_cut_bounds_no_crossing():
    assert crossing_safe({"tutti": 12}, {"a": 7, "b": 5}, 12, {})
    assert crossing_safe({"c": 7, "e": 5}, {"tutti": 12}, 12, {})
    assert not crossing_safe({"c": 7, "e": 5}, {"a": 7, "b": 5}, 12, {("c", "a"): 4})
    assert crossing_safe({"c": 7, "e": 5}, {"a": 5, "b": 7}, 12, {("c", "a"): 4, ("c", "b"): 5})
    assert crossing_safe({"c": None, "e": None}, {"a": 7, "b": 5}, 12, {})


def random_people(rng: random.Random) -> list:
    people = []
    items = [f"i{k}" for k in range(rng.randint(1, 6))]
    cap, budget = rng.choice([(1, 3), (2, 3), (2, 5), (3, 10)])
    for _ in range(rng.randint(3, 40)):
        category = rng.choice(list(GROUP_OF))
        territory = rng.choice([*TERRITORIES, None, "albinea"])
        chosen = [rng.choice(items) for _ in range(rng.randint(0, budget))]
        people.append((category, territory, {i: min(cap, chosen.count(i)) for i in set(chosen)}))
    return people


def test_random_sessions_leave_nothing_to_recover_from_both_cuts_together():
    published_whole = 0
    for seed in range(120):
        categories, territories, pairs = tables(random_people(random.Random(seed)))
        pub = reader_sees(categories, territories)
        assert recover(pub) == [], seed
        assert recover_crossed(pub, small_crossings(categories, territories, pairs)) == [], seed
        published_whole += sum(
            1 for cells in territories.rows.values() if len(cells) > 1 and None not in cells.values()
        )
    assert published_whole > 20  # and it still says something

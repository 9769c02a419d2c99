"""What may be published of the dots by category: the rule, checked by a reader who solves
the linear constraints of everything published (tests/disclosure_checker.py)."""

import random

from tests.disclosure_checker import Published, recover, recover_by_rule
from workshop.domain.disclosure import OTHER, author_label, columns, protect, protect_row

GROUP_OF = {
    "cittadino": "cittadini",
    "associazione": "terzo_settore",
    "cooperativa_sociale": "terzo_settore",
    "sindacato": "terzo_settore",
    "ausl": "enti_pubblici",
    "asp": "enti_pubblici",
    "comune": "enti_pubblici",
    "scuola": "enti_pubblici",
}
GROUPS = ["cittadini", "terzo_settore", "enti_pubblici"]


def rule_reader_finds(protected) -> list:
    """What a reader who knows the rule recovers, row by row."""
    keys = list(protected.columns.keys)
    return [
        leak
        for row, cells in protected.rows.items()
        for leak in recover_by_rule(protect_row, keys, protected.totals[row], cells)
    ]


def reader_sees(protected) -> Published:
    """What a reader collects from a published table: totals, cells, hidden marks."""
    pub = Published()
    for row, cells in protected.rows.items():
        pub.total(row, protected.totals[row])
        for col, value in cells.items():
            pub.cell(row, col, value)
    return pub


def test_the_reported_leak_is_found_by_the_checker_and_closed_by_the_rule():
    """«A group with 2 dots, all from sindacato»: the old page showed only «sindacato <5»
    beside «2 punti»; the reader takes the total."""
    old = Published()
    old.total("gruppo", 2)
    old.cell("gruppo", "sindacato", None)  # categories with 0 dots were left out
    assert [leak.kind for leak in recover(old)] == ["recovered"]

    voters = {
        "cittadino": 6,
        "associazione": 3,
        "cooperativa_sociale": 2,
        "sindacato": 1,
        "ausl": 4,
        "comune": 3,
    }
    split = {"gruppo": {"sindacato": 2}, "altro": {"cittadino": 6, "ausl": 5, "associazione": 1}}
    protected = protect(split, voters, GROUP_OF, GROUPS)
    assert recover(reader_sees(protected)) == [] and rule_reader_finds(protected) == []
    assert protected.rows["gruppo"] == dict.fromkeys(("cittadini", "terzo_settore", "enti_pubblici"))
    assert protected.columns.keys == ("cittadini", "terzo_settore", "enti_pubblici")


def test_the_reviewed_leaks_of_hiding_the_smallest_cell_are_found_and_closed():
    """Hiding «the smallest published cell» beside a small one: a reader who knows
    that rule took «riservato / 5 / riservato» of 14 back to 5, 5, 4."""

    def smallest_too(cells):
        hidden = {c for c, v in cells.items() if 0 < v < 5}
        order = list(cells)
        while hidden and len(hidden) < 2:
            hidden.add(min((c for c in order if c not in hidden), key=lambda c: (cells[c], order.index(c))))
        return {c: None if c in hidden else v for c, v in cells.items()}

    cols = ["a", "b", "c"]
    published = smallest_too({"a": 5, "b": 5, "c": 4})
    assert published == {"a": None, "b": 5, "c": None}
    assert recover(Published(totals={"r": 14}, cells={("r", "b"): 5}, hidden={("r", "a"), ("r", "c")})) == []
    assert {leak.cell for leak in recover_by_rule(smallest_too, cols, 14, published)} == {("a",), ("c",)}
    for cells in ({"a": 5, "b": 5, "c": 4}, {"a": 0, "b": 0, "c": 1}, {"a": 1, "b": 1, "c": 1}):
        assert recover_by_rule(protect_row, cols, sum(cells.values()), protect_row(cells)) == []


def test_a_row_with_a_small_count_shows_only_its_total():
    voters = {"cittadino": 8, "associazione": 6, "ausl": 7}
    protected = protect(
        {
            "x": {"cittadino": 9, "associazione": 3, "ausl": 6},
            "y": {"cittadino": 9, "associazione": 0, "ausl": 6},
        },
        voters,
        GROUP_OF,
        GROUPS,
    )
    assert protected.rows["x"] == dict.fromkeys(("cittadini", "terzo_settore", "enti_pubblici"))
    assert protected.rows["y"] == {"cittadini": 9, "terzo_settore": 0, "enti_pubblici": 6}
    assert recover(reader_sees(protected)) == [] and rule_reader_finds(protected) == []


def test_groups_of_few_voters_are_pooled_and_a_small_pool_joins_the_smallest_group():
    voters = {"cittadino": 8, "associazione": 6, "sindacato": 2, "ausl": 3, "comune": 2}
    cols = columns(voters, GROUP_OF, GROUPS)
    assert cols.keys == ("cittadini", "terzo_settore", "enti_pubblici")  # 8, 8, 5
    voters = {"cittadino": 8, "ausl": 6, "associazione": 1, "sindacato": 2, "asp": 1}
    assert columns(voters, GROUP_OF, GROUPS).keys == ("cittadini", "enti_pubblici+altre")
    voters = {"cittadino": 8, "ausl": 2, "associazione": 2, "asp": 1, "sindacato": 1}
    assert columns(voters, GROUP_OF, GROUPS).keys == ("cittadini", OTHER)  # the pool has 6
    # With a handful of union members pooled into a big group's column, its cells
    # never tell whether one of them voted.
    voters = {"cittadino": 10, "ausl": 9, "sindacato": 1}
    protected = protect(
        {
            "a": {"cittadino": 12, "ausl": 8, "sindacato": 2},
            "b": {"cittadino": 6, "ausl": 5},
            "c": {"sindacato": 1},
        },
        voters,
        GROUP_OF,
        GROUPS,
    )
    assert protected.columns.keys == ("cittadini", "enti_pubblici+altre")
    assert protected.rows["c"] == {"cittadini": None, "enti_pubblici+altre": None}
    assert protected.rows["a"] == {"cittadini": 12, "enti_pubblici+altre": 10}
    assert recover(reader_sees(protected)) == [] and rule_reader_finds(protected) == []


def test_nothing_to_hide_in_an_item_nobody_voted():
    voters = {"cittadino": 10, "ausl": 6}
    protected = protect({"z": {}}, voters, GROUP_OF, GROUPS)
    assert protected.rows["z"] == {"cittadini": 0, "enti_pubblici": 0}


def test_a_checker_that_can_fail_catches_each_kind_of_leak():
    pub = Published(small={"p"})
    pub.total("r", 10)
    pub.cell("r", "a", 3)  # a small count published
    pub.cell("r", "b", None)
    pub.cell("r", "p", None)
    pub.cell("s", "a", 4)
    pub.total("s", 9)
    pub.cell("s", "b", 5)
    pub.cell("s", "p", None)  # pinned: 9 − 4 − 5 = 0… and the cell of 4 is published
    kinds = sorted(leak.kind for leak in recover(pub))
    assert kinds == ["published small count", "published small count", "recovered"]
    pub = Published(small={"p"})
    for row, total in (("r", 10), ("s", 8)):
        pub.total(row, total)
        pub.cell(row, "a", 6)
        pub.cell(row, "p", None)
        pub.cell(row, "b", None)
    pub.facts.append(({("r", "b"): 1, ("s", "b"): 1}, 1))  # e.g. a column total published elsewhere
    exposed = "someone of a small column voted it"
    assert {(leak.kind, leak.cell) for leak in recover(pub)} == {(exposed, ("r", "p")), (exposed, ("s", "p"))}
    pub = Published()
    pub.cell("r", "a", 6)
    pub.cell("r", "a", None)
    assert [leak.kind for leak in recover(pub)] == ["conflict"]


def random_session(rng: random.Random) -> tuple[dict, dict]:
    """Voters by category and each item's dots by category, within budget and cap."""
    people = {c: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9]) for c in GROUP_OF}
    voters = {c: n for c, n in people.items() if n}
    items = [f"i{k}" for k in range(rng.randint(1, 9))]
    cap, budget = rng.choice([(1, 3), (2, 3), (2, 5), (3, 10)])
    split = {i: {} for i in items}
    for category, n in voters.items():
        for _ in range(n):
            ballot = [rng.choice(items) for _ in range(rng.randint(1, budget))]
            for item in set(ballot):
                split[item][category] = split[item].get(category, 0) + min(cap, ballot.count(item))
    return voters, split


def test_random_sessions_leave_nothing_to_recover():
    for seed in range(150):
        voters, split = random_session(random.Random(seed))
        protected = protect(split, voters, GROUP_OF, GROUPS)
        assert recover(reader_sees(protected)) == [], (seed, split, protected.rows)
        assert rule_reader_finds(protected) == [], (seed, split, protected.rows)
        for row, cells in protected.rows.items():
            assert sum(v for v in cells.values() if v is not None) <= protected.totals[row]
        # No column stands for fewer than 5 people (unless it is the only one,
        # and then it is the totals).
        keys = protected.columns.keys
        for key in keys:
            people = sum(n for c, n in voters.items() if protected.columns.column_of(c, GROUP_OF) == key)
            assert people >= 5 or len(keys) == 1, (seed, key, people)


def test_a_lab_of_twenty_still_says_something():
    """Coarser columns: groups of enough people publish their larger counts."""
    voters = {
        "cittadino": 7,
        "associazione": 3,
        "cooperativa_sociale": 3,
        "sindacato": 1,
        "ausl": 2,
        "asp": 2,
        "comune": 2,
    }
    split = {
        "A2": {"cittadino": 9, "associazione": 3, "cooperativa_sociale": 3, "ausl": 3, "comune": 2},
        "A3": {"cittadino": 4, "cooperativa_sociale": 4, "sindacato": 2, "asp": 4, "comune": 3},
    }
    protected = protect(split, voters, GROUP_OF, GROUPS)
    assert protected.rows["A2"] == {"cittadini": 9, "terzo_settore": 6, "enti_pubblici": 5}
    assert protected.rows["A3"] == dict.fromkeys(("cittadini", "terzo_settore", "enti_pubblici"))
    assert recover(reader_sees(protected)) == [] and rule_reader_finds(protected) == []


def test_the_author_category_only_where_enough_people_share_it():
    participants = {"cittadino": 6, "sindacato": 1, "associazione": 3, "cooperativa_sociale": 2}
    assert author_label("cittadino", participants, GROUP_OF) == ("categoria", "cittadino")
    assert author_label("sindacato", participants, GROUP_OF) == ("gruppo", "terzo_settore")
    assert author_label("ausl", {"ausl": 2, "cittadino": 9}, GROUP_OF) is None

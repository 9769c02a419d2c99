"""A careful reader of published counts: tries to work every hidden cell out again.

Independent of `workshop.domain.disclosure` on purpose: it knows nothing of
how cells were chosen, only what was published. For each session it collects
every published number (row totals, published cells, any other linear fact
published beside them, e.g. a column total) and, for each hidden cell, solves
two linear programmes (the smallest and the largest value the cell can take
with every count ≥ 0). A hidden cell is *recovered* if its range is a single
value; a hidden cell of a small column (fewer than 5 people) is *exposed* if
its range excludes 0, i.e. one can tell that someone of that handful voted.
A published cell of 1 to 4 is a leak outright, and so is the same cell
published with two values in two places.

Two cuts of one table (by category, and by the voters' territory: a column
named `("territorio", key)`) share only each row's total. `recover` solves each
cut's row on its own; `recover_crossed` solves both together, over the table
no one publishes (category × territory), and also says which of its cells a
reader can tell are not 0: a crossing of fewer than 5 people (`small_pairs`,
what a reader who knows the room might know) is *exposed* if so.

`recover_by_rule` is the other reader: one who knows the publication rule
(it is public) and tries every table that the rule would publish the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

THRESHOLD = 5


@dataclass
class Published:
    """What a reader collected about one session's table of dots."""

    totals: dict = field(default_factory=dict)  # row → published total
    cells: dict = field(default_factory=dict)  # (row, col) → published value
    hidden: set = field(default_factory=set)  # (row, col) shown as hidden
    small: set = field(default_factory=set)  # columns of fewer than 5 people
    facts: list = field(default_factory=list)  # ({(row, col): coeff}, value)
    conflicts: list = field(default_factory=list)

    def total(self, row, value: int) -> None:
        if row in self.totals and self.totals[row] != value:
            self.conflicts.append(("total", row, self.totals[row], value))
        self.totals[row] = value

    def cell(self, row, col, value: int | None) -> None:
        key = (row, col)
        if value is None:
            if key in self.cells:
                self.conflicts.append(("cell hidden here, published there", key, self.cells[key]))
            self.hidden.add(key)
            return
        if key in self.hidden:
            self.conflicts.append(("cell published here, hidden there", key, value))
        if key in self.cells and self.cells[key] != value:
            self.conflicts.append(("cell", key, self.cells[key], value))
        self.cells[key] = value


@dataclass(frozen=True)
class Leak:
    kind: str
    cell: tuple
    detail: str


def _range(hidden: list, index: dict, a_eq, b_eq, cell) -> tuple[float, float] | None:
    c = np.zeros(len(hidden))
    c[index[cell]] = 1.0
    bounds = [(0, None)] * len(hidden)
    low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if low.status == 2 or high.status == 2:
        return None  # infeasible: what was published contradicts itself
    hi = float("inf") if high.status == 3 else -high.fun
    return low.fun, hi


def recover(pub: Published) -> list[Leak]:
    """Every cell a reader can work out (or narrow) from what was published."""
    leaks = [Leak("conflict", c[1] if len(c) > 1 else (), repr(c)) for c in pub.conflicts]
    for (row, col), v in pub.cells.items():
        if 0 < v < THRESHOLD and not _only_column(pub, row, col):
            leaks.append(Leak("published small count", (row, col), f"{v}"))
        if col in pub.small and pub.totals.get(row) and not _only_column(pub, row, col):
            leaks.append(Leak("published cell of a small column", (row, col), f"{v}"))
    hidden = sorted(pub.hidden, key=repr)
    if not hidden:
        return leaks
    index = {cell: i for i, cell in enumerate(hidden)}
    rows_hidden = defaultdict(list)
    for cell in hidden:
        rows_hidden[(cell[0], cut_of(cell[1]))].append(cell)
    rows_a, b = [], []
    for (row, cut), cells in rows_hidden.items():
        if row not in pub.totals:
            continue
        coeffs = np.zeros(len(hidden))
        for cell in cells:
            coeffs[index[cell]] = 1
        published = sum(v for (r, c), v in pub.cells.items() if r == row and cut_of(c) == cut)
        rows_a.append(coeffs)
        b.append(pub.totals[row] - published)
    for fact, value in pub.facts:
        coeffs = np.zeros(len(hidden))
        rest = value
        for cell, k in fact.items():
            if cell in index:
                coeffs[index[cell]] += k
            else:
                rest -= k * pub.cells.get(cell, 0)
        rows_a.append(coeffs)
        b.append(rest)
    a_eq = np.array(rows_a) if rows_a else None
    b_eq = np.array(b) if b else None
    for cell in hidden:
        found = _range(hidden, index, a_eq, b_eq, cell)
        if found is None:
            leaks.append(Leak("contradiction", cell, "no table fits what was published"))
            continue
        lo, hi = found
        if hi - lo < 0.5:
            leaks.append(Leak("recovered", cell, f"= {round(lo)}"))
        elif cell[1] in pub.small and lo > 0.5:
            leaks.append(Leak("someone of a small column voted it", cell, f"≥ {round(lo)}"))
    return leaks


def cut_of(col) -> str:
    """The cut a column belongs to: `("territorio", key)` or a category column."""
    return col[0] if isinstance(col, tuple) else "categoria"


def _only_column(pub: Published, row, col) -> bool:
    """Whether `col` is the only column of its cut in the row (it then says the total)."""
    cols = {c for (r, c) in [*pub.cells, *pub.hidden] if r == row and cut_of(c) == cut_of(col)}
    return len(cols) < 2


def _extreme(problem, coeffs, sign: int) -> float | None:
    """The smallest (sign 1) or largest (-1) value of a linear form over the tables
    that fit what was published; None if none does."""
    a_eq, b_eq, bounds = problem
    found = linprog(sign * coeffs, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return None if found.status == 2 else sign * found.fun


def recover_crossed(pub: Published, small_pairs: set = frozenset()) -> list[Leak]:
    """Both cuts of each row together: every cell of the crossed table
    (category column × territory column) is an unknown ≥ 0; each published cell
    is a sum of a line of it, the total the sum of all. A hidden cell of either
    cut whose range is one value is recovered; a crossing in `small_pairs`
    ((category column, territory key)) whose smallest value is above 0 is
    exposed."""
    leaks = []
    rows = {r for (r, _) in [*pub.cells, *pub.hidden]}
    for row in sorted(rows, key=repr):
        cols = {c for (r, c) in [*pub.cells, *pub.hidden] if r == row}
        cats = sorted(c for c in cols if cut_of(c) == "categoria")
        terrs = sorted((c for c in cols if cut_of(c) != "categoria"), key=repr)
        if len(cats) < 2 or len(terrs) < 2 or row not in pub.totals:
            continue  # a lone column is the total: the other cut alone says the rest
        cube = [(c, t) for c in cats for t in terrs]
        at = {cell: i for i, cell in enumerate(cube)}
        a_eq, b_eq = [np.ones(len(cube))], [pub.totals[row]]
        for c in cats:
            if (row, c) in pub.cells:
                a_eq.append(np.array([1.0 if x[0] == c else 0.0 for x in cube]))
                b_eq.append(pub.cells[(row, c)])
        for t in terrs:
            if (row, t) in pub.cells:
                a_eq.append(np.array([1.0 if x[1] == t else 0.0 for x in cube]))
                b_eq.append(pub.cells[(row, t)])
        problem = (np.array(a_eq), np.array(b_eq), [(0, None)] * len(cube))
        for col in [c for c in cats + terrs if (row, c) in pub.hidden]:
            coeffs = np.array([1.0 if (x[0] == col or x[1] == col) else 0.0 for x in cube])
            lo, hi = _extreme(problem, coeffs, 1), _extreme(problem, coeffs, -1)
            if lo is None or hi is None:
                leaks.append(Leak("contradiction", (row, col), "no table fits what was published"))
            elif hi - lo < 0.5:
                leaks.append(Leak("recovered across cuts", (row, col), f"= {round(lo)}"))
        for c, t in cube:
            if (c, t[1]) in small_pairs:
                coeffs = np.zeros(len(cube))
                coeffs[at[(c, t)]] = 1
                lo = _extreme(problem, coeffs, 1)
                if lo is not None and lo > 0.5:
                    leaks.append(Leak("someone of a small crossing voted it", (row, c, t), f"≥ {round(lo)}"))
    return leaks


def _compositions(total: int, parts: int):
    """Every way to write `total` as `parts` counts ≥ 0."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def recover_by_rule(rule, columns: list, total: int, published: dict) -> list[Leak]:
    """A reader who knows the rule itself (it is public): every table of the row's
    total that the rule would publish exactly as it was published, and what each
    hidden cell could then be. A hidden cell left with one possible value is
    recovered."""
    hidden = [c for c in columns if published.get(c) is None]
    if not hidden:
        return []
    possible: dict = defaultdict(set)
    for values in _compositions(total, len(columns)):
        cells = dict(zip(columns, values, strict=True))
        if rule(cells) == published:
            for c in hidden:
                possible[c].add(cells[c])
    if not possible:
        return [Leak("contradiction", tuple(hidden), "no table fits what was published")]
    return [
        Leak("recovered by the rule", (c,), f"= {next(iter(v))}") for c, v in possible.items() if len(v) == 1
    ]

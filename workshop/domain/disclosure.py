"""Statistical disclosure control for public outputs.

Counts by stakeholder category under 5 are suppressed in anything public (open
data, public pages): with few people in a category, a small count can point
at someone. When exactly one count in a row is suppressed, the next smallest
is suppressed too (secondary suppression), so the hidden one cannot be worked
out from the row's total.
"""

from __future__ import annotations

THRESHOLD = 5
SUPPRESSED = "<5"


def suppress(counts: dict[str, int], threshold: int = THRESHOLD) -> dict[str, int | str]:
    small = {k for k, n in counts.items() if 0 < n < threshold}
    if len(small) == 1:
        rest = sorted((n, k) for k, n in counts.items() if k not in small and n > 0)
        if rest:
            small.add(rest[0][1])
    return {k: (SUPPRESSED if k in small else n) for k, n in sorted(counts.items())}

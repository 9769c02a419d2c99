"""A row's figures and whether they can be trusted: latency percentiles, and why the
load generators or something outside the run may have moved them. Plain Python (the
tests use it without the benchmark's packages)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .machine import Layout


def percentile(sorted_values, q: float) -> float | None:
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def gen_saturated(row: dict, layout: Layout) -> str | None:
    """Why the load generators themselves limit the figures, or None."""
    cores = len(layout.gen_cpus) if layout.gen_cpus else os.cpu_count()
    reasons = []
    if any(c >= 90 for c in row["gen_cpu_pct"]):
        reasons.append(f"a generator at {max(row['gen_cpu_pct']):.0f}% of a core")
    if row["gen_cpu_total_pct"] >= 85 * cores:
        reasons.append(f"generators at {row['gen_cpu_total_pct']:.0f}% of their {cores} core(s)")
    lag, own = row["gen_worst_stall_ms"]
    if lag > 50 and own >= lag / 2:
        reasons.append(f"a generator busy for {lag:.0f} ms")
    return "; ".join(reasons) or None


def disturbed(row: dict, args) -> str | None:
    """Why something outside this run (another process, the hypervisor) may have moved
    the figures, or None. Such a row is run again (--retries)."""
    reasons = []
    if row["background_cpu_pct"] > args.max_background:
        reasons.append(f"other processes used {row['background_cpu_pct']:.0f}% of a core")
    if row["steal_pct"] > 10:
        reasons.append(f"hypervisor steal {row['steal_pct']:.0f}%")
    lag, own = row["gen_worst_stall_ms"]
    if lag > 50 and own < lag / 2:
        reasons.append(f"a generator waited {lag:.0f} ms for its core")
    return "; ".join(reasons) or None

"""From the runs to what is printed and kept: the median of rounds per row, which loads
a configuration holds, the table, the targets, the warnings and the JSON results."""

from __future__ import annotations

import statistics

from .configs import CONFIGS, Config

HOLD_P99_MS = 100.0


NUMERIC = [
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "delivery_pct",
    "duplicates",
    "order_violations",
    "server_cpu_pct",
    "aux_cpu_pct",
    "background_cpu_pct",
    "steal_pct",
    "rss_mb",
    "kb_per_client",
    "gen_cpu_total_pct",
    "ack_p50_ms",
    "ack_p99_ms",
    "connect_s",
    "disconnects",
    "acks_failed",
]


def summarize(rows: list[dict]) -> list[dict]:
    """Median of rounds, per configuration x mode x load (and layout)."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if not row.get("used", True):
            continue
        groups.setdefault((row["config"], row["mode"], row["clients"], row["layout"]), []).append(row)
    out = []
    for (name, mode, clients, layout), runs in groups.items():
        good = [r for r in runs if r.get("ok")]
        summary = {
            "config": name,
            "mode": mode,
            "clients": clients,
            "layout": layout,
            "procs": runs[0]["procs"],
            "rounds": len(runs),
            "rounds_ok": len(good),
        }
        for key in NUMERIC:
            values = [r[key] for r in good if r.get(key) is not None]
            summary[key] = statistics.median(values) if values else None
        summary["delivery_worst_pct"] = min(
            (r["delivery_pct"] for r in good if r.get("delivery_pct") is not None), default=None
        )
        summary["gen_saturated"] = "; ".join(
            sorted({r["gen_saturated"] for r in good if r.get("gen_saturated")})
        )
        summary["disturbed"] = "; ".join(sorted({r["disturbed"] for r in good if r.get("disturbed")}))
        summary["errors"] = [r["error"] for r in runs if r.get("error")]
        out.append(summary)
    by_key = {(s["config"], s["mode"], s["clients"], s["layout"]): s for s in out}
    for s in out:
        bare = by_key.get(("flask-bare", s["mode"], s["clients"], s["layout"])) or by_key.get(
            ("flask-bare", s["mode"], s["clients"], "split")
        )
        node = by_key.get(("node-bare", "node", s["clients"], s["layout"])) or by_key.get(
            ("node-bare", "node", s["clients"], "split")
        )
        s["p99_vs_bare"] = ratio(s["p99_ms"], bare and bare["p99_ms"]) if s["config"] != "node-bare" else None
        s["p99_vs_node"] = ratio(s["p99_ms"], node and node["p99_ms"])
    order = {c.name: i for i, c in enumerate(CONFIGS)}
    out.sort(key=lambda s: (order.get(s["config"], 99), s["layout"] != "split", s["mode"], s["clients"]))
    return out


def ratio(a, b):
    return a / b if a is not None and b else None


def holds(s: dict) -> bool:
    return bool(
        s.get("rounds_ok")
        and s["delivery_worst_pct"] is not None
        and s["delivery_worst_pct"] >= 100.0
        and s["p99_ms"] is not None
        and s["p99_ms"] < HOLD_P99_MS
        and not s.get("acks_failed")
    )


def capacity(summary: list[dict]) -> dict[tuple, int]:
    """Per configuration x mode x layout: the highest load that holds, with every lower load holding too."""
    result: dict[tuple, int] = {}
    groups: dict[tuple, list[dict]] = {}
    for s in summary:
        groups.setdefault((s["config"], s["mode"], s["layout"]), []).append(s)
    for key, rows in groups.items():
        held = 0
        for s in sorted(rows, key=lambda r: r["clients"]):
            if not holds(s):
                break
            held = s["clients"]
        result[key] = held
    return result


def fmt(value, digits=1, width=7):
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        return f"{value:.{digits}f}".rjust(width)
    return str(value).rjust(width)


def table(summary: list[dict]) -> str:
    head = (
        f"{'configuration':<19} {'mode':<8} {'clients':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
        f"{'deliv%':>7} {'dups':>5} {'order':>5} {'srvCPU%':>7} {'RSS MB':>7} {'KB/cl':>6} "
        f"{'genCPU%':>7} {'bgCPU%':>6} {'p99/bare':>8} {'p99/node':>8}"
    )
    lines = [head, "-" * len(head)]
    for s in summary:
        name = s["config"] + ("" if s["layout"] == "split" else f" [{s['layout']}]")
        flag = (
            "x"
            if s["rounds_ok"] < s["rounds"]
            else "!"
            if s["gen_saturated"]
            else "~"
            if s["disturbed"]
            else " "
        )
        deliv = s["delivery_pct"]
        lines.append(
            f"{name:<19} {s['mode']:<8} {s['clients']:>7} {fmt(s['p50_ms'])} {fmt(s['p95_ms'])} "
            f"{fmt(s['p99_ms'])} {fmt(s['max_ms'])} "
            f"{fmt(deliv, 2 if deliv is not None and deliv >= 99.995 else 3)} {fmt(s['duplicates'], 0, 5)} "
            f"{fmt(s['order_violations'], 0, 5)} {fmt(s['server_cpu_pct'], 0)} {fmt(s['rss_mb'], 0)} "
            f"{fmt(s['kb_per_client'], 0, 6)} {fmt(s['gen_cpu_total_pct'], 0)} "
            f"{fmt(s['background_cpu_pct'], 0, 6)} "
            f"{fmt(s['p99_vs_bare'], 2, 8)} {fmt(s['p99_vs_node'], 2, 8)}{flag}"
        )
    return "\n".join(lines)


def targets(summary: list[dict], caps: dict[tuple, int]) -> list[str]:
    out = []
    idx = {(s["config"], s["mode"], s["clients"], s["layout"]): s for s in summary}
    modes = sorted({s["mode"] for s in summary if s["config"].startswith("platform")})
    for name in ("platform-sqlite", "platform-pg-redis"):
        for mode in modes:
            s, b = idx.get((name, mode, 500, "split")), idx.get(("flask-bare", mode, 500, "split"))
            if s and b and s["p99_ms"] is not None and b["p99_ms"]:
                r = s["p99_ms"] / b["p99_ms"]
                lost = s["delivery_worst_pct"] is None or s["delivery_worst_pct"] < 100.0
                ok = r <= 1.25 and not lost
                out.append(
                    f"[{'MET' if ok else 'MISSED'}] 500 clients, {name} {mode}: p99 {s['p99_ms']:.1f} ms "
                    f"= {r:.2f}x bare ({b['p99_ms']:.1f} ms; target <= 1.25x), "
                    f"delivery {s['delivery_worst_pct']:.3f}% (worst round)"
                )
    for mode in modes:
        s = idx.get(("platform-sqlite", mode, 1000, "split"))
        if s and s["p99_ms"] is not None:
            out.append(
                f"[{'MET' if holds(s) else 'MISSED'}] one process, 1000 clients, {mode}: "
                f"p99 {s['p99_ms']:.1f} ms, "
                f"delivery {s['delivery_worst_pct']:.3f}% (target p99 < {HOLD_P99_MS:.0f} ms, nothing lost)"
            )
    for mode in modes:
        one = caps.get(("platform-sqlite", mode, "split"))
        two = caps.get(("platform-pg-redis", mode, "spread"))
        if one is None or two is None:
            continue
        if not one:
            out.append(
                f"[MISSED] scale-out {mode}: one process holds none of the tested loads "
                f"(two processes, a core each: {two or 'none'})"
            )
            continue
        r = two / one
        out.append(
            f"[{'MET' if r >= 1.8 else 'MISSED'}] scale-out {mode}: two processes (a core each) hold "
            f"{two} clients, one process holds {one} -> {r:.2f}x (target >= 1.8x)"
        )
    return out


def warnings(summary: list[dict]) -> list[str]:
    """Rows whose figures are invalid (generators saturated), doubtful (disturbed from
    outside) or missing (failed rounds)."""
    out = [
        f"{s['config']} {s['mode']} {s['clients']}: load generators saturated ({s['gen_saturated']}): "
        f"figures invalid"
        for s in summary
        if s["gen_saturated"]
    ]
    out += [
        f"{s['config']} {s['mode']} {s['clients']}: disturbed from outside ({s['disturbed']}): "
        f"figures doubtful"
        for s in summary
        if s["disturbed"]
    ]
    out += [
        f"{s['config']} {s['mode']} {s['clients']}: {len(s['errors'])} failed round(s): "
        f"{s['errors'][0][:300]}"
        for s in summary
        if s["errors"]
    ]
    return out


def text(args, summary: list[dict], caps: dict[tuple, int], goals: list[str], warned: list[str]) -> str:
    """What is printed at the end of a run: the table, warnings, holds and targets."""
    lines = [
        "",
        f"Fan-out: {args.rate:g} messages/s in total from {args.senders} senders, "
        f"{args.duration:g} s measured "
        f"per row, {args.rounds} round(s) (median); latency in ms; ratios are of p99.",
        table(summary),
    ]
    lines += [f"WARNING: {w}" for w in warned]
    lines += [
        "",
        f"Holds (highest load with delivery 100% in every round and p99 < {HOLD_P99_MS:.0f} ms, "
        "lower loads too):",
    ]
    for (name, mode, lay), held in sorted(caps.items()):
        lines.append(f"  {name:<19} {mode:<8} [{lay}] {held or 'none of the tested loads'}")
    if goals:
        lines += ["", "Targets:"] + ["  " + line for line in goals]
    return "\n".join(lines)


def results(
    *,
    started: str,
    wall_s: float,
    command: str,
    args,
    machine: dict,
    rows: list[dict],
    summary: list[dict],
    caps: dict[tuple, int],
    goals: list[str],
    warned: list[str],
) -> dict:
    """The JSON results file (bench/results/<timestamp>.json): settings, machine, the
    summary rows, every run (attempts included), holds, targets and warnings."""
    return {
        "started": started,
        "wall_s": round(wall_s),
        "command": command,
        "settings": {
            k: (
                v if not isinstance(v, list) or not v or not isinstance(v[0], Config) else [c.name for c in v]
            )
            for k, v in vars(args).items()
        },
        "machine": machine,
        "summary": summary,
        "runs": rows,
        "holds": [{"config": k[0], "mode": k[1], "layout": k[2], "clients": v} for k, v in caps.items()],
        "targets": goals,
        "warnings": warned,
    }

"""Which rows run, in which order: the matrix (interleaved per round and load), and the
hold search that narrows each platform configuration's capacity afterwards."""

from __future__ import annotations

from .configs import Config, RunSpec
from .report import holds, summarize


def combos(args) -> list[tuple[Config, str, str]]:
    """Every configuration x mode x layout this invocation measures."""
    out = []
    for cfg in args.configs:
        for mode in cfg.modes:
            if cfg.server != "node" and mode not in args.modes:
                continue
            out.append((cfg, mode, args.layout))
            if cfg.name == "platform-pg-redis" and args.scale_out:
                out.append((cfg, mode, "spread"))
    return out


def plan(args) -> list[RunSpec]:
    """Interleaved: per round and per load, every configuration once, alternating the order."""
    specs = []
    all_loads = sorted(set(args.loads + args.scale_out))
    for rnd in range(1, args.rounds + 1):
        for li, load in enumerate(all_loads):
            batch = [
                RunSpec(cfg, mode, load, rnd, layout)
                for cfg, mode, layout in combos(args)
                if (load in args.scale_out if layout == "spread" else load in args.loads)
            ]
            if (rnd + li) % 2:
                batch.reverse()
            specs.extend(batch)
    return specs


def hold_probes(args, rows: list[dict], step: int) -> list[RunSpec]:
    """The next loads to try for each platform row whose capacity is not pinned down yet:
    the next extra load while it holds, else the middle of [highest held, lowest missed].
    One process (split layout) and two processes with a core each (spread) are searched;
    that is what the scale-out target compares."""
    summary = summarize(rows)
    specs = []
    for cfg, mode, layout in combos(args):
        if cfg.kind != "platform" or (cfg.procs > 1 and layout != "spread" and args.scale_out):
            continue
        mine = sorted(
            (s for s in summary if (s["config"], s["mode"], s["layout"]) == (cfg.name, mode, layout)),
            key=lambda s: s["clients"],
        )
        if not mine:
            continue
        held, missed = 0, None
        for s in mine:
            if holds(s):
                held = s["clients"]
            else:
                missed = s["clients"]
                break
        tested = {s["clients"] for s in mine}
        if missed is None:
            nxt = next((x for x in args.extra_loads if x > held and x not in tested), None)
        else:
            nxt = int(round((held + missed) / 2 / 50) * 50) if held else int(round(missed / 2 / 50) * 50)
            if missed - held <= max(50, 0.15 * missed) or nxt in tested or nxt <= 0:
                nxt = None
        if nxt:
            for rnd in range(1, args.rounds + 1):
                specs.append(RunSpec(cfg, mode, nxt, rnd, layout))
    if step % 2:
        specs.reverse()
    return specs

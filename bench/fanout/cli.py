"""The command line of bench/run.py (its options, the run as a whole): plan the rows,
prepare the platform's templates, run every row (again when disturbed from outside),
the hold search, then print the report and write the JSON results."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from . import report
from .backends import PlatformBackend, redis_flush
from .configs import CONFIGS, RunSpec
from .machine import machine_facts, make_layout
from .measure import run_row
from .plan import hold_probes, plan
from .processes import BENCH, PROCS, PY, ROOT

DESCRIPTION = "Fan-out benchmark: the platform against bare Socket.IO servers, side by side."


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--quick",
        action="store_true",
        help="one load (200 clients), 6 s windows, no hold search: about 2 minutes",
    )
    p.add_argument("--loads", default=None, help="comma-separated client counts (default 200,500,1000)")
    p.add_argument(
        "--extra-loads",
        default=None,
        help="higher client counts tried by the hold search, in order, while a platform "
        "row keeps holding (default 1500,2000; 'none' to skip)",
    )
    p.add_argument(
        "--hold-steps",
        type=int,
        default=None,
        help="rounds of the hold search after the matrix (default 2; 0 in --quick): each "
        "probes, per platform configuration, the next extra load or the middle of "
        "the interval between the highest load held and the lowest missed",
    )
    p.add_argument("--rounds", type=int, default=1, help="repeat the whole matrix; the table shows medians")
    p.add_argument("--duration", type=float, default=None, help="measured seconds per row (default 15)")
    p.add_argument(
        "--warmup", type=float, default=None, help="seconds of sending before measuring (default 2)"
    )
    p.add_argument(
        "--grace",
        type=float,
        default=None,
        help="at most this many seconds after the window for late messages (default 20); "
        "the wait ends earlier when all arrived or none came for --quiet seconds",
    )
    p.add_argument("--quiet", type=float, default=2.0, help="see --grace")
    p.add_argument("--settle", type=float, default=1.5, help="seconds between connecting and sending")
    p.add_argument("--rate", type=float, default=20.0, help="messages per second, all senders together")
    p.add_argument(
        "--senders",
        type=int,
        default=20,
        help="number of sending clients (each sends rate/senders messages per second)",
    )
    p.add_argument("--gens", type=int, default=4, help="load-generator processes")
    p.add_argument(
        "--pad",
        type=int,
        default=366,
        help="padding bytes in the bare servers' message, so it is about the size of the "
        "platform's note.created event (~420 bytes)",
    )
    p.add_argument("--connect-concurrency", type=int, default=8, help="handshakes in flight per generator")
    p.add_argument(
        "--configs", default=None, help="comma-separated subset of: " + ", ".join(c.name for c in CONFIGS)
    )
    p.add_argument("--modes", default="eventlet,gevent", help="async modes of the Python servers")
    p.add_argument(
        "--layout",
        default="split",
        choices=["split", "spread", "none"],
        help="CPU pinning: split = servers on the last core, generators on the others; "
        "spread = each server process of a multi-process row on its own core, generators "
        "unpinned; none = no pinning",
    )
    p.add_argument(
        "--scale-out",
        default=None,
        help="loads at which platform-pg-redis also runs in the spread layout (one core per "
        "process), for the scale-out target (default: --loads; 'none' to skip)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=1,
        help="run a row again (at most this many times) when something outside the run "
        "disturbed it; the least disturbed attempt is used, all are in the JSON",
    )
    p.add_argument(
        "--max-background",
        type=float,
        default=25.0,
        help="CPU (%% of one core) that other processes may use during a row before it "
        "counts as disturbed; also the level waited for before each row",
    )
    p.add_argument(
        "--max-wait", type=float, default=30.0, help="seconds to wait for a quiet machine before each row"
    )
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of the servers and generators (e.g. -5 as root, to shield them from "
        "other work on a shared machine; default 0)",
    )
    p.add_argument(
        "--logs",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the servers' logs (JSON lines; every applied command with its "
        "milliseconds, lock wait and lock hold) in DIR",
    )
    p.add_argument(
        "--profile",
        default=None,
        metavar="DIR",
        help="record each Python server of the platform rows with py-spy during the "
        "measured window (raw stacks + a summary of the hot spots in DIR)",
    )
    p.add_argument(
        "--profile-idle",
        action="store_true",
        help="with --profile: also sample while the server waits (blocking I/O such as an "
        "fsync in the event loop shows up only this way)",
    )
    p.add_argument(
        "--profile-configs",
        default="platform-sqlite,platform-pg-redis",
        help="which configurations --profile records",
    )
    p.add_argument("--out", default=None, help="JSON output path (default bench/results/<timestamp>.json)")
    args = p.parse_args(argv)
    quick = args.quick
    args.loads = [int(x) for x in (args.loads or ("200" if quick else "200,500,1000")).split(",")]
    extra = args.extra_loads or ("none" if quick else "1500,2000")
    args.extra_loads = [] if extra == "none" else sorted(int(x) for x in extra.split(","))
    args.hold_steps = args.hold_steps if args.hold_steps is not None else (0 if quick else 2)
    args.duration = args.duration or (5.0 if quick else 15.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.grace = args.grace if args.grace is not None else (5.0 if quick else 20.0)
    if quick:
        args.settle = min(args.settle, 1.0)
        given = argv if argv is not None else sys.argv
        if "--retries" not in given:
            args.retries = 0
        if "--max-wait" not in given:
            args.max_wait = 5.0
    names = args.configs.split(",") if args.configs else [c.name for c in CONFIGS]
    unknown = set(names) - {c.name for c in CONFIGS}
    if unknown:
        p.error(f"unknown configuration(s): {', '.join(sorted(unknown))}")
    args.configs = [c for c in CONFIGS if c.name in names]
    args.modes = args.modes.split(",")
    args.profile_configs = args.profile_configs.split(",")
    scale = args.scale_out or ("none" if quick else ",".join(map(str, args.loads)))
    args.scale_out = [] if scale == "none" else [int(x) for x in scale.split(",")]
    if args.layout != "split" or len(os.sched_getaffinity(0)) < 2:
        args.scale_out = []
    return args


def ensure_node_modules(log) -> None:
    if not (BENCH / "node" / "node_modules" / "socket.io").exists():
        log("installing bench/node (npm ci) ...")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],  # noqa: S607
            cwd=BENCH / "node",
            check=True,
            stdout=subprocess.DEVNULL,
        )


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_path = Path(args.out) if args.out else BENCH / "results" / f"{stamp}.json"
    work = Path(tempfile.mkdtemp(prefix="workshop-bench-"))
    (work / "instance").mkdir()
    tag = f"{os.getpid()}"
    backends: dict[str, PlatformBackend] = {}

    def log(msg: str) -> None:
        print(f"[{time.monotonic() - started:6.0f}s] {msg}", flush=True)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    rows: list[dict] = []
    PROCS.nice = args.nice
    specs = plan(args)
    layout = make_layout(args.layout, 2)
    log(
        f"{len(specs)} runs; layout {layout.name}: servers on cpu {layout.server_cpus[0]}, "
        f"generators on cpu {layout.gen_cpus}; work dir {work}"
    )
    try:
        if any(c.server == "node" for c in args.configs):
            ensure_node_modules(log)
        platform_loads = [s.clients for s in specs if s.cfg.kind == "platform"]
        if platform_loads and args.hold_steps:
            platform_loads += args.extra_loads
        if platform_loads:
            redis_flush()
            needed = {s.cfg.backend for s in specs if s.cfg.kind == "platform"}
            for name in sorted(needed):
                (work / name).mkdir(exist_ok=True)
                backends[name] = PlatformBackend(name, work / name, tag)
            log(
                f"preparing the {', '.join(sorted(needed))} template(s) "
                f"({max(platform_loads)} participants) ..."
            )
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(backends)) as pool:
                for future in [pool.submit(b.prepare, max(platform_loads), log) for b in backends.values()]:
                    future.result()
        counter = [0]

        def execute(spec: RunSpec, total: str) -> None:
            counter[0] += 1
            log(
                f"run {counter[0]}/{total}: {spec.cfg.name} {spec.mode} {spec.clients} clients "
                f"(round {spec.round}, layout {spec.layout})"
            )
            rows.extend(run_row(spec, args, work, backends, log))

        for spec in specs:
            execute(spec, f"{len(specs)}+")
        for step in range(args.hold_steps):
            probes = hold_probes(args, rows, step)
            if not probes:
                break
            log(
                f"hold search, step {step + 1}: "
                + ", ".join(f"{p.cfg.name}[{p.layout}] {p.mode} {p.clients}" for p in probes if p.round == 1)
            )
            for spec in probes:
                execute(spec, "hold")
    except KeyboardInterrupt:
        log("interrupted: stopping everything")
    finally:
        PROCS.stop_all()
        for backend in backends.values():
            backend.drop_all()
        try:
            if any(c.kind == "platform" for c in args.configs):
                redis_flush()
        except Exception:  # noqa: BLE001, S110 - best effort at exit
            pass
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            for log_file in work.glob("*.log"):
                shutil.copy(log_file, args.logs / log_file.name)
        shutil.rmtree(work, ignore_errors=True)

    if not rows:
        return 1
    summary = report.summarize(rows)
    caps = report.capacity(summary)
    goals = report.targets(summary, caps)
    warned = report.warnings(summary)
    print(report.text(args, summary, caps, goals, warned))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(
        json.dumps(
            report.results(
                started=stamp,
                wall_s=time.monotonic() - started,
                command=" ".join([Path(PY).name, *sys.argv]),
                args=args,
                machine=machine_facts(),
                rows=rows,
                summary=summary,
                caps=caps,
                goals=goals,
                warned=warned,
            ),
            indent=1,
            default=str,
        )
    )
    print(
        f"\nJSON: {out_path.relative_to(ROOT) if out_path.is_relative_to(ROOT) else out_path}  "
        f"(wall time {time.monotonic() - started:.0f} s)"
    )
    return 0

"""The machine: how the CPUs are shared between servers and generators, what the
processes of a run use, what everything else on the machine uses, and what it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

import psutil

from .processes import BENCH, ROOT


@dataclass
class Layout:
    name: str
    server_cpus: list[list[int] | None] = field(default_factory=list)  # per server process
    gen_cpus: list[int] | None = None


def make_layout(name: str, procs: int) -> Layout:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or name == "none":
        return Layout("none", [None] * procs, None)
    if name == "spread" and procs > 1:
        # One core per server process (as far as there are cores); generators float.
        return Layout("spread", [[cpus[-1 - (i % len(cpus))]] for i in range(procs)], None)
    # "split": the server process(es) on the last core, the generators on the others.
    return Layout("split", [[cpus[-1]]] * procs, cpus[:-1])


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def rss_bytes(procs: list[psutil.Process]) -> int:
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def aux_cpu_snapshot() -> dict[int, float]:
    """CPU seconds of the machine's PostgreSQL and Redis processes (read only)."""
    snap = {}
    for p in psutil.process_iter(["name"]):
        if p.info["name"] and (p.info["name"].startswith("postgres") or p.info["name"].startswith("redis")):
            try:
                t = p.cpu_times()
                snap[p.pid] = t.user + t.system
            except psutil.Error:
                pass
    return snap


def machine_cpu() -> tuple[float, float]:
    """Seconds of CPU in use on the whole machine (user, nice, system), and stolen."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system, getattr(t, "steal", 0.0)


def wait_for_quiet(args, log) -> float:
    """Before a run: wait (up to --max-wait s) while other processes keep the machine busy.
    Returns the background load seen last, in % of one core."""
    deadline = time.monotonic() + args.max_wait
    while True:
        me0, m0, t0 = cpu_seconds([psutil.Process()]), machine_cpu(), time.monotonic()
        time.sleep(1.0)
        load = (
            100
            * ((machine_cpu()[0] - m0[0]) - (cpu_seconds([psutil.Process()]) - me0))
            / (time.monotonic() - t0)
        )
        if load <= args.max_background or time.monotonic() >= deadline:
            if load > args.max_background:
                log(f"    machine still busy ({load:.0f}% of a core used by other processes): going on")
            return load
        log(f"    machine busy ({load:.0f}% of a core used by other processes): waiting")
        time.sleep(4.0)


def machine_facts() -> dict:
    facts = {
        "cpus": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
    }
    try:
        facts["cpu_model"] = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    try:
        facts["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        facts["git_dirty_platform"] = subprocess.run(
            ["git", "status", "--short", "workshop"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.split("\n")[:20]
    except OSError:
        pass
    try:
        facts["node"] = subprocess.run(  # noqa: S603
            ["node", "--version"],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        pass
    from importlib.metadata import version

    for pkg in ("flask-socketio", "python-socketio", "python-engineio", "eventlet", "gevent"):
        try:
            facts[pkg] = version(pkg)
        except Exception:  # noqa: BLE001, S110 - a version we cannot read is left out
            pass
    try:
        facts["socket.io"] = json.loads(
            (BENCH / "node" / "node_modules" / "socket.io" / "package.json").read_text()
        )["version"]
    except OSError:
        pass
    return facts

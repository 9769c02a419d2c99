"""py-spy on the platform's server processes during the measured window (--profile),
and a summary of the hot spots beside each raw profile."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .configs import RunSpec
from .processes import PROCS, PY, tail
from .servers import Server


def start_profilers(args, spec: RunSpec, servers: list[Server], work: Path) -> list[tuple]:
    """py-spy on every Python server process of the row, for the measured window (--profile)."""
    if not args.profile or spec.cfg.server == "node" or spec.cfg.name not in args.profile_configs:
        return []
    pyspy = Path(PY).with_name("py-spy")
    out = []
    for i, server in enumerate(servers):
        path = Path(args.profile) / (
            f"{spec.cfg.name}-{spec.mode}-{spec.clients}-r{spec.round}-{spec.layout}-p{i}.txt"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        log_path = work / f"py-spy-{server.port}.log"
        with open(log_path, "ab") as log:
            proc = PROCS.spawn(
                [
                    str(pyspy),
                    "record",
                    "--pid",
                    str(server.proc.pid),
                    "--duration",
                    str(max(1, int(args.duration))),
                    "--rate",
                    "100",
                    "--format",
                    "raw",
                    "--function",
                    "--nonblocking",
                    "--output",
                    str(path),
                ]
                + (["--idle"] if args.profile_idle else []),
                log=log,
            )
        out.append((proc, path, log_path))
    return out


def finish_profilers(profilers: list[tuple], log) -> list[str]:
    from bench import profile_summary

    done = []
    for proc, path, log_path in profilers:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            PROCS.stop(proc)
        PROCS.stop(proc)
        if path.exists():
            text = profile_summary.summary(path)
            path.with_suffix(".summary.txt").write_text(text)
            done.append(str(path))
            log("    profile: " + str(path.with_suffix(".summary.txt")))
        else:
            log(f"    profile missing: {tail(log_path, 500)}")
    return done

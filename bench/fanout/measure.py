"""One row: start its servers (on a fresh database copy), connect every client, send for
the warm-up and the measured window, wait for late messages, and turn what the
generators, the servers and the machine report into the row's figures; run it again
when something outside the run disturbed it (--retries)."""

from __future__ import annotations

import os
import subprocess
import time
from array import array
from pathlib import Path

import psutil

from .backends import REDIS_URL, PlatformBackend, redis_flush
from .configs import RunSpec
from .figures import disturbed, gen_saturated, percentile
from .generators import GenProcess, generator_options
from .machine import aux_cpu_snapshot, cpu_seconds, machine_cpu, make_layout, rss_bytes, wait_for_quiet
from .processes import PROCS
from .profilers import finish_profilers, start_profilers
from .room import prepare_platform_session
from .servers import Server, start_bare_server, start_platform_server


def run_one(spec: RunSpec, args, work: Path, backends: dict[str, PlatformBackend], log) -> dict:
    cfg = spec.cfg
    layout = make_layout(spec.layout, cfg.procs)
    servers: list[Server] = []
    gens: list[GenProcess] = []
    db_url = None
    backend = backends.get(cfg.backend) if cfg.kind == "platform" else None
    run_id = f"r{spec.round}{os.getpid() % 1000}{int(time.time() * 1000) % 100000}"
    row: dict = {
        "config": cfg.name,
        "mode": spec.mode,
        "clients": spec.clients,
        "round": spec.round,
        "procs": cfg.procs,
        "layout": layout.name,
        "ok": False,
    }
    stages = {"start": time.monotonic()}
    try:
        if cfg.kind == "platform":
            redis_flush()
            db_url = backend.new_copy()
            mq = REDIS_URL if cfg.procs > 1 else None
            for i in range(cfg.procs):
                servers.append(
                    start_platform_server(
                        db_url, spec.mode, work, mq, layout.server_cpus[i], f"{cfg.name}-{spec.mode}"
                    )
                )
            session_id = prepare_platform_session(servers[0], backend.session_id)
            row["session_id"] = session_id
        else:
            servers.append(start_bare_server(cfg, spec.mode, work, layout.server_cpus[0]))
        sprocs = [psutil.Process(s.proc.pid) for s in servers]
        stages["servers_ready"] = time.monotonic()
        time.sleep(1.0)
        rss_before = rss_bytes(sprocs)

        ports = [s.port for s in servers]
        options = generator_options(spec, args, ports, layout.gen_cpus, work, run_id, backend)
        for j, opts in enumerate(options):
            gens.append(GenProcess.start(opts, work / f"gen-{run_id}-{j}.json"))
        connect_started = stages["generators_started"] = time.monotonic()
        readies = [gen.expect("ready", 60 + spec.clients * 0.1) for gen in gens]
        row["connect_s"] = round(time.monotonic() - connect_started, 1)
        connected = sum(r["connected"] for r in readies)
        row["connected"] = connected
        row["connect_errors"] = sum(r["error_count"] for r in readies)
        if row["connect_errors"]:
            row["connect_error_sample"] = [e for r in readies for e in r["errors"]][:5]
        time.sleep(args.settle)
        rss_after = rss_bytes(sprocs)

        stages["connected"] = time.monotonic()
        start_ns = time.time_ns() + int(1e9)
        for gen in gens:
            gen.send(
                {
                    "cmd": "go",
                    "start_ns": start_ns,
                    "warmup_s": args.warmup,
                    "duration_s": args.duration,
                    "grace_s": args.grace,
                    "quiet_s": args.quiet,
                    "total_senders": args.senders,
                    "rate": args.rate,
                }
            )
        t_measure = start_ns / 1e9 + args.warmup
        time.sleep(max(0.0, t_measure - time.time()))
        gprocs = [psutil.Process(g.proc.pid) for g in gens]
        me = [psutil.Process()]
        cpu0, aux0, wall0 = cpu_seconds(sprocs), aux_cpu_snapshot(), time.monotonic()
        gcpu0, me0, machine0 = cpu_seconds(gprocs), cpu_seconds(me), machine_cpu()
        profilers = start_profilers(args, spec, servers, work)
        rss_peak = rss_bytes(sprocs)
        while time.time() < t_measure + args.duration:
            time.sleep(min(0.5, max(0.0, t_measure + args.duration - time.time())))
            rss_peak = max(rss_peak, rss_bytes(sprocs))
        cpu1, aux1, wall1 = cpu_seconds(sprocs), aux_cpu_snapshot(), time.monotonic()
        gcpu1, me1, machine1 = cpu_seconds(gprocs), cpu_seconds(me), machine_cpu()
        rss_end = rss_bytes(sprocs)
        reports = [gen.expect("report", args.grace + 60) for gen in gens]
        stages["reports"] = time.monotonic()
        row["profiles"] = finish_profilers(profilers, log)

        latencies = array("d")
        for r in reports:
            with open(r["latency_file"], "rb") as f:
                chunk = array("d")
                chunk.frombytes(f.read())
                latencies.extend(chunk)
            Path(r["latency_file"]).unlink(missing_ok=True)
        lat = sorted(latencies)
        sent = sum(r["sent"] for r in reports)
        expected = sent * connected
        received = sum(r["received"] for r in reports)
        acks = sorted(x for r in reports for x in r["ack_ms"])
        wall = wall1 - wall0
        aux = sum(v - aux0.get(pid, 0.0) for pid, v in aux1.items())
        ours = (cpu1 - cpu0) + (gcpu1 - gcpu0) + (me1 - me0) + aux
        busy, steal = machine1[0] - machine0[0], machine1[1] - machine0[1]
        gen_cpu = [r["cpu_pct"] for r in reports]
        row.update(
            {
                "ok": True,
                "sent": sent,
                "expected": expected,
                "received": received,
                "delivery_pct": 100.0 * received / expected if expected else None,
                "duplicates": sum(r["duplicates"] for r in reports),
                "order_violations": sum(r["order_violations"] for r in reports),
                "disconnects": sum(r["disconnects"] for r in reports),
                "acks_ok": sum(r["acks_ok"] for r in reports),
                "acks_failed": sum(r["acks_failed"] for r in reports),
                "failed_ack_sample": [s for r in reports for s in r["failed_acks_sample"]][:3],
                "p50_ms": percentile(lat, 0.50),
                "p95_ms": percentile(lat, 0.95),
                "p99_ms": percentile(lat, 0.99),
                "max_ms": lat[-1] if lat else None,
                "ack_p50_ms": percentile(acks, 0.50),
                "ack_p99_ms": percentile(acks, 0.99),
                "server_cpu_pct": 100.0 * (cpu1 - cpu0) / wall,
                "aux_cpu_pct": 100.0 * aux / wall,
                # CPU used on the machine by processes that are not part of this run (other
                # sessions' tests, browsers...), and time the hypervisor took the cores away.
                "background_cpu_pct": max(0.0, 100.0 * (busy - ours) / wall),
                "steal_pct": 100.0 * steal / wall,
                "rss_mb": rss_end / 2**20,
                "rss_peak_mb": rss_peak / 2**20,
                "rss_before_mb": rss_before / 2**20,
                "rss_connected_mb": rss_after / 2**20,
                "kb_per_client": (rss_after - rss_before) / 1024 / connected if connected else None,
                "gen_cpu_pct": gen_cpu,
                "gen_cpu_total_pct": sum(gen_cpu),
                "gen_loop_lag_p99_ms": max((r["loop_lag_p99_ms"] or 0) for r in reports),
                "gen_send_late_max_ms": max(r["send_late_max_ms"] for r in reports),
                "gen_worst_stall_ms": max((r["worst_stall_ms"] for r in reports), key=lambda x: x[0]),
                "sample_message": reports[0]["sample_message"],
                "sample_message_bytes": reports[0]["sample_message_bytes"],
            }
        )
        row["gen_saturated"] = gen_saturated(row, layout)
        row["disturbed"] = disturbed(row, args)
    except Exception as exc:  # noqa: BLE001 - a failed row is reported, the run goes on
        row["error"] = f"{type(exc).__name__}: {exc}"[:1500]
        log(f"    FAILED: {row['error'][:400]}")
    finally:
        for gen in gens:
            gen.send({"cmd": "quit"})
        for gen in gens:
            try:
                gen.proc.wait(3)
            except subprocess.TimeoutExpired:
                pass
            PROCS.stop(gen.proc, timeout=3)
        for server in servers:
            server.stop()
        if db_url:
            try:
                backend.drop_copy(db_url)
            except Exception as exc:  # noqa: BLE001
                log(f"    warning: could not drop {db_url}: {exc}")
        stages["stopped"] = time.monotonic()
        row["stages_s"] = {k: round(v - stages["start"], 1) for k, v in stages.items()}
    return row


def run_row(spec: RunSpec, args, work: Path, backends: dict[str, PlatformBackend], log) -> list[dict]:
    """A row, run again (--retries) while something outside the run disturbed it: every
    attempt, the least disturbed one marked `used`."""
    attempts = []
    for attempt in range(1, args.retries + 2):
        wait_for_quiet(args, log)
        row = run_one(spec, args, work, backends, log)
        row["attempt"] = attempt
        attempts.append(row)
        if row.get("ok"):
            log(
                f"    p50 {row['p50_ms']:.1f}  p99 {row['p99_ms']:.1f}  max {row['max_ms']:.1f} ms  "
                f"delivery {row['delivery_pct']:.3f}%  server CPU {row['server_cpu_pct']:.0f}%  "
                f"generators {row['gen_cpu_total_pct']:.0f}%  "
                f"background {row['background_cpu_pct']:.0f}%  "
                f"connect {row['connect_s']} s"
                + (f"  !! {row['gen_saturated']}" if row["gen_saturated"] else "")
                + (f"  ~~ {row['disturbed']}" if row["disturbed"] else "")
            )
        # A failure is the platform's (or the harness's) own: reported, never retried away.
        if not row.get("ok") or not row.get("disturbed"):
            break
        if attempt <= args.retries:
            log("    disturbed from outside: running it again")
    good = [r for r in attempts if r.get("ok")]
    chosen = min(good, key=lambda r: r["background_cpu_pct"]) if good else attempts[-1]
    for r in attempts:
        r["used"] = r is chosen
        r["phase"] = "hold-search" if spec.clients not in args.loads else "matrix"
    return attempts

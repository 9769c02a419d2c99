"""Fan-out benchmark: the platform against bare Socket.IO servers, side by side.

    .venv/bin/python bench/run.py            # full run (~25 min on 2 cores)
    .venv/bin/python bench/run.py --quick    # one load, short windows (~2 min)
    .venv/bin/python bench/run.py --help

N clients, spread over several load-generator processes (bench/loadgen.py), join ONE
room; a few senders post messages through the real protocol at a fixed total rate,
each carrying its send time; every client records the latency of every message. The
configurations are run one after another, interleaved per load and round, each on a
fresh server (and a fresh database copy), and summarised in one table plus a JSON file
in bench/results/. See bench/README.md for what every column means.

Not part of the test suite. Everything this script starts (servers, node, load
generators) is stopped on exit, on Ctrl-C and on errors; it uses ports >= 6100, Redis
database 9 (flushed) and PostgreSQL databases named bench_* that it creates and drops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402  (bench/loadgen.py, after the path is set)

PY = sys.executable
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_DB = 9
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
SECRET = "bench-secret-not-for-production-0123456789"  # noqa: S105 - throw-away servers
FACILITATOR = ("benchfac", "Bench Facilitatore", "una password lunga per il bench")
HOLD_P99_MS = 100.0
LOWEST_PORT = 6100


# --------------------------------------------------------------------------- configurations


@dataclass(frozen=True)
class Config:
    name: str
    kind: str  # "platform" or "bare"
    server: str  # "platform", "flask" or "node"
    procs: int = 1
    backend: str | None = None  # "sqlite" or "postgresql" for the platform
    modes: tuple[str, ...] = ("eventlet", "gevent")


CONFIGS = [
    Config("platform-sqlite", "platform", "platform", 1, "sqlite"),
    Config("platform-pg-redis", "platform", "platform", 2, "postgresql"),
    Config("flask-bare", "bare", "flask"),
    Config("node-bare", "bare", "node", modes=("node",)),
]


# --------------------------------------------------------------------------- processes


class Processes:
    """Every child this script starts, each in its own process group, stopped by its id."""

    def __init__(self):
        self.children: list[subprocess.Popen] = []
        self.nice = 0  # applied to every child (--nice)

    def spawn(
        self, cmd: list[str], *, env=None, cpus=None, log=None, stdin=None, stdout=None, cwd=ROOT
    ) -> subprocess.Popen:
        nice = self.nice

        def pin():
            if cpus:
                os.sched_setaffinity(0, set(cpus))
            if nice:
                os.setpriority(os.PRIO_PROCESS, 0, nice)

        proc = subprocess.Popen(  # noqa: S603 - commands built here, not from input
            cmd,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=stdout if stdout is not None else (log or subprocess.DEVNULL),
            stderr=log or subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=pin,
        )
        self.children.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 10) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        if proc in self.children:
            self.children.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.children):
            self.stop(proc, timeout=5)


PROCS = Processes()


def free_port(start: int = LOWEST_PORT) -> int:
    import socket

    port = start
    while port < 65000:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                port += 1
    raise RuntimeError("no free port")


class PortPool:
    def __init__(self):
        self.next = LOWEST_PORT

    def take(self) -> int:
        port = free_port(self.next)
        self.next = port + 1 if port < 6900 else LOWEST_PORT
        return port


PORTS = PortPool()


def wait_healthy(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}): {tail(log_path)}")
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not start: {tail(log_path)}")


def tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


# --------------------------------------------------------------------------- databases


def pg_admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def redis_flush() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def platform_env(work: Path, database_url: str, mode: str, message_queue: str | None = None) -> dict:
    env = {
        **os.environ,
        "WORKSHOP_DATABASE_URL": database_url,
        "WORKSHOP_INSTANCE_DIR": str(work / "instance"),
        "WORKSHOP_SECRET_KEY": SECRET,
        "WORKSHOP_ASYNC_MODE": mode,
        # Per-participant and per-address budgets: every client comes from 127.0.0.1.
        "WORKSHOP_COMMANDS_PER_MINUTE": "1000000",
        "WORKSHOP_JOINS_PER_MINUTE": "1000000",
        "WORKSHOP_JOIN_FAILURES_PER_MINUTE": "1000000",
        "PYTHONUNBUFFERED": "1",
        # A channel of its own: Redis pub/sub channels ignore the database number.
        "WORKSHOP_MESSAGE_QUEUE_CHANNEL": "workshop-bench",
        "WORKSHOP_LOG_FORMAT": "json",
    }
    env.pop("WORKSHOP_MESSAGE_QUEUE", None)
    env.pop("WORKSHOP_RATE_LIMIT_STORAGE", None)
    env.pop("WORKSHOP_PUBLIC_URL", None)
    if message_queue:
        env["WORKSHOP_MESSAGE_QUEUE"] = message_queue
    return env


def workshop_cli(args: list[str], env: dict, extra_env: dict | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - the platform CLI, fixed arguments
        [PY, "-m", "workshop", *args],
        cwd=ROOT,
        env={**env, **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"workshop {' '.join(args)} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return done.stdout


class PlatformBackend:
    """A template database per backend (schema, reference data, a facilitator, one session
    in accoglienza, `participants` participants who joined with the code); every run gets
    a fresh copy of it, so runs never see each other's notes."""

    def __init__(self, backend: str, work: Path, tag: str):
        self.backend, self.work, self.tag = backend, work, tag
        self.code: str | None = None
        self.session_id: int | None = None
        self.tokens: list[str] = []
        self.copies = 0
        if backend == "sqlite":
            self.template_url = f"sqlite:///{work / 'template.db'}"
        else:
            self.template_name = f"bench_{tag}_tpl"
            self.template_url = pg_url(self.template_name)
        self.created_pg: list[str] = []

    def prepare(self, participants: int, log) -> None:
        started = time.monotonic()
        if self.backend == "postgresql":
            pg_admin(f'DROP DATABASE IF EXISTS "{self.template_name}" WITH (FORCE)')
            pg_admin(f'CREATE DATABASE "{self.template_name}"')
            self.created_pg.append(self.template_name)
        env = platform_env(self.work, self.template_url, "threading")
        workshop_cli(["db", "upgrade"], env)
        workshop_cli(["seed"], env)
        workshop_cli(
            ["create-user", "--username", FACILITATOR[0], "--name", FACILITATOR[1], "--role", "facilitator"],
            env,
            {"WORKSHOP_NEW_PASSWORD": FACILITATOR[2]},
        )
        # The facilitator creates the session from their dashboard (POST /facilitatore), so
        # that they own it: `create-session` on the command line makes sessions with no owner,
        # which only an admin could then run.
        server = start_platform_server(self.template_url, "gevent", self.work, None, None, "template")
        try:
            self.session_id, self.code = create_session_as_facilitator(server.url)
            # Participants join once, here, with the code (the real protocol); the runs come
            # back with their tokens, so a run's setup is not an O(N^2) participant.joined storm.
            self.tokens = asyncio.run(join_participants(server.port, self.code, participants))
        finally:
            server.stop()
        if self.backend == "sqlite":
            import sqlite3

            conn = sqlite3.connect(self.work / "template.db")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        log(
            f"  {self.backend} template ready: session {self.code}, {len(self.tokens)} participants "
            f"({time.monotonic() - started:.0f} s)"
        )

    def new_copy(self) -> str:
        self.copies += 1
        if self.backend == "sqlite":
            path = self.work / f"run-{self.copies}.db"
            shutil.copy(self.work / "template.db", path)
            return f"sqlite:///{path}"
        name = f"bench_{self.tag}_run{self.copies}"
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
        self.created_pg.append(name)
        return pg_url(name)

    def drop_copy(self, url: str) -> None:
        if self.backend == "sqlite":
            path = Path(url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            return
        name = url.rsplit("/", 1)[1]
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created_pg:
            self.created_pg.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created_pg):
            try:
                pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001 - best effort at exit
                print(f"warning: could not drop {name}: {exc}", file=sys.stderr)
        self.created_pg.clear()


class _Quiet:
    """Stands in for a LoadGen when a setup client needs none of the counting."""

    def __init__(self):
        self.stats = loadgen.Stats()

    def on_event(self, client, payload):
        pass

    def on_timed_ack(self, sent, body):
        pass


async def join_participants(port: int, code: str, count: int, batch: int = 100) -> list[str]:
    """Newcomers join one after the other (see the SQLite note in bench/README.md: concurrent
    newcomer joins freeze a SQLite server for 15 s), a batch of connections at a time."""
    gen = _Quiet()
    tokens: list[str] = []
    opts = {"code": code, "run_id": "tpl"}
    for first in range(0, count, batch):
        clients = [loadgen.Client(gen, i, "127.0.0.1", port) for i in range(first, min(count, first + batch))]
        await asyncio.gather(*(c.connect() for c in clients))
        for c in clients:
            ack = await c.call("join", loadgen.join_payload(opts, c.index))
            if not ack.get("ok"):
                raise RuntimeError(f"template join refused: {ack}")
            tokens.append(ack["token"])
        for c in clients:
            c.close()
        await asyncio.sleep(0.3)
    return tokens


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        PROCS.stop(self.proc)


def healthy_server(proc: subprocess.Popen, port: int, log_path: Path) -> Server:
    """The started process as a Server once /healthz answers; stopped if it never does."""
    server = Server(proc, port, log_path)
    try:
        wait_healthy(server.url, proc, log_path)
    except Exception:
        server.stop()
        raise
    return server


def start_platform_server(database_url, mode, work: Path, message_queue, cpus, label) -> Server:
    port = PORTS.take()
    log_path = work / f"{label}-{port}.log"
    with open(log_path, "ab") as log:
        proc = PROCS.spawn(
            [PY, "-m", "workshop", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=platform_env(work, database_url, mode, message_queue),
            cpus=cpus,
            log=log,
        )
    return healthy_server(proc, port, log_path)


def start_bare_server(cfg: Config, mode: str, work: Path, cpus) -> Server:
    port = PORTS.take()
    log_path = work / f"{cfg.name}-{mode}-{port}.log"
    if cfg.server == "node":
        cmd = ["node", str(BENCH / "node" / "server.js"), "--host", "127.0.0.1", "--port", str(port)]
    else:
        cmd = [PY, str(BENCH / "bare_server.py"), "--mode", mode, "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "ab") as log:
        proc = PROCS.spawn(cmd, env={**os.environ, "PYTHONUNBUFFERED": "1"}, cpus=cpus, log=log)
    return healthy_server(proc, port, log_path)


def create_session_as_facilitator(base_url: str) -> tuple[int, str]:
    http = sign_in(base_url)
    page = http.get(f"{base_url}/facilitatore", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    form = {
        "csrf_token": token[1] if token else "",
        "lab": "dopo-di-noi",
        "title": "Sessione di benchmark",
        "guiding_question": "Quanto regge la stanza?",
        "dots": "3",
        "cap": "2",
        "note_kinds": ["problema", "proposta", "risorsa", "caso"],
        "show_pseudonyms": "y",
    }
    response = http.post(f"{base_url}/facilitatore", data=form, allow_redirects=False, timeout=20)
    found = re.search(r"/facilitatore/sessioni/(\d+)", response.headers.get("Location", ""))
    if response.status_code != 302 or not found:
        raise RuntimeError(f"creating the session failed: {response.status_code} {response.text[:500]}")
    session_id = int(found[1])
    control = http.get(f"{base_url}/facilitatore/sessioni/{session_id}", timeout=10).text
    code = (
        re.search(r"codice (\d{3}) ?(\d{3})", control)
        or re.search(r"&#34;code&#34;: ?&#34;(\d{3})(\d{3})", control)
        or re.search(r'"code": ?"(\d{3})(\d{3})"', control)
    )
    if not code:
        raise RuntimeError("no join code on the control page")
    return session_id, code[1] + code[2]


def sign_in(base_url: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base_url}/accedi", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if not token:
        raise RuntimeError("no CSRF token on /accedi")
    response = http.post(
        f"{base_url}/accedi",
        data={"username": FACILITATOR[0], "password": FACILITATOR[2], "csrf_token": token[1]},
        allow_redirects=False,
        timeout=20,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.text[:300]}")
    return http


async def staff_to_raccolta(port: int, cookie: str, session_id: int) -> None:
    """As tests/staff_client.py does: a staff socket with the login cookie, staff.join, phase.set."""
    client = loadgen.Client(_Quiet(), 0, "127.0.0.1", port)
    await client.connect(headers={"Cookie": cookie})
    try:
        ack = await client.call("staff.join", {"session_id": session_id, "view": "control"})
        if not ack.get("ok"):
            raise RuntimeError(f"staff.join refused: {ack}")
        if ack["session"]["phase"] != "raccolta":
            ack = await client.call(
                "phase.set",
                {"cid": f"bench-phase-{time.time_ns()}", "session_id": session_id, "phase": "raccolta"},
            )
            if not ack.get("ok"):
                raise RuntimeError(f"phase.set refused: {ack}")
    finally:
        client.close()


def prepare_platform_session(server: Server, session_id: int) -> int:
    http = sign_in(server.url)
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    asyncio.run(staff_to_raccolta(server.port, cookie, session_id))
    return session_id


# --------------------------------------------------------------------------- measuring


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


def percentile(sorted_values, q: float) -> float | None:
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


class GenProcess:
    """A load-generator child; its stdout lines are read by a thread into a queue."""

    def __init__(self, proc: subprocess.Popen, opts: dict):
        self.proc, self.opts = proc, opts
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def expect(self, key: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"load generator did not answer {key!r} in {timeout:.0f} s")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(
                    f"load generator exited ({self.proc.poll()}): {tail(Path(self.opts['log']))}"
                )
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if key in msg:
                return msg[key]

    def send(self, obj: dict) -> None:
        try:
            self.proc.stdin.write((json.dumps(obj) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass


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


@dataclass
class RunSpec:
    cfg: Config
    mode: str
    clients: int
    round: int
    layout: str


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

        # Clients: contiguous blocks per generator; inside a block, clients alternate
        # between the server processes. Sender s sits on server s % procs.
        n, g = spec.clients, min(args.gens, spec.clients)
        bounds = [round(i * n / g) for i in range(g + 1)]
        sender_slots: dict[int, list] = {j: [] for j in range(g)}
        for s in range(args.senders):
            j = s % g
            taken = {pos for _, pos in sender_slots[j]}
            pos = next(
                p
                for p in range(bounds[j + 1] - bounds[j])
                if (bounds[j] + p) % cfg.procs == s % cfg.procs and p not in taken
            )
            sender_slots[j].append((s, pos))
        for j in range(g):
            first, last = bounds[j], bounds[j + 1]
            opts = {
                "kind": cfg.kind,
                "run_id": run_id,
                "first_index": first,
                "targets": [["127.0.0.1", servers[i % cfg.procs].port] for i in range(first, last)],
                "sender_ids": [s for s, _ in sender_slots[j]],
                "sender_positions": [p for _, p in sender_slots[j]],
                "pad_bytes": args.pad,
                "cpus": layout.gen_cpus,
                "connect_concurrency": args.connect_concurrency,
                "latency_file": str(work / f"lat-{run_id}-{j}.bin"),
                "log": str(work / f"gen-{run_id}-{j}.log"),
            }
            if cfg.kind == "platform":
                opts["tokens"] = backend.tokens[first:last]
                opts["code"] = backend.code
            opts_path = work / f"gen-{run_id}-{j}.json"
            opts_path.write_text(json.dumps(opts))
            with open(opts["log"], "ab") as glog:
                proc = PROCS.spawn(
                    [PY, str(BENCH / "loadgen.py"), str(opts_path)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    log=glog,
                )
            gens.append(GenProcess(proc, opts))
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
    import profile_summary

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


# --------------------------------------------------------------------------- summary


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


# --------------------------------------------------------------------------- main


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
            rows.extend(attempts)

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
    summary = summarize(rows)
    caps = capacity(summary)
    print()
    print(
        f"Fan-out: {args.rate:g} messages/s in total from {args.senders} senders, "
        f"{args.duration:g} s measured "
        f"per row, {args.rounds} round(s) (median); latency in ms; ratios are of p99."
    )
    print(table(summary))
    warnings = [
        f"{s['config']} {s['mode']} {s['clients']}: load generators saturated ({s['gen_saturated']}): "
        f"figures invalid"
        for s in summary
        if s["gen_saturated"]
    ]
    warnings += [
        f"{s['config']} {s['mode']} {s['clients']}: disturbed from outside ({s['disturbed']}): "
        f"figures doubtful"
        for s in summary
        if s["disturbed"]
    ]
    warnings += [
        f"{s['config']} {s['mode']} {s['clients']}: {len(s['errors'])} failed round(s): "
        f"{s['errors'][0][:300]}"
        for s in summary
        if s["errors"]
    ]
    for w in warnings:
        print("WARNING:", w)
    print()
    print(
        f"Holds (highest load with delivery 100% in every round and p99 < {HOLD_P99_MS:.0f} ms, "
        "lower loads too):"
    )
    for (name, mode, lay), held in sorted(caps.items()):
        print(f"  {name:<19} {mode:<8} [{lay}] {held or 'none of the tested loads'}")
    goals = targets(summary, caps)
    if goals:
        print("\nTargets:")
        for line in goals:
            print("  " + line)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(
        json.dumps(
            {
                "started": stamp,
                "wall_s": round(time.monotonic() - started),
                "command": " ".join([Path(PY).name, *sys.argv]),
                "settings": {
                    k: (
                        v
                        if not isinstance(v, list) or not v or not isinstance(v[0], Config)
                        else [c.name for c in v]
                    )
                    for k, v in vars(args).items()
                },
                "machine": machine_facts(),
                "summary": summary,
                "runs": rows,
                "holds": [
                    {"config": k[0], "mode": k[1], "layout": k[2], "clients": v} for k, v in caps.items()
                ],
                "targets": goals,
                "warnings": warnings,
            },
            indent=1,
            default=str,
        )
    )
    print(
        f"\nJSON: {out_path.relative_to(ROOT) if out_path.is_relative_to(ROOT) else out_path}  "
        f"(wall time {time.monotonic() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

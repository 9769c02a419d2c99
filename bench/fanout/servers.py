"""The servers a row measures: the platform (`python -m workshop serve`) and the bare
Flask-SocketIO and Node servers, each started pinned as the layout says, stopped by id."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.servers import wait_healthy

from .configs import Config
from .processes import BENCH, PORTS, PROCS, PY, tail

SECRET = "bench-secret-not-for-production-0123456789"  # noqa: S105 - throw-away servers


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
        wait_healthy(server.url, proc, lambda: tail(log_path), timeout=40)
    except Exception:
        server.stop()
        raise
    return server


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

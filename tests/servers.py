"""Real server processes for tests: `python -m workshop serve`, as in production."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from sqlmodel import select

from workshop.seed import seed_reference
from workshop.storage import migrate
from workshop.storage.database import Database

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, log: Callable[[], str], timeout: float) -> None:
    """Until the server at `url` answers /healthz; `log()` tells why when it never does
    (bench/fanout starts its servers with this too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log()}")
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not start: {log()}")


class ServerProcess:
    def __init__(
        self,
        database_url: str,
        instance_dir: Path,
        *,
        async_mode: str = "eventlet",
        message_queue: str | None = None,
        port: int | None = None,
        env: dict | None = None,
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = instance_dir / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "WORKSHOP_DATABASE_URL": database_url,
            "WORKSHOP_INSTANCE_DIR": str(instance_dir),
            "WORKSHOP_SECRET_KEY": "server-test-secret",
            "WORKSHOP_ASYNC_MODE": async_mode,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        if message_queue:
            self.env["WORKSHOP_MESSAGE_QUEUE"] = message_queue
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> ServerProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workshop", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_healthy(self.url, self.process, self.log, timeout)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


def migrated_sqlite(instance_dir: Path, name: str = "live.db") -> str:
    url = f"sqlite:///{instance_dir / name}"
    migrate.upgrade(url)
    return url


FACILITATOR = ("facilitatrice", "password della facilitatrice")


def start_server(database_url: str, instance_dir: Path, **options) -> ServerProcess:
    """Seed reference data and a facilitator account (unless one exists), start a
    server; `server.db` talks to the same database."""
    from workshop.services import accounts
    from workshop.storage.models import StaffUser

    db = Database(database_url)
    seed_reference(db)
    server = ServerProcess(database_url, instance_dir, **options).start()
    server.db = db
    with db.reader() as s:
        existing = s.exec(select(StaffUser.id).where(StaffUser.username == FACILITATOR[0])).first()
    server.facilitator_id = (
        existing
        or accounts.create_user(db, FACILITATOR[0], "Facilitatrice", "facilitator", FACILITATOR[1]).id
    )
    return server


def open_room(server: ServerProcess, lab: str, title: str, **settings):
    """A session owned by the test facilitator, moved to raccolta over the real
    protocol; `room.facilitator` is the signed-in staff client. Close it after."""
    from tests.staff_client import StaffClient
    from workshop.seed import create_session

    made = create_session(server.db, lab, title, owner_id=server.facilitator_id, **settings)
    facilitator = StaffClient(server.url, *FACILITATOR)
    facilitator.connect()
    facilitator.staff_join(made.id)
    facilitator.advance("raccolta")
    made.facilitator = facilitator
    return made


def stop_server(server: ServerProcess) -> None:
    server.stop()
    server.db.dispose()

"""Where the platform rows keep their data: a template database per backend (SQLite file
or PostgreSQL database), a fresh copy of it for every run, and Redis (database 9) for the
two-process rows' message queue. Everything made here is dropped at the end."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.postgres import admin as pg_admin
from tests.postgres import dsn as pg_url

from .processes import PY, ROOT
from .room import FACILITATOR, create_session_as_facilitator, join_participants
from .servers import platform_env, start_platform_server

REDIS_DB = 9
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


def redis_flush() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


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

"""Engine and transactions.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout;
PostgreSQL gets a plain pooled engine (psycopg2, made cooperative by psycogreen
in the entry point). `transaction()` is the unit of work: commit on success,
rollback on any exception, nothing half-written either way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from workshop.config import normalize_database_url
from workshop.domain.errors import Rejected

_IMMEDIATE = "workshop_sqlite_immediate"
LOCK_TIMEOUT_MS = 5000
# A transaction left open this long without a statement is ended by PostgreSQL
# (a stuck client must not keep a session's lock).
IDLE_IN_TRANSACTION_MS = 60_000
# How long a round trip on the command path waits without yielding (see the
# entry point's wait callback); normal ones take well under a millisecond.
NATIVE_WAIT_S = 0.05
# The longest a command waits for its session's lock (or, on SQLite, for the
# process's writer lock) before it is refused with `session_busy`.
SESSION_LOCK_WAIT_S = 10.0


class _Flags(threading.local):
    # Per greenlet once the entry point has monkey-patched (this module is
    # imported after that), per thread otherwise.
    no_yield = False


_flags = _Flags()


def may_yield() -> bool:
    """Whether a PostgreSQL round trip of this greenlet may yield to the event
    loop while it waits (the entry point's wait callback asks)."""
    return not _flags.no_yield


@contextmanager
def without_yielding() -> Iterator[None]:
    """PostgreSQL round trips inside wait for the answer without yielding.

    For the command path. A yield waits for the event loop to come round, and
    a busy loop (a room's fan-out: hundreds of sockets) takes tens of
    milliseconds per turn; a command makes a dozen round trips, most of them
    under its session's lock, which every process's commands queue for. Not
    yielding, a round trip costs what the database takes (a fraction of a
    millisecond on a local network), as SQLite's calls always do. Never wait
    for a lock inside: see eventlog.lock_session.
    """
    previous, _flags.no_yield = _flags.no_yield, True
    try:
        yield
    finally:
        _flags.no_yield = previous


class _NoLock:
    """PostgreSQL needs no writer lock in the process: rows are locked."""

    def acquire(self, timeout: float = -1) -> bool:
        return True

    def release(self) -> None:
        pass


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Let SQLAlchemy, not pysqlite, decide when transactions begin (the
            # documented recipe): pysqlite would otherwise run SELECTs outside
            # any transaction, and a read could mix two states of the database.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # FULL: an acknowledged command survives a power cut, not only a crash.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # Writers take the write lock up front (IMMEDIATE): a deferred
            # transaction that reads first and writes later fails with "database
            # is locked" the moment another process commits in between.
            immediate = connection.get_execution_options().get(_IMMEDIATE, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # No request should wait long for a row lock, nor keep one from an idle
    # transaction: a bounded wait ends in an error rather than a hang.
    return create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args={
            "options": f"-c lock_timeout={LOCK_TIMEOUT_MS} "
            f"-c idle_in_transaction_session_timeout="
            f"{IDLE_IN_TRANSACTION_MS}"
        },
    )


class Database:
    def __init__(self, url: str):
        url = normalize_database_url(url)
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(**{_IMMEDIATE: True})
        # Made here, after the entry point's monkey-patching: a green lock then.
        self._writers = threading.Lock() if self.is_sqlite else _NoLock()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        # SQLite has one writer at a time. Queue writers of this process on a lock
        # that yields to the event loop, instead of letting the second one wait in
        # SQLite's busy handler, which blocks the whole process (and with it the
        # first writer, if it had yielded: a stall until the busy timeout).
        if not self._writers.acquire(timeout=SESSION_LOCK_WAIT_S):
            raise Rejected("session_busy")
        try:
            with Session(self._writer, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            self._writers.release()

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only transaction that sees one consistent state throughout.

        Needed for snapshots: the event head and the board must describe the
        same moment. SQLite in WAL mode gives that to any transaction;
        PostgreSQL needs REPEATABLE READ. Never commits.
        """
        bind = self.engine
        if not self.is_sqlite:
            bind = self.engine.execution_options(isolation_level="REPEATABLE READ")
        # Closing (not rolling back) ends the transaction without expiring the
        # loaded objects, so callers can keep reading them after the block.
        with Session(bind, expire_on_commit=False) as session:
            yield session

    def answers(self) -> bool:
        """Whether the database answers a trivial query (the health check)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()

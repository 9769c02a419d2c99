"""Fixtures shared by all tests.

Databases are real: each test that needs one gets a freshly migrated SQLite
file, or (parametrized) a database on the machine's PostgreSQL that the suite
creates at the start and drops at the end. Schemas are always built by the
alembic migrations, as in production, never by create_all.

Two runs. A developer's `pytest` is the quick one: domain, services and
handlers on SQLite. `pytest --full` (what scripts/test.sh and CI run) adds the
PostgreSQL variant of every database test, the real servers (`server` marker),
the browser (`browser` marker) and the costly end-to-end checks (`full` marker).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import text
from sqlmodel import select

from tests import postgres
from workshop.config import Settings
from workshop.seed import create_session, seed_reference
from workshop.storage import migrate
from workshop.storage.database import Database
from workshop.storage.models import metadata

BACKENDS = ["sqlite", "postgresql"]


class PostgresDatabases:
    """Creates throw-away databases on the machine's PostgreSQL; drops them at the end."""

    def __init__(self):
        self.created: list[str] = []
        self.prefix = f"workshop_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    def new(self) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        try:
            postgres.admin(f'CREATE DATABASE "{name}"')
        except psycopg2.OperationalError as exc:  # pragma: no cover - environment problem
            pytest.fail(f"PostgreSQL is required for the tests ({postgres.ADMIN_URL}): {exc}")
        self.created.append(name)
        url = postgres.dsn(name)
        migrate.upgrade(url)
        return url

    def drop_all(self) -> None:
        for name in self.created:
            postgres.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_databases():
    dbs = PostgresDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_shared(pg_databases) -> str:
    """One migrated PostgreSQL database for the function-scoped tests, emptied between them."""
    return pg_databases.new()


def _truncate_pg(url: str) -> None:
    db = Database(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.dispose()


def pytest_addoption(parser):
    parser.addoption(
        "--full", action="store_true", help="the whole suite: PostgreSQL variants, real servers, the browser"
    )


def _full(config) -> bool:
    return config.getoption("--full")


def pytest_generate_tests(metafunc):
    """Every database test on SQLite; on PostgreSQL too in the full run. A test
    that names its backend (it tests what only one of them does) keeps it."""
    if "database_url" not in metafunc.fixturenames:
        return
    if any("database_url" in m.args[0] for m in metafunc.definition.iter_markers("parametrize")):
        return
    metafunc.parametrize("database_url", BACKENDS if _full(metafunc.config) else BACKENDS[:1], indirect=True)


def pytest_collection_modifyitems(config, items):
    if _full(config):
        return
    slow = [i for i in items if any(i.get_closest_marker(m) for m in ("server", "browser", "full"))]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [i for i in items if i not in slow]


@pytest.fixture
def database_url(request, tmp_path) -> str:
    """A migrated, empty database: SQLite file or PostgreSQL database. On SQLite, a
    test that asks for `closed_labs` starts from a copy of them, closed once."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if "closed_labs" in request.fixturenames:
            template = request.getfixturevalue("closed_labs_template")[0]
        else:
            template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_shared")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def make_settings(database_url: str, **overrides) -> Settings:
    values = dict(
        database_url=database_url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        async_mode="threading",
        presence_interval=0.0,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    seed_reference(database)
    yield database
    database.dispose()


class Sleeps(list):
    """The rate limiter's sleep in tests: records each delay instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def app(database_url):
    from workshop.app import create_app

    application = create_app(make_settings(database_url, join_failures_per_minute=5))
    application.config["TESTING"] = True
    svc = application.extensions["workshop"]
    svc.bus.limiter.sleep = Sleeps()
    seed_reference(svc.db)
    yield application
    svc.db.dispose()


def _create_facilitator(db):
    from workshop.services import accounts

    return accounts.create_user(db, "fabia", "Fabia Facilitatrice", "facilitator", "una password lunga")


def facilitator_in(db):
    """The facilitator who ran the sample labs: already there when the database is a
    copy of closed_labs_template, created otherwise."""
    from workshop.storage.models import StaffUser

    with db.reader() as s:
        made = s.exec(select(StaffUser).where(StaffUser.username == "fabia")).first()
    return made or _create_facilitator(db)


@pytest.fixture
def facilitator(app):
    return facilitator_in(app.extensions["workshop"].db)


@pytest.fixture
def live_session(app, facilitator):
    """A fresh session (3 dots, cap 2) in the 'dopo-di-noi' lab, collecting notes (raccolta)."""
    made = create_session(
        app.extensions["workshop"].db,
        "dopo-di-noi",
        "Sessione di prova",
        "Domanda guida di prova",
        owner_id=facilitator.id,
    )
    to_phase(app, made, "raccolta")
    return made


def to_phase(app, made, phase: str) -> None:
    """Move a session forward through the real command path, as its facilitator."""
    from tests.helpers import advance

    bus = app.extensions["workshop"].bus
    with bus.db.reader() as s:
        from workshop.storage.models import LiveSession

        owner = s.get(LiveSession, made.id).owner_id
    advance(bus, bus.staff_bind(owner, "facilitator", made.id), phase)


@pytest.fixture
def plan_db(request):
    """The database the plan fixtures seed: the app's when the test has an app, else `db`."""
    if "app" in request.fixturenames:
        return request.getfixturevalue("app").extensions["workshop"].db
    return request.getfixturevalue("db")


@pytest.fixture(scope="session")
def closed_labs_template(tmp_path_factory, sqlite_template) -> tuple[Path, list[int]]:
    """The sample labs closed once (0.6 s each time) in a SQLite file that tests copy,
    with the reference data and the facilitator who ran them; and their ids."""
    from tests.helpers import close_sample_labs

    path = tmp_path_factory.mktemp("closed-labs") / "closed.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    seed_reference(db)
    ids = [made.id for made in close_sample_labs(db, _create_facilitator(db).id)]
    db.dispose()
    return path, ids


@pytest.fixture
def closed_labs(request, plan_db, facilitator):
    """Both sample sessions taken through every phase to chiusa, as the demo does:
    their rows (LiveSession), whichever database the test runs on."""
    from tests.helpers import close_sample_labs
    from workshop.storage.models import LiveSession

    if plan_db.url.startswith("sqlite"):  # a copy of closed_labs_template (database_url)?
        ids = request.getfixturevalue("closed_labs_template")[1]
        with plan_db.reader() as s:
            copied = [s.get(LiveSession, id_) for id_ in ids]
        if all(copied):
            return copied
    ids = [made.id for made in close_sample_labs(plan_db, facilitator.id)]
    with plan_db.reader() as s:
        return [s.get(LiveSession, id_) for id_ in ids]


@pytest.fixture
def team(plan_db):
    """Staff for the plan: keys up, ristretta, allargata, fac → schede.PlanActor."""
    from tests.helpers import plan_team

    return plan_team(plan_db)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 at production cost takes ~0.1 s per hash; tests only need it to be Argon2."""
    from argon2 import PasswordHasher

    from workshop.services import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

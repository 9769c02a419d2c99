"""Migration 0008 (programming periods): the existing data moves into one process
(current), its labs take part in it, each session belongs to its lab's
process; the downgrade puts `lab.process_id` back and refuses while a practice
session exists (the old schema would count it as real). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.helpers import PROCESS_SLUG
from workshop.seed import create_session
from workshop.storage import migrate
from workshop.storage.database import Database


def rows(url: str, sql: str) -> list[tuple]:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        db.dispose()


def test_down_to_0007_and_up_again_keeps_labs_and_sessions_in_their_process(db, database_url):
    made = create_session(db, "dopo-di-noi", "Primo incontro")
    db.dispose()

    migrate.downgrade(database_url, "0007")
    labs = rows(database_url, "SELECT l.slug, p.slug FROM lab l JOIN process p ON p.id = l.process_id")
    assert len(labs) == 7 and {p for _, p in labs} == {PROCESS_SLUG}
    # Old-schema data: a second process and a lab in it, as an install before 0008 could have.
    old = Database(database_url)
    with old.engine.begin() as conn:
        conn.execute(text("INSERT INTO process (slug, title) VALUES ('pdz-2015-2017', 'PdZ 2015-2017')"))
        conn.execute(
            text(
                "INSERT INTO lab (slug, title, process_id) SELECT 'vecchio', 'Vecchio', id "
                "FROM process WHERE slug = 'pdz-2015-2017'"
            )
        )
    old.dispose()

    migrate.upgrade(database_url)
    taking_part = rows(
        database_url,
        "SELECT l.slug, p.slug FROM lab_process lp JOIN lab l ON l.id = "
        "lp.lab_id JOIN process p ON p.id = lp.process_id",
    )
    assert sorted(taking_part) == sorted(labs + [("vecchio", "pdz-2015-2017")])
    assert rows(
        database_url,
        f"SELECT p.slug, s.practice FROM live_session s JOIN process p ON "
        f"p.id = s.process_id WHERE s.id = {made.id}",
    ) == [(PROCESS_SLUG, False)]
    # The newest process is the current one.
    assert rows(database_url, "SELECT slug FROM process WHERE current") == [("pdz-2015-2017",)]


def test_the_downgrade_refuses_while_a_practice_session_exists(db, database_url):
    create_session(db, "dopo-di-noi", "Esercitazione", practice=True)
    db.dispose()
    with pytest.raises(RuntimeError, match="practice session"):
        migrate.downgrade(database_url, "0007")
    assert rows(database_url, "SELECT version_num FROM alembic_version") != [("0007",)]

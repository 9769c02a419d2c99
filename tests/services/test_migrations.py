"""The schema comes from alembic migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from workshop.storage import migrate
from workshop.storage.database import Database
from workshop.storage.models import metadata


def test_migrations_match_the_models(database_url):
    """A model changed without a migration would show up here as a diff."""
    db = Database(database_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), metadata)
    db.dispose()
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(database_url):
    migrate.downgrade(database_url, "base")
    db = Database(database_url)
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    db.dispose()
    migrate.upgrade(database_url)
    db = Database(database_url)
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
    db.dispose()

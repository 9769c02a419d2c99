"""Migration 0013 (on 0010): a participant's territory. Down, it goes (participants stay);
up, existing participants come back without one."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.services.test_participant_territory import joined
from workshop.seed import create_session
from workshop.services import territories
from workshop.storage import migrate
from workshop.storage.database import Database
from workshop.storage.models import Participant


def columns(db: Database, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_down_drops_the_participants_territory_and_up_starts_without_it(bus, db, database_url, facilitator):
    albinea = territories.add(db, "comune", "Albinea")
    made = create_session(db, "dopo-di-noi", "Incontro", owner_id=facilitator.id)
    anna = joined(bus, made, "Anna", territory=albinea)
    joined(bus, made, "Bruno")
    db.dispose()

    migrate.downgrade(database_url, "0010")
    old = Database(database_url)
    assert "territory_key" not in columns(old, "participant")
    with old.reader() as s:
        assert s.execute(text("SELECT count(*) FROM participant")).scalar_one() == 2
        assert s.execute(text("SELECT count(*) FROM territory")).scalar_one() == 1
    old.dispose()

    migrate.upgrade(database_url)
    new = Database(database_url)
    assert "territory_key" in columns(new, "participant")
    with new.reader() as s:
        assert s.get(Participant, anna.participant_id).territory_key is None
    new.dispose()

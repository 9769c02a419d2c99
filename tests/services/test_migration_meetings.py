"""Migration 0010 (on 0009): meetings and lines of groups. Down, the line is dropped (groups
become unrelated again); up, existing sessions and groups come back as they were."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import inspect, text

from tests.helpers import advance
from tests.services.test_continuity import A2, carry, first_meeting, second_meeting
from workshop.services import meetings
from workshop.services.consolidation import consolidate
from workshop.storage import migrate
from workshop.storage.database import Database
from workshop.storage.models import LiveSession


def columns(db: Database, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_down_drops_meetings_and_lines_and_up_starts_clean(bus, db, database_url, facilitator, closed_labs):
    first, groups = first_meeting(db, closed_labs)
    made, staff = second_meeting(bus, db, facilitator)
    carry(bus, staff, first.id, [groups[A2]])
    advance(bus, staff, "chiusa")
    assert len(consolidate(db, _slug(db)).rows) == 8  # the carried group is A2's priority
    meetings.set_meeting(
        db, made.id, meetings.Place(date(2027, 1, 12), time(17, 30), None, "Via Roma 1", "Sala 2")
    )
    with db.reader() as s:
        notes_before = s.execute(text("SELECT count(*) FROM note")).scalar_one()
        clusters_before = s.execute(text("SELECT count(*) FROM cluster")).scalar_one()
    db.dispose()

    migrate.downgrade(database_url, "0009")
    old = Database(database_url)
    assert "starts_at" not in columns(old, "live_session")
    assert not {"lineage_id", "carried_from_id"} & columns(old, "cluster")
    assert not {"written_on", "carried_from_id"} & columns(old, "note")
    with old.reader() as s:  # what was carried stays, as plain notes and groups
        assert s.execute(text("SELECT count(*) FROM note")).scalar_one() == notes_before
        assert s.execute(text("SELECT count(*) FROM cluster")).scalar_one() == clusters_before
    old.dispose()

    migrate.upgrade(database_url)
    new = Database(database_url)
    with new.reader() as s:
        live = s.get(LiveSession, made.id)
        assert (live.starts_at, live.place_address, live.place_room) == (None, "", "")
        assert s.execute(text("SELECT count(*) FROM cluster WHERE lineage_id IS NOT NULL")).scalar_one() == 0
    # The line went with the downgrade: the second meeting's group is a priority of its own.
    assert len(consolidate(new, _slug(new)).rows) == 9
    new.dispose()


def _slug(db):
    with db.reader() as s:
        return s.execute(text("SELECT slug FROM process")).scalar_one()

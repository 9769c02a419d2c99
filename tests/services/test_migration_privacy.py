"""Migration 0006 moves what people wrote out of the event log, and back on downgrade;
closed sessions get the internal record consolidation reads."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.helpers import advance, cid
from tests.services.test_bus import join, note, vote
from workshop.domain import commands as c
from workshop.services import tally
from workshop.storage import eventlog, migrate
from workshop.storage.database import Database
from workshop.storage.models import LiveSession


def stored(db: Database, session_id: int) -> str:
    with db.reader() as s:
        rows = s.execute(
            text("SELECT data FROM event WHERE session_id = :s ORDER BY seq"), {"s": session_id}
        ).all()
    return " ".join(r[0] if isinstance(r[0], str) else json.dumps(r[0], ensure_ascii=False) for r in rows)


def test_down_to_0005_puts_texts_back_in_the_log_and_up_again_takes_them_out(
    bus, db, database_url, session_code, staff
):
    anna = join(bus, session_code, name="Annabella", category="ausl")
    n = note(bus, anna, text="Prima stesura")
    bus.execute(anna, c.EditNote(cid=cid(), session_id=anna.session_id, note_id=n, text="Seconda *stesura*"))
    advance(bus, staff, "votazione")
    vote(bus, anna, n)
    advance(bus, staff, "chiusa")
    with db.reader() as s:
        before = eventlog.since(s, session_code.id, 0)
        frozen = tally.of_session(s, s.get(LiveSession, session_code.id))
    assert "Prima stesura" not in stored(db, session_code.id)
    db.dispose()

    migrate.downgrade(database_url, "0005")
    old = Database(database_url)
    log = stored(old, session_code.id)
    assert "Prima stesura" in log and "Seconda *stesura*" in log and "Annabella" in log  # the old form
    old.dispose()

    migrate.upgrade(database_url)
    new = Database(database_url)
    assert "Prima stesura" not in stored(new, session_code.id)
    assert "Annabella" not in stored(new, session_code.id)
    with new.reader() as s:
        assert eventlog.since(s, session_code.id, 0) == before  # the same events for clients
        again = tally.of_session(s, s.get(LiveSession, session_code.id))
    assert again == frozen  # the frozen results, document and record, survive the round trip
    new.dispose()

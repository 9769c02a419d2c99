"""Migration 0012: the monitoring tables. Down, they go (and the monitoring with them);
up, they come back empty and the approved scheda can be monitored again."""

from __future__ import annotations

from sqlalchemy import inspect

from tests.helpers import PROCESS_SLUG
from tests.monitoring_helpers import approved_scheda
from workshop.services import monitoring
from workshop.services.consolidation import consolidate
from workshop.storage import migrate
from workshop.storage.database import Database

TABLES = {"monitoring_report", "monitoring_entry", "monitoring_reporter"}


def test_down_drops_the_monitoring_and_up_starts_it_clean(db, database_url, closed_labs, team):
    action_id = approved_scheda(db, team, consolidate(db, PROCESS_SLUG).rows[0].cluster_id)
    monitoring.record(
        db, team["up"], action_id, 2019, status="avviata", progress="20", entry=("2019-04-01", "Avvio")
    )
    monitoring.set_reporters(db, team["up"], action_id, [team["fac"].user_id])
    db.dispose()

    migrate.downgrade(database_url, "0012-1")  # the revision before 0012, whichever it is
    old = Database(database_url)
    assert not TABLES & set(inspect(old.engine).get_table_names())
    assert "plan_action" in inspect(old.engine).get_table_names()  # the schede stay
    old.dispose()

    migrate.upgrade(database_url)
    new = Database(database_url)
    assert TABLES <= set(inspect(new.engine).get_table_names())
    assert monitoring.of_action(new, action_id)["latest"] is None
    monitoring.record(new, team["up"], action_id, 2019, status="in_corso", progress="40")
    assert monitoring.of_action(new, action_id)["latest"]["progress"] == 40
    new.dispose()

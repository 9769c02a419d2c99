"""Migration 0011 (on 0010): the cabine as bodies and the plan's adoption. Down, the
bodies, members, meetings and minutes go and the review steps stay without their
meeting; up again, the two bodies are there (without members) and every step
is as the old schema had it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, text

from tests.helpers import PROCESS_SLUG, body_decides
from workshop.services import cabine, schede
from workshop.services.consolidation import consolidate
from workshop.storage import migrate
from workshop.storage.database import Database

WHY = "Motivazione pubblica della decisione"


def columns(db: Database, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_down_drops_the_bodies_and_keeps_the_steps_and_up_starts_clean(db, database_url, closed_labs, team):
    action_id = schede.create_from_clusters(
        db, team["up"], PROCESS_SLUG, [consolidate(db, PROCESS_SLUG).rows[0].cluster_id]
    )
    schede.transition(db, team["up"], action_id, "revisione_up", WHY)
    schede.transition(db, team["up"], action_id, "ristretta", WHY)
    meeting = body_decides(db, team, action_id, "allargata", WHY)
    cabine.freeze_minutes(db, team["up"], meeting)
    schede.record_adoption(
        db, team["up"], PROCESS_SLUG, "Accordo", "Comitato di Distretto", date(2019, 4, 10), "12"
    )
    db.dispose()

    migrate.downgrade(database_url, "0010")
    old = Database(database_url)
    tables = set(inspect(old.engine).get_table_names())
    assert not {"body", "body_member", "body_meeting", "body_meeting_item", "body_meeting_presence"} & tables
    assert not {"meeting_id", "votes_for"} & columns(old, "plan_action_transition")
    assert not {"adoption_body", "adopted_on"} & columns(old, "process")
    with old.reader() as s:  # the steps stay, the scheda where the meeting took it
        assert s.execute(text("SELECT count(*) FROM plan_action_transition")).scalar_one() == 3
        assert s.execute(text("SELECT state FROM plan_action")).scalar_one() == "allargata"
        assert s.execute(text("SELECT approval_act FROM process")).scalar_one() == "Accordo"
    old.dispose()

    migrate.upgrade(database_url)
    new = Database(database_url)
    bodies = {b["key"]: b for b in cabine.bodies(new)}
    assert set(bodies) == {"ristretta", "allargata"} and not bodies["ristretta"]["members"]
    assert bodies["allargata"]["quorum_rule"] == "maggioranza"
    step = schede.view(new, action_id)["transitions"][-1]
    assert step["meeting"] is None and step["body"] == "ristretta"
    assert schede.view(new, action_id)["process"]["adoption"] is None
    new.dispose()

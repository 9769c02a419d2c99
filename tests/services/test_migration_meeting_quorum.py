"""Migration 0014: a meeting keeps the body as it was when its attendance was taken.
Down, the three columns go (the quorum is read from today's members); up again,
a meeting with an attendance gets the body's figures of that moment, and keeps
them when a member present later leaves office."""

from __future__ import annotations

from sqlalchemy import inspect

from tests.helpers import PROCESS_SLUG
from tests.services.test_cabine import WHY, at_ristretta, meeting_with, ristretta  # noqa: F401
from workshop.services import cabine
from workshop.storage import migrate
from workshop.storage.database import Database

COLUMNS = {"members_in_office", "quorum_rule", "quorum_number"}


def columns(db: Database) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns("body_meeting")}


def test_down_drops_the_meetings_quorum_and_up_fills_it_from_the_body(
    db,
    database_url,
    team,
    ristretta,  # noqa: F811
    at_ristretta,  # noqa: F811
):
    made = meeting_with(db, team, ristretta, 3, at_ristretta[:1])
    without = cabine.create_meeting(db, team["up"], "ristretta", PROCESS_SLUG, cabine.today(), "Sala")
    db.dispose()

    migrate.downgrade(database_url, "0013")
    old = Database(database_url)
    assert not COLUMNS & columns(old)
    old.dispose()

    migrate.upgrade(database_url)
    new = Database(database_url)
    assert COLUMNS <= columns(new)
    view = cabine.meeting_view(new, made)
    assert (view["in_office"], view["present_count"], view["quorum_rule"], view["quorum"]) == (
        5,
        3,
        "maggioranza",
        True,
    )
    # The figures are the meeting's own now: a member present who leaves office changes nothing.
    cabine.save_member(
        new, team["up"], "ristretta", "Persona 1", "Componente", member_id=ristretta[0], active=False
    )
    cabine.decide(new, team["up"], made, at_ristretta[0], "allargata", WHY)
    after = cabine.meeting_view(new, made)
    assert (after["in_office"], after["quorum"]) == (5, True)
    # A meeting without attendance has no figures of its own yet: today's body.
    assert cabine.meeting_view(new, without)["in_office"] == 4
    new.dispose()

"""The territories list, a meeting's territory, and consolidation read for one territory."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import select

from tests.helpers import advance
from tests.services.test_continuity import A2, _process_slug, carry, first_meeting, second_meeting
from workshop.domain.errors import Rejected
from workshop.services import meetings, territories
from workshop.services.consolidation import consolidate
from workshop.storage.models import LiveSession


def place(territory=None):
    return meetings.Place(date(2027, 1, 12), time(17, 30), None, "Via Roma 1", "Sala", territory)


def test_the_admin_keeps_the_list_and_meetings_pick_from_it(db, facilitator):
    nord = territories.add(db, "polo", "Polo Nord")
    albinea = territories.add(db, "comune", "Albinea")
    with pytest.raises(Rejected) as caught:
        territories.add(db, "polo", " Polo  Nord ")
    assert caught.value.code == "territory_taken"
    assert [t.key for t in territories.listed(db)] == [albinea, nord]

    from workshop.seed import create_session

    made = create_session(db, "dopo-di-noi", "Incontro", owner_id=facilitator.id)
    meetings.set_meeting(db, made.id, place(nord))
    assert meetings.one(db, made.id).place == "Sala, Via Roma 1, Polo Nord"
    with pytest.raises(Rejected) as caught:
        meetings.set_meeting(db, made.id, place("polo-inesistente"))
    assert caught.value.code == "territory_unknown"

    territories.update(db, nord, "Polo Nord (Reggio Emilia)", active=False)
    assert [t.key for t in territories.listed(db)] == [albinea]
    meetings.set_meeting(db, made.id, place(nord))  # a meeting keeps the territory it had
    other = create_session(db, "dopo-di-noi", "Altro", owner_id=facilitator.id)
    with pytest.raises(Rejected):
        meetings.set_meeting(db, other.id, place(nord))  # but no new one goes there
    with db.reader() as s:
        assert s.get(LiveSession, made.id).territory_key == nord
        assert s.get(LiveSession, other.id).territory_key is None


def test_consolidation_for_one_territory_keeps_the_global_ranks(bus, db, facilitator, closed_labs):
    nord, sud = territories.add(db, "polo", "Polo Nord"), territories.add(db, "polo", "Polo Sud")
    first, groups = first_meeting(db, closed_labs)
    meetings.set_meeting(db, first.id, place(nord))
    made, staff = second_meeting(bus, db, facilitator)
    meetings.set_meeting(db, made.id, place(sud))
    carry(bus, staff, first.id, [groups[A2]])
    advance(bus, staff, "chiusa")
    everything = consolidate(db, _process_slug(db)).rows
    at_nord = consolidate(db, _process_slug(db), territory=nord).rows
    at_sud = consolidate(db, _process_slug(db), territory=sud).rows
    assert [r.title for r in at_nord] == [r.title for r in everything if r.lab_slug == "dimissioni-difficili"]
    assert [(r.title, r.rank) for r in at_sud] == [(A2, 1)]  # voted there too (carried)
    assert consolidate(db, _process_slug(db), territory="altrove").rows == []
    with db.reader() as s:
        assert s.exec(select(LiveSession.territory_key).where(LiveSession.id == made.id)).one() == sud


def test_a_place_already_naming_its_comune_does_not_say_it_twice(db, facilitator):
    """«Sala civica, Via Marx 5, Albinea» in the Comune of Albinea, not «…, Albinea,
    Albinea» (the lab's page, the calendar's LOCATION)."""
    from workshop.seed import create_session

    albinea = territories.add(db, "comune", "Albinea")
    made = create_session(db, "dopo-di-noi", "Incontro", owner_id=facilitator.id)
    meetings.set_meeting(
        db,
        made.id,
        meetings.Place(
            date(2026, 11, 10), time(17, 30), None, "Via Marx 5, albinea ", "Sala civica", albinea
        ),
    )
    assert meetings.one(db, made.id).place == "Sala civica, Via Marx 5, albinea"
    nord = territories.add(db, "polo", "Polo Nord")
    meetings.set_meeting(
        db,
        made.id,
        meetings.Place(date(2026, 11, 10), time(17, 30), None, "Via Albinea 3, Reggio Emilia", "", nord),
    )
    assert meetings.one(db, made.id).place == "Via Albinea 3, Reggio Emilia, Polo Nord"

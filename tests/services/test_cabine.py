"""The cabine as bodies, through the services on the database: members, a
meeting's agenda and attendance, decisions with the quorum (a refusal changes
nothing), the minutes frozen with their hash, and the plan's adoption."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest

from tests.helpers import PROCESS_SLUG
from workshop.domain import cabine as rules
from workshop.domain.errors import Rejected
from workshop.services import cabine, documents, exports, schede
from workshop.services.consolidation import consolidate
from workshop.storage.models import BodyMeetingPresence, PlanAction, PlanActionTransition

WHY = "Motivazione pubblica della decisione"


def refused(fn, *args, **kwargs) -> str:
    with pytest.raises(Rejected) as e:
        fn(*args, **kwargs)
    return e.value.code


@pytest.fixture
def ristretta(db, team) -> list[int]:
    """The ristretta's five members, made by the Ufficio di Piano."""
    return [
        cabine.save_member(
            db, team["up"], "ristretta", f"Persona {n}", "Componente", "Comune di Reggio Emilia"
        )
        for n in range(1, 6)
    ]


@pytest.fixture
def at_ristretta(db, closed_labs, team) -> list[int]:
    """Three schede sent to the ristretta by the Ufficio di Piano."""
    rows = consolidate(db, PROCESS_SLUG).rows
    ids = []
    for row in rows[:3]:
        action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [row.cluster_id])
        schede.transition(db, team["up"], action_id, "revisione_up", WHY)
        schede.transition(db, team["up"], action_id, "ristretta", WHY)
        ids.append(action_id)
    return ids


def meeting_with(db, team, members, present: int, schede_ids, day=None) -> int:
    made = cabine.create_meeting(
        db, team["up"], "ristretta", PROCESS_SLUG, day or cabine.today(), "Sala del Consiglio"
    )
    for action_id in schede_ids:
        cabine.add_to_agenda(db, team["up"], made, action_id)
    cabine.set_attendance(db, team["up"], made, members[:present])
    return made


def state(db, action_id) -> str:
    with db.reader() as s:
        return s.get_one(PlanAction, action_id).state


def test_members_are_kept_by_the_office_and_listed_publicly_without_accounts(db, team, ristretta):
    assert refused(cabine.save_member, db, team["ristretta"], "ristretta", "X", "Y") == "forbidden"
    assert refused(cabine.save_member, db, team["up"], "comitato", "X", "Y") == "body_not_found"
    linked = cabine.save_member(
        db,
        team["up"],
        "allargata",
        "Anna Ferrari",
        "Rappresentante del laboratorio",
        staff_user_id=team["allargata"].user_id,
    )
    # One account is one member of a body.
    assert (
        refused(
            cabine.save_member,
            db,
            team["up"],
            "allargata",
            "Altra",
            "Ruolo",
            staff_user_id=team["allargata"].user_id,
        )
        == "member_account_invalid"
    )
    cabine.save_member(
        db, team["up"], "ristretta", "Persona 5", "Componente", member_id=ristretta[4], active=False
    )
    staff = {b["key"]: b for b in cabine.bodies(db)}
    assert staff["ristretta"]["in_office"] == 4 and staff["ristretta"]["required"] == 3
    assert staff["allargata"]["members"][0]["account"] == "Allargata"
    public = {b["key"]: b for b in cabine.bodies(db, public=True)}
    assert [m["name"] for m in public["ristretta"]["members"]] == [f"Persona {n}" for n in range(1, 5)]
    assert (
        "account" not in public["allargata"]["members"][0]
        and "staff_user_id" not in public["allargata"]["members"][0]
    )
    assert public["allargata"]["members"][0]["id"] == linked


def test_a_meeting_with_its_quorum_decides_and_the_step_names_the_meeting(db, team, ristretta, at_ristretta):
    first, second, third = at_ristretta
    made = meeting_with(db, team, ristretta, 3, [first, second])
    assert refused(cabine.decide, db, team["up"], made, third, "allargata", WHY) == "not_on_agenda"
    cabine.decide(db, team["ristretta"], made, first, "allargata", WHY, rules.Votes(2, 0, 1))
    cabine.decide(db, team["up"], made, second, "revisione_up", "Mancano gli indicatori di esito")
    assert (state(db, first), state(db, second), state(db, third)) == (
        "allargata",
        "revisione_up",
        "ristretta",
    )
    # Once decided, not again; and the attendance it was decided with stays.
    assert refused(cabine.decide, db, team["up"], made, first, "revisione_up", WHY) == "already_decided"
    assert refused(cabine.set_attendance, db, team["up"], made, ristretta) == "attendance_after_decisions"
    assert refused(cabine.remove_from_agenda, db, team["up"], made, first) == "agenda_item_decided"
    # Its day can be corrected (a typo), not moved to after the decisions it took.
    yesterday, tomorrow = cabine.today() - timedelta(days=1), cabine.today() + timedelta(days=1)
    cabine.update_meeting(db, team["up"], made, yesterday, "Sala del Consiglio", "")
    assert refused(cabine.update_meeting, db, team["up"], made, tomorrow, "Sala", "") == "meeting_not_held"

    step = schede.view(db, first, public=True)["transitions"][-1]
    assert step["meeting"]["id"] == made and step["meeting"]["held_on"] == cabine.today() - timedelta(days=1)
    assert (step["body"], step["by"], step["votes"]) == (
        "ristretta",
        None,
        {"for": 2, "against": 0, "abstained": 1},
    )
    view = cabine.meeting_view(db, made)
    assert view["quorum"] and view["present_count"] == 3 and view["required"] == 3
    assert [a["decision"]["to"] for a in view["agenda"]] == ["allargata", "revisione_up"]


def test_a_meeting_without_quorum_cannot_decide_and_nothing_changes(db, team, ristretta, at_ristretta):
    first = at_ristretta[0]
    made = meeting_with(db, team, ristretta, 2, [first])  # 2 of 5: the majority is 3
    with db.reader() as s:
        steps_before = len(s.exec(PlanActionTransition.__table__.select()).all())
    with pytest.raises(Rejected) as e:
        cabine.decide(db, team["up"], made, first, "allargata", WHY)
    assert e.value.code == "no_quorum" and e.value.params == {"present": 2, "required": 3, "members": 5}
    assert state(db, first) == "ristretta"
    with db.reader() as s:
        assert len(s.exec(PlanActionTransition.__table__.select()).all()) == steps_before
    assert not cabine.meeting_view(db, made)["quorum"]
    # A rule of the body's own lowers it. The meeting keeps the body as it was when its
    # attendance was taken; recording the attendance again applies the new rule.
    assert refused(cabine.set_quorum, db, team["ristretta"], "ristretta", "numero", 2) == "forbidden"
    over = refused(cabine.set_quorum, db, team["up"], "ristretta", "numero", 6)  # the body has 5
    assert over == "quorum_number_over_members"
    cabine.set_quorum(db, team["up"], "ristretta", "numero", 2)
    assert refused(cabine.decide, db, team["up"], made, first, "allargata", WHY) == "no_quorum"
    cabine.set_attendance(db, team["up"], made, ristretta[:2])
    cabine.decide(db, team["up"], made, first, "allargata", WHY)
    assert state(db, first) == "allargata"


def test_who_records_a_meeting_and_what_goes_on_its_agenda(db, team, ristretta, at_ristretta):
    first = at_ristretta[0]
    assert (
        refused(
            cabine.create_meeting, db, team["allargata"], "ristretta", PROCESS_SLUG, cabine.today(), "Sala"
        )
        == "forbidden"
    )
    assert (
        refused(cabine.create_meeting, db, team["fac"], "allargata", PROCESS_SLUG, cabine.today(), "Sala")
        == "forbidden"
    )
    assert (
        refused(cabine.create_meeting, db, team["up"], "ristretta", PROCESS_SLUG, None, "Sala")
        == "body_meeting_invalid"
    )
    own = cabine.create_meeting(db, team["ristretta"], "ristretta", PROCESS_SLUG, cabine.today(), "Sala")
    cabine.add_to_agenda(db, team["ristretta"], own, first)
    cabine.add_to_agenda(db, team["ristretta"], own, first)  # once
    assert [a["id"] for a in cabine.meeting_view(db, own)["agenda"]] == [first]
    # The allargata's meeting takes only schede before the allargata.
    other = cabine.create_meeting(db, team["allargata"], "allargata", PROCESS_SLUG, cabine.today(), "Sala")
    assert refused(cabine.add_to_agenda, db, team["allargata"], other, first) == "agenda_invalid"
    assert refused(cabine.add_to_agenda, db, team["allargata"], own, first) == "forbidden"
    # Attendance: members in office of the meeting's body only.
    outsider = cabine.save_member(db, team["up"], "allargata", "Esterna", "Componente")
    assert refused(cabine.set_attendance, db, team["up"], own, [ristretta[0], outsider]) == "member_not_found"
    # A meeting not held yet decides nothing.
    later = meeting_with(db, team, ristretta, 5, [first], day=cabine.today() + timedelta(days=3))
    assert refused(cabine.decide, db, team["up"], later, first, "allargata", WHY) == "meeting_not_held"


def test_the_minutes_are_frozen_with_their_hash_and_download_as_stored(db, team, ristretta, at_ristretta):
    first = at_ristretta[0]
    made = meeting_with(db, team, ristretta, 4, [first])
    cabine.update_meeting(
        db, team["up"], made, cabine.today(), "Sala del Consiglio", "Apre la seduta la *presidente*."
    )
    cabine.decide(db, team["up"], made, first, "allargata", WHY, rules.Votes(3, 1, 0))
    draft, _, _ = cabine.minutes_document(db, made, "md")
    text = draft.decode()
    assert "Bozza del verbale" in text and "Presenti 4 componenti su 5" in text
    assert "Persona 1 — Componente, Comune di Reggio Emilia" in text and "Assenti" in text
    assert "Apre la seduta la *presidente*." in text or "presidente" in text
    assert WHY in text and "favorevoli 3, contrari 1, astenuti 0" in text

    digest = cabine.freeze_minutes(db, team["up"], made)
    pdf, mime, _ = cabine.minutes_document(db, made, "pdf")
    assert mime == "application/pdf" and hashlib.sha256(pdf).hexdigest() == digest
    assert cabine.minutes_document(db, made, "pdf")[0] == pdf  # the same bytes every time
    frozen_md = cabine.minutes_document(db, made, "md")[0].decode()
    assert "Bozza del verbale" not in frozen_md and WHY in frozen_md
    assert f"Verbale approvato il {documents.when(cabine.today())}." in frozen_md  # a copy read alone says so
    assert cabine.meeting_view(db, made)["hash"] == digest
    # Nothing of the meeting changes any more; a renamed member does not change the minutes.
    for fn, args in (
        (cabine.update_meeting, (made, cabine.today(), "Altrove", "")),
        (cabine.set_attendance, (made, ristretta)),
        (cabine.add_to_agenda, (made, at_ristretta[1])),
        (cabine.remove_from_agenda, (made, first)),
        (cabine.freeze_minutes, (made,)),
    ):
        assert refused(fn, db, team["up"], *args) == "meeting_frozen", fn
    cabine.save_member(db, team["up"], "ristretta", "Persona Uno", "Componente", member_id=ristretta[0])
    assert cabine.minutes_document(db, made, "md")[0].decode() == frozen_md


def test_a_meeting_without_quorum_has_minutes_that_say_so(db, team, ristretta, at_ristretta):
    made = meeting_with(db, team, ristretta, 1, [at_ristretta[0]])
    text = cabine.minutes_document(db, made, "md")[0].decode()
    assert "manca il numero legale" in text and "Nessuna decisione" in text
    with db.reader() as s:
        assert len(s.exec(BodyMeetingPresence.__table__.select()).all()) == 1


def test_the_adoption_is_recorded_and_shown_on_approved_schede_and_the_plan(
    db, team, ristretta, at_ristretta
):
    from tests.helpers import body_decides

    first = at_ristretta[0]
    body_decides(db, team, first, "allargata", WHY)
    body_decides(db, team, first, "approvata", WHY)
    assert (
        refused(
            schede.record_adoption,
            db,
            team["ristretta"],
            PROCESS_SLUG,
            "Accordo",
            "Comitato",
            date(2019, 4, 10),
            "12",
        )
        == "forbidden"
    )
    assert (
        refused(schede.record_adoption, db, team["up"], PROCESS_SLUG, "Accordo", "Comitato", None, "12")
        == "adoption_invalid"
    )
    schede.record_adoption(
        db,
        team["up"],
        PROCESS_SLUG,
        "Accordo di Programma per il Piano di Zona",
        "Comitato di Distretto",
        date(2019, 4, 10),
        "12",
        "https://example.org/atti/12",
    )
    view = schede.view(db, first, public=True)
    assert view["process"]["adoption"]["number"] == "12"
    act = "Accordo di Programma per il Piano di Zona, Comitato di Distretto, atto n. 12 del 10 aprile 2019"
    scheda_md = exports.render(exports.scheda_blocks(view, exports.area_labels(db)), "md", "x")[0].decode()
    assert act in scheda_md and "https://example.org/atti/12" in scheda_md
    plan_md = exports.render(exports.plan_blocks(db, PROCESS_SLUG), "md", "x")[0].decode()
    assert f"Stato del documento: adottato — {act}" in plan_md
    # Not on a scheda that is not approved.
    other = schede.view(db, at_ristretta[1], public=True)
    assert (
        act
        not in exports.render(exports.scheda_blocks(other, exports.area_labels(db)), "md", "x")[0].decode()
    )

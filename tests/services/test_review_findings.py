"""Defects found by the review of issue 15's monitoring: each test failed before its fix."""

from __future__ import annotations

import pytest

from tests.monitoring_helpers import csv_bytes
from tests.services.test_monitoring import scheda  # noqa: F401  (fixture)
from workshop.domain.errors import Rejected
from workshop.services import monitoring


def test_a_csv_with_superscript_digits_is_refused_by_line_not_a_crash(db, scheda, team):  # noqa: F811
    bad = csv_bytes(
        f"{scheda};²⁰¹⁹;stato;;avviata;10;;;;;",
        "²;2019;stato;;avviata;10;;;;;",
        header="scheda;anno;tipo;data;stato;avanzamento;indicatore;valore;fonte;importo;testo",
    )
    with pytest.raises(Rejected) as refused:
        monitoring.import_csv(db, team["up"], bad)
    assert refused.value.code == "csv_invalid"
    assert [d["line"] for d in refused.value.details] == [2, 3]


def test_an_indicator_typed_as_a_superscript_is_refused_not_a_crash(db, scheda, team):  # noqa: F811
    with pytest.raises(Rejected) as refused:
        monitoring.record(db, team["up"], scheda, 2019, status="avviata", progress="10", values={"²": "3"})
    assert refused.value.code == "monitoring_indicator_unknown"


# -- the cabine ---------------------------------------------------------------------------------

from tests.services.test_cabine import WHY, at_ristretta, meeting_with, ristretta  # noqa: E402, F401, F811
from workshop.services import cabine  # noqa: E402


def test_a_meeting_that_decided_keeps_its_quorum_when_a_member_present_leaves_office_later(
    db,
    team,
    ristretta,  # noqa: F811
    at_ristretta,  # noqa: F811
):
    made = meeting_with(db, team, ristretta, 3, at_ristretta[:1])  # 3 of 5: quorum
    cabine.decide(db, team["up"], made, at_ristretta[0], "allargata", WHY)
    # Later, one of those present leaves the ristretta.
    cabine.save_member(
        db,
        team["up"],
        "ristretta",
        "Persona 1",
        "Componente",
        "Comune di Reggio Emilia",
        member_id=ristretta[0],
        active=False,
    )
    view = cabine.meeting_view(db, made)
    # The minutes (not yet frozen) must still say what the meeting was: 3 present, quorum.
    assert (view["present_count"], view["quorum"]) == (3, True)


def test_members_set_inactive_after_the_attendance_do_not_give_a_meeting_its_quorum(
    db,
    team,
    ristretta,  # noqa: F811
    at_ristretta,  # noqa: F811
):
    made = meeting_with(db, team, ristretta, 2, at_ristretta[:1])  # 2 of 5: no quorum (3 needed)
    for absent in ristretta[2:4]:  # two of the absent «leave office»: 2 of 3 would be a majority
        cabine.save_member(
            db, team["up"], "ristretta", "Assente", "Componente", member_id=absent, active=False
        )
    with pytest.raises(Rejected) as refused:
        cabine.decide(db, team["up"], made, at_ristretta[0], "allargata", WHY)
    assert refused.value.code == "no_quorum"
    view = cabine.meeting_view(db, made)
    assert (view["present_count"], view["in_office"], view["quorum"]) == (2, 5, False)


def test_a_csv_field_too_long_for_the_reader_is_explained_in_italian(db, scheda, team):  # noqa: F811
    data = csv_bytes(
        f"{scheda};2019;cronologia;2019-03-01;;;;;;;" + "y" * 200_000,
        header="scheda;anno;tipo;data;stato;avanzamento;indicatore;valore;fonte;importo;testo",
    )
    with pytest.raises(Rejected) as refused:
        monitoring.import_csv(db, team["up"], data)
    message = refused.value.message()
    assert refused.value.code == "csv_row_unreadable" and "riga 2" in message
    assert "field limit" not in message


def test_the_plan_cannot_be_adopted_by_an_act_dated_in_the_future(db, team):
    from datetime import timedelta

    from tests.helpers import PROCESS_SLUG
    from workshop.services import schede

    tomorrow = cabine.today() + timedelta(days=1)
    with pytest.raises(Rejected) as refused:
        schede.record_adoption(
            db, team["up"], PROCESS_SLUG, "Accordo di Programma", "Comitato di Distretto", tomorrow, "12"
        )
    assert refused.value.code == "adoption_in_future"
    schede.record_adoption(
        db, team["up"], PROCESS_SLUG, "Accordo di Programma", "Comitato di Distretto", cabine.today(), "12"
    )

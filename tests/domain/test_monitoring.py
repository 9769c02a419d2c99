"""The rules of monitoring an approved scheda (domain/monitoring.py), on hand-made examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workshop.domain import monitoring as m
from workshop.domain.errors import Rejected

YEARS = (2018, 2019, 2020)


def code(call, *args) -> str:
    with pytest.raises(Rejected) as refused:
        call(*args)
    return refused.value.code


def test_only_an_approved_scheda_is_monitored_and_only_for_a_year_of_its_process():
    m.check_monitored("approvata", 2019, YEARS)
    for state in ("bozza", "revisione_up", "ristretta", "allargata", "rinviata", "non_accolta"):
        assert code(m.check_monitored, state, 2019, YEARS) == "monitoring_not_approved"
    assert code(m.check_monitored, "approvata", 2021, YEARS) == "monitoring_year_invalid"
    with pytest.raises(Rejected) as refused:
        m.check_monitored("approvata", 2017, YEARS)
    assert "dal 2018 al 2020" in refused.value.message()


def test_statuses_are_the_five_of_the_issue_and_nothing_else():
    assert m.STATUSES == ("da_avviare", "avviata", "in_corso", "conclusa", "sospesa")
    assert m.status("In corso") == "in_corso"
    assert m.status(" conclusa ") == "conclusa"
    for wrong in ("", "finita", "approvata", None):
        assert code(m.status, wrong) == "monitoring_status_invalid"


def test_progress_is_a_whole_number_from_0_to_100():
    assert m.progress("0") == 0
    assert m.progress("40%") == 40
    assert m.progress(100) == 100
    for wrong in ("101", "-1", "40,5", "", "quaranta", None, "1000"):
        assert code(m.progress, wrong) == "monitoring_progress_invalid"


def test_concluded_is_100_and_100_is_concluded_and_not_started_is_0():
    m.check_status_progress("conclusa", 100)
    m.check_status_progress("da_avviare", 0)
    m.check_status_progress("in_corso", 0)
    m.check_status_progress("sospesa", 60)
    m.check_status_progress("avviata", 99)
    for status, percent in (("conclusa", 90), ("in_corso", 100), ("sospesa", 100), ("da_avviare", 10)):
        assert code(m.check_status_progress, status, percent) == "monitoring_status_progress"


def test_values_are_numbers_with_a_comma_or_a_point_and_no_units():
    assert m.value("12") == Decimal("12")
    assert m.value("12,5") == Decimal("12.5")
    assert m.value("-3.75") == Decimal("-3.75")
    assert m.value_text(Decimal("12.50")) == "12.5"
    assert m.value_text(Decimal("40")) == "40"
    assert (m.value_decimals("84.5"), m.value_decimals("40"), m.value_decimals("-0.125")) == (1, 0, 3)
    assert m.value_typed("84.5") == "84,5" and m.value_typed("40") == "40"
    for wrong in ("", "12 persone", "1.200,5", "1e3", "dodici", "9" * 13):
        assert code(m.value, wrong) == "monitoring_value_invalid"


def test_the_first_number_of_a_baseline_or_target_written_as_text():
    assert m.number_in("120 persone") == Decimal("120")
    assert m.number_in("almeno 30,5%") == Decimal("30.5")
    assert m.number_in("1.200 ore") == Decimal("1200")
    assert m.number_in("nessuno") is None
    assert m.number_in("") is None


def test_a_timeline_entry_is_dated_in_its_year_and_has_a_text():
    assert m.entry("2019-03-15", "  Avviato il gruppo  ", 2019) == (date(2019, 3, 15), "Avviato il gruppo")
    assert code(m.entry, "2020-01-01", "testo", 2019) == "monitoring_date_invalid"
    assert code(m.entry, "15/03/2019", "testo", 2019) == "monitoring_date_invalid"
    assert code(m.entry, "2019-03-15", "   ", 2019) == "monitoring_entry_invalid"
    assert code(m.entry, "2019-03-15", "x" * 2001, 2019) == "monitoring_entry_invalid"


def test_an_indicator_is_named_by_its_position_in_the_scheda():
    assert m.indicator("1", 2) == 0
    assert m.indicator("2", 2) == 1
    for wrong in ("0", "3", "", "uno"):
        assert code(m.indicator, wrong, 2) == "monitoring_indicator_unknown"


def test_who_reports_the_office_everywhere_a_referente_on_their_own_schede():
    assert m.may_report("ufficio_piano", 1, set()) == "ufficio_piano"
    assert m.may_report("admin", 1, set()) == "admin"
    assert m.may_report("facilitator", 7, {7}) == "referente"
    assert m.may_report("ristretta", 7, {7}) == "referente"
    for role in ("facilitator", "ristretta", "allargata"):
        assert code(m.may_report, role, 7, {8}) == "forbidden"
    m.may_name_reporters("ufficio_piano")
    m.may_name_reporters("admin")
    for role in ("facilitator", "ristretta", "allargata"):
        assert code(m.may_name_reporters, role) == "forbidden"


def test_the_years_target_and_budget_come_from_the_programme_when_there_is_one():
    row = {"descrizione": "Persone", "partenza": "10", "obiettivi": {"2019": "20", "2020": "30"}}
    assert m.target_of(row, 2019, None, 0) == "20"
    assert m.target_of(row, 2019, {"0": "25"}, 0) == "25"
    assert m.target_of(row, 2018, None, 0) == ""
    preventivo = {"importi": {"frna": {"2019": 100_00, "2020": 200_00}, "altro": {"2020": 5_00}}}
    assert m.planned_of(preventivo, 2020, None) == {"frna": 200_00, "altro": 5_00}
    assert m.planned_of(preventivo, 2019, {"frna": 150_00}) == {"frna": 150_00}
    assert m.planned_of(preventivo, 2018, None) == {}

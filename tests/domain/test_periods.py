"""Programming periods (domain/periods.py): what a process is, which year a
programma attuativo may have, what the rollover proposes and what confirming
one proposal needs."""

from __future__ import annotations

import pytest

from workshop.domain import periods
from workshop.domain.errors import Rejected
from workshop.domain.periods import Candidate


def code(fn, *args):
    with pytest.raises(Rejected) as refused:
        fn(*args)
    return refused.value.code, refused.value.params


def test_a_process_has_a_slug_a_title_and_up_to_ten_years():
    made = periods.check_process(" PdZ-2024-2026 ", "  Piano di Zona\n2024-2026 ", "2024", 2026)
    assert made == periods.ProcessFields("pdz-2024-2026", "Piano di Zona 2024-2026", 2024, 2026)
    assert periods.check_process("pdz", "Un anno", 2025, 2025).year_end == 2025
    for slug, title, start, end, field in (
        ("pdz 2024", "T", 2024, 2026, "slug"),
        ("-pdz", "T", 2024, 2026, "slug"),
        ("pdz", "", 2024, 2026, "titolo"),
        ("pdz", "T" * 201, 2024, 2026, "titolo"),
        ("pdz", "T", 2026, 2024, "anni"),
        ("pdz", "T", 2020, 2030, "anni"),
        ("pdz", "T", "duemila", 2026, "anni"),
        ("pdz", "T", 1999, 2001, "anni"),
    ):
        assert code(periods.check_process, slug, title, start, end) == ("process_invalid", {"field": field})


def test_a_programme_is_for_one_year_of_its_process():
    years = (2024, 2025, 2026)
    assert periods.check_programme_year("2025", years) == 2025
    for year in (2023, 2027, "x", None):
        assert code(periods.check_programme_year, year, years) == (
            "programme_year_invalid",
            {"first": 2024, "last": 2026},
        )


def test_the_rollover_proposes_approved_schede_once_and_never_one_already_in():
    candidates = [
        Candidate(3, "approvata", previous_entry=30),  # in last year's programme
        Candidate(3, "approvata"),  # the same scheda, seen in the process
        Candidate(1, "approvata"),  # approved, not in last year's: a new one
        Candidate(2, "bozza"),  # not approved: never proposed
        Candidate(4, "non_accolta", previous_entry=40),
        Candidate(5, "approvata", previous_entry=50),  # already in next year's programme
    ]
    proposed = periods.proposals(candidates, already=[5])
    assert proposed == [Candidate(1, "approvata"), Candidate(3, "approvata", previous_entry=30)]
    # Order of discovery does not matter: the continuing entry wins.
    assert periods.proposals(list(reversed(candidates)), already=[5]) == proposed


def test_confirming_needs_the_years_budget_and_keeps_targets_by_indicator():
    cents, targets = periods.check_confirmation(
        {"fondo_sociale_locale": "95.000", "ausl": "", "quota_comuni": "1.200,50"},
        {"0": " 40 famiglie ", "1": ""},
        indicators=2,
    )
    assert cents == {"fondo_sociale_locale": 9_500_000, "quota_comuni": 120_050}
    assert targets == {"0": "40 famiglie"}
    assert code(periods.check_confirmation, {"ausl": ""}, {}, 0) == ("continuity_budget_missing", {})
    assert code(periods.check_confirmation, {"ausl": "1.50"}, {}, 0)[0] == "amount_invalid"
    assert code(periods.check_confirmation, {"pizza": "10"}, {}, 0)[0] == "invalid_payload"
    assert code(periods.check_confirmation, {"ausl": "10"}, {"2": "x"}, 2)[0] == "invalid_payload"

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

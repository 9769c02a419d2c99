"""Territories' names and kinds (domain/territory.py)."""

import pytest

from workshop.domain import territory
from workshop.domain.errors import Rejected


def test_keys_are_stable_ascii_from_kind_and_name():
    assert territory.key_for("comune", "Quattro Castella") == "comune-quattro-castella"
    assert territory.key_for("quartiere", "Santa Croce – Città") == "quartiere-santa-croce-citta"
    assert territory.key_for("polo", "???") == "polo-territorio"


@pytest.mark.parametrize(("kind", "name"), [("regione", "Emilia"), ("comune", "  "), ("comune", "x" * 201)])
def test_unknown_kinds_and_empty_or_long_names_are_refused(kind, name):
    with pytest.raises(Rejected) as caught:
        territory.name(name)
        territory.kind(kind)
    assert caught.value.code == "territory_invalid"


def test_names_are_trimmed_to_one_line():
    assert territory.name("  Polo   Nord \n") == "Polo Nord"

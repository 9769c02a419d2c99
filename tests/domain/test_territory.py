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


# -- the ambito a draft proposes (territory.proposed_ambito) ----------------------

P = territory.Place


def test_priorities_from_several_comuni_are_the_districts():
    proposed = territory.proposed_ambito([P("comune", "Albinea"), P("comune", "Quattro Castella")])
    assert proposed == {
        "tipo": "distrettuale",
        "comuni": [],
        "territori": ["Albinea", "Quattro Castella"],
    }


def test_priorities_from_one_comune_are_that_comunes_however_it_is_spelt():
    assert territory.proposed_ambito([P("comune", "Comune di Albinea"), P("comune", "Albinea")]) == {
        "tipo": "sub_distrettuale",
        "comuni": ["Albinea"],
        "territori": ["Comune di Albinea", "Albinea"],
    }
    assert territory.proposed_ambito([P("comune", "Reggio Emilia")])["comuni"] == ["Reggio nell'Emilia"]


def test_poli_and_quartieri_lie_in_the_city():
    """Two poli and a quartiere: one Comune, the city, named by its territories."""
    places = [
        P("polo", "Polo Nord"),
        P("quartiere", "Ospizio"),
        P("polo", "Polo Nord"),
        P("polo", "Polo Sud"),
    ]
    assert territory.proposed_ambito(places) == {
        "tipo": "sub_distrettuale",
        "comuni": ["Reggio nell'Emilia"],
        "territori": ["Polo Nord", "Ospizio", "Polo Sud"],
    }
    # A polo of the city and a Comune of the hills: the district's.
    assert territory.proposed_ambito([P("polo", "Polo Nord"), P("comune", "Vezzano sul Crostolo")])[
        "tipo"
    ] == ("distrettuale")


def test_nothing_known_proposes_nothing():
    assert territory.proposed_ambito([]) is None
    assert territory.proposed_ambito([P("comune", "Parma")]) is None  # not a Comune of the district
    # An unknown name beside a known one: the known one decides, both are listed.
    assert territory.proposed_ambito([P("comune", "Parma"), P("comune", "Albinea")]) == {
        "tipo": "sub_distrettuale",
        "comuni": ["Albinea"],
        "territori": ["Parma", "Albinea"],
    }

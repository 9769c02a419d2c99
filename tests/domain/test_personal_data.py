"""What is flagged for a person's review before a note is published (pure)."""

import pytest

from workshop.domain import personal_data, publication
from workshop.domain.errors import Rejected


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("Chiamatemi al 333 123 4567 o scrivete a mario.rossi@gmail.com", ["email", "telefono"]),
        ("Tel. 0522/456789, ufficio aperto il martedì", ["telefono"]),
        ("Il mio codice fiscale è RSSMRA85T10A562S", ["codice_fiscale"]),
        ("Abito in via Emilia San Pietro 12, Reggio", ["indirizzo"]),
        ("La signora Bianchi ha 87 anni e vive sola", ["nome", "eta"]),
        ("Mio figlio Luca ha l'autismo e nessuno lo segue", ["nome", "famiglia", "salute"]),
        ("Mia madre è stata dimessa il venerdì pomeriggio", ["famiglia", "salute"]),
        ("Ci siamo visti il 12/03/2025 in ospedale", ["data", "salute"]),
    ],
)
def test_personal_data_is_flagged(text, kinds):
    assert personal_data.kinds(text) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "Misurare le riammissioni in ospedale entro 30 giorni",  # health, but not someone's
        "Servono 300 posti letto entro il 2026",
        "Il 50% delle famiglie non conosce gli sportelli",
        "Un numero verde 800 123 456 per le dimissioni protette",  # a public service number
        "Annalisa",  # not «Anna»
    ],
)
def test_what_says_nothing_of_a_person_is_not_flagged(text):
    assert personal_data.kinds(text) == []


def test_a_caso_is_a_personal_story_even_with_nothing_else():
    assert personal_data.kinds("Succede spesso il venerdì", kind="caso") == ["storia"]


def test_flags_point_at_the_words_to_look_at():
    text = "Chiamate Giulia al 333 1234567"
    found = {f.kind: text[f.start : f.end] for f in personal_data.find(text)}
    assert found == {"nome": "Giulia", "telefono": "333 1234567"}


def test_a_publication_decision_is_checked():
    assert publication.check_decision(publication.PUBBLICABILE, None) is None
    assert publication.check_decision(publication.PUBBLICABILE, "  Testo pulito \r\n") == "Testo pulito"
    assert publication.check_decision(publication.INTERNO, "ignorato") is None
    for state, text in (
        ("pubblica", None),
        (publication.PUBBLICABILE, " "),
        (publication.PUBBLICABILE, "x" * 501),
    ):
        with pytest.raises(Rejected):
            publication.check_decision(state, text)
    assert publication.published_text(publication.PUBBLICABILE, "a", None) == "a"
    assert publication.published_text(publication.PUBBLICABILE, "a", "b") == "b"
    assert publication.published_text(publication.DA_RIVEDERE, "a", None) is None

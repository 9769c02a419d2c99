"""The translation catalogues, as CI checks them (scripts/i18n.py check): a stale
catalogue, a missing, empty or fuzzy translation, or placeholders that differ from
the Italian fail the build; and the check does catch each of those."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
i18n_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_script)


def test_every_shipped_catalogue_is_current_and_complete():
    assert i18n_script.problems() == []


def test_every_participant_language_has_its_catalogue_and_english_the_staff_one():
    assert i18n_script.DOMAINS == {"messages": ["en", "fr", "ar", "ro", "sq", "uk", "zh"], "staff": ["en"]}


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """The catalogues copied aside, for the check to read instead of the real ones."""
    target = tmp_path / "translations"
    shutil.copytree(i18n_script.TRANSLATIONS, target, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n_script, "TRANSLATIONS", target)
    return target


def _edit(path: Path, change) -> None:
    with open(path, "rb") as f:
        catalog = read_po(f)
    change(catalog)
    with open(path, "wb") as f:
        write_po(f, catalog)


def _first_with(catalog, text: str):
    return next(m for m in catalog if m.id and isinstance(m.id, str) and text in m.id)


def test_the_check_fails_on_an_untranslated_string(copy):
    def empty(catalog):
        _first_with(catalog, "Codice della sessione").string = ""

    _edit(copy / "uk" / "LC_MESSAGES" / "messages.po", empty)
    assert any(
        "uk/LC_MESSAGES/messages.po: untranslated: 'Codice della sessione'" in p
        for p in i18n_script.problems()
    )


def test_the_check_fails_on_a_fuzzy_translation(copy):
    def fuzzy(catalog):
        _first_with(catalog, "Pseudonimo").flags.add("fuzzy")

    _edit(copy / "ar" / "LC_MESSAGES" / "messages.po", fuzzy)
    assert any("ar/LC_MESSAGES/messages.po: fuzzy: 'Pseudonimo'" in p for p in i18n_script.problems())


def test_the_check_fails_on_a_former_wording_left_beside_a_string(copy):
    """Merging catalogues with msgcat turned Babel's `#|` lines into comments (`# |`)
    that then travelled in every catalogue: the check names them."""
    path = copy / "sq" / "LC_MESSAGES" / "messages.po"
    text = path.read_text("utf-8").replace(
        '\nmsgid "Pseudonimo"', '\n# | msgid "Nome"\nmsgid "Pseudonimo"', 1
    )
    path.write_text(text, "utf-8")
    assert any(
        "sq/LC_MESSAGES/messages.po: a previous wording left beside: 'Pseudonimo'" in p
        for p in i18n_script.problems()
    )


def test_the_check_fails_on_a_placeholder_lost_in_translation(copy):
    def lose(catalog):
        message = _first_with(catalog, "Troppi tentativi. Riprova")
        message.string = message.string.replace("%(retry_after)s", "")

    _edit(copy / "fr" / "LC_MESSAGES" / "messages.po", lose)
    assert any("fr/LC_MESSAGES/messages.po" in p and "retry_after" in p for p in i18n_script.problems())


def test_the_check_fails_on_a_stale_catalogue(copy):
    """A string in the code that the committed .pot does not have (a new `_()`
    nobody extracted) makes the catalogue stale; so does a .po behind its .pot."""

    def drop(catalog):
        del catalog[_first_with(catalog, "Entra in un laboratorio").id]

    _edit(copy / "messages.pot", drop)
    found = i18n_script.problems()
    assert any("messages.pot is stale (1 new strings, 0 gone)" in p for p in found)
    assert any("zh/LC_MESSAGES/messages.po does not match messages.pot" in p for p in found)


def test_a_participant_string_is_in_the_catalogue_every_language_ships():
    catalogs = i18n_script.extracted()
    assert "Codice della sessione" in catalogs["messages"]  # templates/home.html
    assert "Hai già usato tutti i tuoi %(budget)s punti." in catalogs["messages"]  # domain/errors.py
    assert "Codice della sessione" not in catalogs["staff"]
    assert "Nuova sessione" in catalogs["staff"]  # the facilitator's dashboard

"""The pages whose facts the operator sets: contacts, the accessibility statement (AgID's
model), the legal notes; the demo's placeholders say they are a demo's."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import make_settings
from workshop.seed import seed_reference

SITE = """
organisation = "Unione Colline Matildiche"
office = "Ufficio di Piano distrettuale"
email = "piano@unione.example.it"
pec = "unione@pec.example.it"
phone = "0522 123456"
dpo_contact = "rpd@unione.example.it"
site_url = "https://laboratori.unione.example.it"
conformity = "conforme"
statement_date = "01/12/2026"
statement_updated = "04/12/2026"
evaluation = "valutazione di una terza parte"
non_accessible = ["I PDF delle sessioni del 2025"]
legal_notes = "Testo **delle note legali** <script>alert(1)</script>"
"""


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def configured(tmp_path, sqlite_url):
    from workshop.app import create_app

    file = tmp_path / "sito.toml"
    file.write_text(SITE)
    app = create_app(make_settings(sqlite_url, site_file=file))
    seed_reference(app.extensions["workshop"].db)
    return app


def test_the_demo_says_its_contacts_are_placeholders(app):
    client = app.test_client()
    for path in ("/contatti", "/accessibilita", "/note-legali", "/privacy"):
        assert "Dati dimostrativi." in page(client, path), path
    assert "ufficiodipiano@example.org" in page(client, "/contatti")
    assert "Data di redazione: da indicare" in page(client, "/accessibilita")


def test_the_operators_facts_fill_every_page(configured):
    client = configured.test_client()
    contacts = page(client, "/contatti")
    assert "Dati dimostrativi." not in contacts and "example.org" not in contacts
    assert 'href="mailto:piano@unione.example.it"' in contacts and 'href="tel:0522123456"' in contacts
    statement = page(client, "/accessibilita")
    for expected in (
        "Unione Colline Matildiche si impegna",
        "è conforme ai requisiti",
        "redatta il 01/12/2026",
        "aggiornata il 04/12/2026",
        "valutazione di una terza parte",
        "I PDF delle sessioni del 2025",
        'href="https://form.agid.gov.it"',
        "https://laboratori.unione.example.it",
    ):
        assert expected in statement, expected
    legal = configured.test_client().get("/note-legali").get_data(as_text=True)
    assert "<strong>delle note legali</strong>" in legal and "<script>alert" not in legal
    assert "rpd@unione.example.it" in page(client, "/privacy")
    assert 'href="/note-legali"' in page(client, "/")  # linked from every page's footer


def test_a_mistyped_setting_stops_the_start(tmp_path, sqlite_url):
    from workshop.app import create_app

    file = tmp_path / "sito.toml"
    file.write_text('emali = "x@example.it"\n')
    with pytest.raises(SystemExit, match="emali"):
        create_app(make_settings(sqlite_url, site_file=file))

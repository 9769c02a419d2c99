"""The injection corpus through every export, over HTTP.

Stored through every field that reaches a document (session titles and
questions, notes, cluster titles, every field of a scheda, motivations; see
tests/injection_seed.py), then each export is downloaded: it must answer,
parse back, hold nothing a reader of the file could be made to run (markup,
links, formulas) and still carry the text people typed.

On PostgreSQL (the browser test stores the same corpus on SQLite). The whole
draft plan, which holds every scheda, is checked for the text; the files of
the scheda the notes were drafted into, made by the same writers, for what
they may not contain.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.injection import (
    FORMULA_START,
    block_texts,
    csv_problems,
    markdown_problems,
    odt_problems,
    pdf_problems,
)
from tests.injection_seed import CLOSED, MARKDOWN_FIELDS, InProcess, seed
from workshop.domain import rules
from workshop.seed import PROCESS_SLUG
from workshop.services import accounts, exports, schede

CHECKS = {"md": markdown_problems, "odt": odt_problems, "pdf": pdf_problems}


@pytest.fixture
def stored(app, facilitator, team):
    db = app.extensions["workshop"].db
    admin = accounts.create_user(db, "amministra", "Amministra", "admin", "una password lunga")
    return seed(InProcess(app, facilitator.id), db, {**team, "admin": schede.Editor(admin.id, "admin")},
                rooms=False)


def typed_text(db, action_ids) -> list[str]:
    """What these schede hold, as a document must show it: plain fields as
    typed, Markdown fields (the drafted notes too) as their formatted text,
    block by block; the motivations of the review."""
    out = []
    for action_id in action_ids:
        view = schede.view(db, action_id, public=True)
        content = view["content"]
        out += [view["title"], content.get("capofila") or ""]
        out += [v for row in content.get("indicatori") or [] for v in row.values()]
        for name in MARKDOWN_FIELDS:
            out += block_texts(exports.markdown_blocks(content.get(name) or ""))
        out += [t["motivation"] for t in view["transitions"]]
    return [t for t in out if t]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_every_export_answers_parses_and_runs_nothing(app, stored):
    db = app.extensions["workshop"].db
    http = app.test_client()

    def download(path):
        response = http.get(path)
        assert response.status_code == 200, path
        return response.get_data()

    drafted = stored.schede[0]  # the notes are in it: `<table>` once made these answer 500
    for fmt, problems in CHECKS.items():
        data = download(f"/schede/{drafted}.{fmt}")
        found = problems(data.decode() if fmt == "md" else data)
        assert found == [], (fmt, found[:10])
    expected = typed_text(db, stored.schede)
    for fmt, problems in CHECKS.items():
        data = download(f"/piano/bozza.{fmt}")
        found = problems(data.decode() if fmt == "md" else data, expected)
        assert found == [], (fmt, found[:10])

    with zipfile.ZipFile(io.BytesIO(download(f"/dati-aperti/{PROCESS_SLUG}.zip"))) as z:
        files = {name: z.read(name) for name in z.namelist()}
    found = [p for name, data in files.items() if name.endswith(".csv")
             for p in csv_problems(data, name)]
    assert found == [], found[:10]

    # Neutralised, not lost: what people typed is there, behind an apostrophe
    # when it would have started a formula.
    def column(name, key):
        return {r[key] for r in csv.DictReader(io.StringIO(files[name].decode(), newline=""))}

    def neutral(text):
        return "'" + text if text.startswith(FORMULA_START) else text

    closed = stored.sessions[:CLOSED]
    # (session titles and questions lose control characters, as every text does: rules)
    assert {neutral(rules.one_line(title)) for _, _, title, _ in closed} <= column("sessioni.csv", "titolo")
    assert {neutral(rules.plain_text(q)) for _, _, _, q in closed} <= column("sessioni.csv", "domanda_guida")
    assert {neutral(rules.title(t)) for _, t in stored.clusters} <= column("gruppi.csv", "titolo")

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
from datetime import UTC, datetime

import pytest

from tests.helpers import PROCESS_SLUG
from tests.injection import (
    FORMULA_START,
    block_texts,
    csv_problems,
    docx_problems,
    markdown_problems,
    odt_problems,
    pdf_problems,
)
from tests.injection_seed import CLOSED, MARKDOWN_FIELDS, InProcess, seed
from workshop.domain import rules
from workshop.services import accounts, documents, exports, pdf, schede

CHECKS = {"md": markdown_problems, "odt": odt_problems, "docx": docx_problems, "pdf": pdf_problems}


@pytest.fixture
def stored(app, facilitator, team):
    db = app.extensions["workshop"].db
    admin = accounts.create_user(db, "amministra", "Amministra", "admin", "una password lunga")
    return seed(
        InProcess(app, facilitator.id),
        db,
        {**team, "admin": schede.PlanActor(admin.id, "admin")},
        rooms=False,
    )


def typed_text(db, action_ids, staff: bool = False) -> list[str]:
    """What these schede hold, as a document must show it: plain fields as
    typed, Markdown fields (the drafted notes too) as their formatted text,
    block by block; the motivations of the review. `staff`: the office's
    copy, with the referenti."""
    out = []
    for action_id in action_ids:
        view = schede.view(db, action_id, public=True, referenti=staff)
        content = view["content"]
        out += [view["title"], content["capofila"]["specifica"], content["rif_distrettuale"]]
        out += [
            v
            for row in content["indicatori"]
            for v in (
                row["descrizione"],
                row["partenza"],
                *row["obiettivi"].values(),
                row["fonte"],
                row["periodicita"],
            )
        ]
        out += [v for row in content["azioni"] for v in (row["testo"], row["periodo"])]
        for name in MARKDOWN_FIELDS:
            out += block_texts(exports.markdown_blocks(content.get(name) or ""))
        out += block_texts(exports.markdown_blocks(content["collegate"]["testo"]))
        out += block_texts(exports.markdown_blocks(content["preventivo"]["note"]))
        if staff:
            out.append(content["referenti"])
        out += [t["motivation"] for t in view["transitions"]]
    return [t for t in out if t]


@pytest.mark.full
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
    # (the PDF's running header: taken out of each page's text, see tests/injection.pdf_text)
    left, right = documents.running_header(
        schede.view(db, stored.schede[0])["process"]["title"],
        documents.plan_title(db, PROCESS_SLUG).split(" — ")[0] + " · " + documents.when(datetime.now(UTC)),
    )
    header = (pdf._clip(left, 90), pdf._clip(right, 60))
    for fmt, problems in CHECKS.items():
        data = download(f"/piano/bozza.{fmt}")
        found = (
            problems(data, expected, header)
            if fmt == "pdf"
            else problems(data.decode() if fmt == "md" else data, expected)
        )
        assert found == [], (fmt, found[:10])
    # Referenti never reach a public document.
    referenti = schede.view(db, stored.schede[0])["content"]["referenti"]
    assert referenti and referenti not in download(f"/schede/{stored.schede[0]}.md").decode()

    with zipfile.ZipFile(io.BytesIO(download(f"/dati-aperti/{PROCESS_SLUG}.zip"))) as z:
        files = {name: z.read(name) for name in z.namelist()}
    found = [p for name, data in files.items() if name.endswith(".csv") for p in csv_problems(data, name)]
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

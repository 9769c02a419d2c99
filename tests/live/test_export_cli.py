"""`python -m workshop export scheda|plan` from the command line: the same
documents the web gives (formats, the choice of states, title and running
header), through click's runner on the test app."""

from __future__ import annotations

import io
import re

import pytest

from tests.helpers import PROCESS_SLUG, draft_approved_refused
from tests.injection import docx_text, odt_text, pdf_text
from workshop.cli import cli
from workshop.services import documents, schede
from workshop.services.consolidation import consolidate


@pytest.fixture
def plan(app, closed_labs, team):
    """A draft, an approved scheda, and one not accepted."""
    db = app.extensions["workshop"].db
    rows = consolidate(db, PROCESS_SLUG).rows
    return draft_approved_refused(db, team, rows[:3])


def run(app, *args):
    result = app.test_cli_runner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def headings(md: str) -> list[int]:
    return [int(n) for n in re.findall(r"^### Scheda (\d+) —", md, re.M)]


def test_the_plan_from_the_command_line_takes_the_states_like_the_web(app, plan, tmp_path):
    draft, approved, refused = plan
    out = tmp_path / "piano.md"
    run(app, "export", "plan", "--format", "md", "--out", str(out))
    default = out.read_text()
    # «non accolta» left out by default, and the draft too: the document is the public one.
    assert sorted(headings(default)) == [approved]
    web = app.test_client().get("/piano/bozza.md").get_data(as_text=True)
    assert sorted(headings(web)) == sorted(headings(default))

    run(
        app,
        "export",
        "plan",
        "--format",
        "md",
        "--stato",
        "non_accolta",
        "--stato",
        "approvata",
        "--out",
        str(out),
    )
    chosen = out.read_text()
    assert sorted(headings(chosen)) == [approved, refused]
    assert "Schede incluse: 2 (stati: approvata, non accolta)" in chosen
    assert "# Schede in corso di revisione" not in chosen

    refused_state = app.test_cli_runner().invoke(
        cli, ["export", "plan", "--stato", "chiusa", "--out", str(out)]
    )
    assert refused_state.exit_code != 0 and "chiusa" in refused_state.output


def test_the_plan_as_docx_has_the_web_s_title_and_running_header(app, plan, tmp_path):
    import docx

    draft, approved, _ = plan
    out = tmp_path / "piano.docx"
    result = run(app, "export", "plan", "--format", "docx", "--out", str(out))
    assert "Bozza del piano scritto in" in result.output
    data = out.read_bytes()
    document = docx.Document(io.BytesIO(data))
    process = "Piano di Zona per la salute e il benessere sociale 2018-2020"
    assert document.core_properties.title == documents.plan_title(app.extensions["workshop"].db, PROCESS_SLUG)
    assert document.core_properties.title == f"Bozza del piano — {process}"
    header = document.sections[-1].header.paragraphs[0].text
    left, right = header.split("\t")
    assert left == f"Distretto di Reggio Emilia · {process}"
    assert re.fullmatch(r"Bozza del piano · \d{1,2} \w+ \d{4}", right), right
    assert f"Scheda {draft} —" not in docx_text(data) and f"Scheda {approved} —" in docx_text(data)


@pytest.mark.parametrize("fmt", ["md", "odt", "docx", "pdf"])
def test_one_scheda_in_every_format(app, plan, tmp_path, fmt):
    draft = plan[0]
    out = tmp_path / f"scheda.{fmt}"
    run(app, "export", "scheda", str(draft), "--format", fmt, "--out", str(out))
    data = out.read_bytes()
    title = schede.view(app.extensions["workshop"].db, draft, public=True)["title"]
    readers = {"md": lambda d: d.decode(), "odt": odt_text, "docx": docx_text, "pdf": pdf_text}
    assert " ".join(title.split()) in " ".join(readers[fmt](data).split())
    if fmt == "docx":
        import docx

        header = docx.Document(io.BytesIO(data)).sections[-1].header.paragraphs[0].text
        assert header.endswith(f"\tScheda intervento n. {draft}")
    missing = app.test_cli_runner().invoke(
        cli, ["export", "scheda", "9999", "--format", fmt, "--out", str(out)]
    )
    assert missing.exit_code != 0


def test_the_open_data_from_the_command_line_names_the_site_s_contact(app, plan, tmp_path):
    import json
    import zipfile

    out = tmp_path / "dati.zip"
    run(app, "export", "opendata", "--out", str(out))
    with zipfile.ZipFile(out) as z:
        meta = json.loads(z.read("metadati.jsonld"))
        assert "azioni.csv" in z.namelist() and "excel/azioni.csv" in z.namelist()
    # The test app runs on the demo's site settings: their placeholder e-mail.
    assert meta["dcat:contactPoint"]["vcard:hasEmail"]["@id"] == "mailto:ufficiodipiano@example.org"
    assert meta["@id"] == "dati-aperti-pdz-2018-2020.zip"  # no public URL set: no made-up address

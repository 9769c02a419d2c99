"""Exports parsed back: open data ZIP (CSV, JSON, licence, metadata), ODT, PDF, Markdown."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from odfdo import Document
from pypdf import PdfReader

from workshop.seed import PROCESS_SLUG
from workshop.services import exports, schede
from workshop.services.consolidation import consolidate


@pytest.fixture
def scheda(db, closed_labs, team):
    top = consolidate(db, PROCESS_SLUG).rows[0]
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [top.cluster_id])
    schede.update_fields(db, team["up"], action_id, {
        "capofila": "AUSL di Reggio Emilia",
        "indicatori": [{"indicatore": "Riammissioni entro 30 giorni", "baseline": "14%",
                        "target": "10%", "fonte": "AUSL"}]}, 1)
    return action_id


def read_csv(z, name):
    return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8"))))


def test_open_data_zip(db, scheda):
    z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG)))
    assert set(z.namelist()) >= {"laboratori.csv", "sessioni.csv", "contributi.csv", "gruppi.csv",
                                 "voti_per_categoria.csv", "schede.csv", "dati.json",
                                 "datapackage.json", "README.md", "LICENSE.txt"}
    for name, columns in exports.TABLES.items():
        assert list(read_csv(z, f"{name}.csv")[0].keys()) == columns
    notes = read_csv(z, "contributi.csv")
    assert len(notes) == 25  # the sample labs' 13 + 12 notes, moderated
    content = z.read("contributi.csv").decode() + z.read("dati.json").decode()
    assert "Esempio" not in content and "Votante" not in content  # no pseudonyms anywhere
    groups = {g["titolo"]: g for g in read_csv(z, "gruppi.csv")}
    assert groups["Punto unico distrettuale e informazione alle famiglie"]["punti"] == "19"
    assert groups["Punto unico distrettuale e informazione alle famiglie"]["rango"] == "1"
    split = read_csv(z, "voti_per_categoria.csv")
    assert all(r["punti"] == "<5" or int(r["punti"]) >= 5 for r in split)
    sessions = read_csv(z, "sessioni.csv")
    assert all(len(s["hash_risultati"]) == 64 and s["partecipanti_votanti"] == "20" for s in sessions)
    scheda_row = read_csv(z, "schede.csv")[0]
    assert (scheda_row["stato"], scheda_row["area_prevalente"], scheda_row["altre_aree"]) == (
        "bozza", "A", "E")
    meta = json.loads(z.read("datapackage.json"))
    assert meta["licenses"][0]["name"] == "CC-BY-4.0" and meta["language"] == "it"
    assert "Attribution 4.0 International" in z.read("LICENSE.txt").decode()
    assert json.loads(z.read("dati.json"))["gruppi"][0]["id"]


def test_a_scheda_as_odt_pdf_and_markdown(db, scheda):
    view = schede.view(db, scheda, public=True)
    blocks = exports.scheda_blocks(view, exports.area_labels(db))
    odt, mime = exports.render(blocks, "odt", view["title"])
    assert mime == "application/vnd.oasis.opendocument.text"
    text = Document(io.BytesIO(odt)).get_formatted_text()
    assert view["title"] in text and "AUSL di Reggio Emilia" in text
    assert "Riammissioni entro 30 giorni" in text and "Azioni previste" in text
    pdf, _ = exports.render(blocks, "pdf", view["title"])
    pages = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Punto unico distrettuale" in pages and "Prossimità e domiciliarità" in pages
    assert "Riammissioni entro 30 giorni" in pages
    md, _ = exports.render(blocks, "md", view["title"])
    md = md.decode()
    assert md.startswith(f"# {view['title']}") and "| Indicatore | Base | Obiettivo | Fonte |" in md
    assert "## Tracciabilità" in md


def test_the_whole_draft_plan(db, scheda, team):
    second = consolidate(db, PROCESS_SLUG).rows[1].cluster_id
    schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [second])
    blocks = exports.plan_blocks(db, PROCESS_SLUG)
    md = exports.render(blocks, "md", "Piano")[0].decode()
    assert md.count("\n## ") >= 2 and "Schede intervento: 2." in md
    pdf = exports.render(blocks, "pdf", "Piano")[0]
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2

"""Exports parsed back: open data ZIP (CSV, JSON, licence, metadata), ODT, PDF, Markdown."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from odfdo import Document
from pypdf import PdfReader

from tests.helpers import PROCESS_SLUG
from workshop.services import exports, schede
from workshop.services.consolidation import consolidate
from workshop.site import SiteInfo
from workshop.storage.models import Process


@pytest.fixture
def scheda(db, closed_labs, team):
    top = consolidate(db, PROCESS_SLUG).rows[0]
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [top.cluster_id])
    schede.update_fields(
        db,
        team["up"],
        action_id,
        {
            "capofila": {"tipo": "ausl", "specifica": "AUSL di Reggio Emilia"},
            "indicatori": [
                {
                    "descrizione": "Riammissioni entro 30 giorni",
                    "partenza": "14%",
                    "obiettivi": {"2020": "10%"},
                    "fonte": "AUSL",
                    "periodicita": "annuale",
                }
            ],
        },
        1,
    )
    # Sent to the cabina: public from now on (a draft of the office is not).
    schede.transition(db, team["up"], action_id, "revisione_up", "Prima lettura dell'ufficio")
    schede.transition(db, team["up"], action_id, "ristretta", "Pronta per la cabina di regia ristretta")
    return action_id


def read_csv(z, name):
    return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8"))))


def test_open_data_zip(db, scheda):
    z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG)))
    assert set(z.namelist()) >= {
        "laboratori.csv",
        "sessioni.csv",
        "contributi.csv",
        "gruppi.csv",
        "voti_per_categoria.csv",
        "schede.csv",
        "dati.json",
        "datapackage.json",
        "README.md",
        "LICENSE.txt",
    }
    for name, columns in exports.TABLES.items():
        assert next(csv.reader(io.StringIO(z.read(f"{name}.csv").decode("utf-8")))) == columns
    notes = read_csv(z, "contributi.csv")
    # The sample labs' 13 + 12 notes, less the one personal story still waiting for a
    # person's review (the demo reviewer marks only notes with nothing flagged).
    assert len(notes) == 24
    assert not any(n["testo"].startswith("Mia madre") for n in notes)
    content = z.read("contributi.csv").decode() + z.read("dati.json").decode()
    assert "Esempio" not in content and "Votante" not in content  # no pseudonyms anywhere
    groups = {g["titolo"]: g for g in read_csv(z, "gruppi.csv")}
    assert groups["Punto unico distrettuale e informazione alle famiglie"]["punti"] == "19"
    assert groups["Punto unico distrettuale e informazione alle famiglie"]["rango"] == "1"
    split = read_csv(z, "voti_per_categoria.csv")
    assert all(
        (r["riservato"], r["punti"]) == ("sì", "") or int(r["punti"]) >= 5 or r["punti"] == "0" for r in split
    )
    assert any(r["riservato"] == "no" and int(r["punti"]) >= 5 for r in split)  # it says something
    sessions = read_csv(z, "sessioni.csv")
    assert all(len(s["hash_risultati"]) == 64 and s["partecipanti_votanti"] == "20" for s in sessions)
    scheda_row = read_csv(z, "schede.csv")[0]
    assert (scheda_row["stato"], scheda_row["area_prevalente"], scheda_row["altre_aree"]) == (
        "ristretta",
        "A",
        "E",
    )
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
    assert md.startswith(f"# {view['title']}")
    assert (
        "| Indicatore | Situazione di partenza | Obiettivo 2018 | Obiettivo 2019 | Obiettivo 2020 | "
        "Fonte | Periodicità |"
    ) in md
    assert "## Tracciabilità partecipativa" in md


def test_the_whole_draft_plan(db, scheda, team):
    second = consolidate(db, PROCESS_SLUG).rows[1].cluster_id
    schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [second])
    blocks = exports.plan_blocks(db, PROCESS_SLUG, staff=True)  # the office's copy: the draft too
    md = exports.render(blocks, "md", "Piano")[0].decode()
    assert md.count("\n### Scheda ") == 2 and "Schede incluse: 2" in md
    public = exports.render(exports.plan_blocks(db, PROCESS_SLUG), "md", "Piano")[0].decode()
    assert public.count("\n### Scheda ") == 1 and "Schede incluse: 1" in public
    pdf = exports.render(blocks, "pdf", "Piano")[0]
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 4  # cover, contents, a page for each scheda


# -- hostile text and odd shapes -------------------------------------------------

Block = exports.Block

# Shapes the sanitizer lets through or the fields make: an empty <table> (a
# 7-character note), rows of different lengths, empty lists and items, a word
# wider than a column, a cell or an item taller than a page, control
# characters that XML cannot carry.
SHAPES = [
    Block("table", []),
    Block("table", [[]]),
    Block("table", [[], ["a"]]),
    Block("table", [["a", "b"], ["1"], ["1", "2", "3"]]),
    Block("table", [["solo intestazione"]]),
    Block("table", [["x" * 900, "y"], ["z", "w" * 900]]),
    Block("table", [["Indicatore", "Base", "Obiettivo", "Fonte"], ["i" * 500, "b" * 500, "", "f"]]),
    Block("table", [["cella più alta di una pagina " * 400]]),
    Block("table", [["intestazione più alta di una pagina " * 400], ["riga"]]),
    Block("ul", []),
    Block("ol", []),
    Block("ul", [""]),
    Block("ol", ["", "uno"]),
    Block("ol", ["voce più lunga di una pagina\n" * 300]),
    Block("p", ""),
    Block("h2", ""),
    Block("p", "ctrl \x01\x08\x0b\x0c\x1b[0m \ufffe fine"),
    *[
        b
        for note in (
            "<table>",
            "<table></table>",
            "<table><tr></tr></table>",
            "<table><tr><td>a<td>b<tr><td>c</table>",
            "| a | b |\n|---|---|\n| 1 |",
            "<ul></ul>",
            "<ol></ol>",
            "- ",
            "1. ",
            "-\n-\n-",
        )
        for b in exports.markdown_blocks(note)
    ],
]


@pytest.mark.parametrize("fmt", ["md", "odt", "docx", "pdf"])
def test_no_writer_fails_on_any_block_shape(fmt):
    for blocks in [[shape] for shape in SHAPES] + [SHAPES]:
        data, _ = exports.render([Block("h1", "Titolo"), *blocks], fmt, "Titolo")
        if fmt == "pdf":
            assert PdfReader(io.BytesIO(data)).pages
        elif fmt == "odt":
            assert "Titolo" in Document(io.BytesIO(data)).get_formatted_text()
        elif fmt == "docx":
            from tests.injection import docx_text

            assert "Titolo" in docx_text(data)
        else:
            assert data.decode().startswith("# Titolo")


def test_markdown_blocks_keep_every_word_of_nested_and_loose_structures():
    import lxml.html

    from tests.injection import block_texts, packed, payloads, squeeze
    from workshop import markup

    shapes = [
        "- uno\n- due\n    - tre\n        - quattro\n- cinque",
        "1. primo\n\n    con un secondo paragrafo\n\n2. secondo",
        "- voce <table><tr><td>cella</td></tr></table> dopo\n- altra",
        "<table><tr><td>prima<ul><li>interna</li></ul>dopo</td><td>accanto</td></tr></table>",
        "> citazione\n\n- voce\n\n> ancora",
        "<li>sparsa</li> <td>cella sparsa</td> testo",
    ]
    for text in shapes + list(payloads()) + packed(500):
        shown = lxml.html.fragment_fromstring(markup.render(text), create_parent="div").text_content()
        kept = "".join(block_texts(exports.markdown_blocks(text)))
        # The same words in the same order, less the marks of nested items.
        assert squeeze(kept).replace("–", "") == squeeze(shown).replace("–", ""), text


def corpus_blocks() -> list:
    """The corpus as a scheda's blocks carry it: typed as plain text (titles,
    capofila, motivations), as user markdown (the fields, notes drafted into
    them), as list items and as table cells (indicators)."""
    from tests.injection import packed, payloads

    blocks = [Block("h1", "Corpus")]
    for payload in payloads():
        blocks += [Block("h2", payload), Block("p", payload), *exports.markdown_blocks(payload)]
    items = packed(500)
    blocks += [
        Block("ul", items),
        Block("ol", items),
        Block(
            "table",
            [["Indicatore", "Base", "Obiettivo", "Fonte"]]
            + [items[i : i + 4] for i in range(0, len(items), 4)],
        ),
    ]
    return blocks


@pytest.fixture(scope="module")
def hostile():
    blocks = corpus_blocks()
    from tests.injection import block_texts

    return blocks, block_texts(blocks)


def test_markdown_export_shows_what_people_typed_literally(hostile):
    from tests.injection import markdown_problems

    blocks, expected = hostile
    md = exports.render(blocks, "md", "Corpus")[0].decode()
    assert markdown_problems(md, expected) == []


def test_odt_export_carries_the_text_and_nothing_active(hostile):
    from tests.injection import odt_problems

    blocks, expected = hostile
    assert odt_problems(exports.render(blocks, "odt", "Corpus")[0], expected) == []


def test_docx_export_carries_the_text_and_nothing_active(hostile):
    from tests.injection import docx_problems

    blocks, expected = hostile
    assert docx_problems(exports.render(blocks, "docx", "Corpus")[0], expected) == []


@pytest.mark.full
def test_pdf_export_carries_the_text_and_nothing_active(hostile):
    from tests.injection import pdf_problems

    blocks, expected = hostile
    assert pdf_problems(exports.render(blocks, "pdf", "Corpus")[0], expected) == []


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    from tests.injection import csv_problems

    formulas = [
        "=1+2",
        "+1+2",
        "-1+2",
        "@SUM(1+1)",
        "\t=1+2",
        "\r=1+2",
        "-1",
        "a;=1+2",
        "=cmd|' /C calc'!A0",
        "'già protetto",
        "testo",
        "",
    ]
    rows = [
        {"id": n, "testo": text, "aree": [text, "A"], "indice": -1.5}
        for n, text in enumerate(formulas, start=1)
    ]
    data = exports._csv(rows, ["id", "testo", "aree", "indice"])
    assert csv_problems(data) == []
    read = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    # Text that begins like a formula gets a leading apostrophe (OWASP); the
    # rest of the text, and numbers, are as they were.
    assert [r["testo"] for r in read] == [
        "'=1+2",
        "'+1+2",
        "'-1+2",
        "'@SUM(1+1)",
        "'\t=1+2",
        "'\r=1+2",
        "'-1",
        "a;=1+2",
        "'=cmd|' /C calc'!A0",
        "'già protetto",
        "testo",
        "",
    ]
    assert read[0]["aree"] == "'=1+2|A" and read[0]["id"] == "1" and read[0]["indice"] == "-1.5"
    assert "apostrofo (`'`)" in exports.README and "`=`, `+`, `-`, `@`" in exports.README


def test_open_data_as_italian_open_data_practice_asks(db, scheda, team):
    """Canonical RFC 4180 CSV, a copy Italian Excel opens, DCAT-AP_IT metadata as
    JSON-LD, and a data dictionary of every column: every file parsed back."""
    schede.update_fields(
        db,
        team["ristretta"],
        scheda,
        {"preventivo": {"importi": {"frna": {"2019": "35.000,50"}}, "note": ""}},
        2,
    )
    z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG)))
    names = set(z.namelist())
    dictionary = list(csv.DictReader(io.StringIO(z.read("dizionario-dati.csv").decode("utf-8"), newline="")))
    described = {(r["file"], r["colonna"]): r for r in dictionary}
    readme = z.read("README.md").decode()
    for name, columns in exports.TABLES.items():
        canonical = z.read(f"{name}.csv")
        assert not canonical.startswith(b"\xef\xbb\xbf")
        assert b"\n" not in canonical.replace(b"\r\n", b"").split(b'"')[0]  # CRLF ends the header
        lines = canonical.split(b"\r\n")
        assert lines[0].decode() == ",".join(columns)
        rows = list(csv.reader(io.StringIO(canonical.decode("utf-8"), newline="")))
        assert rows[0] == columns and all(len(r) == len(columns) for r in rows[1:])
        excel = z.read(f"excel/{name}.csv")
        assert excel.startswith(b"\xef\xbb\xbf")
        excel_rows = list(csv.reader(io.StringIO(excel.decode("utf-8-sig"), newline=""), delimiter=";"))
        assert excel_rows[0] == columns and len(excel_rows) == len(rows)
        # The dictionary says what every column means, its type, and whatever else applies.
        for column in columns:
            entry = described[(f"{name}.csv", column)]
            assert entry["significato"] and entry["tipo"], (name, column)
            assert f"| `{column}` |" in readme.split(f"### `{name}.csv`")[1].split("### ")[0]
    assert len(dictionary) == sum(len(c) for c in exports.TABLES.values())
    groups = {r["titolo"]: r for r in csv.DictReader(io.StringIO(z.read("gruppi.csv").decode(), newline=""))}
    excel_groups = {
        r["titolo"]: r
        for r in csv.DictReader(
            io.StringIO(z.read("excel/gruppi.csv").decode("utf-8-sig"), newline=""), delimiter=";"
        )
    }
    top = "Punto unico distrettuale e informazione alle famiglie"
    assert groups[top]["indice_priorita"] == "69.58" and excel_groups[top]["indice_priorita"] == "69,58"
    budget = list(csv.DictReader(io.StringIO(z.read("preventivi.csv").decode(), newline="")))
    assert [(r["fonte"], r["anno"], r["importo"]) for r in budget] == [("frna", "2019", "35000.50")]
    assert json.loads(z.read("dati.json"))["preventivi"][0]["importo"] == 35000.5
    indicators = list(csv.DictReader(io.StringIO(z.read("indicatori.csv").decode(), newline="")))
    assert [(r["descrizione"], r["anno"], r["obiettivo"]) for r in indicators] == [
        ("Riammissioni entro 30 giorni", "2020", "10%")
    ]

    package = json.loads(z.read("datapackage.json"))
    for resource in package["resources"]:
        assert [f["name"] for f in resource["schema"]["fields"]] == exports.TABLES[resource["name"]]
        assert resource["dialect"]["lineTerminator"] == "\r\n"
    types = {
        f["name"]: f["type"]
        for r in package["resources"]
        if r["name"] == "gruppi"
        for f in r["schema"]["fields"]
    }
    assert (types["punti"], types["indice_priorita"], types["titolo"]) == ("integer", "number", "string")

    meta = json.loads(z.read("metadati.jsonld"))
    assert "dcat:Dataset" in meta["@type"] and "dcatapit:Dataset" in meta["@type"]
    assert meta["dct:title"]["@value"].startswith("Laboratori partecipati") and meta["dct:description"]
    assert meta["dct:publisher"]["dct:identifier"] == "c_h223" and meta["dct:rightsHolder"]["foaf:name"]
    assert meta["dct:identifier"].startswith("c_h223:")
    assert {t["@id"].rsplit("/", 1)[1] for t in meta["dcat:theme"]} >= {"SOCI", "GOVE"}
    assert "Piano di Zona" in meta["dcat:keyword"]
    temporal = meta["dct:temporal"]
    assert (temporal["dcat:startDate"]["@value"], temporal["dcat:endDate"]["@value"]) == (
        "2018-01-01",
        "2020-12-31",
    )
    assert "Reggio nell'Emilia" in meta["dct:spatial"]["locn:geographicName"]
    assert meta["dct:issued"]["@value"] <= meta["dct:modified"]["@value"]
    assert meta["dct:accrualPeriodicity"]["@id"].endswith("/IRREG")
    assert meta["dcat:contactPoint"]["vcard:fn"] and meta["dct:language"]["@id"].endswith("/ITA")
    # The contact point's e-mail: the demo's placeholder until the site settings give one.
    assert meta["dcat:contactPoint"]["vcard:hasEmail"]["@id"] == "mailto:ufficiodipiano@example.org"
    # Every data file of the ZIP is a distribution: the canonical CSV, the Excel copies,
    # the data dictionary (both forms) and dati.json; each one is in the ZIP.
    files = {d["dct:title"]["@value"]: d for d in meta["dcat:distribution"]}
    assert set(files) == (
        {f"{name}.csv" for name in exports.TABLES}
        | {f"excel/{name}.csv" for name in exports.TABLES}
        | {"dizionario-dati.csv", "excel/dizionario-dati.csv", "dati.json"}
    )
    assert set(files) <= names
    assert all(
        d["dct:description"]["@value"] and d["dct:format"]["@id"].rsplit("/", 1)[1] in ("CSV", "JSON")
        for d in files.values()
    )
    assert files["dati.json"]["dcat:mediaType"] == "application/json"
    assert "Excel" in files["excel/schede.csv"]["dct:description"]["@value"]
    operator = json.loads(
        zipfile.ZipFile(
            io.BytesIO(
                exports.opendata_zip(
                    db,
                    PROCESS_SLUG,
                    exports.publisher_of(
                        SiteInfo(
                            demo=False, email="piano@comune.re.it", office="Ufficio di Piano distrettuale"
                        )
                    ),
                )
            )
        ).read("metadati.jsonld")
    )["dcat:contactPoint"]
    assert operator["vcard:hasEmail"]["@id"] == "mailto:piano@comune.re.it"
    assert operator["vcard:fn"] == "Ufficio di Piano distrettuale"
    silent = exports._dcat(
        Process(slug="p", title="Piano"),
        {"sessioni": [], "schede": []},
        exports.publisher_of(SiteInfo(demo=False, email="")),
        "",
    )
    assert "vcard:hasEmail" not in silent["dcat:contactPoint"]  # never the demo's for an operator
    assert all(
        d["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
        for d in meta["dcat:distribution"]
    )
    assert {"metadati.jsonld", "dizionario-dati.csv", "excel/dizionario-dati.csv"} <= names


@pytest.fixture
def admin(db):
    from workshop.services import accounts

    made = accounts.create_user(db, "capo", "Capo", "admin", "una password lunga")
    return schede.PlanActor(made.id, "admin")


def test_sessions_csv_says_when_and_where_each_meeting_was_held(db, closed_labs, admin):
    """What the lab's page publishes of a meeting, the open data has too: its day and
    start time (on the district's clock), its place, its territory and the year of
    the programma attuativo it was held for; new columns at the end, the others as
    they were. A meeting without a date, place or programme leaves them empty."""
    from datetime import date, time

    from sqlmodel import select

    from workshop.services import meetings, periods, territories
    from workshop.storage.models import LiveSession

    held, undated = closed_labs
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == PROCESS_SLUG)).one()
    programme = periods.add_programme(db, admin, process.id, 2019)
    albinea = territories.add(db, "comune", "Albinea")
    meetings.set_meeting(
        db,
        held.id,
        meetings.Place(date(2019, 3, 28), time(17, 30), None, "Via Roma 1, Albinea", "Sala 2", albinea),
    )
    with db.transaction() as s:
        s.get(LiveSession, held.id).programme_id = programme
    z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG)))
    header = next(csv.reader(io.StringIO(z.read("sessioni.csv").decode("utf-8"))))
    assert header[:11] == [
        "id",
        "laboratorio",
        "titolo",
        "domanda_guida",
        "punti_per_partecipante",
        "massimo_per_elemento",
        "partecipanti_votanti",
        "punti_assegnati",
        "chiusa_il",
        "hash_risultati",
        "file_risultati",
    ]
    new = [
        "giorno",
        "ora_inizio",
        "indirizzo",
        "sala",
        "territorio",
        "territorio_nome",
        "programma_attuativo",
    ]
    assert header[11:] == new
    rows = {int(r["id"]): r for r in read_csv(z, "sessioni.csv")}
    assert [rows[held.id][k] for k in new] == [
        "2019-03-28",
        "17:30",
        "Via Roma 1, Albinea",
        "Sala 2",
        albinea,
        "Albinea",
        "2019",
    ]
    assert [rows[undated.id][k] for k in new] == [""] * len(new)
    excel = z.read("excel/sessioni.csv").decode("utf-8-sig")
    assert excel.splitlines()[0].endswith(";territorio;territorio_nome;programma_attuativo")
    dictionary = {(r["file"], r["colonna"]) for r in read_csv(z, "dizionario-dati.csv")}
    assert {("sessioni.csv", k) for k in new} <= dictionary
    schema = next(r for r in json.loads(z.read("datapackage.json"))["resources"] if r["name"] == "sessioni")
    assert [f["name"] for f in schema["schema"]["fields"]][11:] == new
    # The programme's own ZIP: its meetings, with its year.
    z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG, programme_id=programme)))
    assert [(int(r["id"]), r["programma_attuativo"]) for r in read_csv(z, "sessioni.csv")] == [
        (held.id, "2019")
    ]


def test_a_programmes_zip_is_its_own_dataset(db, closed_labs, admin):
    """/dati-aperti/<process>.zip?programma=2019 is not the whole process: its own
    identifier, title and period (its year), pointing at the process's dataset."""
    from sqlmodel import select

    from workshop.services import periods

    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == PROCESS_SLUG)).one()
    programme = periods.add_programme(db, admin, process.id, 2019)
    url = "https://example.org"

    def meta(**kw):
        z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG, base_url=url, **kw)))
        return json.loads(z.read("metadati.jsonld")), json.loads(z.read("datapackage.json"))

    (whole, _), (year, year_package) = meta(), meta(programme_id=programme)
    assert year["dct:identifier"] == whole["dct:identifier"] + "-programma-2019"
    assert year["dct:title"]["@value"] == whole["dct:title"]["@value"] + ", programma attuativo 2019"
    assert year_package["title"] == year["dct:title"]["@value"]
    temporal = year["dct:temporal"]
    assert (temporal["dcat:startDate"]["@value"], temporal["dcat:endDate"]["@value"]) == (
        "2019-01-01",
        "2019-12-31",
    )
    assert year["@id"] == f"{url}/dati-aperti/{PROCESS_SLUG}.zip?programma=2019"
    assert year["dct:isPartOf"] == {"@id": whole["@id"]} and "dct:isPartOf" not in whole
    assert all(d["dcat:accessURL"]["@id"] == year["@id"] for d in year["dcat:distribution"])

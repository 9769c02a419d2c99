"""The scheda as the district files it: what the documents say about where it
comes from and who decided, and the characters they carry."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.helpers import PROCESS_SLUG, body_decides
from tests.injection import pdf_text, pdf_texts, squeeze
from workshop.services import exports, schede
from workshop.services.consolidation import consolidate

WHY = "Motivazione pubblica per il passaggio di stato"


# -- the PDF carries every character ----------------------------------------------

TARGETS = [
    "≥ 70%",
    "≤ 1",
    "−10%",
    "€ 95.000",
    "«virgolette» – trattino — lungo",
    "Përshëndetje, çka",
    "Șoseaua și țara",
    "Привіт, Україно: їжак, ґанок",
    "مرحبا بكم",
    "你好，欢迎参加",
]


@pytest.mark.parametrize("text", TARGETS)
def test_the_pdf_keeps_every_character_of_the_text(text):
    """Titillium Web has no ≥ or ≤: «≥ 70%» came out as «70%», a different target.
    Every character must come back out of the PDF, in the scripts of the
    platform's languages too."""
    blocks = [
        exports.Block("h1", "Indicatori"),
        exports.Block("p", text),
        exports.Block("table", [["Indicatore", "Obiettivo"], ["Famiglie informate", text]]),
    ]
    # (pypdf reads right-to-left words backwards; Poppler reads them back in order)
    out = pdf_texts(exports.render(blocks, "pdf", "Prova")[0])
    assert any(squeeze(t).count(squeeze(text)) == 2 for t in out), (text, out)


# -- traceability and decisions written for people ----------------------------------


@pytest.fixture
def decided(db, closed_labs, team):
    rows = consolidate(db, PROCESS_SLUG).rows
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [rows[0].cluster_id])
    schede.transition(db, team["up"], action_id, "revisione_up", "Bozza completa, la riprende l'Ufficio.")
    schede.transition(db, team["up"], action_id, "ristretta", "Pronta per la cabina di regia ristretta.")
    body_decides(db, team, action_id, "allargata", "Capofila e indicatori definiti.")
    body_decides(db, team, action_id, "approvata", "Approvata all'unanimità.")
    return action_id, rows[0]


def scheda_markdown(db, action_id) -> str:
    view = schede.view(db, action_id, public=True)
    blocks = exports.scheda_blocks(view, exports.area_labels(db))
    return exports.render(blocks, "md", view["title"])[0].decode()


def test_the_traceability_block_is_written_for_people(db, decided):
    action_id, row = decided
    md = scheda_markdown(db, action_id)
    trace = md.split("Tracciabilità", 1)[1]
    # The lab by its name, not its slug; numbers as Italians write them; notes as a list.
    assert "Dimissioni difficili" in trace and "dimissioni-difficili" not in trace
    assert "69,58" in trace and "69.58" not in trace
    assert not re.search(r"\[\d+(, \d+)*\]", trace), trace
    assert "cooperativa\\_sociale" not in trace and "cooperativa_sociale" not in trace
    assert "19 punti su 60" in trace


def test_each_decision_says_who_decided_when_and_what(db, decided):
    action_id, _ = decided
    md = scheda_markdown(db, action_id)
    decisions = md.split("Decisioni", 1)[1]
    items = [line for line in decisions.splitlines() if line.startswith("- ")]
    assert len(items) == 4
    # The ristretta sent it on to the allargata: its motivation is the ristretta's.
    sent_on = next(i for i in items if "Capofila e indicatori definiti" in i)
    assert "Cabina di regia ristretta" in sent_on and "allargata" in sent_on
    approved = next(i for i in items if "unanimità" in i)
    assert "Cabina di regia allargata" in approved and "approvat" in approved.lower()
    # Dated, as a person reads a date.
    assert all(
        re.search(
            r"\d{1,2} (gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|"
            r"settembre|ottobre|novembre|dicembre) \d{4}",
            i,
        )
        for i in items
    ), items


# -- the plan as a document ----------------------------------------------------------


@pytest.fixture
def plan(db, closed_labs, team):
    """Three schede in three states, and one not accepted."""
    rows = consolidate(db, PROCESS_SLUG).rows
    ids = [schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [r.cluster_id]) for r in rows[:4]]
    schede.update_fields(
        db,
        team["up"],
        ids[0],
        {
            "azioni": [
                {"testo": "Primo passo", "periodo": "mesi 1–4"},
                {"testo": "Secondo passo", "periodo": ""},
            ],
            "preventivo": {
                "importi": {"frna": {"2019": "35.000"}, "ausl": {"2019": "25.000,50"}},
                "note": "",
            },
            "indicatori": [
                {
                    "descrizione": "Segnalati entro 48 h",
                    "partenza": "da rilevare",
                    "obiettivi": {"2019": "≥ 70%"},
                    "fonte": "AUSL",
                    "periodicita": "trimestrale",
                }
            ],
        },
        1,
    )
    for action_id in (ids[0], ids[3]):
        schede.transition(db, team["up"], action_id, "revisione_up", WHY)
        schede.transition(db, team["up"], action_id, "ristretta", WHY)
        body_decides(db, team, action_id, "allargata", WHY)
    body_decides(db, team, ids[0], "approvata", WHY)
    body_decides(db, team, ids[3], "non_accolta", WHY)
    blank = schede.create_blank(db, team["up"], PROCESS_SLUG, "Contrasto alla povertà", "regionale", "B")
    return ids, blank


def test_the_plan_has_a_cover_contents_and_parts_by_state_and_area(db, plan):
    ids, blank = plan
    blocks = exports.plan_blocks(db, PROCESS_SLUG, staff=True)  # the office's copy holds the drafts
    md = exports.render(blocks, "md", "Piano")[0].decode()
    cover, _, rest = md.partition("## Indice")
    assert "# Piano di Zona per la salute e il benessere sociale 2018-2020" in cover
    assert "Periodo di programmazione: 2018–2020" in cover and "bozza" in cover
    assert "Schede incluse: 4" in cover  # the one not accepted is left out by default
    contents, _, body = rest.partition("\n# Schede approvate")
    assert "- Schede approvate" in contents and "  - Area " in contents
    parts = re.findall(r"^# (.+)$", "\n# Schede approvate" + body, re.M)
    assert parts == ["Schede approvate", "Schede in corso di revisione"]
    assert "Schede non accolte" not in md
    assert f"### Scheda {blank} — Contrasto alla povertà" in md
    assert "Scheda non derivata dalle priorità dei laboratori: attuazione di una scheda regionale" in md
    # Within a part, schede by area A–E, each area a heading.
    in_review = body.split("# Schede in corso di revisione")[1]
    areas = re.findall(r"^## Area (\w)", in_review, re.M)
    assert areas == sorted(areas) and "B" in areas
    # The states are the user's choice.
    only = exports.render(exports.plan_blocks(db, PROCESS_SLUG, ("non_accolta",)), "md", "x")[0].decode()
    assert "# Schede non accolte" in only and f"Scheda {ids[3]} —" in only
    assert f"Scheda {ids[0]} —" not in only
    # The public document never holds a draft of the office, even when asked for one.
    public = exports.render(exports.plan_blocks(db, PROCESS_SLUG), "md", "x")[0].decode()
    assert "Schede incluse: 1" in public and f"Scheda {blank} —" not in public
    asked = exports.render(exports.plan_blocks(db, PROCESS_SLUG, ("bozza",)), "md", "x")[0].decode()
    assert "Schede incluse: 0" in asked and "Nessuna scheda negli stati scelti." in asked


def test_the_plan_as_approved_cites_its_act(db, plan, team):
    from workshop.services.schede import PlanActor

    admin = PlanActor(team["up"].user_id, "admin")
    schede.save_plan_settings(
        db, admin, PROCESS_SLUG, 2018, 2020, "Accordo di programma del 10 aprile 2019, delibera n. 12"
    )
    md = exports.render(exports.plan_blocks(db, PROCESS_SLUG), "md", "x")[0].decode()
    assert "Stato del documento: approvato — Accordo di programma del 10 aprile 2019, delibera n. 12" in md


def test_the_pdf_is_tagged_and_says_its_language_and_title(db, plan):
    import pikepdf

    blocks = exports.plan_blocks(db, PROCESS_SLUG, staff=True)
    data = exports.render(blocks, "pdf", "Bozza del piano", ("Distretto · Piano", "Bozza"))[0]
    pdf = pikepdf.open(io.BytesIO(data))
    root = pdf.Root
    assert root.MarkInfo.Marked is True and str(root.Lang) == "it-IT"
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert str(pdf.docinfo.Title) == "Bozza del piano"
    with pdf.open_metadata() as meta:
        assert meta["dc:title"] == "Bozza del piano"
    roles: dict[str, int] = {}
    scopes = set()

    def walk(node):
        role = str(node.get("/S"))
        roles[role] = roles.get(role, 0) + 1
        if role == "/TH":
            scopes.add(str(node.A.Scope))
        for kid in node.get("/K") or []:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                walk(kid)

    walk(root.StructTreeRoot.K)
    assert roles["/Document"] == 1 and roles["/H1"] >= 3 and roles["/H2"] >= 2 and roles["/H3"] >= 4
    assert roles["/H4"] >= 4 * 10  # every field's heading
    assert roles["/TOC"] == 1 and roles["/TOCI"] >= 6 and roles["/Link"] == roles["/TOCI"]
    assert roles["/Table"] >= 4 and roles["/TH"] and roles["/TD"] and scopes == {"/Row", "/Column"}
    assert roles["/L"] and roles["/LI"] == roles["/LBody"]
    # Every page is in the parent tree, in reading order (structure order), tabs by structure.
    assert all(page.obj.Tabs == "/S" and "/StructParents" in page.obj for page in pdf.pages)
    # Each table-of-contents entry links to its heading, and says which page it is on.
    annots = [a for page in pdf.pages for a in page.obj.get("/Annots") or []]
    assert annots and all(a.Subtype == "/Link" and "/Dest" in a and "/StructParent" in a for a in annots)
    toc_page = pdf_text(data).split("Indice", 1)[1]
    assert re.search(r"Schede approvate\D*3", toc_page)
    # The running header and page numbers are artifacts, outside the structure.
    content = b"".join(
        page.Contents.read_bytes() for page in pdf.pages if isinstance(page.Contents, pikepdf.Stream)
    )
    assert b"/Artifact <</Type /Pagination>> BDC" in content


def test_the_pdf_embeds_every_font_it_uses(db, plan):
    import pikepdf

    data = exports.render(exports.plan_blocks(db, PROCESS_SLUG), "pdf", "x")[0]
    pdf = pikepdf.open(io.BytesIO(data))
    for page in pdf.pages:
        for font in (page.Resources.get("/Font") or {}).values():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            assert descriptor is not None and (
                "/FontFile2" in descriptor or "/FontFile" in descriptor or "/FontFile3" in descriptor
            ), font.get("/BaseFont")


def test_the_fonts_cover_italian_and_the_platform_s_languages():
    """Titillium, and the fallbacks for what it lacks: every character of Italian,
    the typographic ones, and the scripts of the participants' languages."""
    from workshop.services import pdf

    wanted = (
        "àèéìòùÀÈÉÌÒÙ€≥≤−–—«»’“”…·→•°"
        + "ăâîșțĂÂÎȘȚ"
        + "ëçËÇ"
        + "éèêàçœ"
        + "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяАБВГҐДЕЄЖЗИІЇЙ"
        + "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
        + "你好欢迎参加会议我们的城市"
    )
    assert pdf.missing(wanted) == ""


def test_odt_and_docx_use_real_styles(db, plan):
    import docx
    from lxml import etree

    blocks = exports.plan_blocks(db, PROCESS_SLUG, staff=True)
    odt = exports.render(blocks, "odt", "Piano", ("Distretto", "Bozza"))[0]
    with zipfile.ZipFile(io.BytesIO(odt)) as z:
        content = etree.fromstring(z.read("content.xml"))
        styles = z.read("styles.xml").decode()
    ns = {
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    }
    headings = content.findall(".//text:h", ns)
    assert {h.get(f"{{{ns['text']}}}style-name") for h in headings} >= {
        "Heading_20_1",
        "Heading_20_2",
        "Heading_20_3",
        "Heading_20_4",
    }
    assert not any(re.match(r"\d+(\.\d+)*\.? ", "".join(h.itertext())) for h in headings)
    outline = styles.split("text:outline-style")[1].split("</text:outline-style")[0]
    assert 'style:num-format="1"' not in outline
    lists = content.findall(".//text:list", ns)
    assert any(lst.get(f"{{{ns['text']}}}style-name") == "Elenco_20_numerato" for lst in lists)
    items = content.findall(".//text:list-item/text:p", ns)
    assert not any(re.match(r"\d+\. ", "".join(p.itertext())) for p in items)
    assert content.findall(".//table:table-header-rows", ns)
    assert 'fo:border="0.5pt solid' in z_styles(odt)
    assert content.findall(".//text:table-of-content", ns)
    assert "<text:page-number" in styles and "<text:page-count" in styles  # «Pagina N di M»

    document = docx.Document(io.BytesIO(exports.render(blocks, "docx", "Piano", ("Distretto", "Bozza"))[0]))
    used = {p.style.name for p in document.paragraphs}
    assert {"Heading 1", "Heading 2", "Heading 3", "Heading 4", "Title", "List Number"} <= used
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered[:2]] == ["Primo passo (mesi 1–4)", "Secondo passo"]
    num_ids = {p._p.pPr.numPr.numId.val for p in numbered}
    assert len(num_ids) >= 2  # each list starts again at 1
    assert all(t.style.name == "Table Grid" for t in document.tables)
    assert any(
        t.rows[0]._tr.trPr is not None
        and t.rows[0]._tr.trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader")
        is not None
        for t in document.tables
    )
    assert document.core_properties.title == "Piano" and document.core_properties.language == "it-IT"
    body = document.element.body.xml
    assert "TOC \\o" in body and "updateFields" in document.settings.element.xml
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert " PAGE " in footer and " NUMPAGES " in footer


def z_styles(odt: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(odt)) as z:
        return z.read("content.xml").decode()


def test_money_adds_up_in_every_format(db, plan):
    ids, _ = plan
    view = schede.view(db, ids[0], public=True)
    blocks = exports.scheda_blocks(view, exports.area_labels(db))
    md = exports.render(blocks, "md", "x")[0].decode()
    # (Markdown: a cell that starts «60.» is escaped, or it would read as a numbered list)
    assert "| Totale |  | 60\\.000,50 |  | 60\\.000,50 |" in md
    assert "25.000,50" in squeeze(pdf_text(exports.render(blocks, "pdf", "x")[0]))

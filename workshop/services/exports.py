"""Exports: open data (ZIP of CSV and JSON), and schede as Markdown, ODT and PDF.

Open data carry no personal data: no pseudonyms, no staff names, notes only as
moderated (nothing hidden, merged or deleted), dots aggregated by stakeholder
category with counts under 5 suppressed (domain/disclosure.py). Licence:
CC BY 4.0, its full text included.

Documents are built once as a list of blocks (heading, paragraph, list,
table) from the scheda's fields; each format renders those blocks, so the
three never disagree. Markdown fields go through the one sanitizer first.
ODT with odfdo, PDF with ReportLab (Titillium Web, the PA typeface, when the
front-end assets are installed).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib import resources

from sqlmodel import select

from workshop import markup
from workshop.config import ROOT
from workshop.domain import disclosure, phases, review
from workshop.services import schede
from workshop.services.consolidation import consolidate
from workshop.storage.database import Database
from workshop.storage.models import (
    Area,
    Cluster,
    Lab,
    LiveSession,
    Note,
    Participant,
    PlanAction,
    Process,
    iso,
)

PUBLISHER = "Distretto di Reggio Emilia — Ufficio di Piano"
LICENCE = "CC-BY-4.0"


# -- open data -------------------------------------------------------------------

def _csv(rows: list[dict], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("|".join(v) if isinstance(v, list) else v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


TABLES = {
    "laboratori": ["slug", "titolo"],
    "sessioni": ["id", "laboratorio", "titolo", "domanda_guida", "punti_per_partecipante",
                 "massimo_per_elemento", "partecipanti_votanti", "chiusa_il", "hash_risultati"],
    "contributi": ["id", "sessione", "laboratorio", "tipo", "testo", "gruppo", "categoria_autore"],
    "gruppi": ["id", "sessione", "laboratorio", "titolo", "aree", "punti", "impatto", "fattibilita",
               "urgenza", "indice_priorita", "sostegno", "componente_valutazioni", "ampiezza", "rango"],
    "voti_per_categoria": ["gruppo", "sessione", "categoria", "punti"],
    "schede": ["id", "titolo", "stato", "area_prevalente", "altre_aree", "gruppi", "versione",
               "aggiornata_il"],
}


def opendata_rows(db: Database, process_slug: str) -> dict[str, list[dict]]:
    consolidated = consolidate(db, process_slug)
    ranked = {r.cluster_id: r for r in consolidated.rows}
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        labs = s.exec(select(Lab).where(Lab.process_id == process.id).order_by(Lab.id)).all()
        closed = s.exec(select(LiveSession, Lab).join(Lab).where(
            Lab.process_id == process.id, LiveSession.phase == phases.CHIUSA)
            .order_by(LiveSession.id)).all()
        ids = [live.id for live, _ in closed]
        lab_of = {live.id: lab.slug for live, lab in closed}
        # Plain rows, not ORM objects: tens of thousands of notes at district scale.
        notes = s.exec(select(Note.id, Note.session_id, Note.kind, Note.text, Note.cluster_id,
                              Participant.category_key)
                       .join(Participant, Participant.id == Note.author_id)
                       .where(Note.session_id.in_(ids), Note.deleted_at.is_(None),
                              Note.merged_into_id.is_(None), Note.hidden_at.is_(None))
                       .order_by(Note.id)).all()
        clusters = s.exec(select(Cluster).where(Cluster.session_id.in_(ids),
                                                Cluster.dissolved_at.is_(None))
                          .order_by(Cluster.id)).all()
    voters = {r.session_id: r.voters for r in consolidated.rows}
    tables = {
        "laboratori": [{"slug": lab.slug, "titolo": lab.title} for lab in labs],
        "sessioni": [{"id": live.id, "laboratorio": lab.slug, "titolo": live.title,
                      "domanda_guida": live.guiding_question,
                      "punti_per_partecipante": live.dots_per_participant,
                      "massimo_per_elemento": live.cap_per_item,
                      "partecipanti_votanti": voters.get(live.id, 0),
                      "chiusa_il": iso(live.closed_at) if live.closed_at else "",
                      "hash_risultati": live.snapshot_hash or ""} for live, lab in closed],
        "contributi": [{"id": note_id, "sessione": session_id, "laboratorio": lab_of[session_id],
                        "tipo": kind, "testo": text, "gruppo": cluster_id or "",
                        "categoria_autore": category}
                       for note_id, session_id, kind, text, cluster_id, category in notes],
        "gruppi": [], "voti_per_categoria": [],
        "schede": [{"id": a["id"], "titolo": a["title"], "stato": a["state"],
                    "area_prevalente": a["area_main"], "altre_aree": a["other_areas"],
                    "gruppi": [str(c) for c in a["cluster_ids"]], "versione": a["version"],
                    "aggiornata_il": iso(a["updated_at"])}
                   for a in schede.list_actions(db, process_slug)],
    }
    for cluster in clusters:
        r = ranked.get(cluster.id)
        tables["gruppi"].append({
            "id": cluster.id, "sessione": cluster.session_id, "laboratorio": lab_of[cluster.session_id],
            "titolo": cluster.title, "aree": [a for a in cluster.areas.split(",") if a],
            "punti": r.dots if r else 0, "impatto": cluster.impatto or "",
            "fattibilita": cluster.fattibilita or "", "urgenza": cluster.urgenza or "",
            "indice_priorita": round(r.index, 2) if r else "", "sostegno": round(r.support, 4) if r else "",
            "componente_valutazioni": round(r.scores_component, 4) if r else "",
            "ampiezza": round(r.breadth, 4) if r else "", "rango": r.rank if r else ""})
        for category, n in disclosure.suppress(r.by_category if r else {}).items():
            tables["voti_per_categoria"].append({"gruppo": cluster.id, "sessione": cluster.session_id,
                                                 "categoria": category, "punti": n})
    return tables


def _datapackage(process_title: str, tables: dict[str, list[dict]]) -> dict:
    """Frictionless Data Package metadata, with the licence and the publisher."""
    return {
        "name": "laboratori-piano-di-zona",
        "title": f"Laboratori partecipati — {process_title}",
        "description": "Esiti dei laboratori progettuali: contributi moderati, gruppi, punti per "
                       "categoria di portatori di interesse (conteggi inferiori a 5 oscurati), "
                       "indici di priorità e schede intervento.",
        "licenses": [{"name": LICENCE, "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "publisher": PUBLISHER,
        "language": "it",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "resources": [{"name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv",
                       "encoding": "utf-8", "schema": {"fields": [{"name": c} for c in TABLES[name]]},
                       "rows": len(rows)} for name, rows in tables.items()],
    }


README = """# Laboratori partecipati — dati aperti

{title}

File (UTF-8, con riga di intestazione; gli stessi dati in `dati.json`):

- `laboratori.csv` — i laboratori del percorso.
- `sessioni.csv` — le sessioni concluse, con l'impronta (SHA-256) dei risultati congelati alla chiusura.
- `contributi.csv` — i contributi (post-it) dopo la moderazione, senza pseudonimi; per ciascuno
  la categoria di portatori di interesse di chi l'ha scritto.
- `gruppi.csv` — i gruppi votati, con punti, valutazioni del tavolo e indice di priorità
  (formula documentata nel codice della piattaforma, `workshop/domain/priority.py`).
- `voti_per_categoria.csv` — punti per gruppo e categoria. I conteggi inferiori a 5 sono
  sostituiti da `<5` (e, se in una riga ne resta uno solo, anche il successivo più piccolo),
  per non rendere riconoscibili le persone.
- `schede.csv` — le schede intervento e il loro stato.

Nessun dato personale: niente nomi, pseudonimi o contatti. Metadati in `datapackage.json`
(Frictionless Data Package). Licenza: Creative Commons Attribuzione 4.0 Internazionale
(`LICENSE.txt`); citare come «{publisher}».
"""


def opendata_zip(db: Database, process_slug: str) -> bytes:
    tables = opendata_rows(db, process_slug)
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, rows in tables.items():
            z.writestr(f"{name}.csv", _csv(rows, TABLES[name]))
        # Compact: an indented dump takes Python's slow encoder, not the C one.
        z.writestr("dati.json", json.dumps(tables, ensure_ascii=False, default=str))
        z.writestr("datapackage.json", json.dumps(_datapackage(process.title, tables),
                                                  ensure_ascii=False, indent=1))
        z.writestr("README.md", README.format(title=process.title, publisher=PUBLISHER))
        z.writestr("LICENSE.txt", resources.files("workshop").joinpath("data/CC-BY-4.0.txt")
                   .read_text())
    return buffer.getvalue()


# -- documents -------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    kind: str  # "h1", "h2", "h3", "p", "ul", "ol", "table"
    content: object  # str for headings and paragraphs, list[str] for lists, list[list[str]] tables


class _Blocks(HTMLParser):
    """Sanitized HTML (markup.render's output) to blocks of plain text."""

    def __init__(self):
        super().__init__()
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._list: list[str] | None = None
        self._list_kind = "ul"
        self._rows: list[list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self._flush()
            self._list, self._list_kind = [], tag
        elif tag == "table":
            self._flush()
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag == "br":
            self._text.append("\n")

    def handle_endtag(self, tag):
        if tag == "li" and self._list is not None:
            self._list.append(self._take())
        elif tag in ("ul", "ol") and self._list is not None:
            self.blocks.append(Block(self._list_kind, self._list))
            self._list = None
        elif tag in ("td", "th") and self._rows:
            self._rows[-1].append(self._take())
        elif tag == "table" and self._rows is not None:
            self.blocks.append(Block("table", self._rows))
            self._rows = None
        elif tag in ("p", "blockquote", "pre") or tag.startswith("h") and len(tag) == 2:
            self._flush()

    def handle_data(self, data):
        self._text.append(data)

    def _take(self) -> str:
        text = "".join(self._text).strip()
        self._text = []
        return text

    def _flush(self):
        text = self._take()
        if text and self._list is None and self._rows is None:
            self.blocks.append(Block("p", text))

    def close(self):
        super().close()
        self._flush()


def markdown_blocks(text: str) -> list[Block]:
    parser = _Blocks()
    parser.feed(markup.render(text or ""))
    parser.close()
    return parser.blocks


def area_labels(db: Database) -> dict[str, str]:
    with db.reader() as s:
        return {a.code: a.label for a in s.exec(select(Area))}


def scheda_blocks(view: dict, areas: dict[str, str], level: int = 1) -> list[Block]:
    """A scheda as blocks: the fields in the district's order, then its sources."""
    c = view["content"]
    h = f"h{level}"
    sub = f"h{level + 1}"
    blocks = [Block(h, view["title"]),
              Block("p", f"Stato: {view['state_label']} · versione {view['version']}"),
              Block("p", "Aree: " + ", ".join(
                  [f"{c.get('area_prevalente')} {areas.get(c.get('area_prevalente'), '')} (prevalente)"]
                  + [f"{a} {areas.get(a, '')}" for a in c.get("altre_aree", [])]))]
    for field in ("razionale", "descrizione", "destinatari", "azioni", "attori", "risorse"):
        if c.get(field):
            blocks += [Block(sub, schede.FIELD_LABELS[field]), *markdown_blocks(c[field])]
    blocks += [Block(sub, schede.FIELD_LABELS["capofila"]), Block("p", c.get("capofila") or "—")]
    blocks += [Block(sub, schede.FIELD_LABELS["preventivo"]),
               *(markdown_blocks(c["preventivo"]) if c.get("preventivo") else [Block("p", "—")])]
    indicators = c.get("indicatori") or []
    blocks.append(Block(sub, schede.FIELD_LABELS["indicatori"]))
    blocks.append(Block("table", [["Indicatore", "Base", "Obiettivo", "Fonte"]] + [
        [i.get("indicatore", ""), i.get("baseline", ""), i.get("target", ""), i.get("fonte", "")]
        for i in indicators]) if indicators else Block("p", "—"))
    blocks.append(Block(sub, "Tracciabilità"))
    for source in c.get("tracciabilita", {}).get("clusters", []):
        split = ", ".join(f"{k} {v}" for k, v in source.get("by_category", {}).items())
        scores = source.get("scores") or {}
        blocks.append(Block("ul", [
            f"Laboratorio {source['lab']}, sessione {source['session_id']} «{source['session_title']}»",
            f"Gruppo {source['cluster_id']} «{source['title']}», contributi {source['note_ids']}",
            f"Punti {source['dots']} su {source['dots_available']} ({split})",
            "Valutazioni: " + (", ".join(f"{k} {v}/5" for k, v in scores.items()) or "—"),
            f"Indice di priorità {source.get('priority_index')}",
            f"Impronta dei risultati (SHA-256) {source.get('snapshot_hash')}"]))
    if view.get("transitions"):
        blocks.append(Block(sub, "Decisioni"))
        blocks.append(Block("ul", [f"{review.LABELS.get(t['to'], t['to'])}: {t['motivation']}"
                                   for t in view["transitions"]]))
    return blocks


def plan_blocks(db: Database, process_slug: str) -> list[Block]:
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        ids = s.exec(select(PlanAction.id).where(PlanAction.process_id == process.id)
                     .order_by(PlanAction.area_main, PlanAction.id)).all()
    blocks = [Block("h1", f"Bozza del piano — {process.title}"),
              Block("p", f"Schede intervento: {len(ids)}.")]
    for action_id in ids:
        blocks += scheda_blocks(schede.view(db, action_id, public=True), area_labels(db), level=2)
    return blocks


def to_markdown(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if b.kind.startswith("h"):
            out.append("#" * int(b.kind[1]) + " " + b.content)
        elif b.kind == "p":
            out.append(b.content)
        elif b.kind in ("ul", "ol"):
            out.append("\n".join((f"{i}. " if b.kind == "ol" else "- ") + item.replace("\n", " ")
                                 for i, item in enumerate(b.content, start=1)))
        elif b.kind == "table":
            header, *rows = b.content
            out.append("\n".join(["| " + " | ".join(header) + " |",
                                  "|" + "---|" * len(header)]
                                 + ["| " + " | ".join(r) + " |" for r in rows]))
    return "\n\n".join(out) + "\n"


def to_odt(blocks: list[Block]) -> bytes:
    from odfdo import Document, Header, List, Paragraph, Table

    document = Document("text")
    body = document.body
    for b in blocks:
        if b.kind.startswith("h"):
            body.append(Header(int(b.kind[1]), b.content))
        elif b.kind == "p":
            body.append(Paragraph(b.content))
        elif b.kind == "ul":
            body.append(List(list(b.content)))
        elif b.kind == "ol":
            body.append(List([f"{i}. {item}" for i, item in enumerate(b.content, start=1)]))
        elif b.kind == "table":
            table = Table(f"Tabella{len(body.children)}")
            for r, row in enumerate(b.content):
                for col, value in enumerate(row):
                    table.set_value((col, r), value)
            body.append(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


FONTS = ROOT / "static" / "vendor" / "bootstrap-italia" / "fonts" / "Titillium_Web"


def _pdf_fonts() -> tuple[str, str]:
    """Titillium Web (the PA typeface) when the front-end assets are installed,
    else the PDF standard Helvetica (enough for Italian's accented letters)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular = FONTS / "titillium-web-v10-latin-ext_latin-regular.ttf"
    if not regular.exists():
        return "Helvetica", "Helvetica-Bold"
    if "Titillium" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Titillium", str(regular)))
        pdfmetrics.registerFont(TTFont("Titillium-Bold",
                                       str(FONTS / "titillium-web-v10-latin-ext_latin-700.ttf")))
    return "Titillium", "Titillium-Bold"


def to_pdf(blocks: list[Block], title: str) -> bytes:
    """PDF with ReportLab's layout engine (fast enough for a whole plan)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Table, TableStyle

    regular, bold = _pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, spaceAfter=5)
    heads = {n: ParagraphStyle(f"h{n}", fontName=bold, fontSize=size, leading=size * 1.25,
                               spaceBefore=10, spaceAfter=5, textColor=colors.HexColor("#003366"))
             for n, size in ((1, 18), (2, 14), (3, 12), (4, 11))}

    def para(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story = []
    for b in blocks:
        if b.kind.startswith("h"):
            story.append(para(b.content, heads[min(int(b.kind[1]), 4)]))
        elif b.kind == "p":
            story.append(para(b.content))
        elif b.kind in ("ul", "ol"):
            story.append(ListFlowable([ListItem(para(i)) for i in b.content],
                                      bulletType="1" if b.kind == "ol" else "bullet",
                                      bulletFontName=regular, leftIndent=14))
        elif b.kind == "table":
            table = Table([[para(v) for v in row] for row in b.content], repeatRows=1,
                          colWidths=["40%", "20%", "20%", "20%"] if len(b.content[0]) == 4 else None)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6f0fa")),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, author=PUBLISHER, leftMargin=20 * mm,
                      rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm).build(story)
    return buffer.getvalue()


def render(blocks: list[Block], fmt: str, title: str) -> tuple[bytes, str]:
    """The document in a format, with its MIME type."""
    if fmt == "md":
        return to_markdown(blocks).encode("utf-8"), "text/markdown; charset=utf-8"
    if fmt == "odt":
        return to_odt(blocks), "application/vnd.oasis.opendocument.text"
    if fmt == "pdf":
        return to_pdf(blocks, title), "application/pdf"
    raise ValueError(fmt)


"""Exports: open data (ZIP of CSV and JSON), and schede as Markdown, ODT and PDF.

Open data carry no personal data: no pseudonyms, no staff names, only notes a
person reviewed as publishable (domain/publication.py), dots by groups of
stakeholder categories only as domain/disclosure.py allows, and each closed
session's results document for anyone to verify its fingerprint. Its files
and columns are described once, in `publication.OPEN_DATA`. Licence:
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
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib import resources

from sqlmodel import select

from workshop import markup
from workshop.config import ROOT
from workshop.domain import disclosure, phases, publication, review
from workshop.services import schede, tally, views
from workshop.services.consolidation import consolidate
from workshop.storage.database import Database
from workshop.storage.models import (
    Area,
    Category,
    Cluster,
    Lab,
    LiveSession,
    Note,
    Participant,
    PlanAction,
    Process,
    SessionSnapshot,
    iso,
)

PUBLISHER = "Distretto di Reggio Emilia — Ufficio di Piano"
LICENCE = "CC-BY-4.0"


# -- open data -------------------------------------------------------------------

# A spreadsheet opening the CSV runs a cell that begins with one of these as a
# formula (=HYPERLINK, DDE…): titles, questions and notes are typed by anyone.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A CSV cell, neutralised as OWASP advises for CSV injection: text that
    would start a formula gets a leading apostrophe, which spreadsheets read as
    "this is text". Numbers are left alone (a negative number is no formula)."""
    if isinstance(value, list):
        value = "|".join(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(columns)  # our own names, as they are
    # Every text cell quoted (numbers not): a spreadsheet that splits on `;`,
    # as Italian Excel does, must not find a new cell, a formula, inside one.
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n",
                            quoting=csv.QUOTE_NONNUMERIC)
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


TABLES = {d.name: d.column_names for d in publication.OPEN_DATA}
RESULTS_DIR = "risultati"


def _yes(flag: bool) -> str:
    return "sì" if flag else "no"


def opendata_rows(db: Database, process_slug: str) -> dict[str, list[dict]]:
    """Every table of the open data (domain/publication.OPEN_DATA), as rows.

    Only what may be published: notes a person reviewed as publishable (their
    reviewed text), the author's category only where enough people shared it,
    dots by category only as `disclosure.protect` allows, and no breadth."""
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
        tallies = {live.id: tally.of_session(s, live) for live, _ in closed}
        snapshots = {x.session_id: x for x in s.exec(select(SessionSnapshot)
                                                      .where(SessionSnapshot.session_id.in_(ids)))}
        groups = tally.groups(s)
        categories = s.exec(select(Category).order_by(Category.position)).all()
        # Plain rows, not ORM objects: tens of thousands of notes at district scale.
        notes = s.exec(select(Note.id, Note.session_id, Note.kind, Note.text, Note.public_text,
                              Note.publication, Note.cluster_id, Participant.category_key)
                       .join(Participant, Participant.id == Note.author_id)
                       .where(Note.session_id.in_(ids), views.VISIBLE, Note.erased_at.is_(None),
                              Note.publication == publication.PUBBLICABILE)
                       .order_by(Note.id)).all()
        clusters = s.exec(select(Cluster).where(Cluster.session_id.in_(ids),
                                                Cluster.dissolved_at.is_(None))
                          .order_by(Cluster.id)).all()
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    tables["laboratori"] = [{"slug": lab.slug, "titolo": lab.title} for lab in labs]
    for live, lab in closed:
        counted = tallies[live.id]
        snapshot = snapshots.get(live.id)
        tables["sessioni"].append({
            "id": live.id, "laboratorio": lab.slug, "titolo": live.title,
            "domanda_guida": live.guiding_question, "punti_per_partecipante": live.dots_per_participant,
            "massimo_per_elemento": live.cap_per_item, "partecipanti_votanti": counted.voters,
            "punti_assegnati": counted.dots_placed,
            "chiusa_il": iso(live.closed_at) if live.closed_at else "",
            "hash_risultati": live.snapshot_hash or "",
            "file_risultati": f"{RESULTS_DIR}/sessione-{live.id}.json"
            if snapshot is not None and snapshot.document else ""})
    for note_id, session_id, kind, text, public_text, state, cluster_id, category in notes:
        shown = disclosure.author_label(category, tallies[session_id].participants_by_category,
                                        groups.group_of)
        tables["contributi"].append({
            "id": note_id, "sessione": session_id, "laboratorio": lab_of[session_id], "tipo": kind,
            "testo": publication.published_text(state, text, public_text),
            "modificato": _yes(bool(public_text)), "gruppo": cluster_id or "",
            "categoria_autore": shown[1] if shown and shown[0] == "categoria" else "",
            "raggruppamento_autore": (groups.group_of.get(category, "") if shown and shown[0] == "categoria"
                                      else shown[1] if shown else "")})
    for cluster in clusters:
        r = ranked.get(cluster.id)
        tables["gruppi"].append({
            "id": cluster.id, "sessione": cluster.session_id, "laboratorio": lab_of[cluster.session_id],
            "titolo": cluster.title, "aree": [a for a in cluster.areas.split(",") if a],
            "punti": r.dots if r else 0, "impatto": cluster.impatto or "",
            "fattibilita": cluster.fattibilita or "", "urgenza": cluster.urgenza or "",
            "indice_priorita": round(r.index, 2) if r else "", "sostegno": round(r.support, 4) if r else "",
            "componente_valutazioni": round(r.scores_component, 4) if r else "",
            "rango": r.rank if r else ""})
        for column in (r.split_columns if r else []):
            value = r.split.get(column["key"])
            tables["voti_per_categoria"].append({
                "gruppo": cluster.id, "sessione": cluster.session_id, "categorie": column["key"],
                "categorie_etichetta": column["label"], "punti": "" if value is None else value,
                "riservato": _yes(value is None)})
    tables["categorie"] = [{"chiave": c.key, "codice": c.code, "etichetta": c.label,
                            "raggruppamento": c.group_key or disclosure.OTHER,
                            "raggruppamento_etichetta": groups.column_label(c.group_key or disclosure.OTHER)}
                           for c in categories]
    tables["schede"] = [{"id": a["id"], "titolo": a["title"], "stato": a["state"],
                         "area_prevalente": a["area_main"], "altre_aree": a["other_areas"],
                         "gruppi": [str(c) for c in a["cluster_ids"]], "versione": a["version"],
                         "aggiornata_il": iso(a["updated_at"])}
                        for a in schede.list_actions(db, process_slug)]
    return tables


def results_files(db: Database, process_slug: str) -> dict[str, bytes]:
    """Each closed session's results document, byte for byte as hashed, and the
    openings of the notes published as written (salt and text), so that anyone
    can check them against it (docs/protocol.md §12.2)."""
    files = {}
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        rows = s.exec(select(SessionSnapshot, LiveSession).join(
            LiveSession, LiveSession.id == SessionSnapshot.session_id).join(Lab)
            .where(Lab.process_id == process.id, SessionSnapshot.document.is_not(None))
            .order_by(SessionSnapshot.session_id)).all()
        published = {n.id: n for n in s.exec(select(Note).where(
            Note.session_id.in_([live.id for _, live in rows]), views.VISIBLE, Note.erased_at.is_(None),
            Note.publication == publication.PUBBLICABILE, Note.public_text.is_(None)))}
    for snapshot, live in rows:
        files[f"{RESULTS_DIR}/sessione-{live.id}.json"] = snapshot.document.encode()
        openings = {}
        for note_id, opening in sorted((snapshot.record or {}).get("openings", {}).items(),
                                       key=lambda kv: int(kv[0])):
            note = published.get(int(note_id))
            if note is not None and note.text == opening["text"]:
                openings[note_id] = {"salt": opening["salt"], "text": opening["text"]}
        files[f"{RESULTS_DIR}/sessione-{live.id}.aperture.json"] = json.dumps(
            {"session": live.id, "hash": snapshot.hash, "notes": openings},
            ensure_ascii=False, indent=1).encode()
    return files


def _datapackage(process_title: str, tables: dict[str, list[dict]]) -> dict:
    """Frictionless Data Package metadata, with the licence and the publisher."""
    described = {d.name: d for d in publication.OPEN_DATA}
    return {
        "name": "laboratori-piano-di-zona",
        "title": f"Laboratori partecipati — {process_title}",
        "description": "Esiti dei laboratori progettuali: contributi rivisti per la pubblicazione, "
                       "gruppi, punti per raggruppamento di categorie di portatori di interesse "
                       "(conteggi piccoli riservati), indici di priorità e schede intervento.",
        "licenses": [{"name": LICENCE, "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "publisher": PUBLISHER,
        "language": "it",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "resources": [{"name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv",
                       "encoding": "utf-8", "description": described[name].description,
                       "schema": {"fields": [{"name": c.name, "description": c.description}
                                            for c in described[name].columns]},
                       "rows": len(rows)} for name, rows in tables.items()],
    }


README = """# Laboratori partecipati — dati aperti

{title}

File (UTF-8, con riga di intestazione; gli stessi dati in `dati.json`). Nei CSV i testi sono
tra virgolette, e quelli che iniziano con `=`, `+`, `-`, `@`, una tabulazione o un ritorno a
capo hanno davanti un apostrofo (`'`), perché un foglio di calcolo non li esegua come formule
(in `dati.json` restano come sono stati scritti).

{files}

## Che cosa non c'è, e perché

Nessun dato personale: niente nomi, pseudonimi o contatti. I contributi sono pubblicati solo
dopo che una persona (chi ha facilitato la sessione o l'Ufficio di Piano) li ha rivisti per
togliere dati personali; quelli tenuti per uso interno non ci sono. La categoria di chi ha
scritto un contributo compare solo se nella sessione c'erano almeno 5 persone di quella
categoria (o del suo raggruppamento). I punti per categoria sono pubblicati per
raggruppamento di categorie, e un numero è riservato se è da 1 a 4, o se servirebbe a
ricavare un numero riservato dal totale del gruppo: nessun numero riservato si può ricavare
da quelli pubblicati.

## Verificare i risultati

Alla chiusura di ogni sessione la sala ha visto l'impronta SHA-256 dei risultati
(`hash_risultati` in `sessioni.csv`). `risultati/sessione-N.json` è il documento dei
risultati esattamente come è stato impronta: `sha256sum risultati/sessione-N.json` deve dare
lo stesso valore. Nel documento ogni contributo compare come impronta del suo testo
(SHA-256 di «sale:testo»); `risultati/sessione-N.aperture.json` dà sale e testo dei
contributi pubblicati così come sono stati scritti, per controllarli. Lo fa anche
`python -m workshop verify dati-aperti.zip` della piattaforma.

Metadati in `datapackage.json` (Frictionless Data Package). Licenza: Creative Commons
Attribuzione 4.0 Internazionale (`LICENSE.txt`); citare come «{publisher}».
"""


def _readme(title: str) -> str:
    files = "\n".join(f"- `{d.filename}` — {d.description}" for d in publication.OPEN_DATA)
    return README.format(title=title, publisher=PUBLISHER, files=files)


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
        for name, data in results_files(db, process_slug).items():
            z.writestr(name, data)
        z.writestr("README.md", _readme(process.title))
        z.writestr("LICENSE.txt", resources.files("workshop").joinpath("data/CC-BY-4.0.txt")
                   .read_text())
    return buffer.getvalue()


# -- documents -------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    kind: str  # "h1", "h2", "h3", "p", "ul", "ol", "table"
    content: object  # str for headings and paragraphs, list[str] for lists, list[list[str]] tables


_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


class _Blocks(HTMLParser):
    """Sanitized HTML (markup.render's output) to blocks of plain text.

    Blocks are flat, but the sanitizer lets through any nesting of the tags it
    allows (paragraphs inside list items, a list inside a list, a table inside
    an item or a list inside a cell, a stray <li>): whatever is nested inside
    an item or a cell becomes lines of its text, and the items of a list
    inside a list become items of the outer one, marked with a dash for each
    level. So every word people typed ends up in some block."""

    _BLOCK_TAGS = frozenset({"p", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
                             "ul", "ol", "li", "table", "thead", "tbody", "tr", "td", "th"})

    def __init__(self):
        super().__init__()
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._list: list[str] | None = None  # items of the open list
        self._list_kind = "ul"
        self._depth = 0  # lists open inside one another, 1 for the outermost
        self._items: list[int] = []  # the depth of each open item
        self._rows: list[list[str]] | None = None  # rows of the open table
        self._inner = 0  # tables open inside an item or a cell
        self._pre = 0

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self._text.append("\n")
            return
        if tag == "pre":
            self._pre += 1
        if tag not in self._BLOCK_TAGS:
            return
        if self._rows is not None:
            if tag == "table":
                self._inner += 1
            if self._inner == 0 and tag == "tr":
                self._rows.append([])
            elif self._inner == 0 and tag in ("td", "th"):
                self._take()  # the blank between two cells
            else:
                self._text.append("\n")
        elif self._list is not None:
            if tag == "table":
                self._inner += 1
            if self._inner == 0 and tag in ("ul", "ol"):
                self._item()
                self._depth += 1
            elif self._inner == 0 and tag == "li":
                self._item()
                self._items.append(self._depth)
            else:
                self._text.append("\n")
        else:
            self._flush()
            if tag in ("ul", "ol"):
                self._list, self._list_kind, self._depth, self._items = [], tag, 1, []
            elif tag == "table":
                self._rows = []

    def handle_endtag(self, tag):
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag not in self._BLOCK_TAGS:
            return
        if self._rows is not None:
            if tag == "table" and self._inner:
                self._inner -= 1
                self._text.append("\n")
            elif self._inner == 0 and tag in ("td", "th"):
                if not self._rows:
                    self._rows.append([])
                self._rows[-1].append(self._take())
            elif self._inner == 0 and tag == "table":
                self._flush_table()
            elif self._inner or tag not in ("tr", "thead", "tbody"):
                self._text.append("\n")
        elif self._list is not None:
            if tag == "table" and self._inner:
                self._inner -= 1
                self._text.append("\n")
            elif self._inner == 0 and tag == "li":
                self._item()
                if self._items:
                    self._items.pop()
            elif self._inner == 0 and tag in ("ul", "ol"):
                self._item()
                self._depth -= 1
                if self._depth == 0:
                    self._flush_list()
            else:
                self._text.append("\n")
        else:
            self._flush()

    def handle_data(self, data):
        # Outside <pre>, a line break in the HTML source is just a space (<br> breaks lines).
        self._text.append(data if self._pre else _HTML_SPACE.sub(" ", data))

    def _take(self) -> str:
        lines = (line.strip() for line in "".join(self._text).split("\n"))
        self._text = []
        return "\n".join(line for line in lines if line)

    def _item(self):
        """The text collected so far as an item of the open list."""
        text = self._take()
        if text:
            level = self._items[-1] if self._items else self._depth
            self._list.append("– " * (level - 1) + text)

    def _flush(self):
        text = self._take()
        if text:
            self.blocks.append(Block("p", text))

    def _flush_list(self):
        self.blocks.append(Block(self._list_kind, self._list))
        self._list = None

    def _flush_table(self):
        text = self._take()  # text outside any cell: kept, after the table
        self.blocks.append(Block("table", self._rows))
        self._rows, self._inner = None, 0
        if text:
            self.blocks.append(Block("p", text))

    def close(self):
        super().close()
        if self._list is not None:
            self._item()
            self._flush_list()
        if self._rows is not None:
            self._flush_table()
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


def _table_rows(content: list[list[str]]) -> list[list[str]]:
    """A table as a rectangle. The sanitizer keeps tables as people typed
    them (`<table>` alone, rows of different lengths), and every writer needs
    rows as wide as the widest: short rows are padded, empty ones dropped, and
    a table without rows is no table."""
    rows = [list(row) for row in content if row]
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def _items(content: list[str]) -> list[str]:
    return [item for item in content if item.strip()]


# What people typed must stay text in a Markdown export: the file is opened by
# tools that render it (a forge, an editor's preview), raw HTML included.
# Characters that start markup anywhere in a line are escaped with a backslash
# where CommonMark, GitHub's Markdown and Python-Markdown all honour it, and as
# a character reference where one of them does not (and for HTML itself).
_MD_ESCAPES = str.maketrans({**{ch: "\\" + ch for ch in "\\`*_[]{}#"},
                             "&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", "~": "&#126;",
                             "$": "&#36;"})
# What starts a block only at the start of a line: list markers, setext
# underlines, definition lists, admonitions, an ordered list's number.
_MD_LINE_START = re.compile(r"(?:([-+!])|([=:])|(\d+)([.)]))")


def _md_line(line: str) -> str:
    # Stripped: four leading spaces would make a code block, two trailing a line break.
    line = line.strip().translate(_MD_ESCAPES)
    start = _MD_LINE_START.match(line)
    if start is None:
        return line
    if start[1]:
        return "\\" + line
    if start[2]:
        return f"&#{ord(start[2])};" + line[1:]
    return start[3] + "\\" + line[start.end() - 1:]


# Markdown ends a line at a carriage return too: a title or a capofila may hold one.
_MD_LINE_END = re.compile(r"\r\n?|\n")


def _md(text: str, one_line: bool = False) -> str:
    """Plain text as Markdown that renders as that text, whatever it contains."""
    lines = [_MD_LINE_END.sub(" ", text)] if one_line else _MD_LINE_END.split(text)
    return "\n".join(md for md in map(_md_line, lines) if md)


def to_markdown(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if b.kind.startswith("h"):
            out.append("#" * int(b.kind[1]) + " " + _md(b.content, one_line=True))
        elif b.kind == "p" and _md(b.content):
            out.append(_md(b.content))
        elif b.kind in ("ul", "ol") and _items(b.content):
            out.append("\n".join((f"{i}. " if b.kind == "ol" else "- ") + _md(item, one_line=True)
                                 for i, item in enumerate(_items(b.content), start=1)))
        elif b.kind == "table" and _table_rows(b.content):
            header, *rows = [[_md(cell, one_line=True) for cell in row]
                             for row in _table_rows(b.content)]
            out.append("\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                                 + ["| " + " | ".join(r) + " |" for r in rows]))
    return "\n\n".join(out) + "\n"


# XML cannot carry most control characters, and a scheda's fields keep what
# was pasted into them (a terminal's colour codes, say): ODT and PDF drop them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def to_odt(blocks: list[Block]) -> bytes:
    """ODT with odfdo. Text goes in only as text (Paragraph, Header, List,
    cell values): odfdo makes a link only when asked (Link, set_link), never
    from what the text says, so a `javascript:` someone typed stays words."""
    from odfdo import Document, Header, List, Paragraph, Table

    document = Document("text")
    body = document.body
    for b in blocks:
        if b.kind.startswith("h"):
            body.append(Header(int(b.kind[1]), _xml_text(b.content)))
        elif b.kind == "p":
            body.append(Paragraph(_xml_text(b.content)))
        elif b.kind == "ul" and _items(b.content):
            body.append(List([_xml_text(item) for item in _items(b.content)]))
        elif b.kind == "ol" and _items(b.content):
            body.append(List([f"{i}. {_xml_text(item)}"
                              for i, item in enumerate(_items(b.content), start=1)]))
        elif b.kind == "table" and _table_rows(b.content):
            table = Table(f"Tabella{len(body.children)}")
            for r, row in enumerate(_table_rows(b.content)):
                for col, value in enumerate(row):
                    table.set_value((col, r), _xml_text(value))
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
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    regular, bold = _pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, spaceAfter=5)
    heads = {n: ParagraphStyle(f"h{n}", fontName=bold, fontSize=size, leading=size * 1.25,
                               spaceBefore=10, spaceAfter=5, textColor=colors.HexColor("#003366"))
             for n, size in ((1, 18), (2, 14), (3, 12), (4, 11))}
    item = ParagraphStyle("item", parent=body, leftIndent=16, bulletIndent=2, bulletFontName=regular)
    styles = {body: ParagraphStyle("line", parent=body, spaceAfter=0),
              item: ParagraphStyle("item-line", parent=item, spaceAfter=0)}

    def para(text: str, style=body) -> Paragraph:
        # Escaped: ReportLab reads a paragraph as its own markup (<a>, <img>, <font>…).
        return Paragraph(escape(_xml_text(text)).replace("\n", "<br/>"), style)

    def lines(text: str, style=body, bullet: str | None = None) -> list[Paragraph]:
        """A text of many lines as a paragraph per line: ReportLab lays out a
        long paragraph again at each page it breaks across (a field can hold
        20,000 characters), and an item inside a ListFlowable cannot break at
        all, so list items are paragraphs with a bullet."""
        rows = text.split("\n")
        out = []
        for n, row in enumerate(rows):
            last = n == len(rows) - 1 or not rows[n + 1].strip()
            if row.strip() or n == 0:
                out.append(Paragraph(escape(_xml_text(row)), style if last else styles[style],
                                     bulletText=bullet if n == 0 else None))
        return out

    story = []
    for b in blocks:
        if b.kind.startswith("h"):
            story.append(para(b.content, heads[min(int(b.kind[1]), 4)]))
        elif b.kind == "p":
            story += lines(b.content)
        elif b.kind in ("ul", "ol"):
            for n, text in enumerate(_items(b.content), start=1):
                story += lines(text, item, f"{n}." if b.kind == "ol" else "•")
        elif b.kind == "table" and _table_rows(b.content):
            rows = _table_rows(b.content)
            width = len(rows[0])
            # Fixed widths, so that a long word wraps inside its column instead
            # of pushing the others off the page; a row may break across pages.
            # The first row repeats on each page only when it is a short header
            # (a row taller than a page cannot be repeated, nor split).
            header = len(rows) > 1 and sum(len(cell) for cell in rows[0]) <= 200
            table = Table([[para(v) for v in row] for row in rows], repeatRows=int(header),
                          splitInRow=1,
                          colWidths=["40%", "20%", "20%", "20%"] if width == 4
                          else [f"{100 / width:.4f}%"] * width)
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


"""The injection corpus (tests/data/injection_corpus.json) and the checks that
every export must pass with it.

The corpus is hostile text of every kind (naughty strings, the OWASP XSS
vectors, Markdown vectors, spreadsheet formulas, probes that call a function
the browser test defines): the tests store it through every field a person
types, then read back what the platform shows and exports. The checks here
parse each format back and report, as readable lines, whatever a reader of
the file could be made to run (markup, links, formulas) and whatever text
went missing on the way.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

CORPUS = Path(__file__).parent / "data" / "injection_corpus.json"
# The most hostile first: where only some pieces of a packed field reach a
# page (the closed sessions, say), those pieces are these.
GROUPS = ("probes", "csv_formula", "markdown", "owasp_xss", "blns")
# The injection vectors alone, without the naughty strings (whose own script
# injection section repeats OWASP's): for the one-line fields where each
# piece costs a whole session, scheda, cluster or person.
INJECTION = ("probes", "csv_formula", "markdown", "owasp_xss")
SAFE_SCHEMES = {"http", "https", "mailto"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@cache
def payloads(groups: tuple[str, ...] = GROUPS) -> tuple[str, ...]:
    """Every payload of these groups, in this order, once."""
    data = json.loads(CORPUS.read_text())
    return tuple(dict.fromkeys(p for g in groups for p in data[g] if p.strip()))


def packed(limit: int, sep: str = "\n\n", items: tuple[str, ...] | None = None) -> list[str]:
    """The corpus packed into texts of at most `limit` characters, payloads
    joined by `sep`; a payload longer than `limit` is cut into pieces."""
    out, current = [], ""
    for payload in items if items is not None else payloads():
        pieces = [payload[i:i + limit] for i in range(0, len(payload), limit)]
        for piece in pieces:
            if current and len(current) + len(sep) + len(piece) <= limit:
                current += sep + piece
            else:
                if current:
                    out.append(current)
                current = piece
    if current:
        out.append(current)
    return out


# -- text comparison -------------------------------------------------------------
# Documents reflow text: lines break anywhere, list markers and cell borders
# come between items. So text is compared with all whitespace removed, one
# expected piece (a paragraph, a list item, a cell) at a time.

_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufffe\uffff]+")


def squeeze(text: str) -> str:
    return _INVISIBLE.sub("", text)


def missing(expected: list[str], document: str, keep=lambda ch: True) -> list[str]:
    """The expected pieces that the document's text does not contain.
    `keep`: which characters the format can carry at all (a PDF's fonts)."""
    haystack = squeeze(document)
    lost = []
    for piece in expected:
        needle = "".join(ch for ch in squeeze(piece) if keep(ch))
        if needle and needle not in haystack:
            lost.append(piece)
    return lost


def block_texts(blocks) -> list[str]:
    """The text pieces of export blocks: paragraphs, headings, list items, cells."""
    out = []
    for b in blocks:
        if isinstance(b.content, str):
            out.append(b.content)
        else:
            for item in b.content:
                out.extend(item if isinstance(item, list) else [item])
    return out


# -- Markdown --------------------------------------------------------------------
# A Markdown file is opened by tools that render it: it is rendered here as
# CommonMark with GitHub's extensions (markdown-it-py) and as Python-Markdown
# with its common extensions, and what comes out may only be the document's
# own structure, showing the text as typed. A renderer that links bare URLs
# may do so (its links are checked, http, https or mailto, but it rewrites
# the text it links, so the text is compared without it).

STRUCTURE = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "table", "thead", "tbody",
             "tr", "th", "td", "br", "a"}


def markdown_renderings(md: str) -> dict[str, str]:
    import markdown
    from markdown_it import MarkdownIt

    gfm = MarkdownIt("gfm-like", {"linkify": False, "html": True})
    return {
        "commonmark+gfm": gfm.render(md),
        "python-markdown": markdown.markdown(md, extensions=["extra", "admonition", "sane_lists"]),
    }


def _linkified(md: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like", {"linkify": True, "html": True}).render(md)


def _html_tree(html: str):
    import lxml.html

    return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")


def html_problems(html: str, allowed: set[str] = STRUCTURE) -> list[str]:
    """Elements and attributes that are not plain document structure."""
    problems = []
    for el in _html_tree(html).iterdescendants():
        tag = el.tag if isinstance(el.tag, str) else "<!-- comment or PI -->"
        if tag not in allowed:
            problems.append(f"element {tag}")
            continue
        for name, value in el.attrib.items():
            if tag == "a" and name == "href":
                # (a linkifier may link a protocol-relative //host/path too)
                if urlsplit(value.strip()).scheme.lower() not in SAFE_SCHEMES | {""}:
                    problems.append(f"link {value!r}")
            else:
                problems.append(f"attribute {name}={value!r} on {tag}")
    return problems


def markdown_problems(md: str, expected: list[str] | None = None) -> list[str]:
    """Active markup in any rendering, or expected text a rendering does not show."""
    problems = []
    for name, html in markdown_renderings(md).items():
        problems += [f"{name}: {p}" for p in html_problems(html)]
        if expected is not None:
            text = _html_tree(html).text_content()
            problems += [f"{name}: text not shown literally: {t!r}" for t in missing(expected, text)]
    problems += [f"linkified: {p}" for p in html_problems(_linkified(md))]
    return problems


# -- ODT -------------------------------------------------------------------------

ODF = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
       "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
       "script": "urn:oasis:names:tc:opendocument:xmlns:script:1.0",
       "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
       "xlink": "http://www.w3.org/1999/xlink"}


def odt_text(data: bytes) -> str:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("content.xml"))
    body = root.find(f"{{{ODF['office']}}}body")
    return " ".join(body.itertext())


def odt_problems(data: bytes, expected: list[str] | None = None) -> list[str]:
    """Links other than http/https/mailto, scripts, event listeners, macros,
    formulas, embedded objects; expected text missing."""
    from lxml import etree

    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        problems += [f"part {n}" for n in names if n.lower().startswith(("basic/", "scripts/", "object"))]
        for part in ("content.xml", "styles.xml", "meta.xml", "settings.xml"):
            if part not in names:
                continue
            root = etree.fromstring(z.read(part))
            for el in root.iter():
                if not isinstance(el.tag, str):
                    continue
                ns, _, local = el.tag[1:].partition("}")
                # (an empty office:scripts is part of every ODT odfdo writes)
                if ns == ODF["script"] or local in ("event-listeners", "execute-macro", "object",
                                                    "object-ole", "plugin", "applet") \
                        or local == "scripts" and len(el):
                    problems.append(f"{part}: element {local}")
                for name, value in el.attrib.items():
                    if name == f"{{{ODF['xlink']}}}href" and \
                            urlsplit(value.strip()).scheme.lower() not in SAFE_SCHEMES:
                        problems.append(f"{part}: {local} links to {value!r}")
                    if name in (f"{{{ODF['table']}}}formula", f"{{{ODF['text']}}}formula"):
                        problems.append(f"{part}: formula {value!r}")
    if expected is not None:
        problems += [f"text missing: {t!r}" for t in missing(expected, odt_text(data))]
    return problems


# -- PDF -------------------------------------------------------------------------

def pdf_drawable():
    """Which characters the export's PDF font can draw (others come out blank:
    the typeface covers Latin scripts only)."""
    from reportlab.pdfbase import pdfmetrics

    from workshop.services import exports

    regular, _ = exports._pdf_fonts()
    font = pdfmetrics.getFont(regular)
    face = getattr(font, "face", None)
    if face is not None and hasattr(face, "charToGlyph"):
        covered = set(face.charToGlyph)
        return lambda ch: ord(ch) in covered
    return lambda ch: ch.encode("cp1252", "ignore") != b""


def pdf_problems(data: bytes, expected: list[str] | None = None) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    problems = []
    root = reader.trailer["/Root"]
    for key in ("/OpenAction", "/AA", "/AcroForm", "/JavaScript"):
        if key in root:
            problems.append(f"catalog {key}")
    if "/Names" in root and "/JavaScript" in root["/Names"]:
        problems.append("document JavaScript")
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            if action.get("/S") != "/URI" or \
                    urlsplit(str(action.get("/URI", "")).strip()).scheme.lower() not in SAFE_SCHEMES:
                problems.append(f"page {number}: annotation {dict(action)!r}")
        if "/AA" in page:
            problems.append(f"page {number}: /AA")
    if expected is not None:
        text = " ".join(page.extract_text() for page in reader.pages)
        problems += [f"text missing: {t!r}" for t in missing(expected, text, pdf_drawable())]
    return problems


# -- CSV -------------------------------------------------------------------------

def csv_problems(data: bytes, name: str = "") -> list[str]:
    """OWASP, CSV injection: every text cell quoted (a spreadsheet splitting on
    `;` must not find a new cell inside one), and none beginning with a
    character that makes a spreadsheet read it as a formula. (The header, the
    export's own column names, is left as it is.)"""
    problems = []
    _, _, rows = data.decode("utf-8").partition("\n")
    reader = csv.reader(io.StringIO(rows, newline=""), quoting=csv.QUOTE_NONNUMERIC)
    try:
        for r, row in enumerate(reader, start=2):
            for col, cell in enumerate(row, start=1):
                if isinstance(cell, str) and cell.startswith(FORMULA_START):
                    problems.append(f"{name} row {r} column {col}: formula {cell[:60]!r}")
    except ValueError as unquoted:  # QUOTE_NONNUMERIC reads an unquoted cell as a number
        problems.append(f"{name} row {reader.line_num}: unquoted text cell ({unquoted})")
    return problems


def opendata_problems(data: bytes) -> list[str]:
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".csv"):
                problems += csv_problems(z.read(name), name)
    return problems

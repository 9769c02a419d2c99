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
from collections import Counter
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
        pieces = [payload[i : i + limit] for i in range(0, len(payload), limit)]
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

STRUCTURE = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "a",
}


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

ODF = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "script": "urn:oasis:names:tc:opendocument:xmlns:script:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
}


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
                if (
                    ns == ODF["script"]
                    or local
                    in ("event-listeners", "execute-macro", "object", "object-ole", "plugin", "applet")
                    or local == "scripts"
                    and len(el)
                ):
                    problems.append(f"{part}: element {local}")
                for name, value in el.attrib.items():
                    if (
                        name == f"{{{ODF['xlink']}}}href"
                        and urlsplit(value.strip()).scheme.lower() not in SAFE_SCHEMES
                    ):
                        problems.append(f"{part}: {local} links to {value!r}")
                    if name in (f"{{{ODF['table']}}}formula", f"{{{ODF['text']}}}formula"):
                        problems.append(f"{part}: formula {value!r}")
    if expected is not None:
        problems += [f"text missing: {t!r}" for t in missing(expected, odt_text(data))]
    return problems


# -- PDF -------------------------------------------------------------------------


def pdf_drawable():
    """Which characters the export's PDF fonts can draw (services/pdf.py: the
    PA typeface and, for what it lacks, the fallback fonts; others, such as
    emoji, come out blank)."""
    from workshop.services import pdf

    return pdf.fonts().drawable


_PAGE_NUMBER = re.compile(r"Pagina\s*\d+\s*di\s*\d+")


def pdf_texts(data: bytes, artifacts: tuple[str, ...] = ()) -> list[str]:
    """The text of a PDF as readers get it: pypdf's, and Poppler's pdftotext
    when it is there (it reads right-to-left runs back in their order, as a
    screen reader does; pypdf reverses their words; Poppler drops a
    combining mark drawn twice in one place, pypdf does not). A piece of
    text is in the PDF if either reader finds it. The running header
    (`artifacts`) and the page numbers are taken out of each page's text:
    a text that goes on to the next page goes on without them."""
    import shutil
    import subprocess
    import tempfile

    from pypdf import PdfReader

    def clean(page: str) -> str:
        for artifact in artifacts:
            page = page.replace(artifact, "") if artifact else page
        return _PAGE_NUMBER.sub("", page)

    texts = ["".join(clean(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages)]
    if shutil.which("pdftotext"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(data)
            f.flush()
            pages = subprocess.run(
                ["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True
            ).stdout.decode("utf-8")
        texts.append("".join(clean(page) for page in pages.split("\f")))
    return texts


def pdf_text(data: bytes, artifacts: tuple[str, ...] = ()) -> str:
    return "\n".join(pdf_texts(data, artifacts))


def pdf_problems(
    data: bytes, expected: list[str] | None = None, artifacts: tuple[str, ...] = ()
) -> list[str]:
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
            annot = annot.get_object()
            action = annot.get("/A")
            if action is None and "/Dest" in annot:
                continue  # a link inside the document (the table of contents): runs nothing
            action = action or {}
            if (
                action.get("/S") != "/URI"
                or urlsplit(str(action.get("/URI", "")).strip()).scheme.lower() not in SAFE_SCHEMES
            ):
                problems.append(f"page {number}: annotation {dict(action)!r}")
        if "/AA" in page:
            problems.append(f"page {number}: /AA")
    if expected is not None:
        texts = pdf_texts(data, artifacts)
        drawable = pdf_drawable()
        # Right-to-left runs are drawn in the order they are seen (services/pdf.py
        # `visual`), and readers put a line of mixed directions back together
        # each in their own way: the order of everything else is compared, and
        # the right-to-left letters are counted.
        ordered = "\n".join("".join(ch for ch in text if not _rtl_script(ch)) for text in texts)
        problems += [
            f"text missing: {t!r}"
            for t in missing(expected, ordered, lambda ch: drawable(ch) and not _rtl_script(ch))
        ]
        wanted = Counter(ch for t in expected for ch in t if _rtl_script(ch) and drawable(ch))
        found = Counter(ch for ch in texts[0] if _rtl_script(ch))
        short = {ch: n - found[ch] for ch, n in wanted.items() if found[ch] < n}
        problems += [f"right-to-left letters missing: {short!r}"] if short else []
    return problems


def _rtl_script(ch: str) -> bool:
    """Hebrew and Arabic script (letters, marks, their punctuation)."""
    return "\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufdff" or "\ufe70" <= ch <= "\ufeff"


# -- DOCX ------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OWN_FIELDS = {"PAGE", "NUMPAGES", "TOC"}


def docx_text(data: bytes) -> str:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    out = []
    for el in root.iter(f"{{{W}}}t", f"{{{W}}}br", f"{{{W}}}tab", f"{{{W}}}p"):
        out.append(el.text or "" if el.tag == f"{{{W}}}t" else " " if el.tag != f"{{{W}}}p" else "\n")
    return "".join(out)


def docx_problems(data: bytes, expected: list[str] | None = None) -> list[str]:
    """Macros, embedded objects, external links other than http/https/mailto,
    fields other than the writer's own (a typed DDEAUTO must stay text),
    hyperlinks made out of text; expected text missing."""
    from lxml import etree

    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        problems += [
            f"part {n}"
            for n in names
            if n.lower().endswith((".bin", ".ole"))
            or "vba" in n.lower()
            or "embeddings" in n.lower()
            or "activex" in n.lower()
        ]
        for name in names:
            if name.endswith(".rels"):
                rels = etree.fromstring(z.read(name))
                for rel in rels:
                    if (
                        rel.get("TargetMode") == "External"
                        and urlsplit(rel.get("Target", "")).scheme.lower() not in SAFE_SCHEMES
                    ):
                        problems.append(f"{name}: external target {rel.get('Target')!r}")
                    if rel.get("Type", "").endswith(("/attachedTemplate", "/aFChunk", "/oleObject")):
                        problems.append(f"{name}: relationship {rel.get('Type')}")
            if name.startswith("word/") and name.endswith(".xml"):
                root = etree.fromstring(z.read(name))
                for el in root.iter(
                    f"{{{W}}}instrText",
                    f"{{{W}}}fldSimple",
                    f"{{{W}}}hyperlink",
                    f"{{{W}}}altChunk",
                    f"{{{W}}}object",
                ):
                    if el.tag == f"{{{W}}}instrText":
                        code = (el.text or "").split()
                        if not code or code[0] not in OWN_FIELDS:
                            problems.append(f"{name}: field {el.text!r}")
                    elif el.tag == f"{{{W}}}fldSimple":
                        problems.append(f"{name}: field {el.get(f'{{{W}}}instr')!r}")
                    else:
                        problems.append(f"{name}: element {etree.QName(el).localname}")
    if expected is not None:
        problems += [f"text missing: {t!r}" for t in missing(expected, docx_text(data))]
    return problems


# -- CSV -------------------------------------------------------------------------


def csv_problems(data: bytes, name: str = "") -> list[str]:
    """OWASP, CSV injection: every text cell quoted (a spreadsheet splitting on
    `;` must not find a new cell inside one), and none beginning with a
    character that makes a spreadsheet read it as a formula. (The header, the
    export's own column names, is left as it is.)"""
    problems = []
    # (the copies for Excel: a byte-order mark, semicolons)
    delimiter = ";" if data.startswith(b"\xef\xbb\xbf") else ","
    _, _, rows = data.decode("utf-8-sig").partition("\n")
    reader = csv.reader(io.StringIO(rows, newline=""), quoting=csv.QUOTE_NONNUMERIC, delimiter=delimiter)
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

"""The PDF writer: ReportLab's layout engine, tagged for accessibility.

Public documents fall under the Legge Stanca: the PDF carries its language,
its title (shown by viewers), a structure tree (headings H1–H4, paragraphs,
lists with their items, tables with header cells and their scope, the table
of contents with its links) in reading order, and marks what is only layout
(running header, page numbers, rules, cell backgrounds) as artifacts.
ReportLab does not tag, so the writer does it itself: every text flowable
wraps what it draws in a marked-content sequence (BDC/EMC) with an MCID and
records which structure element it belongs to; after the layout the
structure tree, the parent tree and the catalog entries are written with
pikepdf. One layout pass: the page numbers of the table of contents and
«di N» in the footer are form XObjects filled in when the pages are known.

Fonts: Titillium Web (the PA typeface) for Latin text, and for each character
it lacks the first font that has it: Noto Sans Arabic, DejaVu Sans (≥ ≤ −
→, Cyrillic, Greek, Arabic), Droid Sans Fallback (Chinese). All embedded as
subsets. Without the Debian fonts (fonts-dejavu-core, fonts-noto-core,
fonts-droid-fallback), characters no font has come out blank, as they did
before; `missing()` says which.
"""

from __future__ import annotations

import functools
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from workshop.config import ROOT
from workshop.services.blocks import Block, items, table_rows, toc_entries, xml_text

TITILLIUM = ROOT / "static" / "vendor" / "bootstrap-italia" / "fonts" / "Titillium_Web"
SYSTEM_FONTS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# After Titillium, in this order: name, regular file, bold file (relative to a font directory).
FALLBACKS = (
    ("NotoSansArabic", "noto/NotoSansArabic-Regular.ttf", "noto/NotoSansArabic-Bold.ttf"),
    ("DejaVuSans", "dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    ("DroidSansFallback", "droid/DroidSansFallbackFull.ttf", None),
)
BLUE = "#0066CC"  # Bootstrap Italia's primary
DARK = "#17324D"
GREY = "#5C6F82"


# -- fonts ------------------------------------------------------------------------------


def _font_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("WORKSHOP_PDF_FONT_DIRS", "").split(os.pathsep) if p]
    return extra + list(SYSTEM_FONTS)


def _find(relative: str) -> Path | None:
    for base in _font_dirs():
        for candidate in (base / relative, base / Path(relative).name):
            if candidate.is_file():
                return candidate
    return None


@dataclass
class _Face:
    name: str
    path: Path
    loaded: bool = False
    cover: frozenset = frozenset()


class Fonts:
    """The typefaces, registered with ReportLab the first time they are needed
    (Droid Sans Fallback takes half a second to read: only for a document
    that has a character no other font has)."""

    def __init__(self):
        regular = TITILLIUM / "titillium-web-v10-latin-ext_latin-regular.ttf"
        bold = TITILLIUM / "titillium-web-v10-latin-ext_latin-700.ttf"
        self.faces: dict[bool, list[_Face]] = {False: [], True: []}
        if regular.is_file() and bold.is_file():
            self.faces[False].append(_Face("Titillium", regular))
            self.faces[True].append(_Face("Titillium-Bold", bold))
        for name, reg, bld in FALLBACKS:
            found_reg = _find(reg)
            found_bold = _find(bld) if bld else None
            if found_reg:
                self.faces[False].append(_Face(name, found_reg))
                self.faces[True].append(
                    _Face(f"{name}-Bold", found_bold) if found_bold else _Face(name, found_reg)
                )
        self._for: dict[tuple[str, bool], str | None] = {}

    def _load(self, face: _Face) -> frozenset:
        if not face.loaded:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            if face.name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(face.name, str(face.path)))
            face.cover = frozenset(pdfmetrics.getFont(face.name).face.charToGlyph)
            face.loaded = True
        return face.cover

    def main(self, bold: bool = False) -> str:
        faces = self.faces[bold]
        if not faces:
            return "Helvetica-Bold" if bold else "Helvetica"
        self._load(faces[0])
        return faces[0].name

    def main_cover(self, bold: bool = False) -> frozenset:
        faces = self.faces[bold]
        return self._load(faces[0]) if faces else frozenset(range(32, 127))

    def font_for(self, ch: str, bold: bool = False) -> str | None:
        key = (ch, bold)
        if key not in self._for:
            code = ord(ch)
            self._for[key] = next((f.name for f in self.faces[bold] if code in self._load(f)), None)
        return self._for[key]

    def drawable(self, ch: str) -> bool:
        """Whether a character shows in the PDF: a font has it, and it is not an
        invisible format character (a soft hyphen, a direction mark…)."""
        if ch in "\n\t":
            return True
        if unicodedata.category(ch) in _INVISIBLE or ch == "\xad":
            return False
        return self.font_for(ch) is not None or not self.faces[False]


@functools.cache
def fonts() -> Fonts:
    return Fonts()


def missing(text: str) -> str:
    """The characters of a text that no installed font can draw."""
    return "".join(sorted({ch for ch in text if not fonts().drawable(ch) and not ch.isspace()}))


_INVISIBLE = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Zl", "Zp"})
_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def _strong_rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def visual(text: str) -> str:
    """Right-to-left runs in the order they are seen: ReportLab has no
    bidirectional layout, so a run of Arabic or Hebrew words is drawn from
    its last letter (a text extractor with bidi support, and a screen
    reader, read it back in its own order). Digits keep their order, a
    letter keeps its combining marks. Letters are not joined, and a run
    longer than a line wraps in the wrong order: known limits."""
    if not any(_strong_rtl(ch) for ch in text):
        return text
    out: list[str] = []
    run: list[str] = []
    spaces: list[str] = []

    def flush():
        # each letter with its marks, the letters (and spaces) in reverse
        clusters: list[str] = []
        for ch in run:
            if clusters and unicodedata.combining(ch):
                clusters[-1] += ch
            else:
                clusters.append(ch)
        out.append("".join(reversed(clusters)))
        run.clear()

    for ch in text:
        if _strong_rtl(ch) or (run and unicodedata.combining(ch)):
            run.extend(spaces)
            spaces.clear()
            run.append(ch)
        elif run and ch in " \u00a0":
            spaces.append(ch)
        else:
            if run:
                flush()
            out.extend(spaces)
            spaces.clear()
            out.append(ch)
    if run:
        flush()
    out.extend(spaces)
    return "".join(out)


def markup(text: str, bold: bool = False) -> str:
    """Plain text as ReportLab paragraph markup: escaped (ReportLab reads its
    own tags, <a>, <img>, <font>…, in a paragraph), each run of characters
    that the main font lacks in the first font that has it."""
    text = visual(xml_text(text))
    f = fonts()
    if set(text) <= f.main_cover(bold) or not f.faces[bold]:
        return escape(text)
    main = f.main(bold)
    out: list[str] = []
    run: list[str] = []
    current = main
    for ch in text:
        name = main if ord(ch) in f.main_cover(bold) or ch.isspace() else (f.font_for(ch, bold) or main)
        if name != current:
            out.append(_run(run, current, main))
            run, current = [], name
        run.append(ch)
    out.append(_run(run, current, main))
    return "".join(out)


def _run(chars: list[str], name: str, main: str) -> str:
    text = escape("".join(chars))
    return text if name == main or not text else f'<font face="{name}">{text}</font>'


# -- structure --------------------------------------------------------------------------


class Elem:
    """A structure element; its kids are elements, (page, mcid) marks of
    content, or ("annot", n) links."""

    __slots__ = ("role", "kids", "attrs")

    def __init__(self, role: str, parent: Elem | None = None, **attrs):
        self.role, self.attrs = role, attrs
        self.kids: list[Elem | tuple] = []
        if parent is not None:
            parent.kids.append(self)


@dataclass
class Tagger:
    root: Elem = field(default_factory=lambda: Elem("Document"))
    marks: dict[int, list[Elem]] = field(default_factory=dict)  # page → elements by MCID
    drawn: set[int] = field(default_factory=set)
    links: list[tuple[int, tuple, str, Elem]] = field(default_factory=list)
    pages: int = 0
    heading_pages: dict[str, int] = field(default_factory=dict)

    def begin(self, canv, elem: Elem) -> None:
        page = canv.getPageNumber()
        marks = self.marks.setdefault(page, [])
        elem.kids.append((page, len(marks)))
        canv._code.append(f"/{elem.role} <</MCID {len(marks)}>> BDC")
        marks.append(elem)

    @staticmethod
    def artifact(canv, kind: str = "Layout") -> None:
        canv._code.append(f"/Artifact <</Type /{kind}>> BDC")

    @staticmethod
    def end(canv) -> None:
        canv._code.append("EMC")


class TParagraph(Paragraph):
    """A paragraph that tags what it draws with its structure element. Drawn
    a second time (a table's header row repeated on the next page), it is an
    artifact of the pagination. A heading also sets its bookmark, its outline
    entry and its page for the table of contents."""

    elem: Elem | None = None
    heading: tuple | None = None  # (key, outline level, text)

    def drawOn(self, canv, x, y, _sW=0):  # noqa: N802, N803 (ReportLab's names)
        tagger: Tagger | None = getattr(canv, "_tagger", None)
        if tagger is None or self.elem is None:
            return super().drawOn(canv, x, y, _sW)
        again = id(self) in tagger.drawn
        tagger.drawn.add(id(self))
        if self.heading and not again:
            key, level, text = self.heading
            canv.bookmarkPage(key, fit="XYZ", top=y + getattr(self, "height", 0) + 6, left=0)
            if level is not None and text.strip():
                canv.addOutlineEntry(" ".join(xml_text(text).split()), key, level=level)
            tagger.heading_pages[key] = canv.getPageNumber()
        if again:
            tagger.artifact(canv, "Pagination")
        else:
            tagger.begin(canv, self.elem)
        try:
            return super().drawOn(canv, x, y, _sW)
        finally:
            tagger.end(canv)

    def split(self, aw, ah):
        pieces = super().split(aw, ah)
        for piece in pieces:
            piece.elem, piece.heading = self.elem, None
        if pieces:
            pieces[0].heading = self.heading
        return pieces


# -- the writer -------------------------------------------------------------------------


@dataclass
class Page:
    """What the running header and footer say."""

    left: str = ""
    right: str = ""
    cover: bool = False  # the first page is a cover, without header and footer


def write(
    blocks: list[Block], title: str, page: Page | None = None, lang: str = "it-IT", author: str = ""
) -> bytes:
    page = page or Page()
    f = fonts()
    regular, bold = f.main(False), f.main(True)
    tagger = Tagger()
    width, height = A4
    margin = 20 * mm
    frame_width = width - 2 * margin

    body = ParagraphStyle(
        "body", fontName=regular, fontSize=10, leading=14, spaceAfter=4, textColor=colors.HexColor("#1A1A1A")
    )
    styles = {
        "body": body,
        "line": ParagraphStyle("line", parent=body, spaceAfter=0),
        "meta": ParagraphStyle(
            "meta", parent=body, fontSize=9, leading=12, textColor=colors.HexColor(GREY), spaceAfter=6
        ),
        "note": ParagraphStyle(
            "note", parent=body, fontSize=9, leading=12.5, textColor=colors.HexColor(GREY)
        ),
        "empty": ParagraphStyle("empty", parent=body, textColor=colors.HexColor(GREY)),
        "item": ParagraphStyle(
            "item", parent=body, leftIndent=18, bulletIndent=4, bulletFontName=regular, spaceAfter=3
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.8, leading=11.5, spaceAfter=0),
        "cell-head": ParagraphStyle(
            "cell-head",
            parent=body,
            fontName=bold,
            fontSize=8.8,
            leading=11.5,
            spaceAfter=0,
            textColor=colors.HexColor(DARK),
        ),
        "cover-kicker": ParagraphStyle(
            "cover-kicker",
            parent=body,
            fontName=bold,
            fontSize=12,
            leading=16,
            textColor=colors.HexColor(BLUE),
            spaceAfter=28,
        ),
        "cover-title": ParagraphStyle(
            "cover-title",
            parent=body,
            fontName=bold,
            fontSize=28,
            leading=34,
            textColor=colors.HexColor(DARK),
            spaceAfter=14,
        ),
        "cover-subtitle": ParagraphStyle(
            "cover-subtitle",
            parent=body,
            fontSize=17,
            leading=22,
            textColor=colors.HexColor(BLUE),
            spaceAfter=30,
        ),
        "cover": ParagraphStyle("cover", parent=body, fontSize=11.5, leading=16, spaceAfter=6),
        "toc1": ParagraphStyle(
            "toc1",
            parent=body,
            fontName=bold,
            fontSize=10.5,
            leading=14,
            spaceBefore=8,
            rightIndent=36,
            textColor=colors.HexColor(DARK),
        ),
        "toc2": ParagraphStyle(
            "toc2",
            parent=body,
            fontName=bold,
            fontSize=9.5,
            leading=13,
            leftIndent=12,
            spaceBefore=3,
            rightIndent=36,
            textColor=colors.HexColor(BLUE),
        ),
        "toc3": ParagraphStyle(
            "toc3", parent=body, fontSize=9.5, leading=12.5, leftIndent=24, rightIndent=36
        ),
    }
    heads = {
        1: ParagraphStyle(
            "h1",
            parent=body,
            fontName=bold,
            fontSize=20,
            leading=25,
            spaceBefore=4,
            spaceAfter=10,
            textColor=colors.HexColor(DARK),
        ),
        2: ParagraphStyle(
            "h2",
            parent=body,
            fontName=bold,
            fontSize=15,
            leading=19,
            spaceBefore=6,
            spaceAfter=8,
            textColor=colors.HexColor(BLUE),
        ),
        3: ParagraphStyle(
            "h3",
            parent=body,
            fontName=bold,
            fontSize=13.5,
            leading=17,
            spaceBefore=6,
            spaceAfter=6,
            textColor=colors.HexColor(DARK),
        ),
        4: ParagraphStyle(
            "h4",
            parent=body,
            fontName=bold,
            fontSize=10.5,
            leading=14,
            spaceBefore=9,
            spaceAfter=3,
            textColor=colors.HexColor(BLUE),
        ),
    }
    cjk: dict[str, ParagraphStyle] = {}

    def style_for(name_or_style, text: str) -> ParagraphStyle:
        style = styles[name_or_style] if isinstance(name_or_style, str) else name_or_style
        if _CJK.search(text):  # no spaces between words: break anywhere
            if style.name not in cjk:
                cjk[style.name] = ParagraphStyle(style.name + "-cjk", parent=style, wordWrap="CJK")
            return cjk[style.name]
        return style

    def para(text: str, style, elem: Elem, bullet: str | None = None, heading=None):
        is_bold = style.fontName == bold
        p = TParagraph(
            markup(text, is_bold).replace("\n", "<br/>"), style_for(style, text), bulletText=bullet
        )
        p.elem, p.heading = elem, heading
        return p

    def lines(text: str, style_name: str, elem: Elem, bullet: str | None = None) -> list:
        """A text of many lines as a paragraph per line, all of one element:
        ReportLab lays out a long paragraph again at each page it breaks across
        (a field can hold 20,000 characters), and an item in a ListFlowable
        cannot break at all, so list items are paragraphs with a bullet."""
        rows = text.split("\n")
        out = []
        tail = (
            styles["line"]
            if style_name == "body"
            else ParagraphStyle(style_name + "-line", parent=styles[style_name], spaceAfter=0)
        )
        for n, row in enumerate(rows):
            last = n == len(rows) - 1 or not rows[n + 1].strip()
            if row.strip() or n == 0:
                out.append(
                    para(row, styles[style_name] if last else tail, elem, bullet=bullet if n == 0 else None)
                )
        return out

    class TocEntry(Flowable):
        """A line of the table of contents: the heading's text, a dotted
        leader, its page (a form drawn once the pages are known), a link."""

        def __init__(self, level: int, text: str, key: str, elem: Elem):
            super().__init__()
            self.key, self.elem = key, elem
            self.p = TParagraph(markup(text, level < 3), style_for(styles[f"toc{level}"], text))

        def wrap(self, aw, ah):
            self.aw = aw
            self.w, self.h = self.p.wrap(aw, ah)
            return aw, self.h

        def split(self, aw, ah):
            return []

        def getSpaceBefore(self):  # noqa: N802 (ReportLab's name)
            return self.p.getSpaceBefore()

        def draw(self):
            canv = self.canv
            style = self.p.style
            baseline = self.h - style.leading + (style.leading - style.fontSize) / 2 + 1.5
            tagger.begin(canv, self.elem)
            self.p.drawOn(canv, 0, 0)
            canv.saveState()
            canv.translate(self.aw, baseline)
            canv.doForm(f"page-{self.key}")
            canv.restoreState()
            tagger.end(canv)
            # the leader: layout only
            tagger.artifact(canv)
            canv.saveState()
            canv.setStrokeColor(colors.HexColor("#A6B4C2"))
            canv.setDash(1, 2.5)
            start = min(style.leftIndent + _last_line_width(self.p, self.aw) + 4, self.aw - 30)
            canv.line(start, baseline - 1, self.aw - 22, baseline - 1)
            canv.restoreState()
            tagger.end(canv)
            x0, y0 = canv.absolutePosition(0, 0)
            x1, y1 = canv.absolutePosition(self.aw, self.h)
            tagger.links.append((canv.getPageNumber(), (x0, y0, x1, y1), self.key, self.elem))

    class Rule(Flowable):
        """A thin line under a heading: layout only."""

        def __init__(self, colour=BLUE, weight=1.2):
            super().__init__()
            self.colour, self.weight = colour, weight

        def wrap(self, aw, ah):
            self.aw = aw
            return aw, 6

        def draw(self):
            tagger.artifact(self.canv)
            self.canv.setStrokeColor(colors.HexColor(self.colour))
            self.canv.setLineWidth(self.weight)
            self.canv.line(0, 4, self.aw, 4)
            tagger.end(self.canv)

    def render_cb(table, event, *args):
        canv = table.canv
        if event in ("startBG", "startLines"):
            tagger.artifact(canv)
        elif event in ("endBG", "endLines"):
            tagger.end(canv)

    story = []
    root = tagger.root
    section: dict[int, Elem] = {0: root}
    keys = {i: f"h{i}" for _, _, i in toc_entries(blocks)}
    outline_level = -1
    cover = page.cover
    if cover:
        story.append(NextPageTemplate("body"))

    def parent_for(level: int) -> Elem:
        return section[max(k for k in section if k < level)] if level else section[max(section)]

    for index, b in enumerate(blocks):
        if b.level:
            level = b.level
            for k in [k for k in section if k >= level]:
                del section[k]
            parent = parent_for(level)
            sect = Elem("Sect", parent)
            section[level] = sect
            elem = Elem(f"H{min(level, 6)}", sect)
            heading = None
            if index in keys:
                wanted = level - 1
                outline_level = min(wanted, outline_level + 1)
                heading = (keys[index], outline_level, b.text)
            if b.role == "cover-title":
                story.append(para(b.text, styles["cover-title"], elem, heading=heading))
                continue
            if level <= 3:
                story.append(CondPageBreak(90))  # a heading never alone at the foot of a page
            story.append(para(b.text, heads[min(level, 4)], elem, heading=heading))
            if level in (1, 2):
                story.append(Rule(BLUE if level == 2 else DARK, 1.4 if level == 1 else 0.8))
            continue
        parent = section[max(section)]
        if b.kind == "break":
            if b.role == "cover-end":
                story.append(PageBreak())
                cover = False
            else:
                story.append(PageBreak())
        elif b.kind == "p":
            role = b.role or "body"
            if role == "cover-title":
                role = "cover-subtitle"
            story += lines(b.text, role if role in styles else "body", Elem("P", parent))
        elif b.kind in ("ul", "ol") and items(b.list_items):
            lst = Elem("L", parent, ListNumbering="Decimal" if b.kind == "ol" else "Disc")
            for n, text in enumerate(items(b.list_items), start=1):
                li = Elem("LI", lst)
                story += lines(text, "item", Elem("LBody", li), f"{n}." if b.kind == "ol" else "•")
        elif b.kind == "table" and table_rows(b.cells):
            story.append(_table(b, parent, para, styles, render_cb, frame_width))
        elif b.kind == "toc":
            sect = Elem("Sect", root)
            title_elem = Elem("H1", sect)
            toc = Elem("TOC", sect)
            story.append(para(b.text, heads[1], title_elem))
            story.append(Rule(DARK, 1.4))
            for level, text, i in toc_entries(blocks):
                if i > index:
                    item = Elem("TOCI", toc)
                    story.append(TocEntry(level, text, keys[i], Elem("Link", item)))
            story.append(Spacer(1, 4))

    def decorate(canv, doc):
        tagger.pages = max(tagger.pages, canv.getPageNumber())
        tagger.artifact(canv, "Pagination")
        canv.saveState()
        canv.setFont(regular, 8.5)
        canv.setFillColor(colors.HexColor(GREY))
        top = height - 12 * mm
        if page.left:
            canv.drawString(margin, top, _clip(page.left, 90))
        if page.right:
            canv.drawRightString(width - margin, top, _clip(page.right, 60))
        canv.setStrokeColor(colors.HexColor("#C5D0DA"))
        canv.setLineWidth(0.6)
        canv.line(margin, top - 4, width - margin, top - 4)
        label = f"Pagina {canv.getPageNumber()} di "
        canv.drawString(width / 2 - (canv.stringWidth(label, regular, 8.5) + 10) / 2, 10 * mm, label)
        canv.translate(
            width / 2
            - (canv.stringWidth(label, regular, 8.5) + 10) / 2
            + canv.stringWidth(label, regular, 8.5),
            10 * mm,
        )
        canv.doForm("total-pages")
        canv.restoreState()
        tagger.end(canv)

    def decorate_cover(canv, doc):
        tagger.pages = max(tagger.pages, canv.getPageNumber())
        tagger.artifact(canv)
        canv.saveState()
        canv.setFillColor(colors.HexColor(BLUE))
        canv.rect(0, height - 16 * mm, width, 16 * mm, stroke=0, fill=1)
        canv.setFillColor(colors.HexColor(DARK))
        canv.rect(0, 0, 9 * mm, height - 16 * mm, stroke=0, fill=1)
        canv.restoreState()
        tagger.end(canv)

    class _Canvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._tagger = tagger

        def save(self):
            # The numbers only known now: each table-of-contents entry's page, the page count.
            for key, number in [("total-pages", tagger.pages)] + [
                (f"page-{k}", tagger.heading_pages.get(k, "")) for k in keys.values()
            ]:
                self.beginForm(key, -80, -10, 80, 30)  # room on both sides: numbers align right
                if key == "total-pages":
                    self.setFont(regular, 8.5)
                    self.setFillColor(colors.HexColor(GREY))
                    self.drawString(0, 0, str(number))
                else:
                    self.setFont(regular, 9.5)
                    self.drawRightString(0, 0, str(number))
                self.endForm()
            super().save()

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=author,
        lang=lang,
        initialFontName=regular,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
    )
    frame = Frame(
        margin,
        18 * mm,
        frame_width,
        height - 40 * mm,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    cover_frame = Frame(
        margin + 14 * mm,
        30 * mm,
        frame_width - 14 * mm,
        height - 90 * mm,
        id="cover",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    templates = [PageTemplate("body", [frame], onPage=decorate)]
    if page.cover:
        templates.insert(0, PageTemplate("cover", [cover_frame], onPage=decorate_cover))
    doc.addPageTemplates(templates)
    if not story:
        story.append(Spacer(1, 1))
    doc.build(story, canvasmaker=_Canvas)
    return _tag(buffer.getvalue(), tagger, title, lang)


def _last_line_width(p, available: float) -> float:
    """How wide the last line of a laid-out paragraph is."""
    lines = getattr(getattr(p, "blPara", None), "lines", None)
    if not lines:
        return 0
    last = lines[-1]
    extra = last[0] if isinstance(last, tuple) else getattr(last, "extraSpace", 0)
    return max(0, available - p.style.leftIndent - p.style.rightIndent - extra)


def _clip(text: str, n: int) -> str:
    text = " ".join(xml_text(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _table(b: Block, parent: Elem, para, styles, render_cb, frame_width) -> Table:
    rows = table_rows(b.cells)
    header = b.options.get("header", "row")
    numeric = set(b.options.get("numeric", ()))
    total = b.options.get("total", False)
    width = len(rows[0])
    table_elem = Elem("Table", parent)
    right = {
        name: ParagraphStyle(name + "-right", parent=styles[name], alignment=TA_RIGHT)
        for name in ("cell", "cell-head")
    }
    data = []
    for r, row in enumerate(rows):
        tr = Elem("TR", table_elem)
        cells = []
        for c, value in enumerate(row):
            is_head = (
                (header == "row" and r == 0)
                or (header == "column" and c == 0)
                or (total and r == len(rows) - 1 and c == 0)
            )
            role = "TH" if is_head else "TD"
            scope = ("Column" if header == "row" and r == 0 else "Row") if is_head else None
            cell = Elem(role, tr, **({"O": "Table", "Scope": scope} if scope else {}))
            name = "cell-head" if is_head or (total and r == len(rows) - 1) else "cell"
            style = right[name] if c in numeric else styles[name]
            cells.append(para(value, style, cell))
        data.append(cells)
    widths = b.options.get("widths")
    if widths and len(widths) == width:
        col_widths = [frame_width * w for w in widths]
    elif header == "column" and width == 2:
        col_widths = [frame_width * 0.34, frame_width * 0.66]
    elif width == 4 and not numeric:
        col_widths = [frame_width * w for w in (0.4, 0.2, 0.2, 0.2)]
    else:
        col_widths = [frame_width / width] * width
    # The first row repeats on each page only when it is a short header (a row
    # taller than a page cannot be repeated, nor split).
    repeat = int(header == "row" and len(rows) > 1 and sum(len(cell) for cell in rows[0]) <= 200)
    table = Table(
        data, colWidths=col_widths, repeatRows=repeat, splitInRow=1, renderCB=render_cb, hAlign="LEFT"
    )
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), fonts().main()),  # (else Helvetica, not embedded)
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8497A8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header == "row":
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6F0FA")))
    elif header == "column":
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F6FA")))
    if total:
        commands += [
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F2F6FA")),
            ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.HexColor("#17324D")),
        ]
    table.setStyle(TableStyle(commands))
    return table


# -- the structure tree, after the layout ---------------------------------------------------


def _tag(data: bytes, tagger: Tagger, title: str, lang: str) -> bytes:
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    pdf = pikepdf.open(io.BytesIO(data))
    pages = list(pdf.pages)
    parent_tree: dict[int, Elem] = {}
    page_arrays: dict[int, dict[int, object]] = {}  # page → structure nodes by MCID
    struct_root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    next_key = len(pages)
    annots_for: dict[int, list] = {}

    def attributes(elem: Elem):
        attrs = dict(elem.attrs)
        if not attrs:
            return None
        if "ListNumbering" in attrs:
            return Dictionary(O=Name.List, ListNumbering=Name("/" + attrs["ListNumbering"]))
        return Dictionary(O=Name("/" + attrs["O"]), Scope=Name("/" + attrs["Scope"]))

    def build(elem: Elem, parent) -> object:
        node = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + elem.role), P=parent))
        by_elem[id(elem)] = node
        a = attributes(elem)
        if a is not None:
            node.A = a
        kids = Array()
        for kid in elem.kids:
            if isinstance(kid, Elem):
                kids.append(build(kid, node))
            elif kid[0] == "annot":
                kids.append(kid[1])
            else:
                page_no, mcid = kid
                page_obj = pages[page_no - 1].obj
                kids.append(Dictionary(Type=Name.MCR, Pg=page_obj, MCID=mcid))
                page_arrays.setdefault(page_no, {})[mcid] = node
        node.K = kids
        return node

    # Links of the table of contents: annotations inside their Link element.
    for page_no, rect, key, elem in tagger.links:
        annot = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array([round(v, 2) for v in rect]),
                Border=Array([0, 0, 0]),
                Dest=String(key),
                StructParent=next_key,
                Contents=String("Vai alla sezione"),
            )
        )
        elem.kids.append(("annot", Dictionary(Type=Name.OBJR, Obj=annot, Pg=pages[page_no - 1].obj)))
        annots_for.setdefault(page_no, []).append(annot)
        parent_tree[next_key] = elem  # resolved to its node below
        next_key += 1

    by_elem: dict[int, object] = {}
    document = build(tagger.root, struct_root)
    struct_root.K = document
    nums = Array()
    for n, page_obj in enumerate(pages, start=1):
        page_obj.obj.StructParents = n - 1
        page_obj.obj.Tabs = Name.S
        marks = page_arrays.get(n, {})
        nums.append(n - 1)
        nums.append(Array([marks[i] for i in range(len(marks))]) if marks else Array())
        for annot in annots_for.get(n, []):
            if "/Annots" not in page_obj.obj:
                page_obj.obj.Annots = Array()
            page_obj.obj.Annots.append(annot)
    for struct_parent, linked in parent_tree.items():
        nums.append(struct_parent)
        nums.append(by_elem[id(linked)])
    struct_root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    struct_root.ParentTreeNextKey = next_key
    root = pdf.Root
    root.StructTreeRoot = struct_root
    root.MarkInfo = Dictionary(Marked=True)
    root.Lang = String(lang)
    root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    _unicode_beyond_bmp(pdf)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["dc:language"] = [lang]
    out = io.BytesIO()
    pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


_WIDE = re.compile(rb"<([0-9A-Fa-f]{5,6})>")


def _unicode_beyond_bmp(pdf) -> None:
    """ReportLab writes a character beyond U+FFFF (an emoji) in a font's
    ToUnicode map as five hex digits, which no reader can use: written as the
    UTF-16 pair it must be, the character comes back out of the PDF."""
    import pikepdf

    def pair(match):
        code = int(match[1], 16) - 0x10000
        return b"<%04X%04X>" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))

    seen = set()
    for page in pdf.pages:
        fonts = (page.obj.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            cmap = font.get("/ToUnicode")
            if not isinstance(cmap, pikepdf.Stream) or cmap.objgen in seen:
                continue
            seen.add(cmap.objgen)
            data = cmap.read_bytes()
            if _WIDE.search(data):
                cmap.write(_WIDE.sub(pair, data))

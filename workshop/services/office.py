"""The office writers: ODT (odfdo) and DOCX (python-docx), for the offices that
edit what the platform drafted.

Both use the word processors' own styles, so that the document behaves like
one an office made: headings are «Heading 1…4» (no typed «1.1.1.»: the
outline numbering of odfdo's template is switched off), numbered lists are
real lists that start again at 1, tables have borders and a header row that
repeats on each page, the table of contents is the word processor's own
(filled with the headings; page numbers come when the office updates it),
the running header and «Pagina N di M» are in the page style.

Text goes in only as text (runs, paragraphs, cells): neither writer makes a
link or a field out of what the text says, so a `javascript:` or a
`DDEAUTO` someone typed stays words. The only fields are the writer's own
(page number, page count, table of contents).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape, quoteattr

from workshop.services.blocks import Block, items, table_rows, toc_entries, xml_text

FONT = "Titillium Web"
BLUE = "0066CC"
DARK = "17324D"
GREY = "5C6F82"


# -- ODT ----------------------------------------------------------------------------------

_ODT_STYLES = f"""
<office:styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph"
 style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="1"
 style:class="text"><style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.3cm"
 fo:keep-with-next="always"/><style:text-properties style:font-name="{FONT}" fo:font-family="'{FONT}'"
 fo:font-size="20pt" fo:font-weight="bold" fo:color="#{DARK}"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph"
 style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="2"
 style:class="text"><style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.25cm"
 fo:keep-with-next="always"/><style:text-properties fo:font-family="'{FONT}'" fo:font-size="15pt"
 fo:font-weight="bold" fo:color="#{BLUE}"/></style:style>
<style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph"
 style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="3"
 style:class="text"><style:paragraph-properties fo:margin-top="0.35cm" fo:margin-bottom="0.2cm"
 fo:keep-with-next="always"/><style:text-properties fo:font-family="'{FONT}'" fo:font-size="13.5pt"
 fo:font-weight="bold" fo:color="#{DARK}"/></style:style>
<style:style style:name="Heading_20_4" style:display-name="Heading 4" style:family="paragraph"
 style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="4"
 style:class="text"><style:paragraph-properties fo:margin-top="0.3cm" fo:margin-bottom="0.1cm"
 fo:keep-with-next="always"/><style:text-properties fo:font-family="'{FONT}'" fo:font-size="11pt"
 fo:font-weight="bold" fo:color="#{BLUE}"/></style:style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading"
 style:class="chapter">
 <style:paragraph-properties fo:margin-top="5cm" fo:margin-bottom="0.5cm"/>
 <style:text-properties fo:font-family="'{FONT}'" fo:font-size="28pt" fo:font-weight="bold"
 fo:color="#{DARK}"/>
</style:style>
<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Heading"
 style:class="chapter">
 <style:paragraph-properties fo:margin-bottom="1cm"/>
 <style:text-properties fo:font-family="'{FONT}'" fo:font-size="17pt" fo:color="#{BLUE}"/></style:style>
<style:style style:name="Kicker" style:family="paragraph" style:parent-style-name="Text_20_body">
 <style:text-properties fo:font-family="'{FONT}'" fo:font-size="12pt" fo:font-weight="bold"
 fo:color="#{BLUE}"/>
</style:style>
<style:style style:name="Cover" style:family="paragraph" style:parent-style-name="Text_20_body">
 <style:text-properties fo:font-size="11.5pt"/></style:style>
<style:style style:name="Meta" style:family="paragraph" style:parent-style-name="Text_20_body">
 <style:text-properties fo:font-size="9pt" fo:color="#{GREY}"/></style:style>
<style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph"
 style:parent-style-name="Standard" style:class="extra"><style:text-properties
 fo:font-size="9pt"/></style:style>
<style:style style:name="Table_20_Contents_20_Right" style:display-name="Table Contents Right"
 style:family="paragraph" style:parent-style-name="Table_20_Contents">
 <style:paragraph-properties fo:text-align="end"/></style:style>
<style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph"
 style:parent-style-name="Table_20_Contents" style:class="extra">
 <style:text-properties fo:font-weight="bold" fo:color="#{DARK}"/></style:style>
<style:style style:name="Table_20_Heading_20_Right" style:display-name="Table Heading Right"
 style:family="paragraph" style:parent-style-name="Table_20_Heading">
 <style:paragraph-properties fo:text-align="end"/></style:style>
<style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard"
 style:class="extra">
 <style:paragraph-properties><style:tab-stops><style:tab-stop style:position="17cm" style:type="right"/>
 </style:tab-stops></style:paragraph-properties>
 <style:text-properties fo:font-size="8.5pt" fo:color="#{GREY}"/></style:style>
<style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard"
 style:class="extra">
 <style:paragraph-properties fo:text-align="center"/>
 <style:text-properties fo:font-size="8.5pt" fo:color="#{GREY}"/></style:style>
<text:list-style style:name="Elenco_20_numerato" style:display-name="Elenco numerato">
 <text:list-level-style-number text:level="1" style:num-suffix="." style:num-format="1">
  <style:list-level-properties text:list-level-position-and-space-mode="label-alignment">
   <style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="0.7cm"
    fo:text-indent="-0.6cm" fo:margin-left="0.7cm"/></style:list-level-properties>
 </text:list-level-style-number></text:list-style>
<text:list-style style:name="Elenco_20_puntato" style:display-name="Elenco puntato">
 <text:list-level-style-bullet text:level="1" text:bullet-char="•">
  <style:list-level-properties text:list-level-position-and-space-mode="label-alignment">
   <style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="0.7cm"
    fo:text-indent="-0.5cm" fo:margin-left="0.7cm"/></style:list-level-properties>
 </text:list-level-style-bullet></text:list-style>
</office:styles>
"""

_ODT_AUTOMATIC = """
<office:automatic-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">
<style:style style:name="Tabella" style:family="table"><style:table-properties style:width="17cm"
 table:align="left" fo:margin-top="0.1cm" fo:margin-bottom="0.25cm"/></style:style>
<style:style style:name="Cella" style:family="table-cell"><style:table-cell-properties fo:padding="0.08cm"
 fo:border="0.5pt solid #8497a8"/></style:style>
<style:style style:name="CellaIntestazione" style:family="table-cell"><style:table-cell-properties
 fo:padding="0.08cm" fo:border="0.5pt solid #8497a8" fo:background-color="#e6f0fa"/></style:style>
<style:style style:name="CellaTotale" style:family="table-cell"><style:table-cell-properties
 fo:padding="0.08cm" fo:border="0.5pt solid #8497a8" fo:border-top="1.2pt solid #17324d"
 fo:background-color="#f2f6fa"/></style:style>
<style:style style:name="NuovaPagina" style:family="paragraph" style:parent-style-name="Standard">
 <style:paragraph-properties fo:break-before="page"/></style:style>
</office:automatic-styles>
"""


def _odt_styles(document, header_left: str, header_right: str, title: str, lang: str) -> None:
    from odfdo import Element

    styles = document.get_part("styles.xml")
    # odfdo's template numbers headings «1.», «1.1.»…: the outline style numbers nothing here.
    for level in styles.get_elements("//text:outline-level-style"):
        for attr in ("style:num-format", "style:num-suffix", "loext:num-list-format"):
            if level.get_attribute(attr) is not None:
                level.del_attribute(attr)
        level.set_attribute("style:num-format", "")
    common = styles.get_element("//office:styles")
    replaced = Element.from_tag(_ODT_STYLES)
    for style in list(replaced.children):
        name = style.get_attribute("style:name")
        for old in common.get_elements(f"*[@style:name='{name}']"):
            common.delete(old)
        common.append(style)
    for default in styles.get_elements("//style:default-style[@style:family='paragraph']"):
        props = default.get_element("style:text-properties")
        if props is not None:
            language, _, country = lang.partition("-")
            props.set_attribute("fo:language", language)
            props.set_attribute("fo:country", country or language.upper())
            props.set_attribute("style:font-name", FONT)
            props.set_attribute("fo:font-size", "10.5pt")
    # The running header and «Pagina N di M» in the page style.
    master = styles.get_element("//style:master-page[@style:name='Standard']")
    if master is not None and (header_left or header_right):
        master.append(
            Element.from_tag(
                '<style:header xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
                'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                '<text:p text:style-name="Header">'
                f"{escape(xml_text(header_left))}<text:tab/>{escape(xml_text(header_right))}</text:p></style:header>"
            )
        )
        master.append(
            Element.from_tag(
                '<style:footer xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
                'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                '<text:p text:style-name="Footer">'
                'Pagina <text:page-number text:select-page="current">1</text:page-number> di '
                "<text:page-count>1</text:page-count></text:p></style:footer>"
            )
        )
    automatic = document.get_part("content.xml").get_element("//office:automatic-styles")
    for style in list(Element.from_tag(_ODT_AUTOMATIC).children):
        automatic.append(style)
    meta = document.get_part("meta.xml")
    meta.set_title(xml_text(title))
    meta.set_language(lang)


def to_odt(
    blocks: list[Block], title: str = "", header_left: str = "", header_right: str = "", lang: str = "it-IT"
) -> bytes:
    """ODT with odfdo, in the word processor's own styles (see the module's docstring)."""
    from odfdo import TOC, Document, Element, Header, List, Paragraph

    document = Document("text")
    _odt_styles(document, header_left, header_right, title, lang)
    body = document.body
    tables = 0
    pending_break = False

    def add(element):
        nonlocal pending_break
        if pending_break:  # a page break: an empty paragraph that starts the new page
            body.append(Paragraph("", style="NuovaPagina"))
            pending_break = False
        body.append(element)

    toc_at = None
    for b in blocks:
        if b.level:
            if b.role == "cover-title":
                add(Paragraph(xml_text(b.text), style="Title"))
            else:
                heading = Header(min(b.level, 4), xml_text(b.text))
                heading.set_attribute("text:style-name", f"Heading_20_{min(b.level, 4)}")
                add(heading)
        elif b.kind == "p":
            style = {
                "cover-kicker": "Kicker",
                "cover-title": "Subtitle",
                "cover": "Cover",
                "meta": "Meta",
                "note": "Meta",
                "empty": "Text_20_body",
            }.get(b.role, "Text_20_body")
            add(Paragraph(xml_text(b.text), style=style))
        elif b.kind in ("ul", "ol") and items(b.list_items):
            add(
                List(
                    [xml_text(i) for i in items(b.list_items)],
                    style="Elenco_20_numerato" if b.kind == "ol" else "Elenco_20_puntato",
                )
            )
        elif b.kind == "table" and table_rows(b.cells):
            tables += 1
            add(_odt_table(b, f"Tabella{tables}", Element, Paragraph))
        elif b.kind == "break":
            pending_break = True
        elif b.kind == "toc":
            toc_at = TOC(title=xml_text(b.text) or "Indice", outline_level=3)
            add(toc_at)
    if toc_at is not None:
        toc_at.fill(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _odt_table(b: Block, name: str, Element, Paragraph):  # noqa: N803 (odfdo's classes)
    rows = table_rows(b.cells)
    header = b.options.get("header", "row")
    numeric = set(b.options.get("numeric", ()))
    total = b.options.get("total", False)
    ns = (
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    )
    table = Element.from_tag(
        f'<table:table {ns} table:name={quoteattr(name)} table:style-name="Tabella">'
        f'<table:table-column table:number-columns-repeated="{len(rows[0])}"/>'
        "</table:table>"
    )
    head_rows = Element.from_tag(f"<table:table-header-rows {ns}/>") if header == "row" else None
    if head_rows is not None:
        table.append(head_rows)
    for r, row in enumerate(rows):
        tr = Element.from_tag(f"<table:table-row {ns}/>")
        last = total and r == len(rows) - 1
        for c, value in enumerate(row):
            head = (header == "row" and r == 0) or (header == "column" and c == 0)
            cell_style = "CellaIntestazione" if head else "CellaTotale" if last else "Cella"
            cell = Element.from_tag(
                f'<table:table-cell {ns} office:value-type="string" table:style-name="{cell_style}"/>'
            )
            style = "Table_20_Heading" if head or last else "Table_20_Contents"
            if c in numeric:
                style += "_20_Right"
            cell.append(Paragraph(xml_text(value), style=style))
            tr.append(cell)
        (head_rows if head_rows is not None and r == 0 else table).append(tr)
    return table


# -- DOCX ---------------------------------------------------------------------------------


def _docx_field(paragraph, code: str, placeholder: str = "") -> None:
    """One of the writer's own fields (PAGE, NUMPAGES), never built from user text."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run = paragraph.add_run()
        run._r.append(el)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    run._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _docx_restart_numbering(document) -> int:
    """A new list instance of «List Number» that starts again from 1."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    numbering = document.part.numbering_part.numbering_definitions._numbering
    style = document.styles["List Number"]
    base = style.element.pPr.numPr.numId.val
    abstract = numbering.num_having_numId(base).abstractNumId.val
    num = numbering.add_num(abstract)
    override = OxmlElement("w:lvlOverride")
    override.set(qn("w:ilvl"), "0")
    start = OxmlElement("w:startOverride")
    start.set(qn("w:val"), "1")
    override.append(start)
    num.append(override)
    return num.numId


def to_docx(
    blocks: list[Block], title: str = "", header_left: str = "", header_right: str = "", lang: str = "it-IT"
) -> bytes:
    """DOCX with python-docx, in Word's own styles (see the module's docstring)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    core = document.core_properties
    core.title = xml_text(title)[:250]
    core.language = lang
    core.author = ""
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    lang_el = OxmlElement("w:lang")
    lang_el.set(qn("w:val"), lang)
    rpr.append(lang_el)
    for level, size, colour in ((1, 20, DARK), (2, 15, BLUE), (3, 13.5, DARK), (4, 11, BLUE)):
        style = styles[f"Heading {level}"]
        style.font.name, style.font.size = FONT, Pt(size)
        style.font.color.rgb = RGBColor.from_string(colour)
        style.font.italic = False
    styles["Title"].font.name = FONT
    styles["Title"].font.color.rgb = RGBColor.from_string(DARK)
    styles["Subtitle"].font.color.rgb = RGBColor.from_string(BLUE)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2)
    if header_left or header_right:
        head = section.header.paragraphs[0]
        head.paragraph_format.tab_stops.add_tab_stop(Cm(17), WD_TAB_ALIGNMENT.RIGHT)
        run = head.add_run(xml_text(header_left) + "\t" + xml_text(header_right))
        run.font.size, run.font.color.rgb = Pt(8.5), RGBColor.from_string(GREY)
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        foot.add_run("Pagina ")
        _docx_field(foot, "PAGE", "1")
        foot.add_run(" di ")
        _docx_field(foot, "NUMPAGES", "1")
    # Word fills in the table of contents (and the page fields) when the document opens.
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)

    pending_break = False

    style_ids: dict[str, str] = {}

    def styled(style: str | None):
        """A new paragraph in a style. The style's id is looked up once: python-docx
        looks it up by name for every paragraph, scanning every style each time
        (two thirds of a 30-scheda plan's time)."""
        p = document.add_paragraph()
        if style:
            if style not in style_ids:
                style_ids[style] = document.styles[style].style_id
            p._p.get_or_add_pPr().style = style_ids[style]
        return p

    def paragraph(text: str, style: str | None = None):
        nonlocal pending_break
        p = styled(style)
        if text:
            p.add_run().text = xml_text(text)
        if pending_break:
            p.paragraph_format.page_break_before = True
            pending_break = False
        return p

    for index, b in enumerate(blocks):
        if b.level:
            if b.role == "cover-title":
                paragraph(b.text, "Title")
            else:
                p = styled(f"Heading {min(b.level, 4)}")
                p.add_run().text = xml_text(b.text)
                if pending_break:
                    p.paragraph_format.page_break_before = True
                    pending_break = False
        elif b.kind == "p":
            style = {"cover-title": "Subtitle"}.get(b.role)
            p = paragraph(b.text, style)
            if b.role in ("meta", "note"):
                for run in p.runs:
                    run.font.size, run.font.color.rgb = Pt(9), RGBColor.from_string(GREY)
            elif b.role == "cover-kicker":
                for run in p.runs:
                    run.font.bold, run.font.color.rgb = True, RGBColor.from_string(BLUE)
        elif b.kind in ("ul", "ol") and items(b.list_items):
            num_id = None
            for text in items(b.list_items):
                p = paragraph(text, "List Number" if b.kind == "ol" else "List Bullet")
                if b.kind == "ol":
                    if num_id is None:
                        num_id = _docx_restart_numbering(document)
                    numpr = p._p.get_or_add_pPr().get_or_add_numPr()
                    numpr.get_or_add_ilvl().val = 0
                    numpr.get_or_add_numId().val = num_id
        elif b.kind == "table" and table_rows(b.cells):
            if pending_break:
                paragraph("")
            _docx_table(document, b, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, OxmlElement, qn, Cm)
        elif b.kind == "break":
            pending_break = True
        elif b.kind == "toc":
            heading = styled("TOC Heading")
            heading.add_run().text = xml_text(b.text) or "Indice"
            if pending_break:
                heading.paragraph_format.page_break_before = True
                pending_break = False
            entries = [(level, text) for level, text, i in toc_entries(blocks) if i > index]
            first = document.add_paragraph()
            _toc_begin(first, OxmlElement, qn)
            paragraphs = [first]
            for n, (level, text) in enumerate(entries):
                p = first if n == 0 else document.add_paragraph()
                p.paragraph_format.left_indent = Cm(0.5 * (level - 1))
                p.add_run().text = xml_text(text)
                if n:
                    paragraphs.append(p)
            end = OxmlElement("w:fldChar")
            end.set(qn("w:fldCharType"), "end")
            paragraphs[-1].add_run()._r.append(end)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _toc_begin(paragraph, OxmlElement, qn) -> None:  # noqa: N803
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    paragraph.add_run()._r.append(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-3" \\h \\z \\u '
    paragraph.add_run()._r.append(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    paragraph.add_run()._r.append(separate)


def _docx_table(document, b: Block, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, OxmlElement, qn, Cm):  # noqa: N803
    rows = table_rows(b.cells)
    header = b.options.get("header", "row")
    numeric = set(b.options.get("numeric", ()))
    total = b.options.get("total", False)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    widths = b.options.get("widths")
    if not widths and header == "column" and len(rows[0]) == 2:
        widths = (0.34, 0.66)
    for r, row in enumerate(rows):
        cells = table.rows[r].cells
        last = total and r == len(rows) - 1
        for c, value in enumerate(row):
            head = (header == "row" and r == 0) or (header == "column" and c == 0)
            p = cells[c].paragraphs[0]
            run = p.add_run()
            run.text = xml_text(value)
            run.font.bold = head or last
            if c in numeric:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if widths:
                cells[c].width = Cm(17 * widths[c])
            if head or last:
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:color"), "auto")
                shading.set(qn("w:fill"), "E6F0FA" if head else "F2F6FA")
                cells[c]._tc.get_or_add_tcPr().append(shading)
        if header == "row" and r == 0:
            # The header row repeats on each page and tells assistive technology it heads the columns.
            mark = OxmlElement("w:tblHeader")
            mark.set(qn("w:val"), "true")
            table.rows[0]._tr.get_or_add_trPr().append(mark)
    document.add_paragraph()

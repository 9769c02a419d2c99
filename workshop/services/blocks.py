"""The blocks a document is made of, shared by every writer (services/exports.py,
services/pdf.py, services/office.py).

A document is built once as a list of blocks and each format renders the
same list, so the formats never disagree. Blocks hold plain text only (user
markdown goes through `markup.render` first and comes back as blocks); each
writer escapes it for its own format.

Kinds: `h1`…`h4` (heading; `options["toc"]` False keeps it out of the table
of contents), `p`, `ul` / `ol` (items), `table` (rows of cells;
`options["header"]`: "row" when the first row heads the columns, "column"
when the first cell of each row heads its row; `options["numeric"]`: the
columns aligned right; `options["total"]`: the last row is a total),
`toc` (the table of contents, its title as content), `break` (a new page).
`options["role"]` says what a paragraph or heading is for the layout:
"cover-kicker", "cover-title", "cover", "meta", "note", "empty".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from workshop import markup


@dataclass(frozen=True)
class Block:
    kind: str  # "h1"…"h4", "p", "ul", "ol", "table", "toc", "break"
    content: object  # str for headings and paragraphs, list[str] for lists, list[list[str]] tables
    options: dict = field(default_factory=dict)

    @property
    def level(self) -> int:
        return int(self.kind[1]) if self.kind[:1] == "h" and self.kind[1:].isdigit() else 0

    @property
    def role(self) -> str:
        return self.options.get("role", "")

    # The content as each kind holds it, for the renderers (which choose by kind).
    @property
    def text(self) -> str:
        """A heading's, a paragraph's or the table of contents' title."""
        assert isinstance(self.content, str), self.kind
        return self.content

    @property
    def list_items(self) -> list[str]:
        assert isinstance(self.content, list), self.kind
        return self.content

    @property
    def cells(self) -> list[list[str]]:
        """A table's rows of cells, as built (`table_rows` squares them)."""
        assert isinstance(self.content, list), self.kind
        return self.content


def table_rows(content: list[list[str]]) -> list[list[str]]:
    """A table as a rectangle. The sanitizer keeps tables as people typed
    them (`<table>` alone, rows of different lengths), and every writer needs
    rows as wide as the widest: short rows are padded, empty ones dropped, and
    a table without rows is no table."""
    rows = [list(row) for row in content if row]
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def items(content: list[str]) -> list[str]:
    return [item for item in content if item.strip()]


# XML cannot carry most control characters, and a scheda's fields keep what
# was pasted into them (a terminal's colour codes, say): ODT, DOCX and PDF drop them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def toc_entries(blocks: list[Block], depth: int = 3) -> list[tuple[int, str, int]]:
    """The headings a table of contents lists: (level, text, index of the block)."""
    return [
        (b.level, b.text, i)
        for i, b in enumerate(blocks)
        if 1 <= b.level <= depth and b.options.get("toc", True) and b.text.strip()
    ]


# -- user markdown as blocks ----------------------------------------------------------

_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


class _Blocks(HTMLParser):
    """Sanitized HTML (markup.render's output) to blocks of plain text.

    Blocks are flat, but the sanitizer lets through any nesting of the tags it
    allows (paragraphs inside list items, a list inside a list, a table inside
    an item or a list inside a cell, a stray <li>): whatever is nested inside
    an item or a cell becomes lines of its text, and the items of a list
    inside a list become items of the outer one, marked with a dash for each
    level. So every word people typed ends up in some block."""

    _BLOCK_TAGS = frozenset(
        {
            "p",
            "blockquote",
            "pre",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "ul",
            "ol",
            "li",
            "table",
            "thead",
            "tbody",
            "tr",
            "td",
            "th",
        }
    )

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
        if text and self._list is not None:  # always: called only while a list is open
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

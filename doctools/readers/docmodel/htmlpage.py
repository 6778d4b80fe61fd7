"""The HTML reader: Huawei Cloud ``support.huaweicloud.com`` API pages and OTC's rendered pages.

Python's ``html.parser`` tokenizes; :class:`_TreeBuilder` builds a small element tree
(closing the elements HTML lets authors leave open), and :class:`_Walker` flattens it into
blocks: ``h1``-``h6`` to headings, ``<table>`` (with ``<caption>``, ``<thead>``/``<th>``,
``rowspan``/``colspan``) to tables, ``<pre>`` to examples, the rest to paragraphs.
Table rows are placed as ``table N row M`` (N counts the page's tables from 1).
"""

from __future__ import annotations

import _markupbase
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .blocks import Block, Cell, Code, Document, Heading, Para, Row, Table, collapse, collapse_lines
from .errors import DocError
from .limits import Limits

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
#: An opening tag closes these open elements first (the end tags HTML lets authors omit).
_CLOSES: dict[str, set[str]] = {
    "p": {"p"},
    "li": {"li", "p"},
    "dt": {"dt", "dd", "p"},
    "dd": {"dt", "dd", "p"},
    "tr": {"tr", "td", "th", "p"},
    "td": {"td", "th", "p"},
    "th": {"td", "th", "p"},
    "thead": {"thead", "tbody", "tfoot", "tr", "td", "th"},
    "tbody": {"thead", "tbody", "tfoot", "tr", "td", "th"},
    "tfoot": {"thead", "tbody", "tfoot", "tr", "td", "th"},
    "option": {"option"},
}
#: Elements that stop the search for an element to close (a ``<td>`` does not close an
#: outer table's cell).
_SCOPES = {"table", "ul", "ol", "dl", "div", "body", "html"}
_SKIP = {"script", "style", "noscript", "head", "template", "svg", "button", "select", "iframe", "object"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "html", "li", "main", "nav", "p",
    "section", "summary", "caption",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(slots=True)
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list["_Node | str"] = field(default_factory=list)

    def elements(self, *tags: str) -> list["_Node"]:
        return [c for c in self.children if isinstance(c, _Node) and (not tags or c.tag in tags)]


#: Where a comment can end (``_markupbase``'s own pattern, for the fast path below).
_COMMENT_CLOSE = re.compile(r"(?=--\s*>)")
#: Whether ``parse_comment`` is ``_markupbase``'s (searching ``--\s*>``), as in the Python
#: versions whose search costs time growing with the square of the page (before 3.11.13).
_MARKUPBASE_COMMENTS = HTMLParser.parse_comment is _markupbase.ParserBase.parse_comment


class _TreeBuilder(HTMLParser):
    """Builds a :class:`_Node` tree from HTML, forgiving omitted end tags.

    Elements nest at most ``limits.max_depth`` deep. Python's tokenizer is used with three
    changes, none of which a well-formed page notices: a ``<`` after the page's last ``>``
    is text (no markup can end there; the tokenizer would search the rest of the page for a
    ``>`` at every one, time growing with the square of their number); a ``<!--`` that no
    ``-->`` follows is known at once to be unterminated (the same search, for comments); and
    ``<![...`` outside foreign content is a bogus comment up to the next ``>``, as HTML5
    reads it (Python's ``_markupbase`` raises ``AssertionError`` on ``<![ x>`` and searched
    the page for ``]]>``).
    """

    def __init__(self, limits: Limits, line_map: list[int] | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, 1)
        self.stack = [self.root]
        self.limits = limits
        self.line_map = line_map
        self._indexed: str | None = None
        self._last_comment_close = -1
        self.elements = 0

    def _count(self) -> None:
        self.elements += 1
        if self.elements > self.limits.max_elements:
            raise self.limits.too_many(line=self._line(self.getpos()[0]), what="HTML elements and pieces of text")

    def _line(self, line: int) -> int:
        return self.line_map[line - 1] if self.line_map and 0 < line <= len(self.line_map) else line

    def feed(self, data: str) -> None:
        last = data.rfind(">")
        if "<" in data[last + 1 :]:
            data = data[: last + 1] + data[last + 1 :].replace("<", "&lt;")
        super().feed(data)

    def _index(self) -> None:
        """Where the last comment close starts in the text being parsed (found once per text)."""
        if self._indexed is not self.rawdata:
            self._indexed = self.rawdata
            self._last_comment_close = -1
            for match in _COMMENT_CLOSE.finditer(self.rawdata):
                self._last_comment_close = match.start()

    def parse_comment(self, i: int, report: int = 1) -> int:
        if _MARKUPBASE_COMMENTS:
            self._index()
            if self._last_comment_close < i + 4:
                return -1  # what the search would find, without it
        return super().parse_comment(i, report)

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        end = self.rawdata.find(">", i + 3)
        return -1 if end < 0 else end + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = _CLOSES.get(tag)
        if closes:
            for i in range(len(self.stack) - 1, 0, -1):
                open_tag = self.stack[i].tag
                if open_tag in closes:
                    del self.stack[i:]
                    break
                if open_tag in _SCOPES or (tag in ("td", "th", "tr") and open_tag == "table"):
                    break
        line = self.getpos()[0]
        if len(self.stack) > self.limits.max_depth:
            raise self.limits.too_deep(line=self._line(line), what=f"HTML elements (here <{tag}>) nest")
        self._count()
        node = _Node(tag, {k: v or "" for k, v in attrs}, line)
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self._count()
        self.stack[-1].children.append(data)


def read_html(text: str, line_map: list[int] | None = None, limits: Limits | None = None) -> Document:
    """The blocks of an HTML page. ``line_map[i]`` is the source line of HTML line ``i + 1``."""
    builder = _TreeBuilder(limits or Limits.from_env(), line_map)
    builder.feed(text)
    builder.close()
    walker = _Walker(line_map)
    walker.flow(builder.root)
    walker.flush()
    blocks = walker.blocks
    titles = [i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.level == 1]
    title = None
    if titles:
        # Navigation before the page's own title is no part of the document.
        first = titles[0]
        heading = blocks[first]
        title = heading.text if isinstance(heading, Heading) else None
        blocks = blocks[first + 1 :]
    return Document(title, blocks)


class _Walker:
    """Flattens the element tree into blocks, keeping inline text until a block ends it."""

    def __init__(self, line_map: list[int] | None) -> None:
        self.blocks: list[Block] = []
        self.line_map = line_map
        self.buffer: list[str] = []
        self.buffer_refs: list[str] = []
        self.buffer_line: int | None = None
        self.bullet = False
        self.anchors: set[str] = set()
        self.tables = 0

    def line(self, html_line: int) -> int:
        if self.line_map and 0 < html_line <= len(self.line_map):
            return self.line_map[html_line - 1]
        return html_line

    def emit(self, block: Block) -> None:
        self.flush()
        self._append(block)

    def _append(self, block: Block) -> None:
        if not isinstance(block, Table):
            self.anchors = set()
        self.blocks.append(block)

    def flush(self) -> None:
        text = collapse("".join(self.buffer))
        if text.replace("*", "").strip():
            self._append(Para(Cell(text, tuple(self.buffer_refs), self.buffer_line), bullet=self.bullet))
            self.bullet = False
        self.buffer, self.buffer_refs, self.buffer_line = [], [], None

    def flow(self, node: _Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                if child.strip() and self.buffer_line is None:
                    self.buffer_line = self.line(node.line)
                self.buffer.append(child)
                continue
            tag = child.tag
            if tag in _SKIP:
                continue
            if tag in _HEADINGS:
                self.emit(Heading(collapse(_inline(child, [])).replace("**", ""), 1 if tag == "h1" else 2, self.line(child.line)))
            elif tag == "table":
                self.emit(self.table(child))
            elif tag == "pre":
                self.emit(Code(_text(child).strip("\n"), self.line(child.line)))
            elif tag in ("ul", "ol"):
                self.flush()
                for item in child.elements("li"):
                    self.flush()
                    self.bullet = True
                    self.flow(item)
                    self.flush()
                    self.bullet = False
            elif tag == "a" and not _text(child).strip() and (child.attrs.get("name") or child.attrs.get("id")):
                self.anchors.add((child.attrs.get("name") or child.attrs.get("id", "")).lower())
            elif tag == "br":
                self.buffer.append(" ")
            elif tag in _BLOCK or _has_block(child):
                self.flush()
                self.flow(child)
                self.flush()
            else:
                refs: list[str] = []
                rendered = _inline(child, refs)
                if rendered.strip() and self.buffer_line is None:
                    self.buffer_line = self.line(child.line)
                self.buffer.append(rendered)
                self.buffer_refs.extend(refs)

    def table(self, node: _Node) -> Table:
        self.tables += 1
        ordinal = self.tables
        anchors = set(self.anchors)
        if node.attrs.get("id"):
            anchors.add(node.attrs["id"].lower())
        title = ""
        rows: list[_Node] = []
        for child in node.elements():
            if child.tag == "caption":
                title = collapse(_inline(child, [])).replace("**", "")
                anchors.update(a.lower() for a in _anchor_names(child))
            elif child.tag in ("thead", "tbody", "tfoot"):
                rows.extend(child.elements("tr"))
            elif child.tag == "tr":
                rows.append(child)
        head_count = sum(1 for child in node.elements("thead") for _ in child.elements("tr"))
        if head_count == 0:
            while head_count < len(rows) and rows[head_count].elements("td", "th") and all(
                c.tag == "th" for c in rows[head_count].elements("td", "th")
            ):
                head_count += 1
            head_count = head_count or 1
        if not rows:
            raise DocError("the table has no rows", table=ordinal)
        grid = _grid(rows, ordinal)
        width = max(len(r) for r in grid)
        header_rows, body_rows = grid[:head_count], grid[head_count:]
        columns = max((len(r) for r in header_rows), default=0)
        for number, cells in enumerate(body_rows, start=1):
            if len(cells) > columns:
                raise DocError(f"row {number} has {len(cells)} cells, the header {columns}", table=ordinal)
        header = [" ".join(collapse(r[i].plain) for r in header_rows if i < len(r)).strip() for i in range(width)]
        body = [
            Row(cells + [Cell("")] * (width - len(cells)), f"table {ordinal} row {i}")
            for i, cells in enumerate(body_rows, start=1)
        ]
        self.anchors = set()
        return Table(ordinal, title, header, body, self.line(node.line), anchors, f"table {ordinal}")


def _grid(rows: list[_Node], ordinal: int) -> list[list[Cell]]:
    """Table rows as cell lists with ``rowspan`` repeated and ``colspan`` padded."""
    pending: dict[tuple[int, int], Cell] = {}
    grid: list[list[Cell]] = []
    for r, row in enumerate(rows):
        cells: list[Cell] = []
        c = 0
        for cell_node in row.elements("td", "th"):
            while (r, c) in pending:
                cells.append(pending.pop((r, c)))
                c += 1
            refs: list[str] = []
            cell = Cell("\n".join(_lines(cell_node, refs, 0)), tuple(refs), cell_node.line)
            rowspan = _span(cell_node.attrs.get("rowspan"), ordinal)
            colspan = _span(cell_node.attrs.get("colspan"), ordinal)
            for dc in range(colspan):
                cells.append(cell if dc == 0 else Cell(""))
                for dr in range(1, rowspan):
                    pending[(r + dr, c + dc)] = cell if dc == 0 else Cell("")
            c += colspan
        while (r, c) in pending:
            cells.append(pending.pop((r, c)))
            c += 1
        grid.append(cells)
    return grid


def _span(value: str | None, ordinal: int) -> int:
    if not value:
        return 1
    try:
        span = int(value.strip())
    except ValueError as error:
        raise DocError(f"span {value!r} is not a number", table=ordinal) from error
    return max(1, min(span, 1000))


def _has_block(node: _Node) -> bool:
    return any(
        isinstance(c, _Node) and (c.tag in _BLOCK or c.tag in _HEADINGS or c.tag in ("table", "pre", "ul", "ol"))
        for c in node.children
    )


def _anchor_names(node: _Node) -> list[str]:
    names = []
    for child in node.elements():
        if child.tag == "a" and (child.attrs.get("name") or child.attrs.get("id")):
            names.append(child.attrs.get("name") or child.attrs.get("id", ""))
        names.extend(_anchor_names(child))
    return names


def _text(node: _Node | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag in _SKIP:
        return ""
    if node.tag == "br":
        return "\n"
    return "".join(_text(c) for c in node.children)


def _inline(node: _Node | str, refs: list[str]) -> str:
    """Inline HTML as markup: ``<strong>``/``<b>`` as ``**x**``, same-page links collected."""
    if isinstance(node, str):
        return node
    if node.tag in _SKIP:
        return ""
    if node.tag == "br":
        return " "
    inner = "".join(_inline(c, refs) for c in node.children)
    if node.tag in ("strong", "b"):
        return f"**{inner.strip()}**" if inner.strip() else inner
    if node.tag == "a":
        href = node.attrs.get("href", "")
        if "#" in href and not href.startswith(("http:", "https:")) and "/" not in href.split("#")[0]:
            refs.append(href.split("#", 1)[1].lower())
    return inner


def _lines(node: _Node, refs: list[str], indent: int) -> list[str]:
    """A table cell's content as markup lines: paragraphs, ``- `` list items, code."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = collapse("".join(buffer))
        if text:
            lines.append(" " * indent + text)
        buffer.clear()

    for child in node.children:
        if isinstance(child, str):
            buffer.append(child)
        elif child.tag in _SKIP:
            continue
        elif child.tag in ("ul", "ol"):
            flush()
            for item in child.elements("li"):
                own = _Node("div", {}, item.line, [c for c in item.children if not (isinstance(c, _Node) and c.tag in ("ul", "ol"))])
                text = " ".join(line.strip() for line in _lines(own, refs, 0))
                lines.append(" " * indent + "- " + text)
                for nested in item.elements("ul", "ol"):
                    lines.extend(_lines(_Node("div", {}, nested.line, [nested]), refs, indent + 2))
        elif child.tag == "br":
            flush()
        elif child.tag == "pre":
            flush()
            lines.extend(" " * indent + line for line in collapse_lines(_text(child)).split("\n") if line)
        elif child.tag == "table":
            flush()
            for row in _all(child, "tr"):
                text = " | ".join(collapse(_text(c)) for c in row.elements("td", "th"))
                if text:
                    lines.append(" " * indent + text)
        elif child.tag in _BLOCK or child.tag in _HEADINGS or _has_block(child):
            flush()
            lines.extend(_lines(child, refs, indent))
        else:
            buffer.append(_inline(child, refs))
    flush()
    return lines


def _all(node: _Node, tag: str) -> list[_Node]:
    found = []
    for child in node.elements():
        if child.tag == tag:
            found.append(child)
        else:
            found.extend(_all(child, tag))
    return found

"""The page-text reader: what copying a rendered API page out of a browser gives.

Copied text keeps no markup, so this reader recognises three shapes:

* **pipe tables** (Huawei Cloud pages): a row starts with a line ``|``, each cell ends
  with `` |`` (a cell may span lines), the header ends with ``|---|---|``;
* **paragraph tables** (OTC and Huawei China pages): one cell per paragraph, the header
  being the column names (``Parameter``, ``Mandatory``, ``Type``, ``Description``;
  ``参数``, ``是否必选``, ``参数类型``, ``描述``); rows are found by their shape (a name,
  ``Yes``/``No``, a type), a description may span paragraphs;
* **HTML source** shown by a code viewer (every other line a ``|``): handed to the
  HTML reader with the line numbers mapped back.

Headings are the known section names on a line of their own; ``Table N ...`` lines
title the table that follows; JSON examples are balanced ``{...}``/``[...]`` blocks
(a copied code viewer's line numbers ``1 2 3 ...`` before them are dropped).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from . import text as T
from .blocks import Block, Cell, Code, Document, Heading, Para, Row, Table, collapse
from .errors import DocError
from .limits import Limits

_BULLET = re.compile(r"^\s*(?:[•·●▪◦‣∙*]|-(?=\s))\s*")
_TITLE = re.compile(r"^\s*(?:table|表)\s*\d+(?:\s|$)", re.I)
_PIPE_SEPARATOR = re.compile(r"^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$")
#: The start of an HTML tag that marks HTML source (the tag runs to the next ``>``).
_HTML_TAG_START = re.compile(r"<(?:table|h[1-6]|div|p|pre|caption|tr|td|th)\b", re.I)


@dataclass
class _Line:
    number: int
    text: str

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip())

    @property
    def body(self) -> str:
        return self.text.strip()


def read_page_text(text: str, limits: Limits | None = None) -> Document:
    """The blocks of copied page text (or of HTML source copied from a code viewer)."""
    limits = limits or Limits.from_env()
    if text.count("\n") + 1 > limits.max_elements:
        raise limits.too_many(line=limits.max_elements + 1, what="lines")
    raw_lines = text.split("\n")
    if _html_tags(text, enough=3) >= 3:
        return _read_viewer_html(raw_lines, limits)
    return _Reader([_Line(i + 1, line.rstrip()) for i, line in enumerate(raw_lines)]).read()


def _html_tags(text: str, enough: int) -> int:
    """How many HTML tags (``<table ...>``, ``<p>`` ...) the text has, counting to ``enough``.

    What ``findall`` of ``<(?:table|...)\\b[^>]*>`` counts, in linear time: that pattern
    searched the rest of the text for a ``>`` at every tag start with none after it.
    """
    count, after, last_gt = 0, 0, text.rfind(">")
    for match in _HTML_TAG_START.finditer(text):
        if match.start() < after:
            continue  # inside the tag counted last
        if match.start() > last_gt:
            break  # no tag can end
        end = text.find(">", match.end())
        count += 1
        if count >= enough:
            break
        after = end + 1
    return count


def _read_viewer_html(raw_lines: list[str], limits: Limits) -> Document:
    """HTML source as a code viewer shows it: ``|`` lines between the source lines."""
    from .htmlpage import read_html

    start = next((i for i, line in enumerate(raw_lines) if line.lstrip().startswith("<")), 0)
    kept = [(i + 1, line) for i, line in enumerate(raw_lines) if i >= start and line.strip() != "|"]
    html = "\n".join(line for _, line in kept)
    return read_html(html, [number for number, _ in kept], limits)


class _Reader:
    """One pass over the lines of page text, emitting blocks."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.blocks: list[Block] = []
        self.tables = 0
        self._json_ends: list[int | None] | None = None

    # -- the document ----------------------------------------------------------------------

    def read(self) -> Document:
        first_heading = next(
            (i for i, line in enumerate(self.lines) if line.indent == 0 and T.is_known_heading(line.body)), None
        )
        title = None
        i = 0
        if first_heading is not None:
            above = [line for line in self.lines[:first_heading] if line.body]
            title = above[-1].body if above else None
            i = first_heading
        while i < len(self.lines):
            i = self._block(i)
        return Document(title, self.blocks)

    def _block(self, i: int) -> int:
        line = self.lines[i]
        body = line.body
        if not body:
            return i + 1
        if body == "|" and self._pipe_header_end(i) is not None:
            return self._pipe_table(i)
        numbers_end = self._line_numbers_end(i)
        if numbers_end is not None:
            return numbers_end
        if body[0] in "{[":
            if self._json_ends is None:
                self._json_ends = _json_ends(self.lines)
            end = self._json_ends[i]
            if end is not None:
                self._emit(Code(_dedent(self.lines[i:end]), line.number, "json"))
                return end
        header = self._header_run(i)
        if header:
            return self._paragraph_table(i, header)
        if line.indent == 0 and T.is_known_heading(body):
            self._emit(Heading(body, 2, line.number))
            return i + 1
        bullet = bool(_BULLET.match(line.text)) and not body.startswith("**")
        text = _BULLET.sub("", line.text, count=1).strip() if bullet else body
        if text:
            self._emit(Para(Cell(text, (), line.number), bullet=bullet))
        return i + 1

    def _emit(self, block: Block) -> None:
        self.blocks.append(block)

    def _take_title(self) -> str:
        """The ``Table N ...`` paragraph just before a table is its title."""
        if self.blocks and isinstance(self.blocks[-1], Para) and _TITLE.match(self.blocks[-1].cell.markup):
            title = self.blocks.pop()
            assert isinstance(title, Para)
            return collapse(title.cell.markup)
        return ""

    # -- code ------------------------------------------------------------------------------

    def _line_numbers_end(self, i: int) -> int | None:
        """After ``1``, ``2``, ... ``n`` lines (a copied code viewer's gutter) before a JSON block."""
        if self.lines[i].body != "1":
            return None
        j, expected = i, 1
        while j < len(self.lines) and self.lines[j].body == str(expected):
            j += 1
            expected += 1
        if j < len(self.lines) and self.lines[j].body[:1] in ("{", "[") and expected > 2:
            return j
        return None

    # -- pipe tables -----------------------------------------------------------------------

    def _pipe_header_end(self, i: int) -> int | None:
        """Index of the ``|---|`` line ending a header that starts at ``i``, if it is one.

        A header has one line per cell, as many as the separator has columns.
        """
        for j in range(i + 1, min(i + 40, len(self.lines))):
            body = self.lines[j].body
            if _PIPE_SEPARATOR.match(body):
                return j if j - i - 1 == body.count("|") - 1 else None
            if not body.endswith("|"):
                return None
        return None

    def _pipe_table(self, i: int) -> int:
        separator = self._pipe_header_end(i)
        assert separator is not None
        width = self.lines[separator].body.count("|") - 1
        header_cells, _ = _pipe_cells(self.lines, i + 1, separator)
        header = [collapse(c.markup) for c in header_cells]
        if len(header) != width:
            raise DocError(
                f"table header has {len(header)} cells but its separator {width} columns", line=self.lines[i].number
            )
        title = self._take_title()
        self.tables += 1
        rows: list[Row] = []
        j = separator + 1
        while j < len(self.lines) and self.lines[j].body == "|" and self._pipe_header_end(j) is None:
            cells, j = _pipe_cells(self.lines, j + 1, len(self.lines), width)
            if len(cells) != width:
                raise DocError(
                    f"table row has {len(cells)} cells, the header {width}", line=self.lines[j - 1].number
                )
            rows.append(Row(cells, f"line {cells[0].line}"))
        line = self.lines[i].number
        self._emit(Table(self.tables, title, header, rows, line, set(), f"line {line}"))
        return j

    # -- paragraph tables ------------------------------------------------------------------

    def _paragraphs(self, i: int, most: int = 401) -> list[tuple[int, int]]:
        """``(start, end)`` line ranges of the paragraphs from ``i`` on (blank-separated), at
        most ``most``."""
        out = []
        j = i
        while j < len(self.lines):
            while j < len(self.lines) and not self.lines[j].body:
                j += 1
            if j >= len(self.lines):
                break
            start = j
            while j < len(self.lines) and self.lines[j].body:
                j += 1
            out.append((start, j))
            if len(out) >= most:
                break
        return out

    def _header_run(self, i: int) -> list[str]:
        """The column names of a paragraph table starting at line ``i`` (empty if none)."""
        if not T.column_role(self.lines[i].body) in (T.NAME, T.STATUS_COL):
            return []
        names: list[str] = []
        roles: set[str | None] = set()
        for start, end in self._paragraphs(i, 8):
            if end - start != 1:
                break
            role = T.column_role(self.lines[start].body)
            if role is None or role in roles:
                break
            roles.add(role)
            names.append(self.lines[start].body)
        if len(names) < 2 or (T.DESCRIPTION not in roles and T.TYPE not in roles):
            return []
        return names

    def _paragraph_table(self, i: int, header: list[str]) -> int:
        roles = [T.column_role(h) for h in header]
        paragraphs = self._paragraphs(i)
        body = paragraphs[len(header) :]
        indent = self.lines[i].indent
        title = self._take_title()
        self.tables += 1
        line_no = self.lines[i].number

        # Copying drops empty cells and icons ("Yes" shown as a tick): a row may lack its
        # mandatory cell, so rows are tried with every column, then without that one.
        shapes = [list(range(len(roles)))]
        if T.MANDATORY in roles:
            shapes.append([k for k, role in enumerate(roles) if role != T.MANDATORY])

        def fits(p: int) -> list[int] | None:
            """The columns of the row starting at paragraph ``p``, if one starts there."""
            for shape in shapes:
                if self._row_fits(body, p, [roles[k] for k in shape], indent):
                    return shape
            return None

        def ends_table(p: int) -> bool:
            start, _ = body[p]
            line = self.lines[start]
            text = line.body
            return (
                line.indent < indent
                or bool(_TITLE.match(text))
                or text[:1] in "{["
                or T.label_of(text, T.RESPONSE) is not None
                or bool(self._header_run(start))
                or (
                    line.indent == 0
                    and not text[:1].islower()
                    and T.is_known_heading(text)
                    and T.heading_kind(text) != T.FUNCTION
                )
            )

        rows: list[Row] = []
        p = 0
        end_line = body[0][0] if body else i + 1
        while p < len(body):
            shape = fits(p)
            if shape is None:
                if not rows:
                    raise DocError(
                        f"the rows after the table header ({' | '.join(header)}) do not fit its columns",
                        line=self.lines[body[p][0]].number,
                    )
                break
            cells = [Cell("") for _ in roles]
            for k, column in enumerate(shape[:-1]):
                cells[column] = self._cell([body[p + k]])
            q = p + len(shape)
            description = [body[q - 1]]
            while q < len(body) and not ends_table(q) and fits(q) is None:
                description.append(body[q])
                q += 1
            cells[shape[-1]] = self._cell(description)
            rows.append(Row(cells, f"line {cells[shape[0]].line}"))
            end_line = description[-1][1]
            p = q
            if p < len(body) and ends_table(p):
                break
        self._emit(Table(self.tables, title, header, rows, line_no, set(), f"line {line_no}"))
        return end_line

    def _row_fits(self, body: list[tuple[int, int]], p: int, roles: list[str | None], indent: int) -> bool:
        """Whether paragraphs from ``p`` have the shapes of a row with these columns."""
        if p + len(roles) > len(body):
            return False
        for k, role in enumerate(roles[:-1]):
            start, end = body[p + k]
            text = self.lines[start].body
            if end - start != 1 or self.lines[start].indent < indent:
                return False
            if role == T.NAME and not T.looks_like_name(text):
                return False
            if role == T.STATUS_COL and not re.match(r"\d{3}\b", text):
                return False
            if role == T.MANDATORY and T.mandatory_of(text) is None:
                return False
            if role == T.TYPE and not T.looks_like_type(text):
                return False
        start, _ = body[p + len(roles) - 1]
        return self.lines[start].indent >= indent

    def _cell(self, paragraphs: list[tuple[int, int]]) -> Cell:
        """Paragraphs of a cell as markup: bullets to ``- ``, other lines of a paragraph joined."""
        out = [_join_lines([line.text for line in self.lines[start:end]]) for start, end in paragraphs]
        return Cell("\n".join(line for line in out if line), (), self.lines[paragraphs[0][0]].number)


def _pipe_cells(lines: list[_Line], i: int, stop: int, width: int | None = None) -> tuple[list[Cell], int]:
    """Cells from line ``i``: each ends at a line ending in ``|``; stops after ``width`` cells."""
    cells: list[Cell] = []
    current: list[_Line] = []
    j = i
    while j < stop:
        line = lines[j]
        current.append(line)
        j += 1
        if line.body.endswith("|"):
            parts = [l.body for l in current]
            parts[-1] = parts[-1][:-1].rstrip()
            cells.append(Cell(_join_lines(parts), (), current[0].number))
            current = []
            if width is not None and len(cells) == width:
                break
    return cells, j


def _join_lines(lines: list[str]) -> str:
    """Lines of one cell as markup: bullets to ``- `` items, other runs of lines joined.

    Copied text breaks lines where the page wrapped them, not only between paragraphs.
    """
    out: list[str] = []
    joinable = False
    for line in lines:
        if not line.strip():
            joinable = False
        elif _BULLET.match(line):
            out.append("- " + _BULLET.sub("", line, count=1).strip())
            joinable = False
        elif joinable:
            out[-1] += " " + line.strip()
        else:
            out.append(line.strip())
            joinable = True
    return "\n".join(out)


#: How many lines a JSON block of page text may have.
_JSON_LINES = 5000


def _json_ends(lines: list[_Line]) -> list[int | None]:
    """For every line, the index just past the balanced JSON value starting there, if one
    ends within :data:`_JSON_LINES` lines (strings respected; a string never spans lines).

    Found for all lines at once: searching from every line that starts with ``{`` took time
    growing with the number of such lines times the window (a page of ``{`` lines, minutes).
    Line ``j`` ends the value that starts at line ``i`` when the depth, counted from 0 at
    line ``i``, first falls to 0 after a closing bracket of line ``j``: when
    ``before[j] + lowest[j] <= before[i]``, ``before`` being the depth at a line's start
    counted from the page's start and ``lowest`` the lowest depth a line reaches after one
    of its closing brackets, relative to its start. The first such ``j`` for every ``i`` is
    read off a stack of the lines that can still be first (nearest on top, their keys
    falling away from the top), by bisection.
    """
    n = len(lines)
    before = [0] * (n + 1)
    keys: list[float] = [0.0] * n
    for j, line in enumerate(lines):
        depth, lowest, in_string, escaped = 0, None, False, False
        for ch in line.text:
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "{[":
                depth += 1
            elif ch in "}]":
                depth -= 1
                if lowest is None or depth < lowest:
                    lowest = depth
        before[j + 1] = before[j] + depth
        keys[j] = float("inf") if lowest is None else before[j] + lowest
    ends: list[int | None] = [None] * n
    stack: list[int] = []  # line indexes, nearest last
    stack_keys: list[float] = []  # their keys, rising towards the top
    for i in range(n - 1, -1, -1):
        if keys[i] != float("inf"):
            while stack_keys and stack_keys[-1] >= keys[i]:
                stack.pop()
                stack_keys.pop()
            stack.append(i)
            stack_keys.append(keys[i])
        # The nearest line whose key is at most before[i]: the last of the rising keys <= it.
        k = bisect.bisect_right(stack_keys, before[i]) - 1
        if k >= 0 and stack[k] < i + _JSON_LINES:
            ends[i] = stack[k] + 1
    return ends


def _dedent(lines: list[_Line]) -> str:
    indent = min((line.indent for line in lines if line.body), default=0)
    return "\n".join(line.text[indent:] for line in lines)

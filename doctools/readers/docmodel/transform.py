"""Rewrites of a reStructuredText page that must not change its model except in
``description`` and ``at`` (DOCMODEL.md): re-padded tables, simple <-> grid <-> list-table,
renamed anchors, reordered value bullets, reflowed cell paragraphs.

The readers' metamorphic tests apply them to every fixture, and ``docmodel.py transform`` /
``read-many --transform`` to real pages (``cargo xtask docs eval|sweep --metamorphic``). Each
returns the rewritten text, or ``None`` when it does not apply to the page.
"""

from __future__ import annotations

import re
from typing import Any, Callable

_GRID_BORDER = re.compile(r"\+(?:[-=]+\+)+")
_SIMPLE_BORDER = re.compile(r"=+(?: +=+)+")


class _RstTable:
    """A table of a page's source: where it is, its indent, kind, header and rows of cells,
    each cell a list of lines (relative indentation kept)."""

    def __init__(self, start: int, end: int, indent: str, kind: str, header: list[list[str]], rows: list[list[list[str]]]):
        self.start, self.end, self.indent, self.kind = start, end, indent, kind
        self.header, self.rows = header, rows


def _dedent(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    margin = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return [x[margin:].rstrip() for x in lines]


def _parse_grid(lines: list[str], indent: str) -> tuple[list[list[str]], list[list[list[str]]]] | None:
    body = [x[len(indent):].rstrip() for x in lines]
    cuts = [i for i, ch in enumerate(body[0]) if ch == "+"]
    groups: list[tuple[bool, list[str]]] = []  # (after a header separator, lines)
    current: list[str] = []
    header_rows = 0
    rows: list[list[list[str]]] = []
    for text in body[1:]:
        if _GRID_BORDER.fullmatch(text):
            if [i for i, ch in enumerate(text) if ch == "+"] != cuts:
                return None  # a row or column span
            cells = [_dedent([x[a + 1 : b] for x in current]) for a, b in zip(cuts, cuts[1:])]
            rows.append(cells)
            if "=" in text:
                header_rows = len(rows)
            current = []
            continue
        if len(text) != cuts[-1] + 1 or any(text[c] != "|" for c in cuts):
            return None  # a span, or a ragged line
        current.append(text)
    if header_rows != 1:
        return None
    return [c for c in rows[0]], rows[1:]


def _parse_simple(lines: list[str], indent: str) -> tuple[list[list[str]], list[list[list[str]]]] | None:
    body = [x[len(indent):].rstrip() if x.strip() else "" for x in lines]
    border = body[0]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    borders = [i for i, x in enumerate(body) if _SIMPLE_BORDER.fullmatch(x)]
    if len(borders) != 3:
        return None
    def split(text: str) -> list[str] | None:
        cells = []
        for k, (a, b) in enumerate(spans):
            last = k == len(spans) - 1
            if not last and text[b : spans[k + 1][0]].strip():
                return None  # text across a column gap: a span
            cells.append(text[a:] if last else text[a:b])
        return cells
    header = split(body[1])
    if header is None or borders[1] != 2:
        return None
    rows: list[list[list[str]]] = []
    pending_blank = False
    for text in body[3 : borders[2]]:
        if not text:
            pending_blank = True
            continue
        cells = split(text.ljust(spans[-1][0]))
        if cells is None:
            return None
        if not cells[0].strip() and rows:
            for k, c in enumerate(cells):
                if pending_blank:
                    rows[-1][k].append("")
                rows[-1][k].append(c.rstrip())
        else:
            rows.append([[c.rstrip()] for c in cells])
        pending_blank = False
    return [[h.strip()] for h in header], [[_dedent(c) for c in row] for row in rows]


def _rst_tables(text: str) -> list[_RstTable]:
    lines = text.split("\n")
    out: list[_RstTable] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if _GRID_BORDER.fullmatch(stripped):
            j = i + 1
            while j < len(lines) and lines[j].startswith(indent) and lines[j].strip()[:1] in ("+", "|"):
                j += 1
            parsed = _parse_grid(lines[i:j], indent)
            if parsed is not None:
                out.append(_RstTable(i, j, indent, "grid", *parsed))
            i = j
            continue
        if _SIMPLE_BORDER.fullmatch(stripped):
            j, seen = i, 0
            while j < len(lines) and seen < 3:
                if _SIMPLE_BORDER.fullmatch(lines[j].strip()):
                    seen += 1
                j += 1
            parsed = _parse_simple(lines[i:j], indent) if seen == 3 else None
            if parsed is not None:
                out.append(_RstTable(i, j, indent, "simple", *parsed))
            i = j
            continue
        i += 1
    return out


def _render_grid(t: _RstTable, pad: int = 1) -> list[str] | None:
    table = [t.header] + t.rows
    widths = [max(max((len(x) for x in row[k]), default=0) for row in table) + 2 * pad for k in range(len(t.header))]
    def border(ch: str) -> str:
        return t.indent + "+" + "+".join(ch * w for w in widths) + "+"
    out = [border("-")]
    for r, row in enumerate(table):
        height = max(len(c) for c in row) or 1
        for n in range(height):
            cells = [(" " * pad + (c[n] if n < len(c) else "")).ljust(w) for c, w in zip(row, widths)]
            out.append((t.indent + "|" + "|".join(cells) + "|"))
        out.append(border("=" if r == 0 else "-"))
    return out


def _render_simple(t: _RstTable, pad: int = 0) -> list[str] | None:
    table = [t.header] + t.rows
    if any(len(c) > 1 for row in table for c in row) or any(not row[0] or not row[0][0] for row in t.rows):
        return None  # multi-line cells, or an empty first cell (it would continue the row above)
    if len(t.header) < 2:
        return None  # one column of "=" lines reads as a section title
    widths = [max(len(row[k][0]) if row[k] else 0 for row in table) + pad for k in range(len(t.header))]
    widths = [max(w, 1) for w in widths]
    border = t.indent + " ".join("=" * w for w in widths)
    def line(row: list[list[str]]) -> str:
        return (t.indent + " ".join((c[0] if c else "").ljust(w) for c, w in zip(row, widths))).rstrip()
    return [border, line(t.header), border] + [line(r) for r in t.rows] + [border]


def _render_list_table(t: _RstTable, title: str) -> list[str]:
    ind = t.indent
    out = [ind + (".. list-table:: " + title).rstrip(), ind + "   :header-rows: 1", ""]
    for row in [t.header] + t.rows:
        for k, cell in enumerate(row):
            lead = "   * - " if k == 0 else "     - "
            lines = cell or [""]
            out.append((ind + lead + lines[0]).rstrip())
            out.extend((ind + "       " + x).rstrip() for x in lines[1:])
    return out


def _rewrite_tables(text: str, render: Any) -> str | None:
    """Every table rendered anew by ``render(table, lines, directive_line)``; ``None`` when no
    table could be (the rewrite does not apply to the page)."""
    lines = text.split("\n")
    changed = False
    for t in reversed(_rst_tables(text)):
        directive = t.start - 1
        while directive >= 0 and not lines[directive].strip():
            directive -= 1
        replacement = render(t, lines, directive)
        if replacement is None:
            continue
        new, first = replacement
        lines[first : t.end] = new
        changed = True
    return "\n".join(lines) if changed else None


def repad_tables(text: str) -> str | None:
    """Every table three characters wider a column, in its own kind."""
    def render(t: _RstTable, lines: list[str], directive: int) -> Any:
        new = _render_grid(t, pad=3) if t.kind == "grid" else _render_simple(t, pad=3)
        return None if new is None else (new, t.start)
    return _rewrite_tables(text, render)


def swap_table_kinds(text: str) -> str | None:
    """Simple tables become grid tables, grid tables simple ones where they can."""
    def render(t: _RstTable, lines: list[str], directive: int) -> Any:
        new = _render_grid(t) if t.kind == "simple" else _render_simple(t)
        return None if new is None else (new, t.start)
    return _rewrite_tables(text, render)


def to_list_tables(text: str) -> str | None:
    """Tables in a ``.. table:: TITLE`` directive become ``.. list-table:: TITLE``."""
    def render(t: _RstTable, lines: list[str], directive: int) -> Any:
        head = lines[directive].strip() if directive >= 0 else ""
        if not head.startswith(".. table::"):
            return None
        outer = lines[directive][: len(lines[directive]) - len(lines[directive].lstrip())]
        t2 = _RstTable(t.start, t.end, outer, t.kind, t.header, t.rows)
        return _render_list_table(t2, head[len(".. table::") :].strip()), directive
    return _rewrite_tables(text, render)


def rename_anchors(text: str) -> str | None:
    """Every ``.. _name:`` target and every reference to it renamed (spelled backwards: the
    same length, so tables stay aligned)."""
    names = set(re.findall(r"^\s*\.\. _([^:`]+):\s*$", text, re.M))
    if not names:
        return None
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    text = re.sub(rf"^(\s*\.\. _)({pattern})(:\s*)$", lambda m: m.group(1) + m.group(2)[::-1] + m.group(3), text, flags=re.M)
    text = re.sub(rf"<({pattern})>`", lambda m: f"<{m.group(1)[::-1]}>`", text)
    return re.sub(rf":ref:`({pattern})`", lambda m: f":ref:`{m.group(1)[::-1]}`", text)


def _map_cells(text: str, change: Any) -> str | None:
    """Every table re-rendered in its own kind with ``change`` applied to every cell."""
    touched = False
    def render(t: _RstTable, lines: list[str], directive: int) -> Any:
        nonlocal touched
        for row in t.rows:
            for k, cell in enumerate(row):
                new = change(cell)
                if new != cell:
                    row[k] = new
                    touched = True
        new_lines = _render_grid(t) if t.kind == "grid" else _render_simple(t)
        return None if new_lines is None else (new_lines, t.start)
    out = _rewrite_tables(text, render)
    return out if touched else None


def reorder_value_bullets(text: str) -> str | None:
    """Runs of one-line bullets in table cells (value lists) in reverse order."""
    def change(cell: list[str]) -> list[str]:
        out, i = list(cell), 0
        while i < len(out):
            if not out[i].startswith("-  "):
                i += 1
                continue
            j = i
            items = []
            while j < len(out) and (out[j].startswith("-  ") or (not out[j] and j + 1 < len(out) and out[j + 1].startswith("-  "))):
                if out[j]:
                    items.append(out[j])
                j += 1
            k = j
            while k < len(out) and not out[k]:
                k += 1
            if k < len(out) and out[k].startswith(" "):
                i = j  # the last item goes on (nested list or text): leave the run
                continue
            gap = any(not x for x in out[i:j])
            new: list[str] = []
            for item in reversed(items):
                if new and gap:
                    new.append("")
                new.append(item)
            out[i:j] = new
            i += len(new)
        return out
    return _map_cells(text, change)


def _wrap(words: list[str], width: int) -> list[str]:
    lines: list[str] = []
    current: list[str] = []
    ticks = 0
    for word in words:
        # No break inside inline markup (an odd number of backticks so far), nor after an
        # escaping backslash (``\ `` joins what it separates; a line break there would not).
        breakable = ticks % 2 == 0 and not (current and current[-1].endswith("\\"))
        if current and breakable and len(" ".join(current + [word])) > width:
            lines.append(" ".join(current))
            current = []
        current.append(word)
        ticks += word.count("`")
    if current:
        lines.append(" ".join(current))
    return lines


def reflow_paragraphs(text: str) -> str | None:
    """Paragraphs of table cells wrapped at 24 characters (bullets and their lines kept)."""
    def change(cell: list[str]) -> list[str]:
        out: list[str] = []
        para: list[str] = []
        def flush() -> None:
            if para and any("\\ " in line for line in para):
                out.extend(para)  # an escaped space: its spacing is meaning, left as written
                para.clear()
            elif para:
                out.extend(_wrap(" ".join(para).split(), 24))
                para.clear()
        for line in cell:
            if line and not line.startswith((" ", "-", "*", "#", "..", "|", "+")) and not re.match(r"\d+\.", line):
                para.append(line)
            else:
                flush()
                out.append(line)
        flush()
        return out
    return _map_cells(text, change)


#: The rewrites by the names the command line uses, with what each does.
TRANSFORMS: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "repad": ("re-padded tables", repad_tables),
    "swap-kinds": ("simple <-> grid tables", swap_table_kinds),
    "list-tables": ("list tables", to_list_tables),
    "rename-anchors": ("renamed anchors", rename_anchors),
    "reorder-bullets": ("reordered value bullets", reorder_value_bullets),
    "reflow": ("reflowed cell paragraphs", reflow_paragraphs),
}

"""The intermediate form every reader produces: a flat list of blocks in document order.

Readers only know their syntax; :mod:`docmodel.assemble` turns blocks into the model.
Rich text (paragraphs, table cells) is kept as *markup*: one line per paragraph or list
item, list items prefixed with ``- `` (indented two spaces per nesting level), bold as
``**text**``. That is all the enum extraction needs, and it is the same for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Cell:
    """One table cell (or paragraph): markup text, link targets it names, source line."""

    markup: str
    refs: tuple[str, ...] = ()
    line: int | None = None
    #: The link text of each of ``refs`` (``Table 3``), when the reader keeps it.
    ref_labels: tuple[str, ...] = ()

    @property
    def plain(self) -> str:
        """The text without bold markers, lines kept."""
        return strip_bold(self.markup)


@dataclass
class Row:
    """A table body row; ``at`` names its place (``line N`` or ``table N row M``)."""

    cells: list[Cell]
    at: str


@dataclass
class Table:
    """A table with its title (``Table 2 ...``), anchors (link targets naming it) and rows."""

    ordinal: int
    title: str
    header: list[str]
    rows: list[Row]
    line: int | None
    anchors: set[str] = field(default_factory=set)
    at: str = ""


@dataclass
class Heading:
    """A section heading; ``level`` 1 is the document title."""

    text: str
    level: int
    line: int | None


@dataclass
class Para:
    """A paragraph or list item outside tables."""

    cell: Cell
    bullet: bool = False


@dataclass
class Code:
    """A literal block: a code-block, ``<pre>`` or a JSON block of page text."""

    text: str
    line: int | None
    language: str | None = None


Block = Heading | Para | Table | Code


@dataclass
class Document:
    """What a reader returns: the title (when the syntax marks one) and the blocks."""

    title: str | None
    blocks: list[Block]
    warnings: list[str] = field(default_factory=list)


_BOLD = re.compile(r"\*\*(.*?)\*\*")
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def strip_bold(markup: str) -> str:
    """Markup without ``**`` bold markers."""
    return _BOLD.sub(r"\1", markup).replace("**", "")


def collapse(text: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces, ends trimmed."""
    return _SPACE.sub(" ", text.replace("\n", " ")).strip()


def collapse_lines(text: str) -> str:
    """Spaces collapsed within each line; blank lines dropped."""
    out = []
    for line in text.split("\n"):
        body = collapse(line)
        if body:
            out.append(" " * (len(line) - len(line.lstrip(" "))) + body)
    return "\n".join(out)

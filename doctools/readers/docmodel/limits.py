"""How much the readers take on: the size of a document and how deeply it nests.

A reader's work grows with its input, and docutils and the tree walkers recurse once per
level of nesting, so a hostile or broken page (megabytes of nested lists) could take
gigabytes and minutes, or end in a ``RecursionError``. Each limit is checked before the
work it bounds and refused with a :class:`~docmodel.errors.DocError` that names the limit
and the variable raising it:

* ``CLOUDJOBS_DOCS_MAX_BYTES`` (default 4 MiB): the document's size in bytes, checked before
  anything is decoded or parsed (a larger file is refused from its size, unread). Real API
  pages are far smaller (OTC's are under 300 KB): the default leaves room for ten times the
  largest while keeping the worst document within it to about 700 MB and 17 s (measured: 4
  MiB of one-line grid table rows, refused by the element limit below), under the 60 s the
  Rust side gives a reader.
* ``CLOUDJOBS_DOCS_MAX_DEPTH`` (default 64): how deeply elements nest in the document tree
  (the document itself is level 0): a list item in a list is two levels, a table cell five
  (table, group, body, row, cell), an HTML element one. Real pages nest to about 25 (HTML
  pages in their layout ``div``s); the 100 list levels of #19 are 200. Checked while parsing:
  docutils is stopped when it is about to parse a block deeper than the limit, the HTML tree
  builder when an element would open deeper; the same limit bounds how deeply field tables
  describe each other's fields (``children``).
* ``MAX_PARAGRAPH`` (64 KiB, fixed): the text of one reStructuredText paragraph, title or
  table cell. docutils copies the rest of a paragraph for every inline markup start it sees,
  so its cost grows with the square of a paragraph's length; real paragraphs are a few KB.
* elements, one per 8 bytes of ``CLOUDJOBS_DOCS_MAX_BYTES`` (524,288 by default): what a
  document makes, as reStructuredText paragraphs, inline markup, nested blocks and docutils
  warnings, HTML elements and text, lines of page text, and fields in the model (a table
  describing the fields of several tables counts under each). Each costs hundreds of bytes
  (docutils' nodes most), so bytes alone do not bound the memory: ``x`` paragraphs, three
  bytes each, took 600 bytes of memory per byte. Real pages make one per 10 to 20 bytes.
* ``MAX_TABLES`` (500, fixed): tables in one document (an API page has tens): fields are
  linked to the tables that describe them by comparing tables with tables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from .errors import DocError

MAX_BYTES_ENV = "CLOUDJOBS_DOCS_MAX_BYTES"
MAX_DEPTH_ENV = "CLOUDJOBS_DOCS_MAX_DEPTH"

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
#: The largest values the variables accept: beyond them the limits protect nothing
#: (Python's recursion limit stops a deeper walk anyway, as a clean error too).
HIGHEST_MAX_BYTES = 1024 * 1024 * 1024
HIGHEST_MAX_DEPTH = 1000

MAX_PARAGRAPH = 64 * 1024
MAX_TABLES = 500
#: One element per this many bytes of the size limit (see ``Limits.max_elements``).
BYTES_PER_ELEMENT = 8


class SettingError(Exception):
    """A limit variable that is not a number the readers accept (not the document's fault)."""


@dataclass(frozen=True)
class Limits:
    """The limits of one read."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Limits":
        """The limits the environment sets (unset or empty: the defaults).

        Raises :class:`SettingError` for a value that is not a whole number in range.
        """
        env = os.environ if environ is None else environ
        return cls(
            max_bytes=_setting(env, MAX_BYTES_ENV, DEFAULT_MAX_BYTES, HIGHEST_MAX_BYTES, "bytes of a document"),
            max_depth=_setting(env, MAX_DEPTH_ENV, DEFAULT_MAX_DEPTH, HIGHEST_MAX_DEPTH, "levels of nesting"),
        )

    @property
    def max_elements(self) -> int:
        """How many elements a document may make: one per 8 bytes of the size limit."""
        return self.max_bytes // BYTES_PER_ELEMENT

    def too_many(self, *, line: int | None = None, table: int | None = None, what: str = "") -> DocError:
        """The error for more elements than :attr:`max_elements`."""
        return DocError(
            f"more than {self.max_elements} {what or 'elements'}, the readers' limit (one per "
            f"{BYTES_PER_ELEMENT} bytes of {MAX_BYTES_ENV}, now {self.max_bytes}); set {MAX_BYTES_ENV} "
            "to a larger number of bytes to read it",
            line=line,
            table=table,
        )

    def check_size(self, size: int) -> None:
        """Refuses a document of ``size`` bytes when it is over the limit (line 1)."""
        if size > self.max_bytes:
            raise DocError(
                f"the document is {size} bytes, more than the readers' limit of {self.max_bytes} bytes; "
                f"set {MAX_BYTES_ENV} to a larger number of bytes to read it",
                line=1,
            )

    def too_deep(self, *, line: int | None = None, table: int | None = None, what: str = "") -> DocError:
        """The error for nesting deeper than the limit, at a line (or HTML table)."""
        what = what or "elements (lists, block quotes, tables, sections, HTML elements) nest"
        return DocError(
            f"{what} more than {self.max_depth} levels deep, the readers' limit; "
            f"set {MAX_DEPTH_ENV} to a larger number to read it",
            line=line,
            table=table,
        )


def _setting(env: Mapping[str, str], name: str, default: int, highest: int, unit: str) -> int:
    raw = env.get(name, "")
    if not raw.strip():
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 12 and 1 <= int(text) <= highest):
        raise SettingError(
            f"{name}={raw!r} is not a whole number from 1 to {highest} ({unit}; the default is {default})"
        )
    return int(text)

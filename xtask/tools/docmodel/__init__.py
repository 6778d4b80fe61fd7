"""Readers of cloud API documents: reStructuredText, HTML and page text to one model.

``read_document(path)`` returns the model ``xtask/tools/DOCMODEL.md`` describes;
``xtask/tools/docmodel.py read FILE`` prints it as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .assemble import MODEL_VERSION, assemble
from .errors import DocError

FORMATS = ("rst", "html", "page-text")
_EXTENSIONS = {".rst": "rst", ".html": "html", ".htm": "html", ".txt": "page-text"}

__all__ = ["DocError", "FORMATS", "MODEL_VERSION", "guess_format", "read_document", "read_text"]


def guess_format(path: str) -> str | None:
    """The format a file name suggests (``.rst``, ``.html``/``.htm``, ``.txt``), or ``None``."""
    return _EXTENSIONS.get(Path(path).suffix.lower())


def read_text(text: str, fmt: str, source: str) -> dict[str, Any]:
    """The model of a document given as text; ``source`` names it in the model and errors."""
    if fmt == "rst":
        from .rst import read_rst

        doc = read_rst(text, source)
    elif fmt == "html":
        from .htmlpage import read_html

        doc = read_html(text)
    elif fmt == "page-text":
        from .pagetext import read_page_text

        doc = read_page_text(text)
    else:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return assemble(doc, source=source, fmt=fmt)


def read_document(path: str, fmt: str | None = None) -> dict[str, Any]:
    """The model of the document at ``path`` (format from the extension when not given)."""
    fmt = fmt or guess_format(path)
    if fmt is None:
        raise DocError("cannot tell the format from the file name; pass --format rst|html|page-text", line=1)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise DocError(f"cannot read: {error.strerror or error}", line=1) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DocError("not UTF-8 text", line=line) from error
    return read_text(text.replace("\r\n", "\n").replace("\r", "\n"), fmt, path)

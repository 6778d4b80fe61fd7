"""Readers of cloud API documents: reStructuredText, HTML and page text to one model.

``read_document(path)`` returns the model ``doctools/readers/DOCMODEL.md`` describes;
``doctools/readers/docmodel.py read FILE`` prints it as JSON.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .assemble import MODEL_VERSION, assemble
from .errors import DocError
from .limits import MAX_DEPTH_ENV, Limits, SettingError

FORMATS = ("rst", "html", "page-text")
_EXTENSIONS = {".rst": "rst", ".html": "html", ".htm": "html", ".txt": "page-text"}

__all__ = [
    "DocError",
    "FORMATS",
    "Limits",
    "MODEL_VERSION",
    "SettingError",
    "guess_format",
    "read_bytes",
    "read_document",
    "read_text",
]


def guess_format(path: str) -> str | None:
    """The format a file name suggests (``.rst``, ``.html``/``.htm``, ``.txt``), or ``None``."""
    return _EXTENSIONS.get(Path(path).suffix.lower())


def read_text(text: str, fmt: str, source: str, limits: Limits | None = None) -> dict[str, Any]:
    """The model of a document given as text; ``source`` names it in the model and errors.

    ``limits`` default to :meth:`Limits.from_env`; the size limit counts the text's UTF-8 bytes.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    limits = limits or Limits.from_env()
    # A character is at least one byte: only text near the limit needs encoding to count.
    if len(text) * 4 > limits.max_bytes:
        limits.check_size(len(text.encode("utf-8", "surrogatepass")))
    try:
        if fmt == "rst":
            from .rst import read_rst

            doc = read_rst(text, source, limits)
        elif fmt == "html":
            from .htmlpage import read_html

            doc = read_html(text, limits=limits)
        else:
            from .pagetext import read_page_text

            doc = read_page_text(text, limits)
        return assemble(doc, source=source, fmt=fmt, limits=limits)
    except RecursionError as error:
        # The depth limit keeps the readers' walks far below Python's recursion limit; this
        # is for a limit raised past what Python can walk, and for nesting docutils builds by
        # recursion of its own (line blocks indented line by line).
        raise DocError(
            f"the document nests too deeply for the readers (Python's recursion limit; "
            f"{MAX_DEPTH_ENV} is {limits.max_depth})",
            line=1,
        ) from error


def read_bytes(raw: bytes, fmt: str, source: str, limits: Limits | None = None) -> dict[str, Any]:
    """The model of a document given as bytes (UTF-8, a BOM allowed; CRLF and CR read as LF).

    The size limit is checked before anything is decoded or parsed.
    """
    limits = limits or Limits.from_env()
    limits.check_size(len(raw))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DocError("not UTF-8 text", line=line) from error
    return read_text(text.replace("\r\n", "\n").replace("\r", "\n"), fmt, source, limits)


def read_document(path: str, fmt: str | None = None, limits: Limits | None = None) -> dict[str, Any]:
    """The model of the document at ``path`` (format from the extension when not given).

    Only a regular file is read, and no more of it than the size limit allows: a larger
    file is refused from its size before it is read.
    """
    fmt = fmt or guess_format(path)
    if fmt is None:
        raise DocError("cannot tell the format from the file name; pass --format rst|html|page-text", line=1)
    limits = limits or Limits.from_env()
    return read_bytes(_read_limited(path, limits), fmt, path, limits)


def _read_limited(path: str, limits: Limits) -> bytes:
    """The bytes of a regular file of at most ``limits.max_bytes`` (a FIFO is not waited on)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise DocError(f"cannot read: {error.strerror or error}", line=1) from error
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DocError("cannot read: not a regular file", line=1)
        limits.check_size(info.st_size)
        chunks = []
        left = limits.max_bytes + 1  # one more byte tells a file that grew while it was read
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
    except OSError as error:
        raise DocError(f"cannot read: {error.strerror or error}", line=1) from error
    finally:
        os.close(fd)
    limits.check_size(len(raw))
    return raw

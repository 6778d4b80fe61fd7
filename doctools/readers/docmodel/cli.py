"""``docmodel.py read FILE [--format rst|html|page-text]``: print a document's model as JSON.

``docmodel.py read-many LIST [--format F]``: read every file LIST names (one path per line)
in one process, printing one JSON line per file, ``{"file", "model"}`` or ``{"file", "error"}``
(the developer commands that read thousands of page versions use it). With ``--transform
NAME`` each file is first rewritten by that rewrite of ``transform.py`` (one that must not
change the model) and read as rewritten; a file it does not apply to gives
``{"file", "skipped": true}``.

``docmodel.py transform NAME FILE``: print FILE rewritten by NAME (exit 1 when the rewrite does
not apply to it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import Sequence

from . import FORMATS, Limits, _read_limited, guess_format, read_document, read_text
from .errors import DocError
from .limits import SettingError
from .transform import TRANSFORMS


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command; returns the exit status (0 read, 2 not understood or bad usage)."""
    parser = argparse.ArgumentParser(
        prog="docmodel.py",
        description="Read a cloud API document (OTC reStructuredText, HTML, copied page text) "
        "into the JSON model of doctools/readers/DOCMODEL.md.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    read = commands.add_parser("read", help="print the model of FILE as JSON")
    read.add_argument("file", metavar="FILE")
    read.add_argument(
        "--format",
        choices=FORMATS,
        help="the document's format (default: from the extension: .rst, .html/.htm, .txt)",
    )
    many = commands.add_parser("read-many", help="read every file LIST names, one JSON line each")
    many.add_argument("list", metavar="LIST")
    many.add_argument("--format", choices=FORMATS, help="the documents' format (default: each one's extension)")
    many.add_argument("--transform", choices=sorted(TRANSFORMS), help="read each file rewritten by this rewrite")
    rewrite = commands.add_parser("transform", help="print FILE rewritten in a way that must not change its model")
    rewrite.add_argument("name", metavar="NAME", choices=sorted(TRANSFORMS), help=", ".join(sorted(TRANSFORMS)))
    rewrite.add_argument("file", metavar="FILE")
    args = parser.parse_args(argv)
    if args.command == "read-many":
        return _read_many(args.list, args.format, args.transform)
    if args.command == "transform":
        return _transform(args.name, args.file)
    model, error = _read_one(args.file, args.format)
    if error is not None:
        print(error, file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(model, indent=2, ensure_ascii=False) + "\n")
    return 0


def _read_one(file: str, fmt: str | None) -> tuple[dict | None, str | None]:
    """The model of one file, or the one-line error that names it."""
    try:
        return read_document(file, fmt), None
    except DocError as error:
        return None, error.format_for(file)
    except SettingError as error:  # a limit variable the readers cannot use
        return None, f"{file}: not read: {error}"
    except Exception as error:  # a bug in a reader: still one line, with the traceback on request
        if os.environ.get("DOCMODEL_DEBUG"):
            traceback.print_exc()
        return None, f"{file}:1: internal error while reading ({type(error).__name__}: {error})"


def _rewritten(name: str, file: str) -> str | None:
    """FILE's text rewritten by the rewrite NAME, ``None`` when it does not apply (raises
    :class:`DocError` for a file that cannot be read)."""
    limits = Limits.from_env()
    raw = _read_limited(file, limits)
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        raise DocError("not UTF-8 text", line=raw[: error.start].count(b"\n") + 1) from error
    rewritten = TRANSFORMS[name][1](text)
    return None if rewritten is None or rewritten == text else rewritten


def _transform(name: str, file: str) -> int:
    try:
        rewritten = _rewritten(name, file)
    except DocError as error:
        print(error.format_for(file), file=sys.stderr)
        return 2
    if rewritten is None:
        print(f"{file}: {TRANSFORMS[name][0]}: the rewrite does not apply to this document", file=sys.stderr)
        return 1
    sys.stdout.write(rewritten)
    return 0


def _read_transformed(name: str, file: str, fmt: str | None) -> dict:
    """The read-many entry of FILE rewritten by NAME."""
    try:
        rewritten = _rewritten(name, file)
        if rewritten is None:
            return {"file": file, "skipped": True}
        return {"file": file, "model": read_text(rewritten, fmt or guess_format(file) or "rst", file)}
    except DocError as error:
        return {"file": file, "error": error.format_for(file)}
    except Exception as error:  # a bug in a rewrite or a reader: one line, as for reading
        if os.environ.get("DOCMODEL_DEBUG"):
            traceback.print_exc()
        return {"file": file, "error": f"{file}:1: internal error while rewriting or reading ({type(error).__name__}: {error})"}


def _read_many(listing: str, fmt: str | None, transform: str | None = None) -> int:
    try:
        with open(listing, encoding="utf-8") as handle:
            files = [line.rstrip("\n") for line in handle if line.strip()]
    except OSError as error:
        print(f"{listing}: cannot read the list: {error}", file=sys.stderr)
        return 2
    for file in files:
        if transform is not None:
            entry = _read_transformed(transform, file, fmt)
        else:
            model, error = _read_one(file, fmt)
            entry = {"file": file, "model": model} if error is None else {"file": file, "error": error}
        sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0

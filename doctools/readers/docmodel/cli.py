"""``docmodel.py read FILE [--format rst|html|page-text]``: print a document's model as JSON.

``docmodel.py read-many LIST [--format F]``: read every file LIST names (one path per line)
in one process, printing one JSON line per file, ``{"file", "model"}`` or ``{"file", "error"}``
(the developer commands that read thousands of page versions use it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import Sequence

from . import FORMATS, read_document
from .errors import DocError
from .limits import SettingError


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
    args = parser.parse_args(argv)
    if args.command == "read-many":
        return _read_many(args.list, args.format)
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


def _read_many(listing: str, fmt: str | None) -> int:
    try:
        with open(listing, encoding="utf-8") as handle:
            files = [line.rstrip("\n") for line in handle if line.strip()]
    except OSError as error:
        print(f"{listing}: cannot read the list: {error}", file=sys.stderr)
        return 2
    for file in files:
        model, error = _read_one(file, fmt)
        entry = {"file": file, "model": model} if error is None else {"file": file, "error": error}
        sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0

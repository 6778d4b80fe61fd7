"""``docmodel.py read FILE [--format rst|html|page-text]``: print a document's model as JSON."""

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
    args = parser.parse_args(argv)
    try:
        model = read_document(args.file, args.format)
    except DocError as error:
        print(error.format_for(args.file), file=sys.stderr)
        return 2
    except SettingError as error:  # a limit variable the readers cannot use
        print(f"{args.file}: not read: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug in a reader: still one line, with the traceback on request
        if os.environ.get("DOCMODEL_DEBUG"):
            traceback.print_exc()
        print(f"{args.file}:1: internal error while reading ({type(error).__name__}: {error})", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(model, indent=2, ensure_ascii=False) + "\n")
    return 0

#!/usr/bin/env python3
"""A fuzz target for the document readers: any bytes give a model or a clean ``DocError``.

    target/tools/fuzz-venv/bin/python doctools/readers/fuzz_docmodel.py rst|html|txt \\
        [CORPUS_DIR ...] [libFuzzer options]

(the fuzz venv: ``doctools/readers/requirements-fuzz.txt``; see "Fuzzing the readers" in
``DOCMODEL.md``). :func:`check` is the whole contract, and the tests run it over the seeds
of ``fuzz_seeds/`` without atheris. A finding is anything else:

* an exception other than :class:`docmodel.DocError` (a bug: an ``IndexError``, a
  ``RecursionError`` the limits should have prevented, a library's ``AssertionError``);
* a ``DocError`` that is not one line naming a line or table (the command prints it as
  ``FILE:LINE: message`` for the Rust side), or that says Python's recursion limit was hit
  (the default limits keep every walk far below it: the only exception, docutils' own
  recursion for line blocks, needs far more than the fuzzer's inputs);
* a model that is not the JSON of ``DOCMODEL.md`` (the keys, in order; JSON without
  ``NaN``);
* a run slower than libFuzzer's ``-timeout`` or larger than its ``-rss_limit_mb``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

try:
    import atheris
except ImportError:  # the tests run check() without it
    atheris = None


def _import_readers() -> None:
    # The readers import their parsers when first used: imported here, they are all
    # instrumented (when atheris is there).
    import html.parser  # noqa: F401

    import docmodel.htmlpage  # noqa: F401
    import docmodel.pagetext  # noqa: F401
    import docmodel.rst  # noqa: F401


if atheris is not None:
    with atheris.instrument_imports(include=["docmodel", "docutils", "html", "_markupbase"]):
        _import_readers()
else:
    _import_readers()

import docmodel  # noqa: E402
from docmodel.limits import Limits  # noqa: E402

#: The harness's formats: the argument, the reader's format and a file name for messages.
FORMATS = {"rst": ("rst", "fuzz.rst"), "html": ("html", "fuzz.html"), "txt": ("page-text", "fuzz.txt")}
SEEDS = HERE / "fuzz_seeds"
#: The defaults, whatever the environment says.
LIMITS = Limits()

MODEL_KEYS = [
    "model",
    "source",
    "format",
    "title",
    "method",
    "path",
    "parameters",
    "request_body",
    "responses",
    "status_codes",
    "request_examples",
    "warnings",
]
FIELD_KEYS = ["name", "type", "mandatory", "enum", "description", "at", "children"]


class Finding(AssertionError):
    """What the readers did that they must not."""


def check(data: bytes, kind: str) -> None:
    """Feeds ``data`` to the reader of ``kind`` (``rst``, ``html``, ``txt``); raises on a finding."""
    fmt, source = FORMATS[kind]
    try:
        model = docmodel.read_bytes(data, fmt, source, LIMITS)
    except docmodel.DocError as error:
        line = error.format_for(source)
        if "\n" in line or "\r" in line:
            raise Finding(f"a DocError of more than one line: {line!r}") from error
        if error.table is None and (error.line is None or error.line < 1):
            raise Finding(f"a DocError without a place: {line!r}") from error
        if "recursion limit" in error.message:
            raise Finding(f"a walk reached Python's recursion limit: {line!r}") from error
        return
    _check_model(model, fmt, source)


def _check_model(model: dict[str, Any], fmt: str, source: str) -> None:
    if list(model) != MODEL_KEYS:
        raise Finding(f"model keys {list(model)}")
    if (model["model"], model["format"], model["source"]) != (1, fmt, source):
        raise Finding(f"model header {model['model']!r} {model['format']!r} {model['source']!r}")
    if not model["method"] or not model["path"].startswith("/"):
        raise Finding(f"a model without a call: {model['method']!r} {model['path']!r}")
    json.dumps(model, ensure_ascii=False, allow_nan=False)

    def fields(items: list[dict[str, Any]], depth: int) -> None:
        if depth > LIMITS.max_depth + 1:
            raise Finding("fields nested deeper than the depth limit")
        for item in items:
            if list(item) != FIELD_KEYS:
                raise Finding(f"field keys {list(item)}")
            fields(item["children"], depth + 1)

    fields(model["request_body"], 1)
    for response in model["responses"]:
        fields(response["fields"], 1)
        fields(response["headers"], 1)
    for warning in model["warnings"]:
        if not isinstance(warning, str):
            raise Finding(f"a warning that is not text: {warning!r}")


def seeds(kind: str) -> list[Path]:
    """The seed documents of a kind, sorted."""
    return sorted(p for p in (SEEDS / kind).iterdir() if p.is_file())


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in FORMATS:
        sys.exit(f"usage: {argv[0]} {'|'.join(FORMATS)} [CORPUS_DIR ...] [libFuzzer options]")
    if atheris is None:
        sys.exit("atheris is not installed: see 'Fuzzing the readers' in doctools/readers/DOCMODEL.md")
    kind = argv[1]

    def one_input(data: bytes) -> None:
        check(data, kind)

    atheris.Setup([argv[0], *argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""Reads a cloud API document into the JSON model of ``DOCMODEL.md`` (beside this file).

    python doctools/readers/docmodel.py read FILE [--format rst|html|page-text]

The readers are the package ``docmodel/`` beside this script (Python imports the package,
not this file, for ``import docmodel``). Exit status 0 with the model on standard output,
2 with one ``FILE:LINE: message`` line on standard error when the document cannot be read.
"""

import sys

from docmodel.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""The one error a reader raises: a document it cannot understand."""

from __future__ import annotations


class DocError(Exception):
    """A document the readers cannot turn into a model.

    ``line`` is a 1-based line of the source (reStructuredText, page text, HTML source);
    ``table`` is the 1-based ordinal of an HTML table. ``format_for`` renders the one-line
    message the command prints: ``FILE:LINE: message`` or ``FILE: table N: message``.
    """

    def __init__(self, message: str, *, line: int | None = None, table: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.table = table

    def format_for(self, source: str) -> str:
        """The error as one line naming ``source``."""
        if self.table is not None:
            return f"{source}: table {self.table}: {self.message}"
        return f"{source}:{self.line if self.line is not None else 1}: {self.message}"

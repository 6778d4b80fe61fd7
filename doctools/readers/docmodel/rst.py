"""The reStructuredText reader: OTC API reference pages (``api-ref/source/**.rst``).

docutils parses the page into a doctree; this module walks it into blocks. The pages are
written for Sphinx, so the Sphinx-only markup they use is registered with docutils first
(:func:`register_sphinx_markup`): ``:ref:`` keeps its target (nested tables are linked by
it), ``code-block`` keeps its content and language verbatim, the others keep their text.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any, Callable, Iterable, Mapping, Sequence

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Directive, Parser, directives, roles, states
from docutils.utils import escape2null, new_document

from .blocks import Block, Cell, Code, Document, Heading, Para, Row, Table, collapse, collapse_lines, strip_bold
from .errors import DocError
from .limits import MAX_PARAGRAPH, Limits


class _AnyOptions(dict):  # type: ignore[type-arg]
    """An ``option_spec`` accepting every option (``:linenos:``, ``:caption:`` ...) as text."""

    def __getitem__(self, key: str) -> Callable[[str | None], str | None]:
        return directives.unchanged

    def __contains__(self, key: object) -> bool:
        return True


class _Lenient(Directive):
    """A Sphinx directive read whatever its arguments and options."""

    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = _AnyOptions()


class _CodeBlock(_Lenient):
    """Sphinx ``code-block``: a literal block with its language, content verbatim."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        text = "\n".join(self.content)
        node = nodes.literal_block(text, text)
        node["language"] = self.arguments[0] if self.arguments else None
        node.line = self.content_offset + 1
        return [node]


class _Ignored(_Lenient):
    """A Sphinx directive that says nothing about the API (``toctree``, ``index``)."""

    def run(self) -> list[nodes.Node]:
        return []


class _Container(_Lenient):
    """A Sphinx directive whose content is ordinary text (``only``, ``seealso``)."""

    def run(self) -> list[nodes.Node]:
        node = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


#: What a role makes of its raw text and its text: the nodes it stands for.
_RoleBody = Callable[[str, str], nodes.Node]


def _role(body: _RoleBody) -> Callable[..., tuple[Sequence[nodes.Node], Sequence[nodes.Node]]]:
    """A docutils role function (name, raw text, text, line, inliner, options, content) that
    only reads the raw text and the text."""

    def role(
        name: str,
        rawtext: str,
        text: str,
        lineno: int,
        inliner: Any,
        options: Mapping[str, Any] = {},
        content: Sequence[str] = (),
    ) -> tuple[Sequence[nodes.Node], Sequence[nodes.Node]]:
        return [body(rawtext, text)], []

    return role


def _reference(rawtext: str, text: str) -> nodes.Node:
    """``:ref:`Table 2 <anchor>``` / ``:ref:`anchor```: the text, and the target kept."""
    label, target = text, text
    if text.endswith(">") and "<" in text:
        label, _, target = text[:-1].rpartition("<")
        label = label.strip() or target
    node = nodes.reference(rawtext, label.strip())
    node["cloudjobs_ref"] = nodes.fully_normalize_name(target.strip())
    return node


def _shown_text(rawtext: str, text: str) -> nodes.Node:
    """A Sphinx role shown as its text (``:doc:``, ``:guilabel:`` ...)."""
    label = text
    if text.endswith(">") and "<" in text:
        label = text[:-1].rpartition("<")[0].strip() or text
    return nodes.inline(rawtext, label)


_ref_role = _role(_reference)
_text_role = _role(_shown_text)


_TEXT_ROLES = (
    "doc", "term", "numref", "abbr", "command", "file", "samp", "guilabel", "menuselection",
    "kbd", "option", "envvar", "program", "dfn", "mailheader", "mimetype", "makevar", "regexp",
    "download", "any", "keyword", "token", "class", "func", "meth", "attr", "mod", "obj", "data",
    "const", "exc",
)
_IGNORED_DIRECTIVES = ("toctree", "index", "highlight", "tabularcolumns", "literalinclude", "autosummary")
_CONTAINER_DIRECTIVES = ("only", "seealso", "versionadded", "versionchanged", "deprecated", "centered", "hlist",
                         "tabs", "tab", "group-tab", "code-tab", "cssclass")


def register_sphinx_markup() -> None:
    """Registers the Sphinx roles and directives OTC pages use with docutils.

    docutils keeps its roles and directives in a process-wide registry; registering the
    same handlers again is harmless, so every read calls this.
    """
    roles.register_local_role("ref", _ref_role)
    for name in _TEXT_ROLES:
        roles.register_local_role(name, _text_role)
    for name in ("code-block", "sourcecode", "code"):
        directives.register_directive(name, _CodeBlock)
    for name in _IGNORED_DIRECTIVES:
        directives.register_directive(name, _Ignored)
    for name in _CONTAINER_DIRECTIVES:
        directives.register_directive(name, _Container)


def read_rst(text: str, source: str, limits: Limits | None = None) -> Document:
    """The blocks of a reStructuredText page. Raises :class:`DocError` on a broken table,
    and on a page over the limits (nesting, paragraph size, docutils messages)."""
    limits = limits or Limits.from_env()
    register_sphinx_markup()
    settings = get_default_settings(Parser)
    settings.report_level = 5
    settings.halt_level = 5
    settings.warning_stream = io.StringIO()
    settings.file_insertion_enabled = False
    settings.raw_enabled = False
    settings.syntax_highlight = "none"
    settings.character_level_inline_markup = False
    guard = _Guard(limits)
    settings.cloudjobs_guard = guard
    document = new_document(source, settings)
    messages: list[nodes.system_message] = []

    def observe(message: nodes.system_message) -> None:
        messages.append(message)
        guard.count(4, message.get("line"))  # the message, its paragraph and text, a problematic node

    document.reporter.attach_observer(observe)
    text, realigned = realign_grid_rows(text)
    _GuardedParser().parse(text, document)
    _check_depth(document, limits)
    warnings = realigned + _check_messages(messages)
    walker = _Walker()
    walker.walk(document, depth=0)
    return Document(walker.title, walker.blocks, warnings)


_GRID_BORDER = re.compile(r"( *)\+(?:[-=]+\+)+")


def realign_grid_rows(text: str) -> tuple[str, list[str]]:
    """Grid table rows whose cell borders a publishing slip moved (a tab in a cell, a few
    characters dropped before the right border), put back on the columns of the border line
    above them, as a person reads them; one warning per row repaired.

    Only a row with a border for every column of that line is repaired, and only when each
    cell's text fits its column; rows with wide (East Asian) characters are left alone, since
    their columns are not counted in characters. Line numbers do not change.
    """
    lines = text.split("\n")
    columns: list[int] | None = None
    warnings: list[str] = []
    for i, line in enumerate(lines):
        border = _GRID_BORDER.fullmatch(line.rstrip())
        if border is not None:
            columns = [j for j, c in enumerate(line.rstrip()) if c == "+"]
            continue
        if columns is None:
            continue
        if not line.strip():
            columns = None  # a blank line ends the table
            continue
        fixed = _realigned_row(line, columns)
        if fixed is not None and fixed != line:
            lines[i] = fixed
            warnings.append(f"line {i + 1}: a table row's cell borders were out of line; realigned")
    return "\n".join(lines), warnings


def _realigned_row(line: str, columns: list[int]) -> str | None:
    expanded = line.expandtabs(8).rstrip()
    start = columns[0]
    if expanded[:start].strip() or not expanded[start:].startswith("|"):
        return None
    bars = [j for j, c in enumerate(expanded) if c == "|"]
    if bars == columns or any(unicodedata.east_asian_width(c) in "WF" for c in expanded):
        return None
    pieces = expanded[start + 1 :].split("|")
    if pieces[-1].strip() == "":
        pieces = pieces[:-1]
    widths = [b - a - 1 for a, b in zip(columns, columns[1:])]
    if len(pieces) != len(widths):
        return None
    cells = []
    for piece, width in zip(pieces, widths):
        piece = piece.rstrip()
        if len(piece) > width:
            return None
        cells.append(piece.ljust(width))
    return expanded[:start] + "|" + "|".join(cells) + "|"


# ---------------------------------------------------------------------------------------
# Limits: docutils recurses once per nested block and copies each block it nests into, so a
# page of deeply nested lists costs memory and time growing with its depth times its size
# (#19: 8.5 MB of 100 levels took 1.6 GB and 12 s), and a deep enough one ends in a
# RecursionError. The parser below is docutils' own with its nested state machines guarded:
# a block about to be parsed deeper than the limit stops the parse there.
# ---------------------------------------------------------------------------------------


class _Guard:
    """The nested state machines running (innermost last) and the limits of one parse."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.machines: list[states.NestedStateMachine] = []
        self.root: states.RSTStateMachine | None = None  # the outermost machine, not nested
        self.elements = 0

    def count(self, elements: int, line: int | None) -> None:
        """Counts elements made (nested blocks, paragraphs, inline markup, warnings): each
        costs docutils a node of hundreds of bytes, so they are bounded, not only the bytes."""
        self.elements += elements
        if self.elements > self.limits.max_elements:
            raise self.limits.too_many(line=line, what="elements (paragraphs, inline markup, blocks, warnings)")

    def depth(self, node: nodes.Node) -> int:
        """How deeply ``node`` sits in the document (the document is 0).

        A node may be in a subtree not yet attached (a list item, the cells of a table being
        built): then its root goes where the state machine that is building it is, one level
        below that machine's current node.
        """
        depth, outer = 0, len(self.machines)
        current: nodes.Node | None = node
        while current is not None:
            while current.parent is not None:
                depth += 1
                current = current.parent
            if isinstance(current, nodes.document):
                return depth
            detached = current
            if outer > 0:
                outer -= 1
                current = self.machines[outer].node
            elif self.root is not None and self.root.node is not None:
                current = self.root.node
            else:
                return depth
            depth += 1
            # Some nodes are parsed before they join what goes between them and the machine's
            # node: a list item its list (unless the machine parses that list), a table row
            # its body, group and table.
            above = _ABOVE.get(type(detached))
            if above is not None and not isinstance(current, above[0]):
                depth += above[1]
        return depth


#: Nodes docutils parses into before they join their parents: the parents they go into and
#: how many levels those add (a row's: body, group, table).
_ABOVE: dict[type, tuple[tuple[type, ...], int]] = {
    nodes.list_item: ((nodes.bullet_list, nodes.enumerated_list), 1),
    nodes.definition_list_item: ((nodes.definition_list,), 1),
    nodes.field: ((nodes.field_list,), 1),
    nodes.option_list_item: ((nodes.option_list,), 1),
    nodes.row: ((nodes.thead, nodes.tbody), 3),
}


class _GuardedNestedStateMachine(states.NestedStateMachine):
    """A nested state machine that refuses to parse a block deeper than the depth limit."""

    def run(self, input_lines, input_offset, memo, node, match_titles=True):  # type: ignore[no-untyped-def]
        guard = getattr(memo.document.settings, "cloudjobs_guard", None)
        if guard is None:
            return super().run(input_lines, input_offset, memo, node, match_titles)
        if guard.depth(node) >= guard.limits.max_depth:
            raise guard.limits.too_deep(line=input_offset + 1)
        guard.count(1, input_offset + 1)
        guard.machines.append(self)
        try:
            return super().run(input_lines, input_offset, memo, node, match_titles)
        finally:
            guard.machines.pop()


def _guarded(state: type) -> type:
    """``state`` nesting through :class:`_GuardedNestedStateMachine` into guarded states."""

    def __init__(self, state_machine, debug=False):  # type: ignore[no-untyped-def]
        state.__init__(self, state_machine, debug)
        self.nested_sm_kwargs = {"state_classes": _GUARDED_STATES, "initial_state": "Body"}

    def runtime_init(self):  # type: ignore[no-untyped-def]
        state.runtime_init(self)
        guard = getattr(self.memo.document.settings, "cloudjobs_guard", None)
        if guard is not None and not isinstance(self.state_machine, states.NestedStateMachine):
            guard.root = self.state_machine

    return type(
        state.__name__,
        (state,),
        {
            "nested_sm": _GuardedNestedStateMachine,
            "nested_sm_cache": [],
            "__init__": __init__,
            "runtime_init": runtime_init,
        },
    )


_GUARDED_STATES = tuple(_guarded(state) for state in states.state_classes)


class _EndPattern:
    """An inline markup end-string pattern that answers "not found" without a scan.

    docutils searches the rest of a paragraph for the end of every inline start-string it
    sees (``*``, ``**``, `````, ``|`` ...): a paragraph with many unmatched ones took time
    growing with the square of its length (60 KB, 14 s). docutils always searches a suffix
    of the paragraph (of :func:`escape2null` of it); the last place the pattern matches in
    the whole paragraph, found once, tells when a suffix holds no match. Only the suffix's
    first two places can differ from the paragraph's (the look-behinds see the suffix's
    start), so they are tried directly. Answers are the same as ``search``'s.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        close = "\n))" if pattern.flags & re.VERBOSE else "))"
        self.anywhere = re.compile(f"(?=(?:{pattern.pattern}{close}", pattern.flags)
        self.texts: list[list[Any]] = []  # [paragraph, last match start or None when not yet known]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pattern, name)

    def search(self, string: str, *args: Any) -> re.Match[str] | None:
        if args or not self.texts:
            return self.pattern.search(string, *args)
        entry = self.texts[-1]
        full: str = entry[0]
        base = len(full) - len(string)
        if base < 0 or full[base : base + 64] != string[:64]:
            return self.pattern.search(string)  # not a suffix after all: the plain search
        if entry[1] is None:
            last = -1
            for match in self.anywhere.finditer(full):
                last = match.start()
            entry[1] = last
        if entry[1] >= base + 2:
            return self.pattern.search(string)  # it finds a match: the markup is consumed up to it
        return self.pattern.match(string) or self.pattern.match(string, 1)


class _GuardedInliner(states.Inliner):
    """docutils' inline parser with a paragraph size limit and end-strings found in linear time."""

    _ENDS = ("emphasis", "strong", "literal", "target", "substitution_ref", "interpreted_or_phrase_ref")

    def init_customizations(self, settings: Any) -> None:
        super().init_customizations(settings)
        self.ends = []
        for name in self._ENDS:
            end = _EndPattern(getattr(self.patterns, name))
            setattr(self.patterns, name, end)
            self.ends.append(end)

    def parse(self, text, lineno, memo, parent):  # type: ignore[no-untyped-def]
        if len(text) > MAX_PARAGRAPH:
            raise DocError(
                f"a paragraph of {len(text)} characters, more than the reader's {MAX_PARAGRAPH} (docutils' "
                "time for inline markup grows with the square of a paragraph's length); split it",
                line=lineno,
            )
        full = escape2null(text)
        for end in self.ends:
            end.texts.append([full, None])
        try:
            made, messages = super().parse(text, lineno, memo, parent)
        finally:
            for end in self.ends:
                end.texts.pop()
        guard = getattr(memo.document.settings, "cloudjobs_guard", None)
        if guard is not None:
            guard.count(1 + sum(1 + len(n.children) if isinstance(n, nodes.Element) else 1 for n in made), lineno)
        return made, messages


# docutils' init_customizations reads the pattern pieces from ``vars(self.__class__)``: the
# subclass needs them as its own.
for _name, _value in vars(states.Inliner).items():
    if isinstance(_value, str) and not _name.startswith("__"):
        setattr(_GuardedInliner, _name, _value)


class _GuardedParser(Parser):
    """docutils' reStructuredText parser with the guarded states and inline parser."""

    def __init__(self) -> None:
        super().__init__(inliner=_GuardedInliner())
        self.state_classes = _GUARDED_STATES


def _check_depth(document: nodes.document, limits: Limits) -> None:
    """Refuses a tree deeper than the limit (walked without recursion), before anything
    recursive walks it: docutils builds some nesting without a nested parse (line blocks)."""
    todo: list[tuple[nodes.Node, int]] = [(document, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > limits.max_depth:
            raise limits.too_deep(line=_line(node))
        if isinstance(node, nodes.Element):
            todo.extend((child, depth + 1) for child in node.children)


def _check_messages(messages: Iterable[nodes.system_message]) -> list[str]:
    """Errors about tables are fatal (the table cannot be read); others are warnings."""
    warnings = []
    for message in messages:
        level = message.get("level", 0)
        text = collapse(message.children[0].astext() if message.children else message.astext())
        line = message.get("line")
        if level >= 3 and "table" in text.lower():
            raise DocError(f"cannot read the table: {text}", line=line)
        if level >= 3:
            warnings.append(f"line {line}: docutils: {text}")
    return warnings


_SKIPPED = (
    nodes.comment,
    nodes.substitution_definition,
    nodes.system_message,
    nodes.field_list,
    nodes.docinfo,
    nodes.image,
    nodes.figure,
    nodes.raw,
    nodes.pending,
    nodes.problematic,
)


class _Walker:
    """Turns a doctree into blocks; remembers ``.. _anchor:`` targets for the next table.

    A target may be followed by the table's caption paragraph first, as in pages that
    put every nested table in a list item::

        -  .. _page__li0419202382514:

           Parameters in the **error** field

           +-----------+------+ ...

    so the anchors survive one paragraph; any other block drops them.
    """

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.title: str | None = None
        self.anchors: set[str] = set()
        self.caption_allowed = False
        self.tables = 0

    def _emit(self, block: Block) -> None:
        if isinstance(block, Para) and self.caption_allowed:
            self.caption_allowed = False
        elif not isinstance(block, Table):
            self.anchors = set()
            self.caption_allowed = False
        self.blocks.append(block)

    def walk(self, node: nodes.Element, depth: int, bullet: bool = False) -> None:
        for child in node.children:
            if isinstance(child, nodes.section):
                title = child.next_node(nodes.title)
                text = collapse(title.astext()) if title is not None else ""
                if depth == 0 and self.title is None:
                    self.title = text
                else:
                    self._emit(Heading(text, depth + 1, child.line or (title.line if title else None)))
                self.walk(child, depth + 1)
            elif isinstance(child, nodes.title):
                continue
            elif isinstance(child, nodes.target):
                if not child.get("refuri"):
                    self.anchors.update(child.get("names", []))
                    self.caption_allowed = True
            elif isinstance(child, nodes.paragraph):
                self._emit(Para(_cell(child, child.line), bullet=bullet))
                bullet = False
            elif isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
                for item in child.children:
                    if isinstance(item, nodes.Element):
                        self.walk(item, depth, bullet=True)
            elif isinstance(child, nodes.table):
                self._emit(self._table(child))
            elif isinstance(child, (nodes.literal_block, nodes.doctest_block)):
                self._emit(Code(child.astext(), _line(child), child.get("language")))
            elif isinstance(child, nodes.rubric):
                self._emit(Para(_cell(child, child.line)))
            elif isinstance(child, nodes.line_block):
                self._emit(Para(Cell(collapse_lines(child.astext()), (), _line(child))))
            elif isinstance(child, nodes.term):
                self._emit(Para(_cell(child, child.line)))
            elif isinstance(child, _SKIPPED):
                continue
            elif isinstance(child, nodes.Element):
                self.walk(child, depth, bullet=bullet)

    def _table(self, table: nodes.table) -> Table:
        self.tables += 1
        title_node = table.next_node(nodes.title) if isinstance(table.children[0], nodes.title) else None
        title = collapse(title_node.astext()) if title_node is not None else ""
        tgroup = table.next_node(nodes.tgroup)
        if tgroup is None:
            raise DocError("table without columns", line=_line(table))
        width = int(tgroup.get("cols", 0)) or len(list(tgroup.findall(nodes.colspec)))
        head_rows: list[nodes.row] = []
        body_rows: list[nodes.row] = []
        for part in tgroup.children:
            if isinstance(part, nodes.thead):
                head_rows.extend(r for r in part.children if isinstance(r, nodes.row))
            elif isinstance(part, nodes.tbody):
                body_rows.extend(r for r in part.children if isinstance(r, nodes.row))
        if not head_rows and body_rows:
            head_rows, body_rows = body_rows[:1], body_rows[1:]
        line = _line(table)
        grid = _grid(head_rows + body_rows, width, line)
        header_grid, body_grid = grid[: len(head_rows)], grid[len(head_rows) :]
        header = [" ".join(collapse(row[i].plain) for row in header_grid).strip() for i in range(width)]
        rows = [Row(cells, f"line {_row_line(cells) or line}") for cells in body_grid]
        anchors = set(self.anchors) | set(table.get("names", []))
        self.anchors = set()
        self.caption_allowed = False
        return Table(self.tables, title, header, rows, line, anchors, f"line {line}")


def _grid(rows: list[nodes.row], width: int, line: int | None) -> list[list[Cell]]:
    """Rows as rectangular cell lists: row and column spans repeat / pad the cell."""
    grid: list[list[Cell | None]] = [[None] * width for _ in rows]
    for r, row in enumerate(rows):
        c = 0
        for entry in row.children:
            if not isinstance(entry, nodes.entry):
                continue
            while c < width and grid[r][c] is not None:
                c += 1
            if c >= width:
                raise DocError(f"a row has more cells than the table's {width} columns", line=line)
            cell = _cell_of_entry(entry)
            for dr in range(int(entry.get("morerows", 0)) + 1):
                for dc in range(int(entry.get("morecols", 0)) + 1):
                    if r + dr < len(grid) and c + dc < width:
                        grid[r + dr][c + dc] = cell if dc == 0 else Cell("", (), cell.line)
            c += int(entry.get("morecols", 0)) + 1
    return [[cell if cell is not None else Cell("") for cell in row] for row in grid]


def _row_line(cells: list[Cell]) -> int | None:
    return next((c.line for c in cells if c.line), None)


def _line(node: nodes.Node) -> int | None:
    current: nodes.Node | None = node
    while current is not None:
        if getattr(current, "line", None):
            return current.line
        current = current.parent
    return None


def _cell(node: nodes.Element, line: int | None) -> Cell:
    refs: list[tuple[str, str]] = []
    text = collapse(_inline(node, refs))
    return Cell(text, tuple(r for r, _ in refs), line or _line(node), tuple(label for _, label in refs))


def _cell_of_entry(entry: nodes.entry) -> Cell:
    refs: list[tuple[str, str]] = []
    lines = _body_lines(entry.children, refs, 0)
    first = next(iter(entry.findall(nodes.paragraph)), None)
    return Cell(
        "\n".join(lines),
        tuple(r for r, _ in refs),
        first.line if first is not None else None,
        tuple(label for _, label in refs),
    )


def _body_lines(children: Iterable[nodes.Node], refs: list[tuple[str, str]], indent: int) -> list[str]:
    """Markup lines of a cell's body: paragraphs, ``- `` list items, notes, code."""
    lines: list[str] = []
    for child in children:
        if isinstance(child, (nodes.paragraph, nodes.rubric, nodes.term)):
            text = collapse(_inline(child, refs))
            if text:
                lines.append(" " * indent + text)
        elif isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
            for item in child.children:
                if not isinstance(item, nodes.Element):
                    continue
                texts = [collapse(_inline(p, refs)) for p in item.children if isinstance(p, nodes.paragraph)]
                lines.append(" " * indent + "- " + " ".join(t for t in texts if t))
                others = [sub for sub in item.children if not isinstance(sub, nodes.paragraph)]
                lines.extend(_body_lines(others, refs, indent + 2))
        elif isinstance(child, (nodes.literal_block, nodes.doctest_block, nodes.line_block)):
            lines.extend(" " * indent + line for line in collapse_lines(child.astext()).split("\n") if line)
        elif isinstance(child, nodes.table):
            for row in child.findall(nodes.row):
                text = " | ".join(collapse(e.astext()) for e in row.children if isinstance(e, nodes.entry))
                if text:
                    lines.append(" " * indent + text)
        elif isinstance(child, nodes.target):
            continue
        elif isinstance(child, _SKIPPED) or isinstance(child, nodes.title):
            continue
        elif isinstance(child, nodes.Element):
            lines.extend(_body_lines(child.children, refs, indent))
    return lines


def _inline(node: nodes.Node, refs: list[tuple[str, str]]) -> str:
    """Inline markup as text: bold kept as ``**x**``, ``:ref:`` targets (and their text) collected."""
    if isinstance(node, nodes.Text):
        # astext() drops the NULs docutils keeps for backslash-escaped characters
        # (``\_\_system\_\_cmkid``), as docutils' own writers do.
        return node.astext().replace("\n", " ")
    if not isinstance(node, nodes.Element):
        return ""
    inner = "".join(_inline(child, refs) for child in node.children)
    if isinstance(node, nodes.strong):
        return f"**{inner}**" if inner.strip() else inner
    if isinstance(node, nodes.reference) and node.get("cloudjobs_ref"):
        refs.append((node["cloudjobs_ref"], collapse(strip_bold(inner))))
    elif isinstance(node, nodes.reference) and node.get("refid"):
        refs.append((node["refid"], collapse(strip_bold(inner))))
    elif isinstance(node, nodes.system_message):
        return ""
    return inner

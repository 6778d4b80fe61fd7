"""From the blocks of a document to the model of ``DOCMODEL.md``.

One pass over the blocks keeps the section the reader is in (``URI``, ``Response``,
``Example Responses`` ...) and the status a ``Status code: 200`` label named, and files
every table, example and status there. Then object fields get the tables that describe
them (:func:`_link_children`), and the tables nobody describes become the parameters,
the request body and the response fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import text as T
from .blocks import Block, Cell, Code, Document, Heading, Para, Table, collapse, collapse_lines
from .errors import DocError
from .limits import MAX_TABLES, Limits

MODEL_VERSION = 1


@dataclass(eq=False)
class _Field:
    """A row of a field table, before it is turned into JSON."""

    name: str
    type: str
    mandatory: bool | None
    enum: list[str]
    description: str
    at: str
    location: str | None
    type_cell: Cell
    description_cell: Cell
    name_cell: Cell = field(default_factory=lambda: Cell(""))
    child: "_FieldTable | None" = None
    recursive: bool = False  # its table contains it: not expanded again
    variants: list["_FieldTable"] = field(default_factory=list)  # more tables it links to


@dataclass(eq=False)
class _FieldTable:
    """A table whose rows are fields, with the place it was found."""

    table: Table
    context: str
    status: str | None
    fields: list[_Field]
    group: tuple[str, str | None]
    parents: list["_FieldTable"] = field(default_factory=list)
    prefix: str = ""

    @property
    def label(self) -> str:
        """How messages name the table."""
        return f"table {self.table.ordinal}" + (f" ({T.title_words(self.table.title)})" if self.table.title else "")


@dataclass
class _Example:
    code: Code
    context: str
    status: str | None


@dataclass
class _State:
    """Where the pass over the blocks is."""

    section: str = T.OTHER
    sub: str | None = None
    status: str | None = None

    @property
    def context(self) -> str:
        return self.sub or self.section


def assemble(doc: Document, *, source: str, fmt: str, limits: Limits | None = None) -> dict[str, Any]:
    """The model of one document; raises :class:`DocError` when it has no API call, or when
    its field tables describe each other's fields more deeply than ``limits.max_depth``."""
    return _Assembler(doc, source=source, fmt=fmt, limits=limits or Limits()).run()


class _Assembler:
    def __init__(self, doc: Document, *, source: str, fmt: str, limits: Limits) -> None:
        self.doc = doc
        self.limits = limits
        self.source = source
        self.fmt = fmt
        self.warnings: list[str] = list(doc.warnings)
        self.tables: list[_FieldTable] = []
        self.examples: list[_Example] = []
        self.status_codes: dict[str, str] = {}
        self.success_named: str | None = None  # "the status code of a successful call is 202"
        self.endpoints: list[tuple[int, T.Endpoint, int | None]] = []  # (priority, endpoint, line)
        self.title = doc.title
        self.last_request_line: int | None = None  # index of a request-line example just read
        self.method_alone: tuple[str, int | None] | None = None  # "Method: GET" alone in the URI section
        self.path_alone: str | None = None  # "PATH: /v1/{project_id}/x" alone in the URI section
        self.rendered = 0  # fields rendered into the model, against limits.max_elements

    # -- the pass over the blocks ----------------------------------------------------------

    def run(self) -> dict[str, Any]:
        tables = [b for b in self.doc.blocks if isinstance(b, Table)]
        if len(tables) > MAX_TABLES:
            extra = tables[MAX_TABLES]
            raise DocError(
                f"more than {MAX_TABLES} tables, the readers' limit (an API page has tens; linking "
                "fields to tables takes time growing with the square of their number)",
                **_place_of(_place(extra)),
            )
        state = _State()
        previous: Block | None = None
        for block in self.doc.blocks:
            if isinstance(block, Table) and not block.title.strip() and isinstance(previous, Para):
                caption = _caption(previous, state.section)
                if caption:
                    block.title = caption
            previous = block
            pending_line = self.last_request_line
            self.last_request_line = None
            if (
                isinstance(block, Code)
                and pending_line is not None
                and state.context in (T.REQ_EXAMPLE, T.REQUEST, T.URI)
                and block.text.lstrip()[:1] in ("{", "[")
            ):
                # "POST https://..." then its JSON body (a paragraph or a block of its own, then
                # a block): one example, as in a single code block.
                line_example = self.examples.pop(pending_line)
                text = f"{line_example.code.text}\n\n{block.text}"
                block = Code(text, line_example.code.line, block.language)
            if isinstance(block, Heading):
                self._heading(block, state)
            elif isinstance(block, Para):
                self._para(block, state)
            elif isinstance(block, Table):
                self._table(block, state)
            elif isinstance(block, Code):
                self._code(block, state)
        return self._model()

    def _heading(self, block: Heading, state: _State) -> None:
        if block.level <= 1 and self.title is None:
            self.title = collapse(block.text)
            return
        state.section = T.heading_kind(block.text)
        state.sub = None
        state.status = None

    def _para(self, block: Para, state: _State) -> None:
        plain = collapse(block.cell.plain)
        label = T.label_of(plain, state.section)
        if label is not None:
            if label.status is not None and state.section == T.STATUS:
                # "Status Code: 200." as the whole of a Status Code section.
                self.status_codes.setdefault(label.status, "")
            if label.status is not None:
                state.status = label.status
                if state.context not in (T.RESPONSE, T.RESP_EXAMPLE, T.ABNORMAL):
                    state.sub = T.RESP_EXAMPLE if state.section == T.RESP_EXAMPLE else T.RESPONSE
                elif state.context == T.ABNORMAL:
                    state.sub = T.RESPONSE
            else:
                state.sub = label.kind
                state.status = None
            return
        context = state.context
        if context == T.URI and self._method_or_path_alone(plain, block.cell.line):
            return
        endpoint = T.method_line(plain)
        if context == T.REQ_EXAMPLE and (
            re.match(r"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)(\s+|(?=/)|(?=https?://))\S", plain)
            or re.fullmatch(r"https?://\S+", plain)
        ):
            # The example's request line; a bare URL (no method) is one too.
            self.examples.append(_Example(Code(plain, block.cell.line), T.REQ_EXAMPLE, None))
            self.last_request_line = len(self.examples) - 1
            if endpoint is not None and "{" in endpoint.path:
                self.endpoints.append((2, endpoint, block.cell.line))
            return
        if endpoint is not None:
            if context == T.URI:
                self.endpoints.append((0, endpoint, block.cell.line))
            elif context not in (T.RESP_EXAMPLE, T.RESPONSE):
                self.endpoints.append((1, endpoint, block.cell.line))
            return
        if context not in (T.REQ_EXAMPLE, T.RESP_EXAMPLE):
            for code, description, success in T.status_sentences(plain, in_status_section=context == T.STATUS):
                if not self.status_codes.get(code):
                    self.status_codes[code] = description
                if success and self.success_named is None:
                    self.success_named = code

    def _table(self, table: Table, state: _State) -> None:
        roles = [T.column_role(h) for h in table.header]
        context = state.context
        if T.NAME not in roles and context not in (T.REQ_EXAMPLE, T.RESP_EXAMPLE, T.RESPONSE, T.STATUS, T.ERROR):
            endpoint = _table_endpoint(table)
            if endpoint is not None:
                # "| Method | URI |" / "| POST /v2/... |": the call, in a table.
                self.endpoints.append((0 if context == T.URI else 1, endpoint, table.line))
                return
        if T.NAME in roles and T.STATUS_COL not in roles and T.ERROR_COL not in roles:
            self._field_table(table, roles, state)
        elif T.STATUS_COL in roles and context == T.STATUS:
            self._status_table(table, roles)
        elif context in (T.ERROR, T.STATUS, T.OTHER, T.FUNCTION):
            return
        elif T.STATUS_COL in roles or T.ERROR_COL in roles:
            return
        else:
            self.warnings.append(f"{_place(table)}: table {table.ordinal} has no Parameter column; skipped")

    def _field_table(self, table: Table, roles: list[str | None], state: _State) -> None:
        context = state.context
        if context in (T.REQ_EXAMPLE, T.RESP_EXAMPLE) and state.section in (T.URI, T.REQUEST, T.RESPONSE):
            context = state.section  # "Example:" labelled a code block, not the table after it
        index = {role: i for i, role in reversed(list(enumerate(roles))) if role is not None}
        fields: list[_Field] = []
        for row in table.rows:
            cells = row.cells

            def cell(role: str) -> Cell:
                i = index.get(role)
                return cells[i] if i is not None and i < len(cells) else Cell("")

            name = collapse(cell(T.NAME).plain)
            if not name or name.lower() in ("none", "n/a", "无", "-", "—"):
                continue
            type_cell, description_cell = cell(T.TYPE), cell(T.DESCRIPTION)
            type_text = collapse(type_cell.plain)
            mandatory = None
            if T.MANDATORY in index:
                mandatory = T.mandatory_of(cell(T.MANDATORY).plain)
                if mandatory is None and collapse(cell(T.MANDATORY).plain):
                    self.warnings.append(
                        f"{row.at}: mandatory {collapse(cell(T.MANDATORY).plain)!r} of {name} is neither yes nor no"
                    )
            location = None
            if T.LOCATION in index:
                location = _location(collapse(cell(T.LOCATION).plain))
            elif T.MANDATORY in index:  # "No (query parameter)"
                hint = re.search(r"\((path|query|header)\b", cell(T.MANDATORY).plain, re.I)
                location = hint.group(1).lower() if hint else None
            enum = T.enum_values(description_cell.markup, type_text)
            if T.VALUE in index:
                enum = sorted(set(enum) | set(T.enum_values(cell(T.VALUE).markup, type_text)))
            fields.append(
                _Field(
                    name=name,
                    type=type_text,
                    mandatory=mandatory,
                    enum=enum,
                    description=collapse_lines(description_cell.plain),
                    at=row.at,
                    location=location,
                    type_cell=type_cell,
                    description_cell=description_cell,
                    name_cell=cell(T.NAME),
                )
            )
        status = state.status
        self.tables.append(_FieldTable(table, context, status, fields, (context, status)))

    def _status_table(self, table: Table, roles: list[str | None]) -> None:
        status_i = roles.index(T.STATUS_COL)
        description_i = roles.index(T.DESCRIPTION) if T.DESCRIPTION in roles else None
        for row in table.rows:
            text = collapse(row.cells[status_i].plain) if status_i < len(row.cells) else ""
            match = re.match(r"(\d{3})\b", text)
            if not match:
                continue
            description = ""
            if description_i is not None and description_i < len(row.cells):
                description = collapse(row.cells[description_i].plain)
            self.status_codes.setdefault(match.group(1), description)

    def _code(self, code: Code, state: _State) -> None:
        context = state.context
        stripped = code.text.strip()
        first = stripped.split("\n", 1)[0]
        label = T.label_of(stripped, state.section) if "\n" not in stripped else None
        if label is not None and label.status is not None:
            # "STATUS CODE 200" in a block of its own: a label, not an example.
            self._para(Para(Cell(stripped, (), code.line)), state)
            return
        if not stripped or collapse(stripped).lower() in ("none", "n/a", "null", "-", "无", "无。", "none."):
            return  # "Example response: None" is no example
        single_line = "\n" not in stripped
        if context == T.URI and single_line and T.method_line(first, need_template=True):
            self.endpoints.append((0, T.method_line(first, need_template=True), code.line))  # type: ignore[arg-type]
            return  # the URI template itself, not an example of it
        request_line = single_line and bool(
            re.match(r"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)(\s+|(?=/)|(?=https?://))\S", first)
        )
        if request_line and context in (T.REQ_EXAMPLE, T.REQUEST, T.URI):
            # A block holding only the request line: its body may follow in the next block.
            self.examples.append(_Example(code, T.REQ_EXAMPLE, None))
            self.last_request_line = len(self.examples) - 1
            if context == T.URI and T.method_line(first):
                self.endpoints.append((0, T.method_line(first), code.line))  # type: ignore[arg-type]
            return
        if context in (T.REQ_EXAMPLE, T.RESP_EXAMPLE):
            self.examples.append(_Example(code, context, state.status))
        elif context in (T.REQUEST, T.URI):
            self.examples.append(_Example(code, T.REQ_EXAMPLE, None))
        elif context == T.RESPONSE:
            self.examples.append(_Example(code, T.RESP_EXAMPLE, state.status))
        if context == T.URI and T.method_line(first):
            endpoint = T.method_line(first)
            assert endpoint is not None
            self.endpoints.append((0, endpoint, code.line))

    # -- the model -------------------------------------------------------------------------

    def _model(self) -> dict[str, Any]:
        endpoint = self._endpoint()
        self._link_children()
        stated = self.success_named or next((s for s in self.status_codes if s.startswith("2")), None)
        success = stated or "200"
        parameters: list[dict[str, Any]] = []
        request_body: list[dict[str, Any]] = []
        responses: dict[str, dict[str, Any]] = {}

        def response(status: str | None) -> dict[str, Any]:
            key = status or success
            entry = responses.setdefault(
                key, {"status": key, "assumed": True, "fields": [], "headers": [], "examples": []}
            )
            if status is not None or stated is not None:
                entry["assumed"] = False  # labelled, or the page names its success status
            return entry

        path_names = T.path_params(endpoint.path)
        for ft in self.tables:
            if ft.parents:
                continue
            where = self._table_use(ft, path_names, endpoint.query)
            if where == "parameters":
                for f in ft.fields:
                    parameters.append(self._parameter(f, ft, path_names, endpoint))
            elif where == "body":
                request_body.extend(self._field_json(f, [ft]) for f in ft.fields)
            elif where == "response":
                response(ft.status)["fields"].extend(self._field_json(f, [ft]) for f in ft.fields)
            elif where == "response-headers":
                response(ft.status)["headers"].extend(self._field_json(f, [ft]) for f in ft.fields)
            elif where == "error-response":
                self.warnings.append(f"{_place(ft.table)}: {ft.label} describes an error response of no status; skipped")
            else:
                self.warnings.append(f"{_place(ft.table)}: {ft.label} is outside the request and response; skipped")

        self._add_template_parameters(parameters, endpoint, path_names)

        request_examples: list[dict[str, Any]] = []
        for example in self.examples:
            rendered = self._examples_json(example.code)
            if example.context == T.REQ_EXAMPLE:
                request_examples.extend(rendered)
            else:
                response(example.status)["examples"].extend(rendered)

        for status, entry in list(responses.items()):
            if not entry["fields"] and not entry["headers"] and not entry["examples"]:
                del responses[status]
        return {
            "model": MODEL_VERSION,
            "source": self.source,
            "format": self.fmt,
            "title": self.title or "",
            "method": endpoint.method,
            "path": endpoint.path,
            "parameters": parameters,
            "request_body": request_body,
            "responses": [responses[s] for s in sorted(responses)],
            "status_codes": [{"status": s, "description": d} for s, d in self.status_codes.items()],
            "request_examples": request_examples,
            "warnings": self.warnings,
        }

    def _method_or_path_alone(self, plain: str, line: int | None) -> bool:
        """``Method: POST`` or ``PATH: /v1/x`` as paragraphs of their own (remembered, to make
        the call together when nothing else names it)."""
        method = re.fullmatch(r"(?:(?:request |http )?method\s*[:：]\s*)?([A-Za-z]+)\.?", plain, re.I)
        if method is not None and method.group(1).upper() in _METHODS:
            if self.method_alone is None:
                self.method_alone = (method.group(1).upper(), line)
            return True
        path = re.fullmatch(r"(?:(?:request )?(?:path|uri|url)(?: format)?\s*[:：]\s*)(/\S*)", plain, re.I)
        if path is not None:
            if self.path_alone is None:
                self.path_alone = path.group(1)
            return True
        return False

    def _endpoint(self) -> T.Endpoint:
        if not self.endpoints and self.method_alone is not None:
            method, line = self.method_alone
            joined = T.method_line(f"{method} {self.path_alone}") if self.path_alone else None
            if joined is not None:
                self.endpoints.append((3, joined, line))
            else:
                self._endpoint_of_example(method, line)
        candidates = sorted(self.endpoints, key=lambda e: e[0])
        if not candidates:
            line = next((b.line for b in self.doc.blocks if isinstance(b, Heading) and T.heading_kind(b.text) == T.URI), None)
            raise DocError("no method and path (such as `GET /v1/{project_id}/jobs/{job_id}`) found", line=line or 1)
        best = candidates[0][1]
        others = {(e.method, e.path) for p, e, _ in candidates if p == 0} - {(best.method, best.path)}
        if others:
            self.warnings.append(
                f"line {candidates[0][2]}: several calls in the URI section; read {best.method} {best.path}"
            )
        return best

    def _endpoint_of_example(self, method: str, line: int | None) -> None:
        """A URI section naming only the method (``GET``): the path is the one of the request
        example's line with that method (``GET https://{Endpoint}/``), as a reader takes it."""
        for example in self.examples:
            if example.context != T.REQ_EXAMPLE:
                continue
            endpoint = T.method_line(example.code.text.strip().split("\n", 1)[0])
            if endpoint is not None and endpoint.method == method:
                self.endpoints.append((3, endpoint, line))
                self.warnings.append(
                    f"line {line}: the URI section names the method alone; the path {endpoint.path} "
                    "is the request example's"
                )
                return

    def _table_use(self, ft: _FieldTable, path_names: list[str], query_names: tuple[str, ...]) -> str:
        """Where an unparented field table's rows go."""
        title = T.title_words(ft.table.title).lower()
        names = [f.name for f in ft.fields]
        header_title = bool(re.search(r"header|消息头", title))
        if ft.context == T.URI or re.search(r"path param|query param|uri param|路径参数|查询参数|query", title):
            return "parameters"
        if ft.context == T.REQUEST:
            if header_title or re.search(r"query|path", title):
                return "parameters"
            if re.search(r"body|请求体", title):
                return "body"
            # "Request parameters" listing the URI's own names (`{project_id}`, `?id=`), or
            # headers: parameters, not a body.
            uri_names = set(path_names) | set(query_names)
            if names and all(n in uri_names or T.looks_like_header_name(n) for n in names):
                return "parameters"
            return "body"
        if ft.context == T.RESPONSE:
            return "response-headers" if header_title else "response"
        if ft.context == T.ABNORMAL and ft.status is None:
            return "error-response"
        return "skip"

    def _parameter(
        self, f: _Field, ft: _FieldTable, path_names: list[str], endpoint: T.Endpoint
    ) -> dict[str, Any]:
        title = T.title_words(ft.table.title).lower()
        if f.location:
            where = f.location
        elif f.name in path_names:
            where = "path"
        elif f.name in endpoint.query or ft.context == T.URI or "query" in title:
            where = "query"
        elif re.search(r"header|消息头", title) or T.looks_like_header_name(f.name):
            where = "header"
        elif ft.context == T.REQUEST:
            where = "header"
        else:
            where = "query"
        return {
            "name": f.name,
            "in": where,
            "mandatory": True if where == "path" and f.mandatory is None else f.mandatory,
            "type": f.type,
            "enum": f.enum,
            "description": f.description,
            "at": f.at,
        }

    def _add_template_parameters(
        self, parameters: list[dict[str, Any]], endpoint: T.Endpoint, path_names: list[str]
    ) -> None:
        """Path and query names of the URI template that no table lists."""
        known = {(p["name"], p["in"]) for p in parameters}
        line = next((line for _, e, line in self.endpoints if e == endpoint), None)
        for name in path_names:
            if (name, "path") not in known:
                parameters.append(
                    {"name": name, "in": "path", "mandatory": True, "type": "", "enum": [], "description": "",
                     "at": f"line {line}" if line else ""}
                )
                self.warnings.append(f"line {line}: path parameter {name} is in no table")
        for name in endpoint.query:
            if (name, "query") not in known:
                parameters.append(
                    {"name": name, "in": "query", "mandatory": None, "type": "", "enum": [], "description": "",
                     "at": f"line {line}" if line else ""}
                )

    def _field_json(self, f: _Field, stack: list[_FieldTable]) -> dict[str, Any]:
        children: list[dict[str, Any]] = []
        if len(stack) > self.limits.max_depth:
            raise self.limits.too_deep(**_place_of(f.at), what=f"field tables (here {f.name}'s) describe fields")
        self.rendered += 1
        if self.rendered > self.limits.max_elements:
            raise self.limits.too_many(
                **_place_of(f.at),
                what="fields, counting a table's fields again under every field it describes",
            )
        if f.child is not None:
            if f.child in stack:
                self.warnings.append(f"{f.at}: {f.name} refers back to {f.child.label}; not expanded again")
            else:
                children = [self._field_json(c, stack + [f.child]) for c in f.child.fields]
                names = {c["name"] for c in children}
                for variant in f.variants:
                    for c in variant.fields:
                        if c.name not in names and variant not in stack:
                            names.add(c.name)
                            children.append(self._field_json(c, stack + [variant]))
        return {
            "name": f.name,
            "type": f.type,
            "mandatory": f.mandatory,
            "enum": f.enum,
            "description": f.description,
            "at": f.at,
            "children": children,
        }

    def _examples_json(self, code: Code) -> list[dict[str, Any]]:
        """The example(s) of a code block: one, or one per JSON body it holds."""
        parsed_all = T.parse_examples(code.text)
        block_at = f"line {code.line}" if code.line else ""
        repairs = list(dict.fromkeys(r for p in parsed_all for r in p.repairs))
        if repairs:
            self.warnings.append(f"{block_at}: example JSON read leniently ({', '.join(repairs)})")
        out = []
        for parsed in parsed_all:
            line, text = code.line, code.text
            if len(parsed_all) > 1:
                text = code.text[parsed.start : parsed.end]
                if line:
                    line += code.text[: parsed.start].count("\n")
            at = f"line {line}" if line else ""
            if parsed.error and not parsed.repairs:
                self.warnings.append(f"{at}: example is not valid JSON: {parsed.error}")
            out.append({"json": parsed.value, "text": text, "at": at})
        return out

    # -- nested tables ---------------------------------------------------------------------

    def _link_children(self) -> None:
        """Give every object field the table that describes it.

        In order of trust: a link (``:ref:``, ``<a href="#...">``) in its name, type or description,
        "see Table N" in words, a table titled by its type (``Table 5 JobEntities``), a table
        whose title names the field (``... of the entities field``, dotted paths preferred),
        and last, for pages whose tables lost their titles, the next untitled table.
        """
        by_anchor: dict[str, _FieldTable] = {}
        by_number: dict[int, list[_FieldTable]] = {}
        # Tables by their title, and by the words of it (see _name_title_targets), so that
        # finding a field's tables does not read every table's title again.
        self._by_title: dict[str, list[_FieldTable]] = {}
        self._by_word: dict[str, list[_FieldTable]] = {}
        self._by_dotted_end: dict[str, list[_FieldTable]] = {}
        for ft in self.tables:
            self._by_title.setdefault(T.title_words(ft.table.title).lower(), []).append(ft)
            if ft.table.title:
                for word in sorted(set(re.findall(r"[A-Za-z_][\w.\-]*[\w]|[A-Za-z_]", T.title_words(ft.table.title)))):
                    self._by_word.setdefault(word, []).append(ft)
                    for k, ch in enumerate(word):
                        if ch == ".":
                            ends = self._by_dotted_end.setdefault(word[k + 1 :], [])
                            if not ends or ends[-1] is not ft:
                                ends.append(ft)
        self._anchor_pages = {a.split("__", 1)[0] for ft in self.tables for a in ft.table.anchors if "__" in a}
        for ft in self.tables:
            for anchor in ft.table.anchors:
                by_anchor.setdefault(anchor, ft)
            number = T.table_number(ft.table.title)
            if number is not None:
                by_number.setdefault(number, []).append(ft)

        pending: list[tuple[_FieldTable, _Field]] = []
        for ft in self.tables:
            for f in ft.fields:
                explicit = self._explicit_targets(f, ft, by_anchor, by_number)
                if not T.is_object_type(f.type):
                    # A table of values ("see Table 3") is described, not a top-level table.
                    for target in explicit[:1]:
                        if target is not ft and not self._is_ancestor(target, ft) and ft not in target.parents:
                            target.parents.append(ft)
                    continue
                candidates = explicit + self._type_title_targets(f, ft)
                if not self._attach_first(ft, f, candidates):
                    pending.append((ft, f))
                # "See Table 4, Table 7 and Table 9" (one per kind of job): all describe it.
                for other in explicit:
                    if other is not f.child and other is not ft and not self._is_ancestor(other, ft):
                        f.variants.append(other)
                        if ft not in other.parents:
                            other.parents.append(ft)

        # Field names in titles need the field's path: settle tables from the roots down.
        for ft, f in self._in_path_order(pending):
            self._attach_first(ft, f, self._name_title_targets(f, ft))

        self._link_untitled()
        for ft in self.tables:
            for f in ft.fields:
                if T.is_object_type(f.type) and f.child is None and not f.recursive:
                    self.warnings.append(f"{f.at}: no table describes {f.name} ({f.type})")

    def _explicit_targets(
        self,
        f: _Field,
        ft: _FieldTable,
        by_anchor: dict[str, _FieldTable],
        by_number: dict[int, list[_FieldTable]],
    ) -> list[_FieldTable]:
        """Tables the field links to, then tables its text names ("see Table 3")."""
        refs = (*f.name_cell.refs, *f.type_cell.refs, *f.description_cell.refs)
        targets = [by_anchor[ref] for ref in refs if ref in by_anchor]
        words = f.type_cell.plain + "\n" + f.description_cell.plain
        for cell in (f.type_cell, f.description_cell):
            for ref, label in zip(cell.refs, cell.ref_labels):
                if label and ref not in by_anchor and "__" in ref and ref.split("__", 1)[0] not in self._anchor_pages:
                    # "see Table 3" linking into another page (its anchors' `page__` prefix is
                    # none of ours): that page's Table 3, not ours.
                    words = words.replace(label, " ")
        for number in T.table_mentions(words):
            candidates = by_number.get(number, [])
            if len(candidates) == 1:
                targets.append(candidates[0])
        return list(dict.fromkeys(targets))

    def _attach_first(self, parent: _FieldTable, f: _Field, candidates: list[_FieldTable]) -> bool:
        """Links the field to the first candidate that does not contain the field's table.

        A candidate that does (a recursive type: ``subjobs`` of ``V2Job`` linking back to
        the top table) is skipped, so the tables always form a tree with roots.
        """
        ancestors = self._ancestors(parent) if candidates else set()
        for child in candidates:
            if child is parent or id(child) in ancestors:
                continue
            f.child = child
            if parent not in child.parents:
                child.parents.append(parent)
            if not child.prefix:
                child.prefix = f"{parent.prefix}.{f.name}" if parent.prefix else f.name
            return True
        if candidates:
            self.warnings.append(
                f"{f.at}: {f.name} refers back to {candidates[0].label}, which contains it; not expanded"
            )
            f.recursive = True
            return True  # settled: a recursive type, not a missing table
        return False

    def _type_title_targets(self, f: _Field, ft: _FieldTable) -> list[_FieldTable]:
        """Tables titled by the field's type (``Table 5 JobEntities``), nearest first."""
        name = T.type_name(f.type)
        if name is None:
            return []
        return self._nearest(self._by_title.get(name.lower(), []), ft)

    def _name_title_targets(self, f: _Field, ft: _FieldTable) -> list[_FieldTable]:
        """Tables whose title names the field, best match (dotted path) and nearest first."""
        path = f"{ft.prefix}.{f.name}" if ft.prefix else f.name
        # A title word scores 3 when it is the path or a dotted end of it, 2 when it is the
        # field's name, 1 when it ends in ``.name``; a table scores its best word.
        scores: dict[int, tuple[int, _FieldTable]] = {}

        def score(tables: list[_FieldTable], value: int) -> None:
            for t in tables:
                if t is not ft and scores.get(id(t), (0, t))[0] < value:
                    scores[id(t)] = (value, t)

        score(self._by_word.get(path, []), 3)
        for k, ch in enumerate(path):
            if ch == "." and "." in path[k + 1 :]:
                score(self._by_word.get(path[k + 1 :], []), 3)
        score(self._by_word.get(f.name, []), 2)
        score(self._by_dotted_end.get(f.name, []), 1)
        order = {id(t): i for i, t in enumerate(self.tables)} if scores else {}
        best = sorted(scores.values(), key=lambda st: order[id(st[1])])
        ordered: list[_FieldTable] = []
        for top in sorted({value for value, _ in best}, reverse=True):
            ordered.extend(self._nearest([t for value, t in best if value == top], ft))
        return ordered

    def _nearest(self, matches: list[_FieldTable], ft: _FieldTable) -> list[_FieldTable]:
        """Matches after ``ft`` in document order, then those before it, nearest first."""
        after = [t for t in matches if t.table.ordinal > ft.table.ordinal]
        before = [t for t in matches if t.table.ordinal <= ft.table.ordinal]
        return after + before[::-1]

    def _ancestors(self, table: _FieldTable) -> set[int]:
        """The ids of the tables that contain ``table``, at any depth."""
        seen: set[int] = set()
        todo = list(table.parents)
        while todo:
            current = todo.pop()
            if id(current) not in seen:
                seen.add(id(current))
                todo.extend(current.parents)
        return seen

    def _is_ancestor(self, candidate: _FieldTable, table: _FieldTable) -> bool:
        seen: set[int] = set()
        todo = list(table.parents)
        while todo:
            current = todo.pop()
            if current is candidate:
                return True
            if id(current) not in seen:
                seen.add(id(current))
                todo.extend(current.parents)
        return False

    def _in_path_order(self, pending: list[tuple[_FieldTable, _Field]]) -> list[tuple[_FieldTable, _Field]]:
        """Pending fields, those of tables nearer the top first (their paths are known)."""

        def depth(ft: _FieldTable) -> int:
            d, current, seen = 0, ft, set()
            while current.parents and id(current) not in seen:
                seen.add(id(current))
                current = current.parents[0]
                d += 1
            return d

        return sorted(pending, key=lambda p: (depth(p[0]), p[0].table.ordinal))

    def _link_untitled(self) -> None:
        """Untitled tables after the first of their section: the next object field's.

        Each goes to the first earlier table of its group with an object field no table
        describes yet, that field. A field once described stays so, so a cursor per group
        (the first table that may still wait) and per table (its first field that may) make
        this one pass.
        """
        seen_groups: set[tuple[str, str | None]] = set()
        groups: dict[tuple[str, str | None], list[_FieldTable]] = {}
        for ft in self.tables:
            groups.setdefault(ft.group, []).append(ft)
        table_cursor: dict[tuple[str, str | None], int] = {}
        field_cursor: dict[int, int] = {}

        def waiting_in(table: _FieldTable) -> _Field | None:
            k = field_cursor.get(id(table), 0)
            while k < len(table.fields) and not (T.is_object_type(table.fields[k].type) and table.fields[k].child is None):
                k += 1
            field_cursor[id(table)] = k
            return table.fields[k] if k < len(table.fields) else None

        for ft in self.tables:
            first = ft.group not in seen_groups
            seen_groups.add(ft.group)
            if first or ft.table.title or ft.parents:
                continue
            members = groups[ft.group]
            t = table_cursor.get(ft.group, 0)
            while t < len(members) and waiting_in(members[t]) is None:
                t += 1
            table_cursor[ft.group] = t
            for earlier in members[t:]:
                if earlier.table.ordinal >= ft.table.ordinal:
                    break
                waiting = waiting_in(earlier)
                if waiting is not None and self._attach_first(earlier, waiting, [ft]):
                    break


def _caption(para: Para, section: str) -> str | None:
    """A paragraph right before an untitled table that names it, as its title.

    ``Parameters in the **sub_jobs** field``, ``auth.identity.password.user``, ``Parameters
    in the response header``: short, no sentence (no final period or colon), not a
    ``Status code: 200`` label (which says which response, not what the table is).
    """
    plain = collapse(para.cell.plain)
    if not plain or len(plain) > 80 or re.search(r"[.:：。;；]$", plain):
        return None
    label = T.label_of(plain, section)
    if label is not None and label.status is not None:
        return None
    if T.method_line(plain) is not None:
        return None
    return plain


_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


def _table_endpoint(table: Table) -> T.Endpoint | None:
    """The call a table states: a cell ``POST /v2/...``, or a method cell and a path cell
    of one row (``| GET | /v1/{project_id}/jobs |``), header row included."""
    rows = [table.header] + [[collapse(c.plain) for c in row.cells] for row in table.rows]
    for cells in rows:
        for text in cells:
            endpoint = T.method_line(text)
            if endpoint is not None:
                return endpoint
        methods = [c for c in cells if c.upper() in _METHODS]
        paths = [c for c in cells if re.match(r"(/|https?://)\S", c)]
        if len(methods) == 1 and len(paths) == 1:
            endpoint = T.method_line(f"{methods[0]} {paths[0]}")
            if endpoint is not None:
                return endpoint
    return None


def _place_of(at: str) -> dict[str, int]:
    """``line N`` / ``table N row M`` as the keyword arguments of :class:`DocError`."""
    match = re.match(r"(line|table) (\d+)", at)
    if match is None:
        return {}
    return {match.group(1): int(match.group(2))}


def _place(table: Table) -> str:
    return table.at or (f"line {table.line}" if table.line else f"table {table.ordinal}")


def _location(text: str) -> str | None:
    norm = text.lower()
    for where in ("path", "query", "header", "body"):
        if where in norm:
            return where
    return None

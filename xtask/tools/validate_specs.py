#!/usr/bin/env python3
"""Validate the hand-written OpenAPI 3.0 specs of cloudjobs.

Usage: validate_specs.py SPEC.yaml [SPEC.yaml ...]

For each file:
  1. parse the YAML (syntax errors name file, line and column; duplicate keys
     and non-string keys are errors, timestamps stay strings as in JSON);
  2. check every local `$ref` resolves (external refs are rejected);
  3. validate the document with openapi-spec-validator (OpenAPI 3.0);
  4. validate every example (schema `example`, parameter/header `example`,
     media type `example`, `examples.*.value`) against its own schema with
     openapi_schema_validator.OAS30Validator and the OAS 3.0 format checker,
     `$ref`s resolved against the spec;
  5. check the cloudjobs vendor extensions: `x-cloudjobs-job` (required keys,
     pointers resolve through the 200 response schema, state lists non-empty
     and disjoint), `x-cloudjobs-timestamp` (boolean) and `x-extensible-enum`
     (non-empty list of distinct strings on a string schema).

Every error is printed as `FILE: #/json/pointer: message`. A valid file prints
`ok FILE`. Exit status: 0 all valid, 1 some file failed, 2 usage error.
"""

from __future__ import annotations

import re
import sys

USAGE = "usage: validate_specs.py SPEC.yaml [SPEC.yaml ...]"

try:
    import yaml
    from jsonschema.exceptions import ValidationError
    from openapi_schema_validator import OAS30Validator, oas30_format_checker
    from openapi_spec_validator import OpenAPIV30SpecValidator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4
except ImportError as exc:  # pragma: no cover - environment problem
    print(
        f"validate_specs.py: missing dependency ({exc}); install "
        "xtask/tools/requirements.txt into the venv that runs this script",
        file=sys.stderr,
    )
    sys.exit(2)

SPEC_URI = "urn:cloudjobs:spec"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JOB_KEYS = {
    "status", "pending", "running", "succeeded", "failed",
    "id", "progress", "error_code", "error_reason", "resources", "subtasks",
    "job_id_param", "project_param",
}
# `pending` may be empty or left out: some APIs have no queued state (CFW).
JOB_REQUIRED = ("status", "running", "succeeded", "failed")
STATE_LISTS = ("pending", "running", "succeeded", "failed")
SUBTASK_KEYS = {
    "items", "total", "id", "name", "status", "error_code", "error_reason",
    *STATE_LISTS,
}
JSON_MEDIA_SUFFIXES = ("/json", "+json")


# --------------------------------------------------------------------------
# JSON pointers


def esc(token) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def ptr(base: str, *tokens) -> str:
    return base + "".join("/" + esc(t) for t in tokens)


def unesc(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


# --------------------------------------------------------------------------
# YAML loading


class SpecLoader(yaml.SafeLoader):
    """SafeLoader that keeps JSON semantics: no implicit timestamps, no
    duplicate keys, string keys only."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class KeyProblem(Exception):
    def __init__(self, message: str, mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def _construct_mapping(loader: SpecLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str):
            raise KeyProblem(
                f"mapping key {key!r} is not a string (quote it, e.g. \"{key}\")",
                key_node.start_mark,
            )
        if key in mapping:
            raise KeyProblem(f"duplicate mapping key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


SpecLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str, errors: list[str]):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        errors.append(f"{path}: cannot read: {exc.strerror or exc}")
        return None
    except UnicodeDecodeError as exc:
        errors.append(f"{path}: not UTF-8: {exc}")
        return None
    try:
        return yaml.load(text, Loader=SpecLoader)  # noqa: S506 - safe loader subclass
    except KeyProblem as exc:
        m = exc.mark
        errors.append(f"{path}:{m.line + 1}:{m.column + 1}: YAML error: {exc.message}")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        if mark is not None:
            errors.append(f"{path}:{mark.line + 1}:{mark.column + 1}: YAML syntax error: {what}")
        else:
            errors.append(f"{path}: YAML syntax error: {what}")
    except yaml.YAMLError as exc:
        errors.append(f"{path}: YAML error: {exc}")
    return None


# --------------------------------------------------------------------------
# Generic helpers


def resolve_pointer(doc, pointer: str):
    """Resolve a JSON pointer ('#/a/b' or '/a/b'); raise KeyError."""
    if pointer.startswith("#"):
        pointer = pointer[1:]
    if pointer == "":
        return doc
    if not pointer.startswith("/"):
        raise KeyError(pointer)
    node = doc
    for raw in pointer[1:].split("/"):
        token = unesc(raw)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(token)
    return node


def walk(node, here: str = "#"):
    """Yield (pointer, value) for every node of the tree."""
    yield here, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, ptr(here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, ptr(here, index))


def deref(doc, node, here: str, seen=None):
    """Follow local $refs. Returns (node, pointer); when a reference is broken
    or cyclic, (None, "<pointer of the $ref> -> <target>")."""
    seen = seen or set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target = node["$ref"]
        if target in seen:
            return None, f"{ptr(here, '$ref')} -> {target!r} (cycle)"
        seen.add(target)
        try:
            node = resolve_pointer(doc, target)
        except KeyError:
            return None, f"{ptr(here, '$ref')} -> {target!r}"
        here = target if target.startswith("#") else "#" + target
    return node, here


def shorten(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------
# Checks


def check_refs(doc, errors: list[str], path: str) -> None:
    for here, node in walk(doc):
        if not isinstance(node, dict) or "$ref" not in node:
            continue
        target = node["$ref"]
        where = ptr(here, "$ref")
        if not isinstance(target, str):
            errors.append(f"{path}: {where}: $ref must be a string")
        elif not target.startswith("#"):
            errors.append(f"{path}: {where}: external reference {target!r} is not supported (specs are self-contained)")
        else:
            try:
                resolve_pointer(doc, target)
            except KeyError:
                errors.append(f"{path}: {where}: unresolvable reference {target!r}")


def deepest(err: ValidationError) -> ValidationError:
    """Descend oneOf/anyOf contexts to the most relevant underlying error."""
    while err.context:
        # Prefer the branch that got furthest into the instance; among equals,
        # not the "it should have been a $ref" branch of Schema-or-Reference.
        err = max(
            err.context,
            key=lambda e: (len(e.absolute_path), e.validator != "required", -len(e.absolute_schema_path)),
        )
    return err


def locate(doc, err: ValidationError) -> str:
    """Document pointer of an openapi-spec-validator keyword error. Those
    errors carry a path relative to the node being checked, so look for the
    node whose relative path holds the offending instance; fall back to the
    path/method named in the message."""
    rel = [str(t) for t in (getattr(err, "absolute_path", None) or [])]
    if rel:
        try:
            if resolve_pointer(doc, ptr("", *rel)) == err.instance:
                return ptr("#", *rel)
        except KeyError:
            pass
        for here, node in walk(doc):
            try:
                if resolve_pointer(node, ptr("", *rel)) == err.instance:
                    return ptr(here, *rel)
            except KeyError:
                continue
    m = re.search(r"for '(\w+)' operation in '([^']+)'", err.message)
    if m:
        return ptr("#/paths", m.group(2), m.group(1))
    m = re.search(r"Duplicate parameter '([^']+)'", err.message)
    if m:
        for here, node in walk(doc):
            if isinstance(node, list) and here.endswith("/parameters"):
                names = [p.get("name") for p in node if isinstance(p, dict)]
                if names.count(m.group(1)) > 1:
                    return here
    m = re.search(r"[Oo]peration ID '([^']+)'", err.message)
    if m:
        for here, node in walk(doc):
            if isinstance(node, dict) and node.get("operationId") == m.group(1):
                return here
    return "#"


def check_openapi(doc, errors: list[str], path: str) -> None:
    version = doc.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.0.")):
        errors.append(f"{path}: #/openapi: expected an OpenAPI 3.0.x document, got {version!r}")
        return
    try:
        validator = OpenAPIV30SpecValidator(doc, base_uri=SPEC_URI)
        # Phase 1: the OpenAPI 3.0 meta-schema (paths are document pointers).
        structural = list(validator.schema_validator.iter_errors(doc))
        for err in structural:
            err = deepest(err)
            errors.append(f"{path}: {ptr('#', *err.absolute_path)}: {shorten(err.message)}")
        if structural:
            return  # the semantic checks assume a well-formed document
        # Phase 2: semantic checks (path parameters, operation IDs, defaults, ...).
        seen = set()
        for err in validator.root_validator(validator.schema_path):
            line = f"{path}: {locate(doc, err)}: {shorten(err.message)}"
            if line not in seen:
                seen.add(line)
                errors.append(line)
    except Exception as exc:  # the validator raises on some broken documents
        errors.append(f"{path}: #: OpenAPI validation failed: {type(exc).__name__}: {shorten(exc)}")


class ExampleChecker:
    def __init__(self, doc, path: str, errors: list[str]) -> None:
        self.doc = doc
        self.path = path
        self.errors = errors
        resource = Resource(contents=doc, specification=DRAFT4)
        self.registry = Registry().with_resource(SPEC_URI, resource)

    def validate(self, instance, schema_ptr: str, instance_ptr: str) -> None:
        """Validate instance against the schema found at schema_ptr."""
        wrapper = {"$ref": SPEC_URI + schema_ptr}
        validator = OAS30Validator(
            wrapper, registry=self.registry, format_checker=oas30_format_checker
        )
        try:
            found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
        except Exception as exc:  # unresolvable refs etc.
            self.errors.append(f"{self.path}: {instance_ptr}: cannot validate example: {type(exc).__name__}: {shorten(exc)}")
            return
        for err in found:
            where = ptr(instance_ptr, *err.absolute_path)
            self.errors.append(f"{self.path}: {where}: {shorten(err.message)}")

    # -- walkers -----------------------------------------------------------

    def schema(self, node, here: str) -> None:
        if not isinstance(node, dict) or "$ref" in node:
            return
        if "example" in node:
            self.validate(node["example"], here, ptr(here, "example"))
        for key in ("items", "not", "additionalProperties"):
            if isinstance(node.get(key), dict):
                self.schema(node[key], ptr(here, key))
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                for i, sub in enumerate(node[key]):
                    self.schema(sub, ptr(here, key, i))
        if isinstance(node.get("properties"), dict):
            for name, sub in node["properties"].items():
                self.schema(sub, ptr(here, "properties", name))

    def examples_of(self, node, here: str, schema_ptr: str | None) -> None:
        """`example` / `examples` of a parameter, header or media type."""
        if schema_ptr is None:
            return
        if "example" in node:
            self.validate(node["example"], schema_ptr, ptr(here, "example"))
        examples = node.get("examples")
        if isinstance(examples, dict):
            for name, ex in examples.items():
                ex_here = ptr(here, "examples", name)
                ex, ex_ptr = deref(self.doc, ex, ex_here)
                if isinstance(ex, dict) and "value" in ex:
                    self.validate(ex["value"], schema_ptr, ptr(ex_ptr, "value"))

    def with_schema(self, node, here: str) -> None:
        """Parameter or header: schema + examples, or content."""
        if not isinstance(node, dict) or "$ref" in node:
            return
        schema_ptr = None
        if isinstance(node.get("schema"), dict):
            schema_ptr = ptr(here, "schema")
            self.schema(node["schema"], schema_ptr)
        self.examples_of(node, here, schema_ptr)
        self.content(node.get("content"), ptr(here, "content"))

    def content(self, node, here: str) -> None:
        if not isinstance(node, dict):
            return
        for media, mt in node.items():
            if not isinstance(mt, dict):
                continue
            mt_here = ptr(here, media)
            schema_ptr = None
            if isinstance(mt.get("schema"), dict):
                schema_ptr = ptr(mt_here, "schema")
                self.schema(mt["schema"], schema_ptr)
            self.examples_of(mt, mt_here, schema_ptr)

    def response(self, node, here: str) -> None:
        if not isinstance(node, dict) or "$ref" in node:
            return
        if isinstance(node.get("headers"), dict):
            for name, header in node["headers"].items():
                self.with_schema(header, ptr(here, "headers", name))
        self.content(node.get("content"), ptr(here, "content"))

    def request_body(self, node, here: str) -> None:
        if isinstance(node, dict) and "$ref" not in node:
            self.content(node.get("content"), ptr(here, "content"))

    def parameters(self, node, here: str) -> None:
        if isinstance(node, list):
            for i, param in enumerate(node):
                self.with_schema(param, ptr(here, i))

    def run(self) -> None:
        doc = self.doc
        components = doc.get("components") if isinstance(doc.get("components"), dict) else {}
        base = "#/components"
        for name, sub in (components.get("schemas") or {}).items():
            self.schema(sub, ptr(base, "schemas", name))
        for name, sub in (components.get("parameters") or {}).items():
            self.with_schema(sub, ptr(base, "parameters", name))
        for name, sub in (components.get("headers") or {}).items():
            self.with_schema(sub, ptr(base, "headers", name))
        for name, sub in (components.get("responses") or {}).items():
            self.response(sub, ptr(base, "responses", name))
        for name, sub in (components.get("requestBodies") or {}).items():
            self.request_body(sub, ptr(base, "requestBodies", name))
        for route, item in (doc.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            item_here = ptr("#/paths", route)
            self.parameters(item.get("parameters"), ptr(item_here, "parameters"))
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                op_here = ptr(item_here, method)
                self.parameters(op.get("parameters"), ptr(op_here, "parameters"))
                self.request_body(op.get("requestBody"), ptr(op_here, "requestBody"))
                for code, resp in (op.get("responses") or {}).items():
                    self.response(resp, ptr(op_here, "responses", code))


def check_vendor_keywords(doc, errors: list[str], path: str) -> None:
    """`x-cloudjobs-timestamp` and `x-extensible-enum` anywhere in the document."""
    for here, node in walk(doc):
        if not isinstance(node, dict):
            continue
        if "x-cloudjobs-timestamp" in node and not isinstance(node["x-cloudjobs-timestamp"], bool):
            errors.append(f"{path}: {ptr(here, 'x-cloudjobs-timestamp')}: must be a boolean")
        if "x-extensible-enum" in node:
            values = node["x-extensible-enum"]
            where = ptr(here, "x-extensible-enum")
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                errors.append(f"{path}: {where}: must be a non-empty list of strings")
            elif len(set(values)) != len(values):
                errors.append(f"{path}: {where}: values must be distinct")
            if node.get("type") != "string":
                errors.append(f"{path}: {where}: only allowed on a schema with type: string")
            if "enum" in node:
                errors.append(f"{path}: {where}: use either enum or x-extensible-enum, not both")


class PointerError(Exception):
    pass


class JobChecker:
    """Checks one `x-cloudjobs-job` object."""

    def __init__(self, doc, path: str, errors: list[str], op, op_here: str) -> None:
        self.doc = doc
        self.path = path
        self.errors = errors
        self.op = op
        self.op_here = op_here
        self.here = ptr(op_here, "x-cloudjobs-job")

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{self.path}: {where}: {message}")

    # -- schema navigation ---------------------------------------------------

    def _variants(self, schema, schema_ptr, seen):
        """The schema and its allOf/anyOf/oneOf branches, dereferenced."""
        schema, schema_ptr = deref(self.doc, schema, schema_ptr)
        if schema is None:
            raise PointerError(f"broken $ref {schema_ptr}")
        if not isinstance(schema, dict):
            return
        key = id(schema)
        if key in seen:
            return
        seen.add(key)
        yield schema, schema_ptr
        for comb in ("allOf", "anyOf", "oneOf"):
            if isinstance(schema.get(comb), list):
                for i, sub in enumerate(schema[comb]):
                    yield from self._variants(sub, ptr(schema_ptr, comb, i), seen)

    def follow(self, schema, schema_ptr: str, pointer) -> tuple[dict, str]:
        """Resolve an RFC 6901 pointer through a schema. Returns the target
        schema and its location; raises PointerError."""
        if not isinstance(pointer, str) or not pointer.startswith("/"):
            raise PointerError(f"{pointer!r} is not a JSON pointer (must start with '/')")
        for raw in pointer[1:].split("/"):
            token = unesc(raw)
            found = None
            for variant, variant_ptr in self._variants(schema, schema_ptr, set()):
                if token == "*" or token.isdigit():
                    if variant.get("type") == "array" or "items" in variant:
                        if isinstance(variant.get("items"), dict):
                            found = (variant["items"], ptr(variant_ptr, "items"))
                            break
                else:
                    props = variant.get("properties")
                    if isinstance(props, dict) and token in props:
                        found = (props[token], ptr(variant_ptr, "properties", token))
                        break
            if found is None:
                real, real_ptr = deref(self.doc, schema, schema_ptr)
                if real is not None:
                    schema_ptr = real_ptr
                if token == "*" or token.isdigit():
                    raise PointerError(f"{token!r} in {pointer!r}: the schema at {schema_ptr} is not an array")
                raise PointerError(f"{pointer!r}: no property {token!r} in the schema at {schema_ptr}")
            schema, schema_ptr = found
        target, target_ptr = deref(self.doc, schema, schema_ptr)
        if target is None:
            raise PointerError(f"{pointer!r}: broken $ref {target_ptr}")
        return target, target_ptr

    @staticmethod
    def types_of(schema) -> set:
        types = set()
        if isinstance(schema, dict):
            if isinstance(schema.get("type"), str):
                types.add(schema["type"])
            for comb in ("allOf", "anyOf", "oneOf"):
                for sub in schema.get(comb) or []:
                    if isinstance(sub, dict) and isinstance(sub.get("type"), str):
                        types.add(sub["type"])
        return types

    def expect(self, base_schema, base_ptr, pointer, where, want=None):
        """Resolve `pointer`; report errors at `where`; check type if `want`."""
        try:
            target, target_ptr = self.follow(base_schema, base_ptr, pointer)
        except PointerError as exc:
            self.error(where, f"pointer does not resolve through the 200 response schema: {exc}")
            return None, None
        if want:
            types = self.types_of(target)
            if types and not types & set(want):
                self.error(where, f"pointer {pointer!r} targets {target_ptr} of type {sorted(types)}, expected {' or '.join(want)}")
        return target, target_ptr

    # -- the check -------------------------------------------------------------

    def state_lists(self, spec, where_base, fallback=None):
        lists = {}
        for key in STATE_LISTS:
            where = ptr(where_base, key)
            if key not in spec:
                if fallback is not None:
                    lists[key] = fallback.get(key, [])
                continue
            value = spec[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.error(where, "must be a list of strings")
                continue
            if not value and key != "pending":
                self.error(where, "must not be empty")
            if len(set(value)) != len(value):
                self.error(where, "values must be distinct")
            lists[key] = value
        keys = [k for k in STATE_LISTS if k in lists]
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if fallback is not None and a not in spec and b not in spec:
                    continue  # both inherited from the job: already checked there
                common = sorted(set(lists[a]) & set(lists[b]))
                if common:
                    self.error(where_base, f"state lists {a!r} and {b!r} overlap: {common}")
        return lists

    def response_schema(self):
        responses = self.op.get("responses")
        resp_here = ptr(self.here.rsplit("/", 1)[0], "responses", "200")
        if not isinstance(responses, dict) or "200" not in responses:
            self.error(self.here, "the operation has no 200 response to resolve pointers through")
            return None, None
        resp, resp_ptr = deref(self.doc, responses["200"], resp_here)
        if not isinstance(resp, dict) or not isinstance(resp.get("content"), dict):
            self.error(resp_here, "the 200 response has no content for x-cloudjobs-job pointers")
            return None, None
        for media, mt in resp["content"].items():
            if media.split(";")[0].strip().endswith(JSON_MEDIA_SUFFIXES) and isinstance(mt, dict) and isinstance(mt.get("schema"), dict):
                return mt["schema"], ptr(resp_ptr, "content", media, "schema")
        self.error(resp_here, "the 200 response has no JSON media type with a schema")
        return None, None

    def run(self) -> None:
        spec = self.op["x-cloudjobs-job"]
        if not isinstance(spec, dict):
            self.error(self.here, "must be a mapping")
            return
        for key in spec:
            if key not in JOB_KEYS:
                self.error(ptr(self.here, key), f"unknown key {key!r} (allowed: {', '.join(sorted(JOB_KEYS))})")
        for key in JOB_REQUIRED:
            if key not in spec:
                self.error(self.here, f"missing required key {key!r}")
        job_lists = self.state_lists(spec, self.here)

        root, root_ptr = self.response_schema()
        if root is None:
            return
        checks = [
            ("status", ("string",)),
            ("id", ("string", "integer")),
            ("progress", ("number", "integer", "string")),
            ("error_code", ("string", "integer")),
            ("error_reason", ("string",)),
        ]
        for key, want in checks:
            if key in spec:
                self.expect(root, root_ptr, spec[key], ptr(self.here, key), want)
        if "resources" in spec:
            res = spec["resources"]
            where = ptr(self.here, "resources")
            if not isinstance(res, list) or not res:
                self.error(where, "must be a non-empty list of JSON pointers")
            else:
                for i, pointer in enumerate(res):
                    self.expect(root, root_ptr, pointer, ptr(where, i), ("string", "integer"))
        if "subtasks" in spec:
            self.subtasks(spec["subtasks"], root, root_ptr, job_lists)
        self.id_params(spec)

    def id_params(self, spec) -> None:
        """`job_id_param` / `project_param` name a parameter of the operation."""
        params = {}
        for i, param in enumerate(self.op.get("parameters") or []):
            param, _ = deref(self.doc, param, ptr(self.op_here, "parameters", i))
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                params[param["name"]] = param
        for key, default, places in (
            ("job_id_param", "job_id", ("path", "query")),
            ("project_param", "project_id", ("path",)),
        ):
            name = spec.get(key, default)
            where = ptr(self.here, key)
            if not isinstance(name, str):
                self.error(where, "must be a parameter name")
                continue
            param = params.get(name)
            if param is None:
                if key in spec or key == "job_id_param":
                    self.error(where, f"the operation has no parameter {name!r} (the job id travels in a path or query parameter; say which with {key!r})")
                continue
            if param.get("in") not in places:
                self.error(where, f"parameter {name!r} is in {param.get('in')!r}, expected {' or '.join(places)}")

    def subtasks(self, sub, root, root_ptr, job_lists) -> None:
        here = ptr(self.here, "subtasks")
        if not isinstance(sub, dict):
            self.error(here, "must be a mapping")
            return
        for key in sub:
            if key not in SUBTASK_KEYS:
                self.error(ptr(here, key), f"unknown key {key!r} (allowed: {', '.join(sorted(SUBTASK_KEYS))})")
        for key in ("items", "status"):
            if key not in sub:
                self.error(here, f"missing required key {key!r}")
        self.state_lists(sub, here, fallback=job_lists)
        if "total" in sub:
            self.expect(root, root_ptr, sub["total"], ptr(here, "total"), ("integer", "number"))
        if "items" not in sub:
            return
        items, items_ptr = self.expect(root, root_ptr, sub["items"], ptr(here, "items"), ("array",))
        if items is None or self.types_of(items) - {"array"}:
            return  # already reported
        if not isinstance(items.get("items"), dict):
            self.error(ptr(here, "items"), f"pointer {sub['items']!r} must target an array schema with items")
            return
        item, item_ptr = items["items"], ptr(items_ptr, "items")
        relative = [
            ("status", ("string",)),
            ("id", ("string", "integer")),
            ("name", ("string",)),
            ("error_code", ("string", "integer")),
            ("error_reason", ("string",)),
        ]
        for key, want in relative:
            if key in sub:
                self.expect(item, item_ptr, sub[key], ptr(here, key), want)


SERVICE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SOURCE_KEYS = {
    "url", "format", "repository", "branch", "path", "revision", "sha256",
    "checked", "operation", "note", "accepted",
}
SOURCE_FORMATS = ("rst", "html", "page-text")
# What a source's `repository`, `branch` and `path` may be (the same rules as
# xtask/src/docs/spec.rs): they become parts of download URLs and folder names.
REPO_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
REPO_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
BRANCH_CHARS = re.compile(r"[A-Za-z0-9._+/-]{1,255}")
UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def source_place_problem(key: str, value: str) -> str | None:
    """What is wrong with a source's `repository`, `branch` or `path`, or None."""
    if key == "repository":
        owner, slash, name = value.partition("/")
        if not slash or not REPO_OWNER.fullmatch(owner) or not REPO_NAME.fullmatch(name) or name in (".", ".."):
            return "not `owner/name` (owner: letters, digits and `-`; name: letters, digits, `.`, `_` and `-`)"
    elif key == "branch":
        segments = value.split("/")
        if (
            not BRANCH_CHARS.fullmatch(value)
            or ".." in value
            or value.endswith(".")
            or any(not s or s.startswith(".") or s.endswith(".lock") for s in segments)
        ):
            return "not a branch name (letters, digits, `.`, `_`, `-`, `+` and `/`-separated segments; no `..`, no segment empty or starting with `.`)"
    elif key == "path":
        if not value or len(value.encode("utf-8", "surrogatepass")) > 1024:
            return "is empty or longer than 1024 bytes: not a relative file path in the repository"
        if value.startswith("/"):
            return "is absolute: not a relative file path in the repository"
        if UNSAFE_CHARS.search(value):
            return "contains a control character: not a relative file path in the repository"
        if any(c in value for c in "\\?#%"):
            return "contains `\\`, `?`, `#` or `%`: not a relative file path in the repository"
        if any(s in ("", ".", "..") for s in value.split("/")):
            return "has an empty, `.` or `..` segment: not a relative file path in the repository"
    return None


ACCEPTED_KINDS = ("missing", "extra", "type", "mandatory", "enum", "status", "example", "path")


def check_info_extensions(doc, errors: list[str], path: str) -> None:
    """`x-cloudjobs-service` and `x-cloudjobs-sources` on `info`."""
    info = doc.get("info")
    if not isinstance(info, dict):
        return
    here = "#/info/x-cloudjobs-service"
    service = info.get("x-cloudjobs-service")
    if service is not None:
        if not isinstance(service, dict):
            errors.append(f"{path}: {here}: must be a mapping with `name` and optional `aliases`")
        else:
            for key in service:
                if key not in ("name", "aliases"):
                    errors.append(f"{path}: {ptr(here, key)}: unknown key {key!r} (allowed: aliases, name)")
            names = [("name", service.get("name"))]
            aliases = service.get("aliases", [])
            if not isinstance(aliases, list):
                errors.append(f"{path}: {ptr(here, 'aliases')}: must be a list of names")
                aliases = []
            names += [(f"aliases/{i}", a) for i, a in enumerate(aliases)]
            seen = set()
            for where, name in names:
                if not isinstance(name, str) or not SERVICE_NAME.match(name):
                    errors.append(f"{path}: {here}/{where}: {name!r} is not a service name (lower case a-z, 0-9 and single dashes, starting with a letter)")
                elif name in seen:
                    errors.append(f"{path}: {here}/{where}: {name!r} is listed twice")
                seen.add(name)
    here = "#/info/x-cloudjobs-sources"
    sources = info.get("x-cloudjobs-sources")
    if sources is None:
        return
    if not isinstance(sources, list) or not sources:
        errors.append(f"{path}: {here}: must be a non-empty list of source documents")
        return
    op_ids = {
        op.get("operationId")
        for item in (doc.get("paths") or {}).values() if isinstance(item, dict)
        for method, op in item.items() if method in HTTP_METHODS and isinstance(op, dict)
    }
    for i, src in enumerate(sources):
        at = ptr(here, i)
        if not isinstance(src, dict):
            errors.append(f"{path}: {at}: must be a mapping")
            continue
        for key in src:
            if key not in SOURCE_KEYS:
                errors.append(f"{path}: {ptr(at, key)}: unknown key {key!r} (allowed: {', '.join(sorted(SOURCE_KEYS))})")
        for key in ("url", "format", "revision", "sha256"):
            if not isinstance(src.get(key), str) or not src.get(key):
                errors.append(f"{path}: {at}: missing required key {key!r} (a string; `unknown` for an unknown revision or sha256)")
        url = src.get("url")
        if isinstance(url, str) and not url.startswith(("https://", "http://")):
            errors.append(f"{path}: {ptr(at, 'url')}: {url!r} is not an http(s) URL")
        if isinstance(src.get("format"), str) and src["format"] not in SOURCE_FORMATS:
            errors.append(f"{path}: {ptr(at, 'format')}: {src['format']!r} is not one of {', '.join(SOURCE_FORMATS)}")
        for key in ("repository", "branch", "path"):
            if key not in src:
                continue
            value = src[key]
            problem = "must be a string" if not isinstance(value, str) else source_place_problem(key, value)
            if problem:
                errors.append(f"{path}: {ptr(at, key)}: {value!r}: {problem}")
        rev = src.get("revision")
        if isinstance(rev, str) and rev != "unknown" and not re.fullmatch(r"[0-9a-f]{40}", rev):
            errors.append(f"{path}: {ptr(at, 'revision')}: a full 40-digit commit id, or `unknown`")
        sha = src.get("sha256")
        if isinstance(sha, str) and sha != "unknown" and not re.fullmatch(r"[0-9a-f]{64}", sha):
            errors.append(f"{path}: {ptr(at, 'sha256')}: 64 lower-case hex digits, or `unknown`")
        if "unknown" in (rev, sha) and not src.get("note"):
            errors.append(f"{path}: {at}: an `unknown` revision or sha256 needs a `note` saying why")
        if "operation" in src and src["operation"] not in op_ids:
            errors.append(f"{path}: {ptr(at, 'operation')}: no operation {src['operation']!r} in this spec")
        accepted = src.get("accepted", [])
        if not isinstance(accepted, list):
            errors.append(f"{path}: {ptr(at, 'accepted')}: must be a list")
            continue
        for j, entry in enumerate(accepted):
            where = ptr(at, "accepted", j)
            if not isinstance(entry, dict) or not isinstance(entry.get("at"), str) or not isinstance(entry.get("reason"), str) or not entry["reason"].strip():
                errors.append(f"{path}: {where}: needs `at` (a place as `cargo xtask docs check` names it) and a `reason`")
                continue
            unknown = set(entry) - {"at", "kind", "reason"}
            if unknown:
                errors.append(f"{path}: {where}: unknown key {sorted(unknown)[0]!r} (allowed: at, kind, reason)")
            if "kind" in entry and entry["kind"] not in ACCEPTED_KINDS:
                errors.append(f"{path}: {ptr(where, 'kind')}: {entry['kind']!r} is not one of {', '.join(ACCEPTED_KINDS)}")


def check_jobs(doc, errors: list[str], path: str) -> None:
    for route, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict) and "x-cloudjobs-job" in op:
                JobChecker(doc, path, errors, op, ptr("#/paths", route, method)).run()


# --------------------------------------------------------------------------


def validate_file(path: str) -> list[str]:
    errors: list[str] = []
    doc = load_yaml(path, errors)
    if errors:
        return errors
    check_refs(doc, errors, path)
    refs_ok = not errors
    if not isinstance(doc, dict):
        errors.append(f"{path}: #: the document is not a mapping")
        return errors
    if refs_ok:
        # openapi-spec-validator and the example checks need resolvable refs;
        # broken ones are already reported with their pointers.
        check_openapi(doc, errors, path)
        ExampleChecker(doc, path, errors).run()
    check_vendor_keywords(doc, errors, path)
    check_info_extensions(doc, errors, path)
    check_jobs(doc, errors, path)
    return errors


def main(argv: list[str]) -> int:
    args = argv[1:]
    if not args or any(a in ("-h", "--help") for a in args):
        print(USAGE, file=sys.stderr if not args else sys.stdout)
        return 2 if not args else 0
    unknown = [a for a in args if a.startswith("-") and a != "-"]
    if unknown:
        print(f"validate_specs.py: unknown option {unknown[0]}\n{USAGE}", file=sys.stderr)
        return 2
    failed = False
    for path in args:
        try:
            errors = validate_file(path)
        except Exception as exc:  # never a traceback for bad input
            errors = [f"{path}: #: internal error while validating: {type(exc).__name__}: {exc}"]
        if errors:
            failed = True
            for line in errors:
                print(line, file=sys.stderr)
        else:
            print(f"ok {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

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

The cloudjobs vendor extensions (`x-cloudjobs-*`, `x-extensible-enum`) are
checked by the generator, which is what reads them
(`cloudjobs_codegen::validate_file`, run by `cargo xtask validate` after this
script): one reading of each extension, not two.

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

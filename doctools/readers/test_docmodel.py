"""Tests of the document readers (``docmodel.py``): reStructuredText, HTML and page text.

The documents are small made-up pages in ``fixtures/`` describing an invented
"Data Vault" task API in the shapes the real pages have. Run with the tool venv:

    target/tools/venv/bin/python -m unittest discover -s doctools/readers -p 'test_*.py'
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import unittest
from pathlib import Path
from typing import Any
from unittest import mock

import docmodel
from docmodel import limits as L
from docmodel import text as T
from docmodel.transform import (
    TRANSFORMS,
    reorder_value_bullets,
    rename_anchors,
    swap_table_kinds,
    to_list_tables,
)

HERE = Path(__file__).resolve().parent
DOCS = HERE / "fixtures"
SCRIPT = HERE / "docmodel.py"

#: Keys that may differ between two readings of "the same" document.
PLACE_KEYS = {"description", "at", "source"}


def read(name: str, fmt: str | None = None) -> dict[str, Any]:
    """The model of a fixture."""
    return docmodel.read_document(str(DOCS / name), fmt)


def comparable(model: Any, ignore: set[str] = PLACE_KEYS) -> Any:
    """The model without the keys comparisons ignore; warnings without their places."""
    if isinstance(model, dict):
        out = {k: comparable(v, ignore) for k, v in model.items() if k not in ignore}
        if "warnings" in out:
            out["warnings"] = [w.split(": ", 1)[-1] for w in model["warnings"]]
        return out
    if isinstance(model, list):
        return [comparable(v, ignore) for v in model]
    return model


def field(fields: list[dict[str, Any]], *path: str) -> dict[str, Any]:
    """The field at a path of names (``outcome``, ``steps``, ``state``)."""
    current: dict[str, Any] = {"children": fields}
    for name in path:
        matches = [f for f in current["children"] if f["name"] == name]
        if len(matches) != 1:
            raise AssertionError(f"{len(matches)} fields named {name!r} in {[f['name'] for f in current['children']]}")
        current = matches[0]
    return current


def response(model: dict[str, Any], status: str) -> dict[str, Any]:
    return next(r for r in model["responses"] if r["status"] == status)


def params(model: dict[str, Any]) -> list[tuple[str, str, bool | None, str]]:
    return [(p["name"], p["in"], p["mandatory"], p["type"]) for p in model["parameters"]]


class RstReaderTest(unittest.TestCase):
    """OTC reStructuredText: simple, grid and list tables, ``:ref:`` links, code blocks."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.model = read("vault_task.rst")

    def test_call_and_title(self) -> None:
        self.assertEqual(self.model["model"], 1)
        self.assertEqual(self.model["format"], "rst")
        self.assertEqual(self.model["title"], "Querying a Vault Task")
        self.assertEqual((self.model["method"], self.model["path"]), ("GET", "/v2/{project_id}/vault/tasks/{task_id}"))

    def test_parameters_from_simple_and_list_tables(self) -> None:
        self.assertEqual(
            params(self.model),
            [
                ("project_id", "path", True, "String"),
                ("task_id", "path", True, "String"),
                ("verbose", "query", False, "Boolean"),
                ("X-Auth-Token", "header", True, "String"),
                ("X-Vault-Region", "header", False, "String"),
            ],
        )
        region = self.model["parameters"][4]
        self.assertEqual(region["enum"], ["north-1", "north-2", "south-1"])
        self.assertEqual(region["at"], "line 49")

    def test_grid_table_fields_and_enums(self) -> None:
        fields = response(self.model, "200")["fields"]
        self.assertEqual(
            [f["name"] for f in fields],
            ["task_id", "state", "kind", "api_level", "percent", "retryable", "started_at", "outcome"],
        )
        self.assertEqual(field(fields, "state")["enum"], ["BROKEN", "DONE", "QUEUED", "WORKING"])
        self.assertEqual(field(fields, "kind")["enum"], ["copy", "purge", "rekey"])
        self.assertEqual(field(fields, "api_level")["enum"], ["v2"])
        self.assertEqual(field(fields, "percent")["enum"], [], "a numeric range is no list of values")
        self.assertEqual(field(fields, "retryable")["enum"], [], "booleans list no values")
        self.assertIsNone(field(fields, "state")["mandatory"], "no Mandatory column")
        self.assertIn("- QUEUED: waiting for a worker.", field(fields, "state")["description"])

    def test_nested_tables_by_ref_and_by_title(self) -> None:
        fields = response(self.model, "200")["fields"]
        outcome = field(fields, "outcome")
        self.assertEqual([c["name"] for c in outcome["children"]], ["vault_id", "steps", "error"])
        # "Table 4 Data structure description of the steps field": linked by its title.
        self.assertEqual([c["name"] for c in field(fields, "outcome", "steps")["children"]], ["name", "state"])
        self.assertEqual(field(fields, "outcome", "steps", "state")["enum"], ["DONE", "QUEUED", "WORKING"])
        self.assertEqual([c["name"] for c in field(fields, "outcome", "error")["children"]], ["code", "message"])
        # A bullet list of values of another field is no enum of this one.
        self.assertEqual(field(fields, "outcome", "vault_id")["enum"], [])
        # Child tables are not top-level fields as well.
        self.assertEqual(len(self.model["responses"]), 1)

    def test_examples(self) -> None:
        (request,) = self.model["request_examples"]
        self.assertIsNone(request["json"])
        self.assertTrue(request["text"].startswith("GET https://vault.example.test/v2/"))
        (example,) = response(self.model, "200")["examples"]
        self.assertEqual(example["json"]["outcome"]["steps"][1], {"name": "transfer", "state": "WORKING"})
        self.assertIn('"state": "WORKING"},\n', example["text"], "text stays raw")
        self.assertEqual(example["at"], "line 155")
        self.assertIn("line 155: example JSON read leniently (trailing commas)", self.model["warnings"])

    def test_status_codes(self) -> None:
        self.assertEqual(
            self.model["status_codes"],
            [
                {"status": "200", "description": ""},
                {"status": "400", "description": "The request is malformed."},
                {"status": "404", "description": "No such task."},
            ],
        )

    def test_reflowed_reworded_and_relinked_pages_read_the_same(self) -> None:
        base = comparable(self.model)
        for name in ("vault_task_reflow.rst", "vault_task_reworded.rst", "vault_task_anchors.rst"):
            with self.subTest(name):
                other = read(name)
                self.assertEqual(comparable(other), base)
        reworded = read("vault_task_reworded.rst")
        self.assertNotEqual(
            field(response(reworded, "200")["fields"], "state")["description"],
            field(response(self.model, "200")["fields"], "state")["description"],
        )

    def test_moved_file_reads_the_same(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            moved = Path(tmp) / "elsewhere" / "task.rst"
            moved.parent.mkdir()
            shutil.copy(DOCS / "vault_task.rst", moved)
            model = docmodel.read_document(str(moved))
        self.assertEqual(model["source"], str(moved))
        self.assertEqual(comparable(model), comparable(self.model))

    def test_field_described_by_several_tables_gets_their_fields(self) -> None:
        model = read("variants.rst")
        fields = response(model, "200")["fields"]
        self.assertEqual([f["name"] for f in fields], ["id", "entities"], "variant tables are not top-level")
        self.assertEqual(
            [c["name"] for c in field(fields, "entities")["children"]], ["new_size", "volume_id", "address"]
        )

    def test_recursive_types_are_not_expanded_forever(self) -> None:
        model = read("recursive.rst")
        tree = field(response(model, "200")["fields"], "tree")
        self.assertEqual([c["name"] for c in tree["children"]], ["label", "children", "parent"])
        self.assertEqual(field(tree["children"], "children")["children"], [])
        self.assertEqual(field(tree["children"], "parent")["children"], [])
        self.assertTrue(any("children refers back to table 2" in w for w in model["warnings"]))
        self.assertTrue(any("parent refers back to table 1" in w for w in model["warnings"]))

    def test_anchors_of_list_items_reach_their_tables_past_the_caption(self) -> None:
        # ".. _anchor:" then a caption paragraph then an untitled table, in one list item:
        # every link resolves, nothing is left to the untitled-table guess.
        model = read("list_item_anchors.rst")
        fields = response(model, "200")["fields"]
        self.assertEqual([f["name"] for f in fields], ["kind", "phase", "outcome", "error"])
        self.assertEqual([c["name"] for c in field(fields, "outcome")["children"]], ["vault_id", "steps"])
        self.assertEqual([c["name"] for c in field(fields, "outcome", "steps")["children"]], ["name", "detail"])
        self.assertEqual([c["name"] for c in field(fields, "outcome", "steps", "detail")["children"]], ["bytes"])
        self.assertEqual([c["name"] for c in field(fields, "error")["children"]], ["code", "message"])
        self.assertEqual(model["warnings"], [])

    def test_fixed_values_go_constants_and_a_status_code_sentence(self) -> None:
        model = read("list_item_anchors.rst")
        fields = response(model, "200")["fields"]
        self.assertEqual(field(fields, "kind")["enum"], ["VaultJob"])
        self.assertEqual(field(fields, "phase")["enum"], ["Done", "Queued"])
        self.assertEqual(model["status_codes"], [{"status": "200", "description": ""}])

    def test_request_table_of_uri_names_lists_parameters(self) -> None:
        # A "Request parameters" table of a GET naming `{project_id}` and `?id=`: parameters.
        model = read("uri_names_request_table.rst")
        self.assertEqual(params(model), [("project_id", "path", True, "String"), ("id", "query", True, "String")])
        self.assertEqual(model["parameters"][1]["enum"], ["s1", "s2"])
        self.assertEqual(model["request_body"], [])
        self.assertFalse(any("in no table" in w for w in model["warnings"]), model["warnings"])

    def test_two_bodies_in_one_block_are_two_examples(self) -> None:
        model = read("uri_names_request_table.rst")
        examples = response(model, "200")["examples"]
        self.assertEqual([e["json"] for e in examples][0], {"id": "s1", "state": "Ready"})
        self.assertEqual(examples[1]["json"]["error"]["code"], "VLT.0404")
        self.assertEqual([e["at"] for e in examples], ["line 40", "line 41"])
        self.assertEqual(examples[1]["text"], '{"error": {"code": "VLT.0404", "message": "No such snapshot."}}')
        self.assertIn(
            "line 40: example JSON read leniently (2 JSON bodies in one block, read as 2 examples)", model["warnings"]
        )
        self.assertEqual(field(response(model, "200")["fields"], "state")["enum"], ["Broken", "Ready"])

    def test_links_in_name_cells_and_captions_of_untitled_tables(self) -> None:
        model = read("name_cell_links.rst")
        self.assertEqual(params(model), [("Content-Type", "header", True, "String")])
        body = model["request_body"]
        self.assertEqual([f["name"] for f in body], ["open"], "nested tables are not top-level")
        self.assertEqual([c["name"] for c in field(body, "open")["children"]], ["holder", "target"])
        self.assertEqual([c["name"] for c in field(body, "open", "holder")["children"]], ["team", "name"])
        self.assertEqual([c["name"] for c in field(body, "open", "holder", "team")["children"]], ["name"])
        self.assertEqual([c["name"] for c in field(body, "open", "target")["children"]], ["vault"])
        self.assertEqual([c["name"] for c in field(body, "open", "target", "vault")["children"]], ["id"])
        # "Parameters in the response header" before an untitled table: its title.
        created = response(model, "201")
        self.assertEqual([(h["name"], h["mandatory"]) for h in created["headers"]], [("X-Session-Token", True)])
        self.assertEqual([f["name"] for f in created["fields"]], ["expires"])

    def test_prose_before_an_example_body_is_skipped(self) -> None:
        model = read("name_cell_links.rst")
        (example,) = response(model, "201")["examples"]
        self.assertEqual(example["json"], {"expires": "2030-01-01T00:00:00Z"})
        self.assertTrue(example["text"].startswith("Session stored in the response header:"), "text stays raw")
        self.assertIn(
            "line 105: example JSON read leniently (text before the JSON body skipped, trailing commas)",
            model["warnings"],
        )


class EnumWaysTest(unittest.TestCase):
    """Values written in a sentence, as bullets, grouped under headers, or both: one set."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.old = read("enum_ways_old.rst")
        cls.new = read("enum_ways_new.rst")

    def test_sentence_and_bullets_give_the_union(self) -> None:
        for model in (self.old, self.new):
            fields = response(model, "200")["fields"]
            self.assertEqual(field(fields, "state")["enum"], ["active", "done", "queued"])
            self.assertEqual(field(fields, "kind")["enum"], ["COPY", "MERGE", "PRUNE"])

    def test_booleans_range_lists_no_values(self) -> None:
        for model in (self.old, self.new):
            self.assertEqual(field(model["request_body"], "verify")["enum"], [])

    def test_grouped_bullets_count_their_leaves_only(self) -> None:
        self.assertEqual(field(self.old["request_body"], "zone")["enum"], ["7f3e0c9b", "7f3e0c9c"])
        self.assertEqual(
            field(self.new["request_body"], "zone")["enum"], ["xx-north-1a", "xx-north-1b", "xx-south-1a"]
        )

    def test_values_of_a_few_words_after_a_colon_lead(self) -> None:
        self.assertEqual(field(self.old["request_body"], "engine")["enum"], ["VLT 1.4.0", "VLT 2.0.1-LTS.2"])
        self.assertEqual(field(self.new["request_body"], "engine")["enum"], ["VLT 2.0.1-LTS.2", "VLT 2.1.0"])

    def test_escaped_characters_leave_no_nul(self) -> None:
        for model in (self.old, self.new):
            (key,) = field(model["request_body"], "metadata")["children"]
            self.assertEqual(key["name"], "__internal__key")
            self.assertNotIn("\x00", json.dumps(model, ensure_ascii=False))

    def test_only_the_changed_values_differ(self) -> None:
        old, new = comparable(self.old), comparable(self.new)
        for model in (old, new):
            for f in model["request_body"]:
                if f["name"] in ("zone", "engine"):
                    f["enum"] = []
        self.assertEqual(old, new)


class StatusNoteTest(unittest.TestCase):
    """Status codes stated in notes, paragraphs and bullets; defaulted statuses say so."""

    def test_a_page_stating_no_status_defaults_to_200_and_says_so(self) -> None:
        model = read("status_link.rst")
        self.assertEqual(model["status_codes"], [])
        self.assertEqual([(r["status"], r["assumed"]) for r in model["responses"]], [("200", True)])

    def test_a_note_naming_the_success_status_takes_the_table_and_examples(self) -> None:
        model = read("status_note.rst")
        self.assertEqual(model["status_codes"], [{"status": "202", "description": ""}])
        (only,) = model["responses"]
        self.assertEqual((only["status"], only["assumed"]), ("202", False))
        self.assertEqual([f["name"] for f in only["fields"]], ["run_id", "progress"])
        self.assertEqual(only["examples"][0]["json"], {"run_id": "r-1", "progress": "40%"})

    def test_bullets_and_sentences_of_the_status_section(self) -> None:
        model = read("status_bullets.rst")
        self.assertEqual(
            model["status_codes"],
            [
                {"status": "202", "description": ""},
                {"status": "400", "description": "The request is not valid."},
                {"status": "404", "description": "No such run."},
                {"status": "503", "description": ""},
            ],
        )
        self.assertEqual([(r["status"], r["assumed"]) for r in model["responses"]], [("202", False)])

    def test_status_sentences(self) -> None:
        cases = {
            "The response code is 200 if the request is successful. The response code is 202 if the request is "
            "accepted but not completed.": [("200", "", True), ("202", "", False)],
            "Generally, if status code 200 is returned, an API is successfully called. The status code for a "
            "successful call of this API is 202.": [("202", "", True)],
            "200: OK": [("200", "OK", False)],
            "204": [("204", "", False)],
            ":ref:`Table 17 <x>` describes the status code of this API.": [],
            "For details about status codes, see Status Codes.": [],
        }
        for text, expected in cases.items():
            with self.subTest(text):
                self.assertEqual(T.status_sentences(text, in_status_section=True), expected)
        self.assertEqual(
            T.status_sentences("Status code 202 is returned for a normal response.", in_status_section=False),
            [("202", "", True)],
        )
        self.assertEqual(T.status_sentences("The job returns 404 items at most.", in_status_section=False), [])


class SloppyCallTest(unittest.TestCase):
    """Operation lines as people write them; only a page with no call at all is refused."""

    def test_every_form_reads_the_same_call(self) -> None:
        for name in ("call_no_space.rst", "call_label.rst", "call_full_url.rst", "call_table.rst", "call_table_cell.rst"):
            with self.subTest(name):
                model = read(name)
                self.assertEqual((model["method"], model["path"]), ("GET", "/v1.0/{project_id}/mirror-tasks/{task_id}"))
                self.assertEqual(params(model), [("project_id", "path", True, "String"), ("task_id", "path", True, "String")])
                self.assertEqual(model["warnings"], [])

    def test_method_and_path_as_paragraphs_of_their_own(self) -> None:
        model = read("call_path_method.rst")
        self.assertEqual((model["method"], model["path"]), ("GET", "/v1.0/{project_id}/mirror-tasks/{task_id}"))
        self.assertEqual(params(model), [("project_id", "path", True, "String"), ("task_id", "path", True, "String")])

    def test_a_host_alone_is_the_root(self) -> None:
        model = read("call_root.rst")
        self.assertEqual((model["method"], model["path"]), ("GET", "/"))
        self.assertEqual(model["warnings"], [])

    def test_a_method_alone_takes_the_path_of_the_request_example(self) -> None:
        model = read("call_method_alone.rst")
        self.assertEqual((model["method"], model["path"]), ("GET", "/"))
        self.assertEqual(
            model["warnings"], ["line 12: the URI section names the method alone; the path / is the request example's"]
        )
        # Without the example there is no path: still an error.
        text = (DOCS / "call_method_alone.rst").read_text(encoding="utf-8").replace("GET https://{Endpoint}/", "None")
        with self.assertRaisesRegex(docmodel.DocError, "no method and path"):
            docmodel.read_text(text, "rst", "x.rst")

    def test_grid_rows_out_of_line_are_realigned(self) -> None:
        model = read("ragged_grid.rst")
        fields = response(model, "200")["fields"]
        self.assertEqual([(f["name"], f["type"], f["enum"]) for f in fields], [("state", "String", ["done", "queued"]), ("size", "Long", [])])
        self.assertEqual(
            [w for w in model["warnings"] if "realigned" in w],
            [
                "line 19: a table row's cell borders were out of line; realigned",
                "line 20: a table row's cell borders were out of line; realigned",
            ],
        )
        # A row with a cell too wide for its column is left to docutils, which refuses it.
        text = (DOCS / "ragged_grid.rst").read_text(encoding="utf-8").replace("Bytes mirrored so far.", "Bytes mirrored so far, counted as they are written.")
        with self.assertRaisesRegex(docmodel.DocError, "cannot read the table"):
            docmodel.read_text(text, "rst", "x.rst")

    def test_method_lines(self) -> None:
        for line in (
            "GET/v1.0/{project_id}/jobs",
            "GET  /v1.0/{project_id}/jobs",
            "URI: GET /v1.0/{project_id}/jobs",
            "Request URL: GET https://{endpoint}/v1.0/{project_id}/jobs",
            "GET https://{endpoint}/v1.0/{project_id}/jobs",
            "Method: GET URI: /v1.0/{project_id}/jobs",
        ):
            with self.subTest(line):
                self.assertEqual(T.method_line(line), T.Endpoint("GET", "/v1.0/{project_id}/jobs", ()))
        for line in ("Get the job.", "GET", "GETTING /v1/jobs", "URI format: GET https://IMS endpoint/v1/Project ID/jobs"):
            with self.subTest(line):
                self.assertIsNone(T.method_line(line))


class NestedParentTest(unittest.TestCase):
    """Nested tables stay under their parents when anchors are de-duplicated (`_1` gone, two
    tables with one anchor) and captions renamed; links into other pages link nothing here."""

    def test_same_parents_before_and_after(self) -> None:
        old, new = read("tag_tables_old.rst"), read("tag_tables_new.rst")
        for model in (old, new):
            body = model["request_body"]
            self.assertEqual([f["name"] for f in body], ["target", "tags", "labels"])
            self.assertEqual([c["name"] for c in field(body, "tags")["children"]], ["key", "value"])
            fields = response(model, "200")["fields"]
            self.assertEqual([f["name"] for f in fields], ["job_id", "resource"], "nested tables are not top-level")
            self.assertEqual(
                [c["name"] for c in field(fields, "resource", "tags")["children"]], ["key", "value", "origin"]
            )

    def test_a_table_number_of_another_page_is_not_ours(self) -> None:
        # "see Table 4" linking into vlt_02_0005: not this page's Table 4 (the response).
        model = read("tag_tables_old.rst")
        self.assertEqual(field(model["request_body"], "labels")["children"], [])
        self.assertIn("line 30: no table describes labels (List<label>)", model["warnings"])

    def test_lists_of_named_structures_are_objects(self) -> None:
        self.assertTrue(T.is_object_type("List<resource_tag>"))
        self.assertEqual(T.type_name("List<resource_tag>"), "resource_tag")
        for plain in ("List<String>", "Array<Integer>", "Map<String,String>", "List<int64>"):
            with self.subTest(plain):
                self.assertFalse(T.is_object_type(plain))


class ExampleShapesTest(unittest.TestCase):
    """Request line and body in one block or two, the URI example as a bullet with or without
    its method, "STATUS CODE 202" and "None" blocks: the same examples, text kept as written."""

    def test_split_and_merged_blocks_give_the_same_examples(self) -> None:
        split, merged = read("example_split.rst"), read("example_merged.rst")
        for model in (split, merged):
            self.assertEqual([e["json"] for e in model["request_examples"]], [None, {"depth": "full"}])
            (only,) = model["responses"]
            self.assertEqual((only["status"], only["assumed"]), ("202", False))
            self.assertEqual([e["json"] for e in only["examples"]], [{"job_id": "b1c2"}], "no STATUS CODE or None example")
        self.assertEqual(
            split["request_examples"][1]["text"],
            'POST https://{endpoint}/v1/{project_id}/vaults/{vault_id}/scrub\n\n{\n    "depth": "full"\n}',
        )
        self.assertEqual(
            merged["request_examples"][1]["text"],
            'POST https://{endpoint}/v1/{project_id}/vaults/{vault_id}/scrub\n{\n    "depth": "full"\n}',
        )

    def test_the_uri_example_is_an_example_with_or_without_its_method(self) -> None:
        self.assertEqual(
            read("example_split.rst")["request_examples"][0]["text"], "https://vault.example.test/v1/5f1e/vaults/v-9/scrub"
        )
        self.assertEqual(
            read("example_merged.rst")["request_examples"][0]["text"],
            "POST https://vault.example.test/v1/5f1e/vaults/v-9/scrub",
        )


class HtmlReaderTest(unittest.TestCase):
    """Huawei Cloud style HTML: captions, ``<thead>``, spans, links, status labels."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.model = read("vault_task.html")

    def test_title_skips_navigation_and_scripts(self) -> None:
        self.assertEqual(self.model["title"], "Querying a Vault Task")
        self.assertEqual(self.model["format"], "html")

    def test_parameters_with_rowspan(self) -> None:
        self.assertEqual(
            params(self.model),
            [
                ("project_id", "path", True, "String"),
                ("task_id", "path", True, "String"),
                ("verbose", "query", False, "Boolean"),
                ("X-Auth-Token", "header", True, "String"),
                ("X-Vault-Region", "header", False, "String"),
            ],
        )
        self.assertEqual(self.model["parameters"][1]["at"], "table 1 row 2")
        self.assertEqual(self.model["parameters"][4]["enum"], ["north-1", "north-2", "south-1"])

    def test_responses_by_status_label(self) -> None:
        self.assertEqual([r["status"] for r in self.model["responses"]], ["200", "404"])
        fields = response(self.model, "200")["fields"]
        outcome = field(fields, "outcome")
        self.assertEqual(outcome["type"], "TaskOutcome object")
        self.assertEqual([c["name"] for c in outcome["children"]], ["vault_id", "steps"])
        steps = field(fields, "outcome", "steps")
        self.assertEqual(steps["type"], "Array of TaskStep objects")
        self.assertEqual(field(steps["children"], "state")["enum"], ["DONE", "QUEUED", "WORKING"])
        self.assertEqual(field(fields, "state")["enum"], ["BROKEN", "DONE", "QUEUED", "WORKING"])
        self.assertEqual([f["name"] for f in response(self.model, "404")["fields"]], ["error_code", "error_msg"])

    def test_examples_by_status(self) -> None:
        self.assertEqual(response(self.model, "200")["examples"][0]["json"]["kind"], "copy")
        self.assertEqual(response(self.model, "404")["examples"][0]["json"]["error_code"], "VLT.0404")
        self.assertIsNone(self.model["request_examples"][0]["json"])
        self.assertEqual(
            self.model["status_codes"],
            [{"status": "200", "description": "OK"}, {"status": "404", "description": "Not found"}],
        )

    def test_reformatted_page_with_renamed_anchor_reads_the_same(self) -> None:
        self.assertEqual(comparable(read("vault_task_reflow.html")), comparable(self.model))

    def test_html_source_copied_from_a_code_viewer(self) -> None:
        html = (DOCS / "vault_task.html").read_text(encoding="utf-8").split("\n")
        viewer = ["some/path/vault_task.html", "Writer abc123 commit message", "3 KiB", ""]
        for line in html:
            viewer += [line, "|"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "vault_task.html.txt"
            path.write_text("\n".join(viewer), encoding="utf-8")
            model = docmodel.read_document(str(path))
        self.assertEqual(model["format"], "page-text")
        self.assertEqual(comparable(model, PLACE_KEYS | {"format"}), comparable(self.model, PLACE_KEYS | {"format"}))
        # Lines are those of the copied text: HTML line N is line 4 + 2N - 1 there.
        html_line = int(response(self.model, "200")["examples"][0]["at"].split()[1])
        self.assertEqual(response(model, "200")["examples"][0]["at"], f"line {4 + 2 * html_line - 1}")


class PageTextReaderTest(unittest.TestCase):
    """Copied page text: pipe tables, one-cell-per-paragraph tables, Chinese pages."""

    def test_pipe_tables_read_like_the_html_page(self) -> None:
        model = read("vault_task.txt")
        self.assertEqual(model["format"], "page-text")
        self.assertEqual(model["title"], "Querying a Vault Task")
        ignore = PLACE_KEYS | {"format", "text"}
        self.assertEqual(comparable(model, ignore), comparable(read("vault_task.html"), ignore))

    def test_untitled_nested_tables_follow_their_fields(self) -> None:
        fields = response(read("vault_task.txt"), "200")["fields"]
        self.assertEqual([c["name"] for c in field(fields, "outcome")["children"]], ["vault_id", "steps"])
        self.assertEqual([c["name"] for c in field(fields, "outcome", "steps")["children"]], ["name", "state"])

    def test_rewrapped_cells_read_the_same(self) -> None:
        self.assertEqual(comparable(read("vault_task_reflow.txt")), comparable(read("vault_task.txt")))

    def test_paragraph_tables_read_like_the_rst_page(self) -> None:
        model = read("vault_task_paragraphs.txt")
        self.assertEqual(model["title"], "Querying a Vault Task")
        ignore = PLACE_KEYS | {"format"}
        self.assertEqual(comparable(model, ignore), comparable(read("vault_task.rst"), ignore))
        example = response(model, "200")["examples"][0]
        self.assertTrue(example["text"].startswith("{\n"), "the code viewer's line numbers are dropped")

    def test_chinese_page(self) -> None:
        model = read("vault_task.zh.txt")
        self.assertEqual(model["title"], "查询保险库任务")
        # The copy lost the "是" cells: mandatory unknown, but path parameters are always mandatory.
        self.assertEqual(
            params(model),
            [
                ("project_id", "path", True, "String"),
                ("task_id", "path", True, "String"),
                ("X-Auth-Token", "header", None, "String"),
                ("X-Vault-Region", "header", False, "String"),
            ],
        )
        self.assertEqual(model["parameters"][3]["enum"], ["north-1", "north-2", "south-1"])
        fields = response(model, "200")["fields"]
        self.assertEqual(field(fields, "state")["enum"], ["DONE", "QUEUED", "WORKING"])
        self.assertEqual([c["name"] for c in field(fields, "steps")["children"]], ["name", "result"])
        self.assertEqual(field(fields, "steps", "result")["enum"], [], "Chinese phrases are no values")
        self.assertEqual([f["name"] for f in response(model, "404")["fields"]], ["error_code", "error_msg"])
        self.assertEqual(response(model, "200")["examples"][0]["json"]["state"], "DONE")
        self.assertEqual(model["request_examples"][0]["text"], "GET v2/0123456789abcdef/vault/tasks/task-7")
        self.assertEqual([s["status"] for s in model["status_codes"]], ["200", "404"])


class ErrorTest(unittest.TestCase):
    """Documents the readers cannot understand: an error naming the place, never an empty model."""

    def assert_error(self, name: str, expected: str) -> None:
        path = str(DOCS / name)
        with self.assertRaises(docmodel.DocError) as caught:
            docmodel.read_document(path)
        self.assertEqual(caught.exception.format_for(path), f"{path}{expected}")

    def test_malformed_grid_table(self) -> None:
        self.assert_error("broken_table.rst", ":15: cannot read the table: Malformed table. Right border not aligned or missing.")

    def test_page_without_a_call(self) -> None:
        self.assert_error("no_call.rst", ":1: no method and path (such as `GET /v1/{project_id}/jobs/{job_id}`) found")

    def test_html_table_errors_name_the_table(self) -> None:
        self.assert_error("broken_span.html", ": table 1: span 'two' is not a number")
        self.assert_error("wide_row.html", ": table 2: row 1 has 4 cells, the header 3")

    def test_page_text_rows_that_do_not_fit(self) -> None:
        self.assert_error(
            "broken_rows.txt", ":15: the rows after the table header (Parameter | Mandatory | Description) do not fit its columns"
        )

    def test_unknown_extension(self) -> None:
        with self.assertRaises(docmodel.DocError) as caught:
            docmodel.read_document("page.md")
        self.assertIn("--format", caught.exception.message)


class CommandTest(unittest.TestCase):
    """``docmodel.py read FILE``: JSON on standard output, or one line and exit status 2."""

    def run_script(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, encoding="utf-8", check=False
        )

    def test_prints_the_model(self) -> None:
        result = self.run_script("read", str(DOCS / "vault_task.zh.txt"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        self.assertIn('"title": "查询保险库任务"', result.stdout, "UTF-8, not \\u escapes")
        self.assertTrue(result.stdout.startswith('{\n  "model": 1,\n  "source": '), "indent=2, fixed key order")
        self.assertEqual(json.loads(result.stdout), read("vault_task.zh.txt"))

    def test_format_option(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "page.source"
            shutil.copy(DOCS / "vault_task.rst", path)
            result = self.run_script("read", str(path), "--format", "rst")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["format"], "rst")

    def test_error_is_one_line_with_status_2(self) -> None:
        path = str(DOCS / "broken_table.rst")
        result = self.run_script("read", path)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.stderr.count("\n"), 1)
        self.assertTrue(result.stderr.startswith(f"{path}:15: "), result.stderr)

    def test_transform_prints_the_rewritten_page(self) -> None:
        path = str(DOCS / "enum_ways_new.rst")
        result = self.run_script("transform", "swap-kinds", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, swap_table_kinds((DOCS / "enum_ways_new.rst").read_text(encoding="utf-8")))
        missing = self.run_script("transform", "rename-anchors", str(DOCS / "call_root.rst"))
        self.assertEqual((missing.returncode, missing.stdout), (1, ""))
        self.assertIn("does not apply", missing.stderr)
        self.assertEqual(self.run_script("transform", "no-such-rewrite", path).returncode, 2)

    def test_read_many_reads_each_file_rewritten(self) -> None:
        names = ["enum_ways_new.rst", "call_root.rst", "broken_table.rst"]
        with tempfile.TemporaryDirectory() as tmp:
            listing = Path(tmp) / "list.txt"
            listing.write_text("".join(f"{DOCS / n}\n" for n in names), encoding="utf-8")
            result = self.run_script("read-many", str(listing), "--transform", "rename-anchors")
        self.assertEqual(result.returncode, 0, result.stderr)
        entries = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual([e["file"] for e in entries], [str(DOCS / n) for n in names])
        self.assertEqual(comparable(entries[0]["model"]), comparable(read("enum_ways_new.rst")))
        self.assertEqual(entries[1], {"file": str(DOCS / "call_root.rst"), "skipped": True})
        self.assertTrue(entries[2].get("skipped") or entries[2]["error"].startswith(f"{DOCS / 'broken_table.rst'}:"))


class TextTest(unittest.TestCase):
    """The shared interpretation of words: enums, calls, examples."""

    def test_enum_styles(self) -> None:
        cases = {
            "Job status. The value can be:\n- **SUCCESS**: done.\n- **FAIL**: not done.": ["FAIL", "SUCCESS"],
            "Job status. The value can be:\n- SUCCESS: done.\n- FAIL: not done.": ["FAIL", "SUCCESS"],
            "- **Single**: one node\n- **Ha**: two nodes": ["Ha", "Single"],
            "The value can be **a**, **b**, or **c**.": ["a", "b", "c"],
            "Value range: low, high": ["high", "low"],
            "API version. Fixed value: v1.": ["v1"],
            "Status.\nEnumeration values:\n- **Running**\n- **Failed**": ["Failed", "Running"],
            "类型\n- CREATE_SERVER - 创建\n- DELETE_SERVER - 删除": ["CREATE_SERVER", "DELETE_SERVER"],
            "区域。取值范围：a-1、b-2。": ["a-1", "b-2"],
            "枚举值：\n- ON\n- OFF": ["OFF", "ON"],
            "API type. The value is fixed at **Job** and cannot be changed.": ["Job"],
            "Status. The value can be: **Running**, indicating it runs. **Failed** indicating not.": [
                "Failed",
                "Running",
            ],
            "Kind.\nThe value can be:\n**alpha**: the first\n**beta**: the second\nDefault: **alpha**": ["alpha", "beta"],
            'Job status. The options are as follows:\n- JobPhaseRunning JobPhase = "Running"\n'
            '- JobPhaseFailed JobPhase = "Failed"': ["Failed", "Running"],
            "Task status, which can be **success**, **running**, or **failed**": ["failed", "running", "success"],
            "Status of a job, including **RUNNING**, **FAILED**, and **CANCELLED**.": ["CANCELLED", "FAILED", "RUNNING"],
            "Kind. The value is **Single**, **Ha**, or **Replica**, indicating one node, a pair, and a copy, "
            "respectively.": ["Ha", "Replica", "Single"],
            "Zone.\n- Region: r1\n  - AZ1(r1-a): r1-a\n  - AZ2(r1-b): r1-b\n- Region: r2\n  - AZ1(r2-a): r2-a": [
                "r1-a",
                "r1-b",
                "r2-a",
            ],
            "Version. Possible values are as follows:\n- MRS 1.6.3\n- MRS 3.1.0-LTS.1": ["MRS 1.6.3", "MRS 3.1.0-LTS.1"],
            "State.\n- **ok**: fine.\n  - Note: returned after a retry.\n- **bad**: broken.": ["bad", "ok"],
            "Job status. **Running**: the job runs. **Completed**: it is done. **Failed**: it failed.": [
                "Completed",
                "Failed",
                "Running",
            ],
            "Type. **full**：all of it；**incr**：the changes": ["full", "incr"],
            "Action. It can only be set to **SUCCESS**.": ["SUCCESS"],
            "Task status. The value can be:\n**Running**: it runs. **Completed**: done. **Failed**: not done.": [
                "Completed",
                "Failed",
                "Running",
            ],
            "API version. The value can only be v2.": ["v2"],
        }
        for description, values in cases.items():
            with self.subTest(description):
                self.assertEqual(T.enum_values(description), values)

    def test_not_enums(self) -> None:
        for description in (
            "This parameter is returned only when **job_type** is one of the following:\n- imsA\n- imsB",
            "Notes:\n- If the job runs, nothing is returned.\n- If it failed, an error is returned.",
            "Value range: 1 to 64 characters.",
            "The value is in UTC format.",
            "The default value is **100**.",
            "状态\n- 成功 - 已完成\n- 失败 - 未完成",
            "- Minimum: 8\n- Maximum: 36",
            "The length is fixed at 32 characters.",
            "The value is fixed at 32 characters long.",
            "The value can be: **Running**, indicating it runs. See the note.",
            "Kind. The value can be:\nalpha, the first",
            "The size, which can be changed later.",
            "Settings, including **name** and the description of the vault.",
            "The value is **Single** for one node and **Ha** for two.",
            "Steps:\n- Log in to the console\n- Open the page",
            "Possible values are as follows:\n- Minimum: 8\n- Default value: 10",
            "Size. **Minimum**: 1. **Maximum**: 10.",
            "Returned only when the job ran. **ok**: fine. **bad**: broken.",
            "Mode. **Note**: read the guide.",
            "Count. It can only be a positive integer.",
            "Name. See **Naming**: the rules, and **Limits**: the sizes.",
        ):
            with self.subTest(description):
                self.assertEqual(T.enum_values(description), [])
        self.assertEqual(T.enum_values("- **true**: yes\n- **false**: no", "Boolean"), [])

    def test_method_line(self) -> None:
        endpoint = T.method_line("GET https://{Endpoint}/v3/{project_id}/jobs?id={id}&limit={limit}")
        self.assertEqual(endpoint, T.Endpoint("GET", "/v3/{project_id}/jobs", ("id", "limit")))
        self.assertIsNone(T.method_line("URI format: GET https://IMS endpoint/v1/Project ID/jobs"))

    def test_lenient_json(self) -> None:
        parsed = T.parse_example('{\n  "a": 1, // one\n  "b": [1, 2, ...],\n  "c": ...,\n}')
        self.assertEqual(parsed.value, {"a": 1, "b": [1, 2], "c": None})
        self.assertEqual(parsed.repairs, ("// comments", "... ellipses", "trailing commas"))
        self.assertEqual(T.parse_example('{"a": "x, ]"}').value, {"a": "x, ]"})
        self.assertEqual(T.parse_example('POST /v1/x\nContent-Type: application/json\n\n{"a": 1}').value, {"a": 1})
        not_json = T.parse_example("GET /v1/x")
        self.assertEqual((not_json.value, not_json.error), (None, None))
        broken = T.parse_example('{"a": 1} {"b": 2}')
        self.assertIsNone(broken.value)
        self.assertIsNotNone(broken.error)
        self.assertEqual([p.value for p in T.parse_examples('{"a": 1}\n{"b": 2,}')], [{"a": 1}, {"b": 2}])
        self.assertEqual([p.value for p in T.parse_examples('{"a": 1} trailing words')], [None])
        prose = T.parse_example("Body:\n{\n  \"token\": \"abc\",\n}")
        self.assertEqual(prose.value, {"token": "abc"})
        self.assertEqual(prose.repairs, ("text before the JSON body skipped", "trailing commas"))
        self.assertEqual(T.parse_example("See [the list] of values.\n[not json").value, None)


# ---------------------------------------------------------------------------------------
# Limits (#19 item 9) and hostile text. Every hostile document is built here, never stored.
# ---------------------------------------------------------------------------------------

RST_HEAD = "Nested Page\n===========\n\nURI\n---\n\nGET /v1/{project_id}/widgets\n\n"
HTML_HEAD = "<h1>Nested Page</h1><h2>URI</h2><p>GET /v1/{project_id}/widgets</p>"
PAGE_TEXT_HEAD = "Nested Page\n\nURI\n\nGET /v1/{project_id}/widgets\n\n"


def nested_rst_list(levels: int) -> str:
    """One list ``levels`` deep, each item in the one before."""
    return "".join("  " * i + f"- level {i}\n\n" for i in range(levels))


def grid_table(lines: list[str]) -> list[str]:
    """``lines`` as the one cell of a grid table."""
    width = max(len(line) for line in lines)
    border = "+" + "-" * (width + 2) + "+"
    return [border] + ["| " + line.ljust(width) + " |" for line in lines] + [border]


def until(size: int, head: str, unit: str) -> str:
    """``head`` and as many ``unit``s as fit in ``size`` characters."""
    return head + unit * ((size - len(head)) // len(unit))


class LimitsTest(unittest.TestCase):
    """Size and depth limits: refused early, with bounded work, naming the limit's variable."""

    def assert_refused(self, call: Any, *expected: str) -> docmodel.DocError:
        with self.assertRaises(docmodel.DocError) as caught:
            call()
        for text in expected:
            self.assertIn(text, caught.exception.message)
        return caught.exception

    def test_a_hundred_nested_list_levels_are_refused_at_the_depth_limit_quickly_and_in_little_memory(self) -> None:
        # #19: 8.5 MB of 100 nested levels took the reader to 1.6 GB and 12 s. The same page,
        # as large as the size limit lets it be, is refused at its first too deep item.
        chain = nested_rst_list(100)
        page = until(L.DEFAULT_MAX_BYTES, RST_HEAD, chain)
        tracemalloc.start()
        started = time.monotonic()
        try:
            error = self.assert_refused(
                lambda: docmodel.read_text(page, "rst", "deep.rst", L.Limits()),
                "more than 64 levels deep",
                "CLOUDJOBS_DOCS_MAX_DEPTH",
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        elapsed = time.monotonic() - started
        # Sections are levels 1 and 2, a list level two more: level 30's item is at 64, so
        # its text would be deeper than the limit.
        self.assertEqual(error.format_for("deep.rst").split(": ")[0], f"deep.rst:{RST_HEAD.count(chr(10)) + 1 + 2 * 30}")
        self.assertLess(peak, 100 * 1024 * 1024, "the parse stopped before building the page")
        self.assertLess(elapsed, 30)

    def test_every_kind_of_rst_nesting_is_bounded(self) -> None:
        table = ["x"]
        for _ in range(20):  # 20 tables in tables: 100 levels
            table = grid_table(table)
        pages = {
            "block quotes": "".join(" " * i + f"quote {i}\n\n" for i in range(100)),
            "enumerated lists": "".join("   " * i + f"1. level {i}\n\n" for i in range(100)),
            "definition lists": "".join("  " * i + f"term {i}\n" + "  " * (i + 1) + "definition\n\n" for i in range(60)),
            "tables in tables": "\n".join(table) + "\n",
            "directives": "".join("   " * i + ".. only:: html\n\n" for i in range(100)) + "   " * 100 + "x\n",
            "line blocks": "".join("| " + " " * i + f"line {i}\n" for i in range(100)),
        }
        for kind, body in pages.items():
            with self.subTest(kind):
                self.assert_refused(lambda: docmodel.read_text(RST_HEAD + body, "rst", "p.rst", L.Limits()), "levels deep")

    def test_line_blocks_deeper_than_python_can_walk_are_a_clean_error(self) -> None:
        # docutils nests indented line blocks by a recursion of its own.
        body = "".join("| " + " " * i + "x\n" for i in range(1500))
        self.assert_refused(lambda: docmodel.read_text(RST_HEAD + body, "rst", "p.rst", L.Limits()), "nests too deeply")

    def test_nesting_within_the_limit_reads_and_the_limit_can_be_raised(self) -> None:
        model = docmodel.read_text(RST_HEAD + nested_rst_list(25), "rst", "p.rst", L.Limits())
        self.assertEqual(model["path"], "/v1/{project_id}/widgets")
        limits = L.Limits.from_env({L.MAX_DEPTH_ENV: "250"})
        self.assertEqual(limits.max_depth, 250)
        model = docmodel.read_text(RST_HEAD + nested_rst_list(100), "rst", "p.rst", limits)
        self.assertEqual(model["method"], "GET")

    def test_deep_html_is_refused_at_the_element_that_opens_too_deep(self) -> None:
        for name, body in {
            "lists": "\n".join("<ul><li>level" for _ in range(100)),
            "divs": "\n".join("<div>" for _ in range(10_000)),  # a RecursionError before
            "tables in tables": "\n".join("<table><tr><td>" for _ in range(50)),
            "inline": "<span>" * 100_000,
        }.items():
            with self.subTest(name):
                error = self.assert_refused(
                    lambda: docmodel.read_text(HTML_HEAD + "\n" + body, "html", "p.html", L.Limits()),
                    "nest more than 64 levels deep",
                    "CLOUDJOBS_DOCS_MAX_DEPTH",
                )
                self.assertIsNotNone(error.line)
        error = self.assert_refused(
            lambda: docmodel.read_text(HTML_HEAD + "\n" + "<ul><li>\n" * 40, "html", "p.html", L.Limits()), "<ul>"
        )
        self.assertEqual(error.line, 34, "the line of the 65th element (two a line from line 2)")

    def test_deep_html_source_in_page_text_is_refused_at_its_line_in_the_copy(self) -> None:
        copied = "Nested Page\n\n" + "".join(f"<div>\n|\n" for _ in range(100)) + "<p>GET /v1/{project_id}/x</p>\n"
        error = self.assert_refused(lambda: docmodel.read_text(copied, "page-text", "p.txt", L.Limits()), "levels deep")
        self.assertEqual(error.line, 3 + 2 * 64, "the copy's line, past the | lines")

    def test_oversized_input_is_refused_before_it_is_parsed(self) -> None:
        limits = L.Limits(max_bytes=1000)
        for fmt, unit in (("rst", "word "), ("html", "<p>word</p>"), ("page-text", "word\n")):
            with self.subTest(fmt), mock.patch("docmodel.assemble", side_effect=AssertionError("parsed")), mock.patch(
                "docmodel.rst.read_rst", side_effect=AssertionError("parsed")
            ), mock.patch("docmodel.htmlpage.read_html", side_effect=AssertionError("parsed")), mock.patch(
                "docmodel.pagetext.read_page_text", side_effect=AssertionError("parsed")
            ):
                text = until(1001, "", unit) + "x" * 10
                error = self.assert_refused(
                    lambda: docmodel.read_text(text, fmt, "big", limits),
                    f"the document is {len(text.encode())} bytes, more than the readers' limit of 1000 bytes",
                    "set CLOUDJOBS_DOCS_MAX_BYTES",
                )
                self.assertEqual(error.line, 1)
                self.assert_refused(lambda: docmodel.read_bytes(text.encode(), fmt, "big", limits), "1000 bytes")
        # Multi-byte characters count as their bytes.
        self.assert_refused(lambda: docmodel.read_text("é" * 501, "page-text", "big", limits), "1002 bytes")

    def test_an_oversized_file_is_refused_from_its_size_unread(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "huge.rst"
            with open(path, "wb") as handle:
                handle.truncate(L.DEFAULT_MAX_BYTES + 1)  # sparse: nothing to read
            with mock.patch("os.read", side_effect=AssertionError("read")):
                error = self.assert_refused(
                    lambda: docmodel.read_document(str(path), limits=L.Limits()),
                    f"the document is {L.DEFAULT_MAX_BYTES + 1} bytes",
                )
            self.assertEqual(error.format_for(str(path)).split(": ")[0], f"{path}:1")

    def test_a_fifo_is_not_waited_on(self) -> None:
        if not hasattr(os, "mkfifo"):
            self.skipTest("no FIFOs here")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pipe.rst"
            os.mkfifo(path)
            self.assert_refused(lambda: docmodel.read_document(str(path), limits=L.Limits()), "not a regular file")

    def test_limit_variables_are_validated(self) -> None:
        self.assertEqual(L.Limits.from_env({}), L.Limits(L.DEFAULT_MAX_BYTES, L.DEFAULT_MAX_DEPTH))
        self.assertEqual(L.Limits.from_env({L.MAX_BYTES_ENV: " 2048 ", L.MAX_DEPTH_ENV: ""}), L.Limits(2048, 64))
        for name in (L.MAX_BYTES_ENV, L.MAX_DEPTH_ENV):
            for value in ("abc", "0", "-5", "1e6", "2.5", "١٢", "9" * 40, "1_000", str(10**10)):
                with self.subTest(name=name, value=value), self.assertRaises(L.SettingError) as caught:
                    L.Limits.from_env({name: value})
                self.assertIn(f"{name}={value!r} is not a whole number from 1 to", str(caught.exception))

    def test_the_command_names_the_file_and_the_variable(self) -> None:
        path = str(DOCS / "vault_task.rst")
        env = {**os.environ, L.MAX_BYTES_ENV: "100"}
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "read", path], capture_output=True, text=True, env=env, check=False
        )
        self.assertEqual(result.returncode, 2)
        size = (DOCS / "vault_task.rst").stat().st_size
        self.assertEqual(
            result.stderr,
            f"{path}:1: the document is {size} bytes, more than the readers' limit of 100 bytes; "
            "set CLOUDJOBS_DOCS_MAX_BYTES to a larger number of bytes to read it\n",
        )
        env = {**os.environ, L.MAX_DEPTH_ENV: "deep"}
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "read", path], capture_output=True, text=True, env=env, check=False
        )
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertTrue(result.stderr.startswith(f"{path}: not read: CLOUDJOBS_DOCS_MAX_DEPTH='deep' is not"), result.stderr)
        self.assertEqual(result.stderr.count("\n"), 1)

    def test_too_many_elements_for_the_size_limit_are_refused(self) -> None:
        # At the default size, "x" paragraphs took docutils 600 bytes of memory a byte (2.4
        # GB for 4 MiB). The same pages at a 256 KiB limit, refused at 32768 elements.
        limits = L.Limits(max_bytes=256 * 1024)
        cases = {
            "rst": until(limits.max_bytes, RST_HEAD, "x\n\n"),
            "html": until(limits.max_bytes, HTML_HEAD, "<br>"),
            "page-text": until(limits.max_bytes, PAGE_TEXT_HEAD, "x\n"),
        }
        for fmt, page in cases.items():
            with self.subTest(fmt):
                self.assert_refused(
                    lambda: docmodel.read_text(page, fmt, "many", limits),
                    "more than 32768",
                    "one per 8 bytes of CLOUDJOBS_DOCS_MAX_BYTES, now 262144",
                )

    def test_field_tables_describing_each_other_are_bounded(self) -> None:
        def page(tables: int, fields: int) -> str:
            parts = [HTML_HEAD, "<h2>Response</h2>"]
            for i in range(tables):
                rows = "".join(
                    f'<tr><td>f{k}</td><td>Item object</td><td>See <a href="#t{i + 1}">the next</a>.</td></tr>'
                    for k in range(fields)
                )
                parts.append(f'<table id="t{i}"><tr><th>Name</th><th>Type</th><th>Description</th></tr>{rows}</table>')
            return "".join(parts)

        # A chain deeper than the depth limit (a RecursionError at 1000 before).
        self.assert_refused(lambda: docmodel.read_text(page(100, 1), "html", "p.html", L.Limits()), "describe fields more than 64 levels deep")
        # Two fields per table, each describing the next: 2**29 fields to render (refused at
        # 32768 here, with a size limit of 256 KiB).
        self.assert_refused(
            lambda: docmodel.read_text(page(30, 2), "html", "p.html", L.Limits(max_bytes=256 * 1024)),
            "more than 32768 fields, counting a table's fields again",
        )
        self.assert_refused(lambda: docmodel.read_text(page(501, 0), "html", "p.html", L.Limits()), "more than 500 tables")


class HostileTextTest(unittest.TestCase):
    """Text that took time growing with the square of its size (or crashed a reader)."""

    def assert_quick(self, call: Any, bound: float = 20.0) -> Any:
        started = time.monotonic()
        try:
            return call()
        except docmodel.DocError as error:
            return error
        finally:
            # Each took minutes before (measured); a bound far above what it takes now.
            self.assertLess(time.monotonic() - started, bound)

    def test_unmatched_inline_markup(self) -> None:
        # 60 KB of "*a " in one paragraph: 14 s before, docutils searching the rest of the
        # paragraph for every start-string; 3 paragraphs of it: 41 s.
        page = RST_HEAD + (("*a " * 23 + "\n") * 850 + "\n") * 3
        model = self.assert_quick(lambda: docmodel.read_text(page, "rst", "p.rst", L.Limits()))
        self.assertEqual(model["path"], "/v1/{project_id}/widgets")
        self.assert_refused_paragraph(RST_HEAD + ("word " * 14 + "\n") * 1000)

    def assert_refused_paragraph(self, page: str) -> None:
        with self.assertRaises(docmodel.DocError) as caught:
            docmodel.read_text(page, "rst", "p.rst", L.Limits())
        self.assertIn("a paragraph of 69999 characters, more than the reader's 65536", caught.exception.message)
        self.assertEqual(caught.exception.line, RST_HEAD.count("\n") + 1)

    def test_inline_markup_reads_as_docutils_reads_it(self) -> None:
        from docutils.frontend import get_default_settings
        from docutils.parsers.rst import Parser
        from docutils.utils import new_document

        from docmodel import rst

        samples = [
            "*a* **b** ``c`` `d` :ref:`e <f>` |g| _`h` i_ `j`_ [1]_ [#k]_ [*]_ [CIT]_",
            "*unmatched **also `and ``these |too",
            "a*b* *c*d (*e*) '*f*' \"*g*\" *h *i* **j **k** *l**",
            "*a\\* b* ``a\\`` `x`:role: :role:`y` `z`__ `w <http://example.com>`_",
            "x *\n*y* *z\n* end *of*",
            "**" * 50 + " *" * 50 + " `" * 50 + " |" * 50,
            "* a* *a * *\\ a* (*) [*] ‘*x*’ «*y*» *z*.",
        ]
        rng = random.Random(19)
        alphabet = ["*", "**", "`", "``", "|", "_", " ", "a", "b", ":", "<", ">", "\\", "(", ")", "\n", ".", "'"]
        samples += ["".join(rng.choice(alphabet) for _ in range(60)) for _ in range(300)]
        for sample in samples:
            text = "Title\n=====\n\n" + sample.strip() + "\n"
            trees = []
            for parser in (Parser(), rst._GuardedParser()):
                rst.register_sphinx_markup()
                settings = get_default_settings(Parser)
                settings.report_level = 5
                settings.halt_level = 5
                settings.warning_stream = __import__("io").StringIO()
                settings.cloudjobs_guard = rst._Guard(L.Limits())
                document = new_document("s.rst", settings)
                parser.parse(text, document)
                trees.append(document.pformat())
            self.assertEqual(trees[0], trees[1], sample)

    def test_html_markup_that_never_ends(self) -> None:
        head = HTML_HEAD
        pages = {
            "tags after the last >": head + "<a" * 200_000,  # 35 s for 80 KB before: minutes
            "end tags after the last >": head + "</" * 200_000,
            "comments without an end": head + "<!--x>" * 70_000,
            "marked sections without an end": head + "<![CDATA[ >" * 40_000,
        }
        for name, page in pages.items():
            with self.subTest(name):
                model = self.assert_quick(lambda: docmodel.read_text(page, "html", "p.html", L.Limits()))
                self.assertIsInstance(model, dict)

    def test_html_marked_sections_are_bogus_comments(self) -> None:
        # Python's _markupbase raised AssertionError on these.
        for section in ("<![ x>", "<![foo[x]]>", "<![if !supportLists]>", "<![CDATA[a]]>"):
            with self.subTest(section):
                model = docmodel.read_text(head_html(section), "html", "p.html", L.Limits())
                self.assertEqual(model["path"], "/v1/{project_id}/widgets")

    def test_html_text_after_the_last_tag_end_is_text(self) -> None:
        blocks = docmodel.htmlpage.read_html("<h1>T</h1><p>a &amp; b</p>tail <b c &lt; d", limits=L.Limits()).blocks
        self.assertEqual([b.cell.markup for b in blocks if isinstance(b, docmodel.blocks.Para)], ["a & b", "tail <b c < d"])

    def test_page_text_lines_of_brackets_tags_and_headers(self) -> None:
        # 22 s, 20 s and 17 s before (measured), each:
        pages = {
            # every "{" line searched up to 5000 lines for its end
            "brackets": PAGE_TEXT_HEAD + "{\n" * 50_000,
            # the test for HTML source searched for a > at every tag start
            "tags": PAGE_TEXT_HEAD + "<p " * 100_000,
            # 400 paragraphs read ahead at every column name
            "column names": PAGE_TEXT_HEAD + "Parameter\n\n" * 60_000,
        }
        for name, page in pages.items():
            with self.subTest(name):
                self.assert_quick(lambda: docmodel.read_text(page, "page-text", "p.txt", L.Limits()), bound=10)

    def test_page_text_json_ends_are_those_of_the_line_by_line_search(self) -> None:
        from docmodel import pagetext

        def brute(lines: list[Any], i: int) -> int | None:
            depth = 0
            for j in range(i, min(len(lines), i + pagetext._JSON_LINES)):
                in_string = escaped = False
                for ch in lines[j].text:
                    if in_string:
                        if escaped:
                            escaped = False
                        elif ch == "\\":
                            escaped = True
                        elif ch == '"':
                            in_string = False
                    elif ch == '"':
                        in_string = True
                    elif ch in "{[":
                        depth += 1
                    elif ch in "}]":
                        depth -= 1
                        if depth == 0:
                            return j + 1
            return None

        rng = random.Random(9)
        pieces = ["{", "}", "[", "]", '"', "\\", "a", " ", '"}"', '"\\""']
        for _ in range(300):
            lines = [
                pagetext._Line(n + 1, "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 6))))
                for n in range(rng.randrange(1, 30))
            ]
            ends = pagetext._json_ends(lines)
            # The reader asks only for lines that start with a bracket.
            starts = [i for i, line in enumerate(lines) if line.body[:1] in ("{", "[")]
            self.assertEqual(
                [ends[i] for i in starts], [brute(lines, i) for i in starts], [line.text for line in lines]
            )
        lines = [pagetext._Line(n + 1, "{") for n in range(6000)] + [pagetext._Line(6001, "}" * 6000)]
        ends = pagetext._json_ends(lines)
        self.assertEqual(
            (ends[0], ends[1000], ends[1001], ends[5999]), (None, None, 6001, 6001), "the 5000-line window"
        )

    def test_untitled_tables_still_link_in_a_chain(self) -> None:
        # Untitled tables are linked by cursors now, titles looked up in indexes (each
        # untitled table was compared with every earlier one, every title read again for
        # every field): the same links.
        table = "==== ========\nName Type\n==== ========\na    X object\n==== ========\n\n"
        page = RST_HEAD + "Response\n--------\n\n" + table * 60
        model = self.assert_quick(lambda: docmodel.read_text(page, "rst", "p.rst", L.Limits()))
        depth, fields = 0, response(model, "200")["fields"]
        while fields:
            depth, fields = depth + 1, fields[0]["children"]
        self.assertEqual(depth, 60)


def head_html(body: str) -> str:
    return HTML_HEAD + body


class FuzzHarnessTest(unittest.TestCase):
    """The fuzz target's check (``fuzz_docmodel.py``) over its seeds, without atheris."""

    def test_every_seed_passes_the_check(self) -> None:
        import fuzz_docmodel

        for kind in fuzz_docmodel.FORMATS:
            paths = fuzz_docmodel.seeds(kind)
            self.assertGreaterEqual(len(paths), 2, kind)
            read = 0
            for path in paths:
                with self.subTest(seed=str(path.relative_to(HERE))):
                    data = path.read_bytes()
                    fuzz_docmodel.check(data, kind)
                    try:
                        docmodel.read_bytes(data, fuzz_docmodel.FORMATS[kind][0], "seed", L.Limits())
                        read += 1
                    except docmodel.DocError:
                        pass
                    # Cut short and with a byte flipped, as the fuzzer starts from them.
                    fuzz_docmodel.check(data[: len(data) // 2], kind)
                    fuzz_docmodel.check(bytes([data[0] ^ 0x80]) + data[1:], kind)
            self.assertGreaterEqual(read, 2, f"the {kind} seeds describe calls the readers read")

    def test_the_check_tells_findings_from_clean_errors(self) -> None:
        import fuzz_docmodel

        fuzz_docmodel.check(b"\xff\xfe not UTF-8", "rst")  # a DocError: clean
        fuzz_docmodel.check(b"no call here", "txt")
        with mock.patch("docmodel.read_bytes", side_effect=IndexError("a bug")):
            with self.assertRaises(IndexError):
                fuzz_docmodel.check(b"x", "html")
        with mock.patch("docmodel.read_bytes", side_effect=docmodel.DocError("two\nlines", line=1)):
            with self.assertRaises(fuzz_docmodel.Finding):
                fuzz_docmodel.check(b"x", "html")
        with mock.patch("docmodel.read_bytes", return_value={"model": 1}):
            with self.assertRaises(fuzz_docmodel.Finding):
                fuzz_docmodel.check(b"x", "html")



# ---------------------------------------------------------------------------------------
# Metamorphic tests: rewrites of a reStructuredText page that must not change its model
# except in `description` and `at` (DOCMODEL.md), from `docmodel/transform.py`.
# ---------------------------------------------------------------------------------------

METAMORPHIC = {description: rewrite for description, rewrite in TRANSFORMS.values()}


class MetamorphicTest(unittest.TestCase):
    """Every RST fixture, rewritten in ways a page is rewritten without changing the API,
    reads to the same model but for `description` and `at`."""

    def test_rewrites_keep_the_model(self) -> None:
        applied: dict[str, int] = {name: 0 for name in METAMORPHIC}
        for path in sorted(DOCS.glob("*.rst")):
            source = path.read_text(encoding="utf-8")
            try:
                expected = comparable(docmodel.read_document(str(path)))
            except docmodel.DocError:
                continue  # a fixture of an error
            for name, rewrite in METAMORPHIC.items():
                rewritten = rewrite(source)
                if rewritten is None or rewritten == source:
                    continue  # the rewrite does not apply to this page
                with self.subTest(fixture=path.name, rewrite=name):
                    with tempfile.TemporaryDirectory() as tmp:
                        copy = Path(tmp) / path.name
                        copy.write_text(rewritten, encoding="utf-8")
                        got = comparable(docmodel.read_document(str(copy)))
                    self.assertEqual(got, expected)
                    applied[name] += 1
        for name, count in applied.items():
            with self.subTest(rewrite=name):
                self.assertGreater(count, 0, f"{name} applied to no fixture")

    def test_the_rewrites_keep_what_would_change_meaning(self) -> None:
        from docmodel.transform import reflow_paragraphs

        def grid(cell: list[str]) -> str:
            width = max(len(x) for x in cell) + 2
            rows = [f"   | {'name':<6} | {x:<{width - 2}} |" if i == 0 else f"   | {'':<6} | {x:<{width - 2}} |" for i, x in enumerate(cell)]
            border = f"   +{'-' * 8}+{'-' * width}+"
            head = f"   | {'Name':<6} | {'Description':<{width - 2}} |"
            return "\n".join([border, head, border.replace("-", "="), *rows, border]) + "\n"

        # The last bullet goes on in a nested list after a blank line: reversing the run would
        # move the nested item under another value.
        nested = grid(["Kind:", "", "-  **a**: one", "", "-  **b**: two", "", "   -  **c**: three"])
        self.assertIsNone(reorder_value_bullets(nested))
        # An escaped space keeps its spacing: the paragraph is not reflowed.
        escaped = grid([":ref:`Thing <x>`\\  object, described in the table further down the page"])
        self.assertIsNone(reflow_paragraphs(escaped))

    def test_the_rewrites_rewrite(self) -> None:
        page = (DOCS / "enum_ways_new.rst").read_text(encoding="utf-8")
        self.assertIn("+------", swap_table_kinds(page) or "")
        self.assertIn(".. list-table:: **Table 2** Request body parameters", to_list_tables(page) or "")
        self.assertIn("<atadatem_erotser>`", rename_anchors(page) or "")
        reordered = reorder_value_bullets(page) or ""
        self.assertLess(reordered.index("**done**: finished"), reordered.index("**queued**: waiting"))


if __name__ == "__main__":
    unittest.main()

"""Tests of the document readers (``docmodel.py``): reStructuredText, HTML and page text.

The documents are small made-up pages in ``fixtures/docs/`` describing an invented
"Data Vault" task API in the shapes the real pages have. Run with the tool venv:

    target/tools/venv/bin/python -m unittest discover -s xtask/tools -p 'test_*.py'
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

import docmodel
from docmodel import text as T

HERE = Path(__file__).resolve().parent
DOCS = HERE / "fixtures" / "docs"
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


if __name__ == "__main__":
    unittest.main()

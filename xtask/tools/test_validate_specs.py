"""Tests for validate_specs.py (unittest, stdlib only).

Run from the repository root with the tools venv:
    target/tools/venv/bin/python -m unittest discover -s xtask/tools -p 'test_*.py' -v
Each broken fixture must fail with an error naming the file and the JSON
pointer (or line and column) of the offending node; the real specs must pass.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join("xtask", "tools", "validate_specs.py")
FIXTURES = os.path.join("xtask", "tools", "fixtures")
OP = "#/paths/~1v1~1jobs~1{job_id}/get"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


class BrokenFixtures(unittest.TestCase):
    def assert_fails_with(self, fixture: str, *expected: str) -> None:
        path = os.path.join(FIXTURES, fixture)
        result = run(path)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        self.assertNotIn(f"ok {path}", result.stdout)
        for text in expected:
            self.assertIn(f"{path}: {text}" if text.startswith("#") else text, result.stderr)

    def test_bad_example_type(self) -> None:
        self.assert_fails_with(
            "bad-example-type.yaml",
            f"{OP}/responses/200/content/application~1json/example/progress: 'x' is not of type 'integer'",
        )

    def test_dangling_ref(self) -> None:
        self.assert_fails_with(
            "dangling-ref.yaml",
            f"{OP}/responses/200/content/application~1json/schema/$ref: unresolvable reference '#/components/schemas/Missing'",
        )

    def test_openapi_structure(self) -> None:
        self.assert_fails_with(
            "bad-openapi.yaml",
            "#/components/schemas/Job/properties/error_code/minLength: 'eight' is not of type 'integer'",
        )

    def test_yaml_syntax_error(self) -> None:
        path = os.path.join(FIXTURES, "yaml-syntax-error.yaml")
        self.assert_fails_with("yaml-syntax-error.yaml", f"{path}:8:16: YAML syntax error")


class RealSpecs(unittest.TestCase):
    def test_all_specs_pass(self) -> None:
        specs = sorted(glob.glob(os.path.join(ROOT, "specs", "*.yaml")))
        self.assertTrue(specs, "no specs found")
        rel = [os.path.relpath(s, ROOT) for s in specs]
        result = run(*rel)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stderr, "")
        for spec in rel:
            self.assertIn(f"ok {spec}", result.stdout)


class Usage(unittest.TestCase):
    def test_no_arguments_is_a_usage_error(self) -> None:
        result = run()
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage:", result.stderr)

    def test_unknown_option_is_a_usage_error(self) -> None:
        self.assertEqual(run("--frobnicate").returncode, 2)

    def test_missing_file_fails_without_traceback(self) -> None:
        result = run("specs/does-not-exist.yaml")
        self.assertEqual(result.returncode, 1)
        self.assertIn("specs/does-not-exist.yaml: cannot read", result.stderr)
        self.assertNotIn("Traceback", result.stderr)


if __name__ == "__main__":
    unittest.main()

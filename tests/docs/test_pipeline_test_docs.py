"""The test-file example in docs/testing.md (fenced `yaml test-file`, which the pipeline
example check skips) is a real test file: run against examples/quickstart.yaml, it passes."""

from __future__ import annotations

import re
from pathlib import Path

from orderloom.dsl.testfile import load_test_file
from orderloom.runtime.pipeline_tests import run_file

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```yaml test-file\n(.*?)^```", re.S | re.M)


def test_testing_doc_example_passes(tmp_path: Path) -> None:
    (example,) = BLOCK.findall((ROOT / "docs" / "testing.md").read_text())
    (tmp_path / "quickstart.yaml").symlink_to(ROOT / "examples" / "quickstart.yaml")
    (tmp_path / "data").symlink_to(ROOT / "examples" / "data")
    path = tmp_path / "quickstart_test.yaml"
    path.write_text(example)
    results = run_file(load_test_file(path))
    assert [r.test.name for r in results] == [
        "buys the parent in three limit slices",
        "a buy past max_position is rejected",
    ]
    assert all(r.passed for r in results), [f.lines() for r in results for f in r.failures]

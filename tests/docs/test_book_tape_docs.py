"""The book-tape example in docs/testing.md (fenced `yaml test-file l2_imbalance.yaml`, which
neither the pipeline example check nor the quickstart test-file check picks up) is a real
test file: run against examples/l2_imbalance.yaml, every test passes."""

from __future__ import annotations

import re
from pathlib import Path

from orderloom.dsl.testfile import load_test_file
from orderloom.runtime.pipeline_tests import run_file

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```yaml test-file l2_imbalance\.yaml\n(.*?)^```", re.S | re.M)


def test_book_tape_example_passes(tmp_path: Path) -> None:
    (example,) = BLOCK.findall((ROOT / "docs" / "testing.md").read_text())
    (tmp_path / "l2_imbalance.yaml").symlink_to(ROOT / "examples" / "l2_imbalance.yaml")
    (tmp_path / "data").symlink_to(ROOT / "examples" / "data")
    path = tmp_path / "l2_imbalance_test.yaml"
    path.write_text(example)
    results = run_file(load_test_file(path))
    assert [r.test.name for r in results] == [
        "buys when the bid side leans, sells when it stops",
        "a sequence gap freezes the book until the next snapshot",
    ]
    assert all(r.passed for r in results), [f.lines() for r in results for f in r.failures]

"""Every test-file example in the docs (fenced ```yaml test-file [PIPELINE], which the
pipeline example check skips) is a real test file: run against examples/PIPELINE (default
quickstart.yaml), every test in it passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orderloom.dsl.testfile import load_test_file
from orderloom.runtime.pipeline_tests import run_file

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```yaml test-file(?: (\S+))?\n(.*?)^```", re.S | re.M)
EXAMPLES = [
    (f"{doc.name}:{n}", pipeline or "quickstart.yaml", body)
    for doc in sorted((ROOT / "docs").glob("*.md"))
    for n, (pipeline, body) in enumerate(BLOCK.findall(doc.read_text()))
]


def test_the_docs_have_test_file_examples() -> None:
    assert {pipeline for _, pipeline, _ in EXAMPLES} >= {"quickstart.yaml", "l2_imbalance.yaml"}


@pytest.mark.parametrize(("where", "pipeline", "body"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_docs_test_file_example_passes(
    where: str, pipeline: str, body: str, tmp_path: Path
) -> None:
    (tmp_path / pipeline).symlink_to(ROOT / "examples" / pipeline)
    (tmp_path / "data").symlink_to(ROOT / "examples" / "data")
    path = tmp_path / pipeline.replace(".yaml", "_test.yaml")
    path.write_text(body)
    results = run_file(load_test_file(path))
    assert len(results) >= 2, where
    assert all(r.passed for r in results), [f.lines() for r in results for f in r.failures]

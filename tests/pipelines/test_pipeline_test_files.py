"""Every reference pipeline (pipelines/ and pipelines/research/) ships with a `_test.yaml`
beside it holding at least two tests, and `orderloom test pipelines` passes them all."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_SUFFIX = "_test.yaml"
FOLDERS = (ROOT / "pipelines", ROOT / "pipelines" / "research")
PIPELINES = sorted(
    p for folder in FOLDERS for p in folder.glob("*.yaml") if not p.name.endswith(TEST_SUFFIX)
)
RESULT = re.compile(r"^(ok|FAIL) +(\S+_test\.yaml):\d+: ")


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_reference_pipelines_are_found() -> None:
    names = {_name(p) for p in PIPELINES}
    assert {
        "pipelines/twap_execution.yaml",
        "pipelines/python_strategy.yaml",
        "pipelines/research/avellaneda_stoikov.yaml",
    } <= names
    assert not any(name.startswith("pipelines/shared/") for name in names)


@pytest.mark.parametrize("pipeline", PIPELINES, ids=[_name(p) for p in PIPELINES])
def test_a_test_file_sits_beside_the_pipeline(pipeline: Path) -> None:
    beside = pipeline.with_name(pipeline.stem + TEST_SUFFIX)
    assert beside.is_file(), f"{_name(pipeline)} has no {beside.name} beside it"


def test_orderloom_test_passes_on_every_reference_pipeline() -> None:
    # A subprocess of its own: a `kind: python` pipeline imports its strategy package
    # (`strategies`) into the process, which must not be one another test imported first.
    res = subprocess.run(
        [sys.executable, "-m", "orderloom.cli.main", "test", "pipelines"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    results = [m.groups() for m in map(RESULT.match, res.stdout.splitlines()) if m]
    assert results and all(status == "ok" for status, _ in results), res.stdout
    per_file = Counter(file for _, file in results)
    for pipeline in PIPELINES:
        test_file = _name(pipeline.with_name(pipeline.stem + TEST_SUFFIX))
        assert per_file[test_file] >= 2, f"{test_file}: {per_file[test_file]} tests ran"
    assert res.stdout.splitlines()[-1] == f"{len(results)} passed, 0 failed"

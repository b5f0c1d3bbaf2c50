"""Every YAML example in the README and docs/ validates; every example in the error
reference fails with exactly the code it documents.

A complete pipeline (it has `orderloom:`) compiles as written; a fragment (some top-level
sections) is completed with the quickstart's other sections, so the names it uses must be
the quickstart's. Relative data paths (and `kind: python` modules) resolve against examples/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orderloom.dsl.compiler import compile_file
from orderloom.dsl.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
ERRORS = ROOT / "docs" / "errors.md"
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p != ERRORS)]
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.S | re.M)
CODE_HEADING = re.compile(r"^## (E\d{4}) ", re.M)


def _blocks(doc: Path) -> list[tuple[str, str, int]]:
    text = doc.read_text()
    return [
        (f"{doc.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}", m.group(1), m.start())
        for m in BLOCK.finditer(text)
    ]


def _examples() -> list[tuple[str, str]]:
    return [(where, body) for doc in DOCS for where, body, _ in _blocks(doc)]


def _error_examples() -> list[tuple[str, str, str]]:
    text = ERRORS.read_text()
    found = []
    for where, body, start in _blocks(ERRORS):
        headings = [m.group(1) for m in CODE_HEADING.finditer(text, 0, start)]
        # Examples that span several files (`# a.yaml` …) cannot stand alone.
        if headings and not body.startswith("# "):
            found.append((where, headings[-1], body))
    return found


def _sections(text: str) -> dict[str, str]:
    """Top-level sections of a YAML text, each as its own text block."""
    sections: dict[str, str] = {}
    current = None
    for line in text.splitlines(keepends=True):
        if line and not line[0].isspace() and not line.startswith("#") and ":" in line:
            current = line.split(":", 1)[0]
            sections[current] = ""
        if current is not None:
            sections[current] += line
    return sections


EXAMPLES = _examples()
ERROR_EXAMPLES = _error_examples()


def test_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 5


def _completed(text: str, tmp_path: Path) -> Path:
    (tmp_path / "data").symlink_to(ROOT / "examples" / "data")
    # `kind: python` examples import from the pipeline's folder, as examples/ pipelines do.
    (tmp_path / "strategies").symlink_to(ROOT / "examples" / "strategies")
    keys = set(_sections(text))
    if "orderloom" not in keys:
        base = _sections((ROOT / "examples" / "quickstart.yaml").read_text())
        text = "".join(v for k, v in base.items() if k not in keys) + text
    pipeline = tmp_path / "example.yaml"
    pipeline.write_text(text)
    return pipeline


@pytest.mark.parametrize("where,text", EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_example_validates(where: str, text: str, tmp_path: Path) -> None:
    plan = compile_file(_completed(text, tmp_path))
    assert plan.name


def test_error_reference_has_examples() -> None:
    assert len(ERROR_EXAMPLES) >= 15


@pytest.mark.parametrize(
    "where,code,text", ERROR_EXAMPLES, ids=[f"{w}-{c}" for w, c, _ in ERROR_EXAMPLES]
)
def test_error_example_fails_with_its_code(
    where: str, code: str, text: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as raised:
        compile_file(_completed(text, tmp_path))
    codes = {d.code for d in raised.value.diagnostics}
    assert code in codes, f"{where}: expected {code}, got {sorted(codes)}"

"""Generated files stay in step with the code: the pipeline JSON Schema, docs/errors.md and
docs/kinds.md (regenerate with `python -m orderloom.dsl.docgen`); every diagnostic code used
in dsl/ is documented; every kind's examples validate against the committed schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from orderloom.dsl import codes, registry
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.docgen import TARGETS, kinds_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.loader import load_text
from orderloom.dsl.nodes import Mapping, to_python

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_HEADER = "orderloom: 1\nname: example\n"


@pytest.mark.parametrize("relative", sorted(TARGETS))
def test_generated_file_is_in_step(relative: str) -> None:
    committed = (ROOT / relative).read_text(encoding="utf-8")
    assert committed == TARGETS[relative](), (
        f"{relative} is out of date: run python -m orderloom.dsl.docgen"
    )


def test_every_code_used_in_dsl_has_a_table_entry_and_a_doc_anchor() -> None:
    used: set[str] = set()
    for path in (ROOT / "dsl").rglob("*.py"):
        used |= set(re.findall(r"\"(E\d{4})\"", path.read_text(encoding="utf-8")))
    assert {"E0001", "E0101", "E0301", "E0306"} <= used  # the scan finds both packages
    missing = sorted(used - set(codes.BY_CODE))
    assert not missing, f"codes without an entry in dsl/codes.py: {missing}"
    errors_md = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for code in codes.CODES:
        assert f'<a id="{code.code.lower()}"></a>' in errors_md
    assert len(codes.BY_CODE) == len(codes.CODES)  # no code listed twice


def committed_schema() -> Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / "pipeline.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def as_json(text: str, name: str) -> object:
    diags = Diagnostics()
    node = load_text(text, name, diags)
    assert not diags.items() and isinstance(node, Mapping)
    return to_python(node)


EXAMPLES = [(spec, i, ex) for spec in registry.all_kinds() for i, ex in enumerate(spec.examples)]


@pytest.mark.parametrize(
    ("spec", "index", "example"),
    EXAMPLES,
    ids=[f"{s.category}-{s.name}-{i}" for s, i, _ in EXAMPLES],
)
def test_kind_example_validates_against_the_committed_schema(
    spec: registry.KindSpec, index: int, example: str
) -> None:
    errors = list(committed_schema().iter_errors(as_json(EXAMPLE_HEADER + example, "ex.yaml")))
    assert not errors, [e.message for e in errors]


def test_every_kind_has_an_example() -> None:
    assert all(spec.examples for spec in registry.all_kinds())


def test_quickstart_validates_against_the_committed_schema() -> None:
    text = (ROOT / "examples" / "quickstart.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemas/pipeline.schema.json\n")
    errors = list(committed_schema().iter_errors(as_json(text, "quickstart.yaml")))
    assert not errors, [e.message for e in errors]


def test_committed_schema_rejects_what_the_compiler_rejects() -> None:
    validator = committed_schema()
    bad = {
        "orderloom": 1,
        "name": "x",
        "venues": {"sim": {"kind": "simulated", "latncy": "5ms"}},
        "strategies": {"s": {"kind": "twap", "instrument": "BTC/USDT@sim", "side": "long"}},
    }
    messages = sorted(e.message for e in validator.iter_errors(bad))
    assert messages, "the editor schema must flag unknown keys and bad values"
    assert not validator.is_valid({"name": "x"})  # orderloom: 1 is required


BASE = """\
orderloom: 1
name: example
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
venues:
  sim: {kind: simulated}
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
strategies:
  buy_twap: {kind: signal, instrument: BTC/USDT@sim, target: 0.01}
"""


@pytest.mark.parametrize(
    ("spec", "index", "example"),
    EXAMPLES,
    ids=[f"{s.category}-{s.name}-{i}" for s, i, _ in EXAMPLES],
)
def test_kind_example_compiles(
    spec: registry.KindSpec, index: int, example: str, tmp_path: Path
) -> None:
    """Each example replaces its section of a small working pipeline and must compile."""
    from orderloom.dsl.compiler import compile_file

    sections = as_json(BASE, "base.yaml")
    assert isinstance(sections, dict)
    sections.update(as_json(example, "example.yaml"))  # type: ignore[arg-type]
    for feed in sections["feeds"].values():
        if "path" in feed:
            data = tmp_path / feed["path"]
            data.parent.mkdir(parents=True, exist_ok=True)
            data.write_text("ts_ns,price,qty\n")
    # `kind: python` examples name the example strategies beside the pipeline.
    (tmp_path / "strategies").symlink_to(ROOT / "examples" / "strategies")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(json.dumps(sections))
    plan = compile_file(pipeline, env={})
    assert plan.name == "example"


def test_kinds_listing() -> None:
    listing = kinds_text()
    for spec in registry.all_kinds():
        assert spec.name in listing and spec.summary in listing
    twap = kinds_text("twap")
    assert "slices" in twap and "orderloom.runtime.strategies.twap:TwapStrategy" in twap
    assert "limit_price: " in twap  # the example
    with pytest.raises(ConfigError) as caught:
        kinds_text("twapp")
    assert caught.value.diagnostics[0].hint == "did you mean 'twap'?"

"""The lean path of `orderloom kill`/`resume` (orderloom/cli/control.py): its argument reading
matches the full parser's, its line scanner reads what PyYAML reads (or declines), and it
imports none of the modules that made a kill slow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orderloom.cli.control import _parse, _scan

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["p.yaml"], {"file": "p.yaml"}),
        (["p.yaml", "--strategy", "mm"], {"file": "p.yaml", "strategy": "mm"}),
        (
            ["--strategy=mm", "p.yaml", "--flatten"],
            {"file": "p.yaml", "strategy": "mm", "flatten": True},
        ),
        (["p.yaml", "--account"], {"file": "p.yaml", "account": ""}),
        (["--account", "desk"], {"account": "desk"}),
        (["--account", "desk", "p.yaml"], {"account": "desk", "file": "p.yaml"}),
        (["p.yaml", "--control-dir", "/c"], {"file": "p.yaml", "control_dir": "/c"}),
        (["p.yaml", "--set", "a=1"], None),
        (["p.yaml", "--strategy", "mm", "--account"], None),
        (["p.yaml", "-h"], None),
        (["p.yaml", "q.yaml"], None),
        (["p.yaml", "--strategy"], None),
    ],
)
def test_lean_arguments(argv: list[str], expected: dict | None) -> None:
    base = {"file": None, "strategy": None, "account": None, "flatten": False, "control_dir": None}
    assert _parse("kill", argv) == (None if expected is None else {**base, **expected})


PLAIN = """\
# a comment
orderloom: 1
name: mm-eu   # trailing comment
account: desk
include: [shared/sim.yaml]
description: >
  name: not this one
strategies:
  mm:
    kind: market_maker
    target: "0.01 * position"   # a * is no alias
  # arb: commented out
  arb: {kind: signal,
        target: "1"}
routing: {default: sim}
"""


def test_scanner_reads_plain_files_like_pyyaml() -> None:
    doc = yaml.safe_load(PLAIN)
    top = _scan(PLAIN)
    assert top is not None
    assert (top["name"], top["account"]) == (doc["name"], doc["account"]) == ("mm-eu", "desk")
    assert set(top["strategies"]) == set(doc["strategies"]) == {"mm", "arb"}
    assert set(top) == set(doc)


@pytest.mark.parametrize(
    "text",
    [
        'name: "quoted"\n',
        "name: a\nname: b\n",
        "strategies: {mm: {kind: twap}}\n",
        "strategies:\n\tmm: {}\n",
        "name: a\n---\nname: b\n",
        "strategies:\n  <<: *base\n",
        "- name: a\n",
    ],
)
def test_scanner_declines_what_it_does_not_understand(text: str) -> None:
    assert _scan(text) is None


def test_a_lean_kill_imports_nothing_heavy(tmp_path: Path) -> None:
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(PLAIN)
    code = (
        "import sys; from orderloom.cli.main import main; "
        f"rc = main(['kill', {str(pipeline)!r}, '--strategy', 'mm', '--control-dir', "
        f"{str(tmp_path / 'c')!r}]); "
        "heavy = {'yaml', 'argparse', 'typing', 'dataclasses', 'tempfile', 'rich'}; "
        "print(rc, sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == "0 []"
    data = json.loads((tmp_path / "c" / "mm-eu.json").read_text())
    assert data["strategies"]["mm"] == {"killed": True, "flatten": False, "seq": 1}

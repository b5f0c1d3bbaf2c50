"""`include:` merges other files' sections; their diagnostics point into those files."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.dsl.compiler import compile_file
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.render import render_diagnostics

MAIN = """\
orderloom: 1
name: inc
include: [shared/market.yaml]
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
strategies:
  buy:
    kind: twap
    instrument: BTC/USDT@sim
    side: buy
    quantity: 1
    start: 2024-01-01
    duration: 1h
    slices: 4
"""
SHARED = """\
include: [venues.yaml]
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
"""
VENUES = """\
venues:
  sim: {kind: simulated, latency: 2ms}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "main.yaml"


def errors(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        compile_file(path, env={})
    return caught.value


def test_sections_of_included_files_merge(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        {"main.yaml": MAIN, "shared/market.yaml": SHARED, "shared/venues.yaml": VENUES},
    )
    plan = compile_file(main, env={})
    assert [i.id for i in plan.instruments] == ["BTC/USDT@sim"]
    assert [(v.name, v.params.latency_ns) for v in plan.venues] == [("sim", 2_000_000)]
    assert plan.strategies[0].venue == "sim"
    assert plan.venues[0].span.file == str(tmp_path / "shared" / "venues.yaml")


def test_error_inside_an_included_file_points_into_it(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        {
            "main.yaml": MAIN,
            "shared/market.yaml": SHARED,
            "shared/venues.yaml": VENUES.replace("latency: 2ms", "latency: 2mins"),
        },
    )
    (d,) = errors(main).diagnostics
    venues = str(tmp_path / "shared" / "venues.yaml")
    assert render_diagnostics([d]) == (
        f"{venues}:2:36: error[E0306]: unknown unit 'mins'\n"
        "  |\n"
        "2 |   sim: {kind: simulated, latency: 2mins}\n"
        "  |                                    ^^^^\n"
        "  = help: did you mean 'm'?"
    )


def test_a_name_defined_in_two_files_names_both_places(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        {
            "main.yaml": MAIN + "venues:\n  sim: {kind: simulated}\n",
            "shared/market.yaml": SHARED,
            "shared/venues.yaml": VENUES,
        },
    )
    (d,) = errors(main).diagnostics
    assert d.code == "E0002"
    assert (d.span.file, d.span.line, d.span.col) == (str(tmp_path / "shared/venues.yaml"), 2, 3)
    assert f"also at {tmp_path / 'main.yaml'}:16:3" in d.message


def test_missing_include_and_include_cycle(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        {
            "main.yaml": MAIN.replace("[shared/market.yaml]", "[shared/market.yaml, venus.yaml]"),
            "shared/market.yaml": SHARED,
            "shared/venues.yaml": VENUES + "include: [market.yaml]\n",
            "venues.yaml": "",
        },
    )
    diags = errors(main).diagnostics
    assert [d.code for d in diags] == ["E0003", "E0004"]
    missing, cycle = diags
    assert (missing.span.line, missing.span.col) == (3, 31)
    assert missing.hint == "did you mean 'venues.yaml'?"
    assert cycle.span.file == str(tmp_path / "shared" / "venues.yaml")
    assert "include cycle: " in cycle.message and cycle.message.endswith("market.yaml")


def test_only_sections_may_be_included(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        {
            "main.yaml": MAIN,
            "shared/market.yaml": "name: other\n" + SHARED,
            "shared/venues.yaml": VENUES,
        },
    )
    (d,) = errors(main).diagnostics
    assert d.code == "E0202" and d.message == "'name' cannot appear in an included file"

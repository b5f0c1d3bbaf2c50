"""Pipeline test files load into values, and a bad one gets compiler-style diagnostics with
the exact place: table-driven, a small test file and the diagnostics expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.dsl import codes
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.testfile import load_test_file, pipeline_for

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart.yaml"

HEADER = f"pipeline: {QUICKSTART}\nstart: 2024-01-01T00:00:00Z\ntests:\n"


def _write(tmp_path: Path, body: str, name: str = "q_test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


def test_loads_a_test_with_its_tape_and_expectations(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - name: buys\n"
        "    set: {strategies.buy_twap.quantity: 3}\n"
        "    positions: {BTC/USDT@sim: {qty: 0.5, avg_price: 41000}}\n"
        "    tape:\n"
        "      BTC/USDT@sim:\n"
        "        - {t: 0s, price: 100, qty: 2}\n"
        "        - {t: 1s, bid: 99.5, ask: 100.5}\n"
        "        - {t: 2s, price: 100, repeat: 3, every: 500ms, step: -0.5}\n"
        "    expect:\n"
        "      orders:\n"
        "        - {side: buy, qty: 1, at: 1m, count: 2}\n"
        "      fills: {count: 0}\n"
        "      positions: {BTC/USDT@sim: 3.5}\n",
    )
    suite = load_test_file(path)
    assert suite.pipeline == str(QUICKSTART)
    (test,) = suite.tests
    assert test.name == "buys"
    assert (test.span.line, test.span.col) == (4, 11)
    assert test.overrides == ("strategies.buy_twap.quantity=3",)
    assert [(p.instrument, p.qty, p.avg_price) for p in test.positions] == [
        ("BTC/USDT@sim", 0.5, 41000.0)
    ]
    start = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
    second = 1_000_000_000
    assert [(e.kind, e.ts_ns - start) for e in test.tape] == [
        ("trade", 0),
        ("quote", second),
        ("trade", 2 * second),
        ("trade", 2 * second + second // 2),
        ("trade", 3 * second),
    ]
    assert [e.price for e in test.tape if e.kind == "trade"] == [100.0, 100.0, 99.5, 99.0]
    assert test.tape[0].qty == 2.0 and test.tape[2].qty == 1.0  # qty defaults to 1
    assert (test.tape[1].bid, test.tape[1].ask) == (99.5, 100.5)
    orders, fills, position = test.expectations
    assert orders.fields == (("side", "buy"), ("qty", 1.0), ("at", 60 * second))
    assert orders.count == 2
    assert (orders.span.line, orders.span.col) == (14, 11)
    assert (fills.table, fills.fields, fills.count) == ("fills", (), 0)
    assert position.fields == (("BTC/USDT@sim", 3.5),)


def test_the_pipeline_defaults_to_the_name_without_test(tmp_path: Path) -> None:
    assert pipeline_for("pipelines/mm_test.yaml") == Path("pipelines/mm.yaml")
    (tmp_path / "mm.yaml").write_text("orderloom: 1\n")
    path = tmp_path / "mm_test.yaml"
    path.write_text("tests:\n  - {name: x, tape: {}, expect: {}}\n")
    assert load_test_file(path).pipeline == str(tmp_path / "mm.yaml")


TEST = "  - name: t\n    tape:\n      BTC/USDT@sim:\n"

BAD = [
    (
        "unknown key in a test",
        "  - name: t\n    tpae: {}\n    tape: {}\n    expect: {}\n",
        [(5, 5, codes.UNKNOWN_KEY, "unknown key 'tpae' in a test", "did you mean 'tape'?")],
    ),
    (
        "duration without a unit",
        TEST + "        - {t: 5, price: 100}\n    expect: {}\n",
        [
            (
                7,
                15,
                codes.BAD_LITERAL,
                "'5' is not a duration",
                "times on the tape are offsets from `start:`, e.g. 0s, 250ms, 2m",
            )
        ],
    ),
    (
        "unknown unit",
        TEST + "        - {t: 5sec, price: 100}\n    expect: {}\n",
        [(7, 16, codes.BAD_LITERAL, "unknown unit 'sec'", "did you mean 's'?")],
    ),
    (
        "events out of order",
        TEST + "        - {t: 2s, price: 100}\n        - {t: 1s, price: 101}\n    expect: {}\n",
        [
            (
                8,
                11,
                codes.BAD_VALUE,
                "this trade is earlier than the one before it",
                "a feed moves forward in time: list each instrument's events in order",
            )
        ],
    ),
    (
        "crossed quote",
        TEST + "        - {t: 0s, bid: 101, ask: 100}\n    expect: {}\n",
        [(7, 11, codes.BAD_VALUE, "bid above ask: a crossed quote", None)],
    ),
    (
        "trade without a price",
        TEST + "        - {t: 0s, qty: 1}\n    expect: {}\n",
        [
            (
                7,
                11,
                codes.MISSING_KEY,
                "this trade lacks `price`",
                "a trade is {t: 0s, price: 100, qty: 1}; a quote is {t: 0s, bid: 99.9, ask: 100.1}",
            )
        ],
    ),
    (
        "bad side",
        "  - name: t\n    tape: {}\n    expect:\n      orders: [{side: long}]\n",
        [(7, 23, codes.BAD_VALUE, "`side` must be one of buy, sell, found 'long'", None)],
    ),
    (
        "unknown expectation",
        "  - name: t\n    tape: {}\n    expect:\n      order: [{side: buy}]\n",
        [(7, 7, codes.UNKNOWN_KEY, "unknown key 'order' in expect", "did you mean 'orders'?")],
    ),
    (
        "negative count",
        "  - name: t\n    tape: {}\n    expect:\n      fills: {count: -1}\n",
        [(7, 22, codes.WRONG_TYPE, "`count:` is a whole number of rows, 0 or more", None)],
    ),
    (
        "duplicate test names",
        "  - {name: t, tape: {}, expect: {}}\n  - {name: t, tape: {}, expect: {}}\n",
        [(5, 12, codes.DUPLICATE_KEY, "duplicate test name 't' (first at {file}:4:12)", None)],
    ),
    (
        "run without every",
        TEST + "        - {t: 0s, price: 100, repeat: 3}\n    expect: {}\n",
        [
            (
                7,
                11,
                codes.MISSING_KEY,
                "a run of events needs `every:` (the time between them)",
                "e.g. {t: 0s, price: 100, repeat: 60, every: 1s, step: 0.5}",
            )
        ],
    ),
    (
        "run whose step makes a price negative",
        TEST + "        - {t: 0s, price: 1, repeat: 3, every: 1s, step: -1}\n    expect: {}\n",
        [
            (
                7,
                11,
                codes.BAD_VALUE,
                "this run's `step` takes the price to -1; prices must stay positive",
                None,
            )
        ],
    ),
]


@pytest.mark.parametrize("case,body,expected", BAD, ids=[c for c, _, _ in BAD])
def test_bad_test_file_diagnostics(
    case: str,
    body: str,
    expected: list[tuple[int, int, str, str, str | None]],
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as raised:
        load_test_file(path)
    got = [(d.span.line, d.span.col, d.code, d.message, d.hint) for d in raised.value.diagnostics]
    assert got == [
        (line, col, code, message.format(file=path), hint)
        for line, col, code, message, hint in expected
    ]
    assert all(d.span.file == str(path) for d in raised.value.diagnostics)


def test_missing_pipeline_and_yaml_errors(tmp_path: Path) -> None:
    orphan = tmp_path / "nothing_test.yaml"
    orphan.write_text("tests:\n  - {name: t, tape: {}, expect: {}}\n")
    with pytest.raises(ConfigError) as raised:
        load_test_file(orphan)
    (d,) = raised.value.diagnostics
    assert d.code == codes.FILE_NOT_FOUND
    assert d.message == f"pipeline file '{tmp_path / 'nothing.yaml'}' not found"

    broken = tmp_path / "broken_test.yaml"
    broken.write_text("tests:\n  - {name: t, tape: {}\n")
    with pytest.raises(ConfigError) as raised:
        load_test_file(broken)
    assert [d.code for d in raised.value.diagnostics] == [codes.YAML_SYNTAX]

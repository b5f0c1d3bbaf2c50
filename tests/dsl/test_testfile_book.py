"""L2 book events on a test tape: snapshots (`book:`) and deltas (`delta:`) load into tape
events with their levels, and malformed ones get diagnostics at the exact place."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.dsl import codes
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.testfile import load_test_file

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "examples" / "l2_imbalance.yaml"
HEADER = f"pipeline: {PIPELINE}\nstart: 2024-01-01T00:00:00Z\ntests:\n"
TEST = "  - name: t\n    tape:\n      BTC/USDT@sim:\n"
EXPECT = "    expect: {}\n"
S = 1_000_000_000


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "b_test.yaml"
    path.write_text(HEADER + body)
    return path


def test_snapshots_and_deltas_load_with_levels_seq_and_runs(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        TEST + "        - {t: 0s, book: {bids: [[41999, 2], [41998, 5]], asks: [[42001, 1]]}}\n"
        "        - {t: 1s, delta: {asks: [[42000.5, 4]], bids: [[41999, 0]]}}\n"
        "        - {t: 1s, seq: 9, delta: {bids: [[41997, 1]]}}\n"
        "        - {t: 2s, book: {bids: [[100, 1]], asks: [[101, 1]]}, repeat: 2, every: 1s, "
        "step: 0.5}\n"
        "        - {t: 5s, book: {}}\n"
        "      ETH/USDT@sim:\n"
        "        - {t: 0s, price: 2300}\n" + EXPECT,
    )
    (test,) = load_test_file(path).tests
    start = 1_704_067_200 * S
    book = [e for e in test.tape if e.kind == "book"]
    assert [(e.ts_ns - start, e.action, e.levels, e.seq, e.span.line) for e in book] == [
        (0, "snapshot", ((1, 41999.0, 2.0), (1, 41998.0, 5.0), (-1, 42001.0, 1.0)), None, 7),
        (S, "delta", ((-1, 42000.5, 4.0), (1, 41999.0, 0.0)), None, 8),  # in the order written
        (S, "delta", ((1, 41997.0, 1.0),), 9, 9),
        (2 * S, "snapshot", ((1, 100.0, 1.0), (-1, 101.0, 1.0)), None, 10),
        (3 * S, "snapshot", ((1, 100.5, 1.0), (-1, 101.5, 1.0)), None, 10),
        (5 * S, "snapshot", (), None, 11),  # an empty book
    ]
    (trade,) = [e for e in test.tape if e.kind == "trade"]
    assert (trade.instrument, trade.price) == ("ETH/USDT@sim", 2300.0)


LEVELS_HINT = (
    "e.g. book: {bids: [[99.9, 2], [99.8, 5]], asks: [[100.1, 1]]} (one level is [[99.9, 2]])"
)
MIX_HINT = (
    "an instrument's book comes from quotes (top of book) or from L2 book events, not both: "
    "write the quote as a `delta:` or a `book:` snapshot"
)

BAD = [
    (
        "a flat pair instead of a list of levels",
        TEST + "        - {t: 0s, book: {bids: [41999, 2]}}\n" + EXPECT,
        [(7, 32, codes.WRONG_TYPE, "`bids` is a list of [price, qty] levels", LEVELS_HINT)],
    ),
    (
        "a level of three values",
        TEST + "        - {t: 0s, book: {asks: [[42001, 1, 3]]}}\n" + EXPECT,
        [(7, 33, codes.WRONG_TYPE, "a level is [price, qty], found 3 values", None)],
    ),
    (
        "snapshot and delta together",
        TEST + "        - {t: 0s, book: {bids: [[1, 1]]}, delta: {bids: [[1, 2]]}}\n" + EXPECT,
        [
            (
                7,
                43,
                codes.CONFLICTING_KEYS,
                "a book event is either a snapshot (`book:`) or deltas (`delta:`), not both",
                "write them as two events, at the same `t` if need be",
            )
        ],
    ),
    (
        "zero size and a repeated price in a snapshot, a quote key",
        TEST
        + "        - {t: 0s, book: {bids: [[41999, 0], [41998, 1], [41998, 2]]}, bid: 3}\n"
        + EXPECT,
        [
            (
                7,
                33,
                codes.BAD_VALUE,
                "a snapshot level's qty must be positive, found 0",
                "leave the level out: a snapshot lists only the levels that exist",
            ),
            (7, 57, codes.BAD_VALUE, "price 41998 appears twice in `bids` (first at 7:45)", None),
            (
                7,
                71,
                codes.UNKNOWN_KEY,
                "unknown key 'bid' in a book snapshot",
                "keys: t, seq, book, repeat, every, step",
            ),
        ],
    ),
    (
        "an empty delta",
        TEST + "        - {t: 1s, delta: {}}\n" + EXPECT,
        [
            (
                7,
                26,
                codes.MISSING_KEY,
                "a book delta changes at least one level",
                "e.g. delta: {bids: [[99.9, 0]], asks: [[100.2, 4]]}",
            )
        ],
    ),
    (
        "bad numbers and seq",
        TEST + "        - {t: 2s, delta: {bids: [[-1, 1], [5, x]]}, seq: -1}\n" + EXPECT,
        [
            (7, 35, codes.BAD_VALUE, "a level's price must be positive", None),
            (7, 47, codes.WRONG_TYPE, "a level's qty must be a number, found 'x'", None),
            (
                7,
                58,
                codes.WRONG_TYPE,
                "`seq:` is a sequence number, a whole number 0 or more",
                None,
            ),
        ],
    ),
    (
        "a quote after book events",
        TEST + "        - {t: 0s, book: {bids: [[1, 1]], asks: [[2, 1]]}}\n"
        "        - {t: 1s, bid: 1, ask: 2}\n" + EXPECT,
        [
            (
                8,
                11,
                codes.CONFLICTING_KEYS,
                "BTC/USDT@sim has L2 book events on the tape (first at line 7); "
                "quotes cannot be mixed with them",
                MIX_HINT,
            )
        ],
    ),
    (
        "a book event after quotes",
        TEST + "        - {t: 0s, bid: 1, ask: 2}\n"
        "        - {t: 1s, delta: {bids: [[1, 1]]}}\n" + EXPECT,
        [
            (
                8,
                11,
                codes.CONFLICTING_KEYS,
                "BTC/USDT@sim has quotes on the tape (first at line 7); "
                "L2 book events cannot be mixed with them",
                MIX_HINT,
            )
        ],
    ),
    (
        "book events out of order",
        TEST + "        - {t: 2s, book: {bids: [[1, 1]]}}\n"
        "        - {t: 1s, delta: {bids: [[1, 2]]}}\n" + EXPECT,
        [
            (
                8,
                11,
                codes.BAD_VALUE,
                "this book event is earlier than the one before it",
                "a feed moves forward in time: list each instrument's events in order",
            )
        ],
    ),
    (
        "a step that takes a price below zero",
        TEST
        + "        - {t: 0s, book: {bids: [[1, 1]]}, repeat: 3, every: 1s, step: -0.5}\n"
        + EXPECT,
        [
            (
                7,
                11,
                codes.BAD_VALUE,
                "this run's `step` takes a price to 0; prices must stay positive",
                None,
            )
        ],
    ),
]


@pytest.mark.parametrize("case,body,expected", BAD, ids=[c for c, _, _ in BAD])
def test_bad_book_events(
    case: str,
    body: str,
    expected: list[tuple[int, int, str, str, str | None]],
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as raised:
        load_test_file(path)
    got = [(d.span.line, d.span.col, d.code, d.message, d.hint) for d in raised.value.diagnostics]
    assert got == expected
    assert all(d.span.file == str(path) for d in raised.value.diagnostics)


def test_dead_letters_expectation_loads(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        TEST + "        - {t: 0s, book: {bids: [[1, 1]]}}\n"
        "    expect:\n      dead_letters:\n        - {at: 1s, reason: gap, count: 1}\n",
    )
    (test,) = load_test_file(path).tests
    (expectation,) = test.expectations
    assert (expectation.table, expectation.fields, expectation.count) == (
        "dead_letters",
        (("at", S), ("reason", "gap")),
        1,
    )


def test_a_quote_side_written_as_a_level_points_to_delta(tmp_path: Path) -> None:
    """`bid:` is a price in a quote; a [price, qty] pair there is a book delta misspelt."""
    path = _write(tmp_path, TEST + "        - {t: 2s, bid: [41999, 0]}\n" + EXPECT)
    with pytest.raises(ConfigError) as raised:
        load_test_file(path)
    assert [
        (d.span.line, d.span.col, d.code, d.message, d.hint) for d in raised.value.diagnostics
    ] == [
        (
            7,
            24,
            codes.WRONG_TYPE,
            "`bid` of a quote is a price; an L2 book level goes in `delta:`",
            "a quote is {t: 1s, bid: 99.9, ask: 100.1}; a book delta is "
            "{t: 1s, delta: {bids: [[99.9, 0]]}}",
        )
    ]

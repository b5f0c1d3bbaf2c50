"""Book functions in expressions: bid/ask/bid_qty/ask_qty at a level (from 1, the touch),
depth, imbalance and microprice — their types, their values read from a duck-typed book in
MarketState.books (this package never imports the runtime), the top-of-book fallback for
instruments without an L2 feed, the JSON round trip, and the compile errors for bad
arguments with their columns."""

from __future__ import annotations

import math
from typing import Any

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import (
    ExprCompiler,
    ExprError,
    MarketState,
    Scope,
    check,
    from_json,
    parse,
    to_json,
)

BTC = "BTC/USDT@sim"
ETH = "ETH/USDT@sim"
SCOPE = Scope(frozenset({BTC, ETH}), default_instrument=BTC)
BIDS = [(99.0, 1.0), (98.0, 2.0), (97.0, 3.0)]  # best first
ASKS = [(101.0, 4.0), (102.0, 5.0), (104.0, 6.0)]


class ListBook:
    """The BookView interface over two lists, computed the simplest way."""

    def __init__(self, bids: list[tuple[float, float]], asks: list[tuple[float, float]]):
        self.sides = {1: bids, -1: asks}

    def price(self, side: int, i: int) -> float:
        levels = self.sides[side]
        return levels[i][0] if i < len(levels) else math.nan

    def qty(self, side: int, i: int) -> float:
        levels = self.sides[side]
        return levels[i][1] if i < len(levels) else math.nan

    def depth(self, side: int, ratio: float) -> float:
        mid = (self.sides[1][0][0] + self.sides[-1][0][0]) / 2
        if side > 0:
            return sum(q for p, q in self.sides[1] if p >= mid * (1 - ratio))
        return sum(q for p, q in self.sides[-1] if p <= mid * (1 + ratio))

    def imbalance(self, n: int) -> float:
        b = sum(q for _, q in self.sides[1][:n])
        a = sum(q for _, q in self.sides[-1][:n])
        return (b - a) / (b + a)

    def microprice(self) -> float:
        (bid, bq), (ask, aq) = self.sides[1][0], self.sides[-1][0]
        return (bid * aq + ask * bq) / (bq + aq)


def locate(start: int, end: int) -> Span:
    return Span("p.yaml", 7, 20 + start, 7, 20 + end)


def typed(text: str) -> Any:
    return check(parse(text, locate), SCOPE)


def state(with_book: bool) -> tuple[ExprCompiler, MarketState]:
    compiler = ExprCompiler([BTC, ETH])
    s = compiler.new_state()
    s.bid[0], s.bid_qty[0], s.ask[0], s.ask_qty[0] = 99.0, 1.0, 101.0, 4.0
    if with_book:
        s.books[0] = ListBook(BIDS, ASKS)
    return compiler, s


# expression, type, value with the book, value with the top of book only
CASES = [
    (f"bid({BTC}, 1)", "price", 99.0, 99.0),
    (f"bid({BTC}, 2)", "price", 98.0, math.nan),
    (f"ask({BTC}, 3)", "price", 104.0, math.nan),
    (f"ask({BTC}, 4)", "price", math.nan, math.nan),
    (f"bid_qty({BTC}, 3)", "quantity", 3.0, math.nan),
    (f"ask_qty({BTC}, 1)", "quantity", 4.0, 4.0),
    (f"depth({BTC}, bid, 2%)", "quantity", 3.0, 1.0),  # bids >= 98
    (f"depth({BTC}, ask, 2%)", "quantity", 9.0, 4.0),  # asks <= 102
    ("depth(ask, 50bps)", "quantity", 0.0, 0.0),  # asks <= 100.5: none
    (f"imbalance({BTC}, 2)", "number", (3 - 9) / 12, (1 - 4) / 5),
    ("imbalance(3)", "number", (6 - 15) / 21, (1 - 4) / 5),
    ("microprice", "price", (99 * 4 + 101 * 1) / 5, (99 * 4 + 101 * 1) / 5),
    (f"microprice({BTC}) - mid", "price", 99.4 - 100, 99.4 - 100),
    (f"ask({BTC}, 2) - bid({BTC}, 2)", "price", 4.0, math.nan),
    (f"ema(microprice({BTC}), 1)", "price", 99.4, 99.4),
]


@pytest.mark.parametrize("text,type_name,with_book,top_only", CASES)
def test_values_with_and_without_a_book(
    text: str, type_name: str, with_book: float, top_only: float
) -> None:
    node = typed(text)
    assert node.type == type_name
    for has_book, want in ((True, with_book), (False, top_only)):
        compiler, s = state(has_book)
        compiled = compiler.compile(from_json(to_json(node)))  # through the Plan's JSON
        for indicator in compiled.indicators:
            indicator.update(s)
        got = compiled.fn(s)
        assert got == pytest.approx(want, nan_ok=True), (text, has_book)


def test_price_results_carry_the_quote_currency() -> None:
    assert typed(f"bid({BTC}, 2)").currency == "USDT"
    assert typed(f"microprice({ETH})").currency == "USDT"
    assert typed(f"microprice({BTC}) * bid_qty({BTC}, 2)").type == "money"


def test_level_one_is_the_top_of_book_value() -> None:
    assert to_json(typed(f"bid({BTC}, 1)")) == to_json(typed(f"bid({BTC})"))


def test_book_reads_name_their_instrument() -> None:
    from orderloom.dsl.expr import free_instruments

    assert free_instruments(typed(f"depth({ETH}, bid, 1%)")) == {ETH}
    assert free_instruments(typed("imbalance(2)")) == {BTC}


# text, column of the underline (start, end) within the expression, message fragment
ERRORS = [
    (f"bid({BTC}, 0)", (18, 19), "the level of bid must be a positive whole number"),
    (f"ask({BTC}, 1.5)", (18, 21), "the level of ask must be a positive whole number"),
    (f"bid({BTC}, last)", (18, 22), "positive whole number"),
    (f"bid({BTC}, 5s)", (18, 20), "positive whole number"),
    ("bid(last, 2)", (4, 8), "takes an instrument first"),
    (f"depth({BTC}, up, 1%)", (20, 22), "the side of depth must be `bid` or `ask`"),
    (f"depth({BTC}, bid, last)", (25, 29), "constant ratio of the mid"),
    (f"depth({BTC}, bid, 150%)", (25, 29), "between 0 and 100%"),
    (f"depth({BTC}, bid)", (0, 24), "depth takes (instrument, bid|ask, distance)"),
    (f"imbalance({BTC})", (0, 23), "imbalance takes (instrument, levels)"),
    (f"imbalance({BTC}, -2)", (24, 26), "level count of imbalance"),
    (f"microprice({BTC}, 2)", (0, 27), "microprice takes an instrument"),
    ("imbalance(XBT/USDT@sim, 2)", (10, 22), "unknown instrument"),
]


@pytest.mark.parametrize("text,columns,message", ERRORS)
def test_bad_arguments_are_compile_errors(
    text: str, columns: tuple[int, int], message: str
) -> None:
    with pytest.raises(ExprError) as raised:
        typed(text)
    diagnostic = raised.value.diagnostic
    assert diagnostic.code in ("E0304", "E0305")
    assert message in diagnostic.message
    assert (diagnostic.span.col, diagnostic.span.end_col) == (20 + columns[0], 20 + columns[1])
    assert diagnostic.hint


def test_book_functions_need_an_instrument_without_a_default() -> None:
    with pytest.raises(ExprError, match="needs an instrument"):
        check(parse("microprice", locate), Scope(frozenset({BTC})))


PIPELINE = """\
orderloom: 1
name: l2
instruments:
  BTC/USDT@sim: {tick_size: 0.1, lot_size: 0.0001}
venues:
  sim: {kind: simulated}
feeds:
  book:
    kind: replay
    path: book.csv
    schema: book
    instrument: BTC/USDT@sim
    columns: {seq: update_id}
strategies:
  lean:
    kind: signal
    instrument: BTC/USDT@sim
    target: "if imbalance(BTC/USDT@sim, LEVELS) > 0.4 then 0.01 else 0"
routing:
  default: sim
"""


def test_yaml_pipeline_with_a_book_feed_compiles() -> None:
    from orderloom.dsl.compiler import compile_text

    plan = compile_text(PIPELINE.replace("LEVELS", "3"), "p.yaml", env={})
    feed = plan.feeds[0]
    assert feed.schema == "book" and feed.params.columns == (("seq", "update_id"),)
    target = plan.strategies[0].params.target
    assert "imbalance" in target.source and target.type == "quantity"


def test_yaml_error_points_into_the_expression() -> None:
    from orderloom.dsl.compiler import compile_text
    from orderloom.dsl.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        compile_text(PIPELINE.replace("LEVELS", "0"), "p.yaml", env={})
    (diagnostic,) = raised.value.diagnostics
    line = PIPELINE.splitlines().index(
        '    target: "if imbalance(BTC/USDT@sim, LEVELS) > 0.4 then 0.01 else 0"'
    )
    column = PIPELINE.splitlines()[line].index("LEVELS") + 1
    assert diagnostic.code == "E0304"
    assert (diagnostic.span.file, diagnostic.span.line, diagnostic.span.col) == (
        "p.yaml",
        line + 1,
        column,
    )

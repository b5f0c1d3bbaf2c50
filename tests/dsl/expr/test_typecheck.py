"""Type checking: the unit algebra a desk expects, literal coercion, name resolution with
did-you-mean hints, and type errors with the exact place inside the YAML scalar."""

from __future__ import annotations

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprError, Scope, check, free_instruments, parse, signal_refs
from orderloom.dsl.expr import typed as t

BTC = "BTC/USDT@sim"
ETH = "ETH/USDT@sim"
ETH_USD = "ETH/USD@binance"


def locate(start: int, end: int) -> Span:
    return Span("p.yaml", 7, 20 + start, 7, 20 + end)


def scope(**signals: str) -> Scope:
    base = Scope(frozenset({BTC, ETH, ETH_USD}), default_instrument=BTC)
    checked = {name: check(parse(text, locate), base) for name, text in signals.items()}
    return Scope(base.instruments, BTC, checked)


def typed(text: str, expected: str | None = None, in_scope: Scope | None = None) -> t.Typed:
    return check(parse(text, locate), in_scope or scope(), expected)


@pytest.mark.parametrize(
    ("text", "type_name", "currency"),
    [
        ("last", "price", "USDT"),
        ("last(ETH/USD@binance)", "price", "USD"),
        ("last * 1.001", "price", "USDT"),
        ("last * (1 + 10bps)", "price", "USDT"),
        ("(1 - 5bps) * bid", "price", "USDT"),
        ("last - mid", "price", "USDT"),
        ("last / mid", "ratio", None),
        ("last / 2", "price", "USDT"),
        ("position * last", "money", "USDT"),
        ("last * position(ETH/USDT@sim)", "money", "USDT"),
        ("pnl", "money", "USDT"),
        ("pnl / last", "quantity", None),
        ("pnl / position", "price", "USDT"),
        ("drawdown / 50_000 USDT", "ratio", None),
        ("abs(position)", "quantity", None),
        ("-position", "quantity", None),
        ("min(bid, ask)", "price", "USDT"),
        ("max(last, 100)", "price", "USDT"),
        ("spread", "price", "USDT"),
        ("spread_bps", "ratio", None),
        ("spread_bps * 2", "ratio", None),
        ("bid_qty + ask_qty", "quantity", None),
        ("returns(last, 1m)", "ratio", None),
        ("volatility(last, 5m)", "ratio", None),
        ("zscore(last, 1h)", "number", None),
        ("zscore(spread_bps, 100)", "number", None),
        ("vwap(last, 5m)", "price", "USDT"),
        ("vwap(ETH/USDT@sim, 5m)", "price", "USDT"),
        ("ema(last, 30s)", "price", "USDT"),
        ("ema(last, 10)", "price", "USDT"),
        ("sma(mid, 1m)", "price", "USDT"),
        ("ema(spread_bps, 20)", "ratio", None),
        ("ema(position, 20)", "quantity", None),
        ("sma(ema(last, 10), 20) - last", "price", "USDT"),
        ("last(ETH/USD@binance) - last(ETH/USDT@sim)", "price", None),  # quote labels differ
        ("last > 100", "bool", None),
        ("spread_bps < 10bps and position < 5", "bool", None),
        ("not (pnl < -1000 USDT)", "bool", None),
        ("if last > mid then bid else ask", "price", "USDT"),
        ("if zscore(last, 1h) > 2 then -1 else 1", "number", None),
        ("2 * 30s", "duration", None),
        ("1h / 30s", "ratio", None),
        ("true", "bool", None),
    ],
)
def test_result_types(text: str, type_name: str, currency: str | None) -> None:
    result = typed(text)
    assert (result.type, result.currency) == (type_name, currency)


# text, code, column, end column, message, hint (None: any hint or none)
TYPE_ERRORS = [
    ("last > 5s", "E0303", 20, 29, "cannot compare price with duration", None),
    (
        "last + 10bps",
        "E0303",
        20,
        32,
        "cannot add price and ratio",
        "to move a price by a ratio, multiply: price * (1 + ratio)",
    ),
    ("last - zscore(last, 1h)", "E0303", 20, 43, "cannot subtract number from price", None),
    ("last * last", "E0303", 20, 31, "cannot multiply price by price", None),
    ("1 / last", "E0303", 20, 28, "cannot divide number by price", None),
    (
        "pnl < -1000 USD",
        "E0303",
        20,
        35,
        "cannot compare money USDT with money USD",
        "both sides must be in the same currency",
    ),
    (
        "100 USD + 5 EUR",
        "E0303",
        20,
        35,
        "cannot add money USD and money EUR",
        "convert one side first",
    ),
    (
        "1 + (last > 2)",
        "E0303",
        20,
        34,
        "cannot add number and bool",
        "use 'if <condition> then <value> else <value>' to turn a condition into a value",
    ),
    (
        "if last then 1 else 2",
        "E0303",
        23,
        27,
        "the condition of 'if' must be a condition, found a price",
        "compare it, e.g. x > 0",
    ),
    (
        "if last > 1 then last else 5s",
        "E0303",
        20,
        49,
        "the branches of 'if' have different types: price and duration",
        "both branches must give the same kind of value",
    ),
    (
        "last > 1 and bid",
        "E0303",
        33,
        36,
        "'and' needs conditions on both sides, found a price",
        "compare it, e.g. x > 0",
    ),
    (
        "not last",
        "E0303",
        24,
        28,
        "'not' needs a condition, found a price",
        "compare it, e.g. not (x > 0)",
    ),
    ("-(last > 1)", "E0303", 20, 31, "cannot negate a bool", "use 'not' for conditions"),
    (
        "min(last, 5s)",
        "E0303",
        30,
        32,
        "min needs values of one type, found price and duration",
        None,
    ),
    (
        "ema(last, 10bps)",
        "E0304",
        30,
        35,
        "the window of ema must be a duration or a count of ticks, found a ratio",
        "e.g. ema(last, 30s) or ema(last, 10)",
    ),
    (
        "ema(last, last)",
        "E0304",
        30,
        34,
        "the window of ema must be a duration or a count of ticks, found a value that changes",
        "e.g. ema(last, 30s) or ema(last, 10)",
    ),
    ("sma(last, 10.5)", "E0304", 30, 34, "the window of sma must be a whole number of ticks", None),
    (
        "zscore(last, -1h)",
        "E0304",
        33,
        36,
        "the window of zscore must be positive",
        "e.g. zscore(last, 30s) or zscore(last, 10)",
    ),
    (
        "ema(last)",
        "E0304",
        20,
        29,
        "ema takes two arguments (value, window), got 1",
        "e.g. ema(last, 30s) or ema(last, 10)",
    ),
    ("vwap(spread_bps, 5m)", "E0304", 25, 35, "vwap needs a price, found a ratio", None),
    ("ema(last > 1, 10)", "E0304", 24, 32, "ema needs a numeric value, found a bool", None),
    ("abs(last, bid)", "E0304", 20, 34, "abs takes one argument, got 2", None),
    ("max(last)", "E0304", 20, 29, "max takes two or more arguments, got 1", None),
    (
        "mid(5)",
        "E0304",
        24,
        25,
        "mid takes an instrument, found a number",
        "e.g. mid(BTC/USDT@sim)",
    ),
    (
        "last(BTC/USDT@sim, ETH/USDT@sim)",
        "E0304",
        20,
        52,
        "last takes one instrument, got 2",
        "e.g. last(BTC/USDT@sim)",
    ),
    ("pnl(BTC/USDT@sim)", "E0304", 20, 37, "pnl takes no arguments, got 1", "write pnl"),
    (
        "ema",
        "E0304",
        20,
        23,
        "'ema' is a function and needs arguments",
        "call it, e.g. ema(last, 30s)",
    ),
    (
        "fast(1)",
        "E0304",
        20,
        24,
        "'fast' is a signal, not a function",
        "write fast without arguments",
    ),
    ("lats > 1", "E0302", 20, 24, "unknown name 'lats'", "did you mean 'last'?"),
    ("fsat - slow", "E0302", 20, 24, "unknown name 'fsat'", "did you mean 'fast'?"),
    ("spred_bps", "E0302", 20, 29, "unknown name 'spred_bps'", "did you mean 'spread_bps'?"),
    ("emma(last, 10)", "E0302", 20, 24, "unknown function 'emma'", "did you mean 'ema'?"),
    ("zzz", "E0302", 20, 23, "unknown name 'zzz'", None),
    (
        "last(BTC/USDT@simm)",
        "E0305",
        25,
        38,
        "unknown instrument 'BTC/USDT@simm'",
        "did you mean 'BTC/USDT@sim'?",
    ),
    (
        "last(SOL/EUR@kraken)",
        "E0305",
        25,
        39,
        "unknown instrument 'SOL/EUR@kraken'",
        "declare it under 'instruments:'",
    ),
]


@pytest.mark.parametrize(("text", "code", "col", "end_col", "message", "hint"), TYPE_ERRORS)
def test_type_errors(
    text: str, code: str, col: int, end_col: int, message: str, hint: str | None
) -> None:
    with pytest.raises(ExprError) as caught:
        typed(text, in_scope=scope(fast="ema(last, 10)", slow="ema(last, 50)"))
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == code
    assert (diagnostic.span.file, diagnostic.span.line) == ("p.yaml", 7)
    assert (diagnostic.span.col, diagnostic.span.end_col) == (col, end_col)
    assert diagnostic.message == message
    if hint is not None:
        assert diagnostic.hint == hint
    assert diagnostic.message[0].islower() or diagnostic.message[0] == "'"


def test_values_need_an_instrument_when_there_is_no_default() -> None:
    no_default = Scope(frozenset({BTC, ETH}))
    with pytest.raises(ExprError) as caught:
        typed("last * 2", in_scope=no_default)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "E0305"
    assert diagnostic.message == "'last' needs an instrument: there is no default instrument here"
    assert diagnostic.hint == "name one, e.g. last(BTC/USDT@sim)"
    assert (diagnostic.span.col, diagnostic.span.end_col) == (20, 24)
    assert typed("last(ETH/USDT@sim) * 2", in_scope=no_default).type == "price"


@pytest.mark.parametrize(
    ("text", "expected", "result"),
    [
        ("0.01", "quantity", t.Const(value=0.01, type="quantity")),
        ("-0.01", "quantity", t.Const(value=-0.01, type="quantity")),
        ("10", "count", t.Const(value=10, type="count")),
        ("0.5", "ratio", t.Const(value=0.5, type="ratio")),
        ("10bps", "number", t.Const(value=0.001, type="number")),
        ("1000", "money", t.Const(value=1000.0, type="money")),
        ("5ms", "duration", t.Const(value=5_000_000, type="duration")),
    ],
)
def test_literals_take_the_expected_type(text: str, expected: str, result: t.Typed) -> None:
    assert typed(text, expected) == result


def test_literals_inside_expressions_take_the_expected_unit() -> None:
    target = typed("if ema(last, 10) > ema(last, 50) then 0.01 else -0.01", "quantity")
    assert isinstance(target, t.If)
    assert target.type == "quantity"
    assert target.then == t.Const(value=0.01, type="quantity")
    assert target.otherwise == t.Const(value=-0.01, type="quantity")
    assert isinstance(target.condition, t.Compare)
    assert target.condition.left.type == "price"
    scaled = typed("-zscore(last, 1h) * 0.1", "quantity")
    assert isinstance(scaled, t.Arith)
    assert scaled.type == "quantity" and scaled.right == t.Const(value=0.1, type="quantity")
    # the literal next to a price becomes a price, and labels it with the quote currency
    limit = typed("max(last - 5, 100)")
    assert isinstance(limit, t.Extremum)
    assert limit.args[1] == t.Const(value=100.0, type="price", currency="USDT")
    assert typed("pnl < -1000").right == t.Const(  # type: ignore[attr-defined]
        value=-1000.0, type="money", currency="USDT"
    )


@pytest.mark.parametrize(
    ("text", "expected", "code", "message"),
    [
        ("last", "duration", "E0303", "expected a duration, found a price"),
        ("spread_bps", "price", "E0303", "expected a price, found a ratio"),
        ("zscore(last, 1h)", "quantity", "E0303", "expected a quantity, found a number"),
        ("5", "duration", "E0306", "a duration needs a unit"),
        ("last > 5", "quantity", "E0303", "expected a quantity, found a bool"),
        ("1.5", "count", "E0303", "expected a count, found a number"),
    ],
)
def test_expected_type_errors(text: str, expected: str, code: str, message: str) -> None:
    with pytest.raises(ExprError) as caught:
        typed(text, expected)
    assert (caught.value.diagnostic.code, caught.value.diagnostic.message) == (code, message)
    assert caught.value.diagnostic.span.col == 20


def test_signals_are_inlined_and_shadow_builtins() -> None:
    signals = scope(fast="ema(last, 10)", slow="ema(last, 50)", spread="2 * 10bps")
    cross = typed("fast > slow", in_scope=signals)
    assert isinstance(cross, t.Compare)
    assert cross.left == signals.signals["fast"]
    assert isinstance(cross.left, t.Indicator) and cross.left.window == 10
    # a signal named like a built-in value wins, so new built-ins never break a pipeline
    assert typed("spread", in_scope=signals) == t.Const(value=0.002, type="ratio")


def test_signal_refs_lists_names_read_as_values() -> None:
    node = parse("if fast > slow then ema(last, 10) - mid else max(bid, fast)", locate)
    assert signal_refs(node) == {"fast", "slow", "last", "mid", "bid"}
    assert signal_refs(parse("ema(BTC/USDT@sim, 10) + 1", locate)) == set()


def test_free_instruments() -> None:
    assert free_instruments(typed("last")) == {BTC}
    assert free_instruments(typed("last(ETH/USDT@sim) / last(ETH/USD@binance)")) == {ETH, ETH_USD}
    assert free_instruments(typed("ema(mid(ETH/USDT@sim), 10) > 2")) == {ETH}
    assert free_instruments(typed("position(ETH/USDT@sim) * 2 + position")) == {ETH, BTC}
    assert free_instruments(typed("pnl < 0")) == frozenset()
    # an indicator of a value that reads no instrument is driven by the default instrument
    assert free_instruments(typed("ema(pnl, 10)")) == {BTC}


def test_indicator_nodes_record_window_kind_and_drivers() -> None:
    by_time = typed("ema(last(ETH/USDT@sim), 30s)")
    assert isinstance(by_time, t.Indicator)
    assert (by_time.window, by_time.window_kind, by_time.drivers) == (
        30_000_000_000,
        "duration",
        (ETH,),
    )
    by_count = typed("ema(last, 10)")
    assert isinstance(by_count, t.Indicator)
    assert (by_count.window, by_count.window_kind) == (10, "count")
    assert by_count.input == t.Market(field="last", instrument=BTC, type="price", currency="USDT")


def test_unknown_expected_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown type 'prices'"):
        typed("last", "prices")

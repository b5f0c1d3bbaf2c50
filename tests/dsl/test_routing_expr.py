"""Routing conditions in the expression language (dsl/routing.py compile_condition): order
fields, text values, operators and precedence evaluated against one order, errors with the
column of the problem, and order fields refused outside routing rules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprError, Scope, check, parse
from orderloom.dsl.routing import compile_condition, condition_closure

INSTRUMENTS = ("BTC/USDT@a", "BTC/USDT@b")


def locate(start: int, end: int) -> Span:
    return Span("x", 1, start + 1, 1, end + 1)


ORDER = SimpleNamespace(
    side=-1,
    qty=0.5,
    price=40_000.0,
    notional=20_000.0,
    symbol="BTC/USDT",
    instrument="BTC/USDT@a",
    strategy="seller",
    type="limit",
)

CASES = [
    ("order.side == sell", True),
    ("order.side != sell", False),
    ("order.notional > 10_000 USDT", True),
    ("order.notional >= 20_000 and order.qty < 0.5", False),
    ("order.qty * order.price == order.notional", True),
    ("order.qty - 0.25 * 2 == 0", True),  # * binds tighter than -
    ("(order.qty - 0.25) * 2 == 0.5", True),
    ("-order.qty < 0", True),
    ("order.qty / 1 == 0.5", True),
    ("order.price / 0 > 0", False),  # division by zero is NaN: comparisons are false
    ("order.symbol == BTC/USDT and order.instrument == BTC/USDT@a", True),
    ("order.instrument == BTC/USDT@b", False),
    ("order.strategy == \"seller\" and order.type == 'limit'", True),
    ("order.type == limit and order.type != market", True),
    ("not order.side == buy or order.qty > 1", True),  # not binds tighter than or
    ("not (order.side == sell or order.qty > 1)", False),
    ("order.side == buy or order.qty > 0.1 and order.qty < 0.2", False),  # and before or
    ("abs(-order.qty) >= max(0.1, 0.5)", True),
    ("true and not false", True),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_condition_values(text: str, expected: bool) -> None:
    compile_condition(text, locate, INSTRUMENTS)
    assert condition_closure(text, INSTRUMENTS)(ORDER) is expected


def test_a_buy_reads_the_side_as_plus_one() -> None:
    buy = SimpleNamespace(**{**vars(ORDER), "side": 1})
    assert condition_closure("order.side == buy", INSTRUMENTS)(buy) is True
    assert condition_closure("order.side == sell", INSTRUMENTS)(buy) is False


ERRORS = [
    ("order.qty >", "E0301", 12, "expected an expression after '>'"),
    ("order.qty = 1", "E0301", 11, "unexpected character '='"),
    ("order.qty > 1 order.qty", "E0301", 15, "unexpected name 'order'"),
    ("order.qty < 1 < 2", "E0301", 15, "unexpected '<'"),
    ("(order.qty > 1", "E0301", 15, "missing ')'"),
    ("order. > 1", "E0301", 8, "expected a field name after '.'"),
    ("order.size > 1", "E0302", 1, "unknown name 'order.size' in a routing rule"),
    ("order.side > buy", "E0303", 1, "'>' compares numbers; a side is only == or != another"),
    ("order.symbol == 1", "E0303", 1, "cannot compare a text with a number"),
    ('order.side == "buy"', "E0303", 1, "cannot compare a side with a text"),
    ('order.instrument == "BTC/USDT@a"', "E0303", 1, "cannot compare an instrument with a text"),
    ("order.instrument == BTC/USDT@c", "E0305", 21, "unknown instrument 'BTC/USDT@c'"),
    ("order.qty", "E0303", 1, "a routing rule's `when` must be true or false, not a number"),
    ("order.qty > 5s", "E0303", 1, "cannot compare quantity with duration"),
    # A quantity is not a ratio: these were numbers in the former routing language.
    ("order.qty == 50%", "E0303", 1, "cannot compare quantity with ratio"),
    ("order.qty > 4000bps", "E0303", 1, "cannot compare quantity with ratio"),
    ("not order.qty", "E0303", 5, "'not' needs a condition, found a quantity"),
    ("last > 1", "E0302", 1, "'last' reads the market, and routing rules read only the order"),
    ("spread_bps(BTC/USDT@a) > 5bps", "E0302", 1, "'spread_bps' reads the market"),
]


@pytest.mark.parametrize(("text", "code", "col", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_condition_errors(text: str, code: str, col: int, message: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_condition(text, locate, INSTRUMENTS)
    d = info.value.diagnostic
    assert (d.code, d.span.col) == (code, col)
    assert d.message.startswith(message)


OUTSIDE = [
    ("last > 0 and order.qty > 1", 14, "E0302", "order fields exist only in routing rules"),
    ("fast.qty > 1", 1, "E0302", "unknown name 'fast.qty'"),
    ('last > "1"', 8, "E0301", "text in quotes exists only in routing rules"),
    ("last(BTC/USDT) > 1", 6, "E0305", "'BTC/USDT' names no venue"),
    ("last == buy", 9, "E0302", "unknown name 'buy'"),
]


@pytest.mark.parametrize(("text", "col", "code", "message"), OUTSIDE, ids=[o[0] for o in OUTSIDE])
def test_order_values_outside_routing_rules(text: str, col: int, code: str, message: str) -> None:
    scope = Scope(frozenset(INSTRUMENTS), "BTC/USDT@a")
    with pytest.raises(ExprError) as info:
        check(parse(text, locate), scope)
    d = info.value.diagnostic
    assert (d.code, d.span.col, d.message) == (code, col, message)


def test_upper_case_signals_still_divide_without_spaces() -> None:
    """`FAST/SLOW` lexes like a symbol; outside routing rules it is still a division."""
    scope = Scope(frozenset(INSTRUMENTS), "BTC/USDT@a")
    signals = {n: check(parse(x, locate), scope) for n, x in (("FAST", "2"), ("SLOW", "4"))}
    typed = check(parse("FAST/SLOW", locate), Scope(frozenset(INSTRUMENTS), None, signals))
    assert typed.type == "number" and typed.value == 0.5  # type: ignore[attr-defined]

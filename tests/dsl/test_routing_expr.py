"""The order expression language of routing rules (dsl/routing_expr.py): values, operators
and precedence evaluated against one order, and errors with the column of the problem."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprError
from orderloom.dsl.routing_expr import compile_condition


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
    ("order.qty == 50%", True),
    ("order.qty > 4000bps", True),  # 0.4
    ("order.price / 0 > 0", False),  # division by zero is NaN: comparisons are false
    ("order.symbol == BTC/USDT and order.instrument == BTC/USDT@a", True),
    ("order.strategy == \"seller\" and order.type == 'limit'", True),
    ("not order.side == buy or order.qty > 1", True),  # not binds tighter than or
    ("not (order.side == sell or order.qty > 1)", False),
    ("order.side == buy or order.qty > 0.1 and order.qty < 0.2", False),  # and before or
    ("true and not false", True),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_condition_values(text: str, expected: bool) -> None:
    assert compile_condition(text, locate).fn(ORDER) is expected


ERRORS = [
    ("order.qty >", "E0301", 12, "expected a value, found the end of the expression"),
    ("order.qty = 1", "E0301", 11, "unexpected '='"),
    ("order.qty > 1 order.qty", "E0301", 15, "unexpected 'order.qty' after a complete expression"),
    ("order.qty < 1 < 2", "E0301", 15, "comparisons do not chain"),
    ("(order.qty > 1", "E0301", 15, "expected ')'"),
    ("order.size > 1", "E0302", 1, "unknown name 'order.size' in a routing rule"),
    ("order.side > buy", "E0303", 1, "expected a number, found a side: '>' compares numbers"),
    ("order.symbol == 1", "E0303", 1, "cannot compare a text with a number"),
    ("order.qty", "E0303", 1, "a routing rule's `when` must be true or false, not a number"),
    (
        "not order.qty",
        "E0303",
        5,
        "expected a true/false value, found a number: 'not' negates a true/false condition",
    ),
]


@pytest.mark.parametrize(("text", "code", "col", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_condition_errors(text: str, code: str, col: int, message: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_condition(text, locate)
    d = info.value.diagnostic
    assert (d.code, d.span.col, d.message) == (code, col, message)

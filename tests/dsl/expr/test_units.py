"""Unit literals, as YAML scalars (parse_literal) and inside expressions: durations in
integer nanoseconds, bps and % as ratios, an upper-case word as a currency."""

from __future__ import annotations

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprError, Quantity, Scope, check, parse, parse_literal
from orderloom.dsl.expr import typed as t


def locate(start: int, end: int) -> Span:
    return Span("p.yaml", 7, 20 + start, 7, 20 + end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5ms", Quantity(5_000_000, "duration")),
        ("150ms", Quantity(150_000_000, "duration")),
        ("1h", Quantity(3_600_000_000_000, "duration")),
        ("30s", Quantity(30_000_000_000, "duration")),
        ("5m", Quantity(300_000_000_000, "duration")),
        ("2d", Quantity(172_800_000_000_000, "duration")),
        ("250us", Quantity(250_000, "duration")),
        ("7ns", Quantity(7, "duration")),
        ("1.5s", Quantity(1_500_000_000, "duration")),
        ("0.1s", Quantity(100_000_000, "duration")),  # exact: no float 0.1 * 1e9 rounding
        ("10bps", Quantity(0.001, "ratio")),
        ("1bps", Quantity(0.0001, "ratio")),
        ("2%", Quantity(0.02, "ratio")),
        ("12.5%", Quantity(0.125, "ratio")),
        ("50_000 USDT", Quantity(50_000.0, "money", "USDT")),
        ("250_000 USDT", Quantity(250_000.0, "money", "USDT")),
        ("0.5 BTC", Quantity(0.5, "money", "BTC")),
        ("100USD", Quantity(100.0, "money", "USD")),
        ("1_000", Quantity(1000.0, "number")),
        ("0.0001", Quantity(0.0001, "number")),
        ("1e-4", Quantity(0.0001, "number")),
        ("-5bps", Quantity(-0.0005, "ratio")),
        ("  -2%  ", Quantity(-0.02, "ratio")),
    ],
)
def test_parse_literal(text: str, expected: Quantity) -> None:
    got = parse_literal(text, locate)
    assert got == expected
    assert type(got.value) is type(expected.value)  # durations are int ns, the rest float


@pytest.mark.parametrize(
    ("text", "col", "end_col", "message", "hint"),
    [
        ("10x", 22, 23, "unknown unit 'x'", None),
        ("5sec", 21, 24, "unknown unit 'sec'", "did you mean 's'?"),
        ("10bp", 22, 24, "unknown unit 'bp'", "did you mean 'bps'?"),
        ("1M", 21, 22, "unknown unit 'M'", "did you mean 'm'?"),
        ("1__000", 20, 26, "'1__000' is not a valid number", None),
        ("1.5ns", 20, 25, "duration 1.5ns is not a whole number of nanoseconds", None),
        ("fast", 20, 24, "'fast' is not a number with a unit", None),
        ("", 20, 21, "'' is not a number with a unit", None),
        ("1e999", 20, 25, "'1e999' is too large", "numbers must stay below 1e300"),
    ],
)
def test_bad_literals(text: str, col: int, end_col: int, message: str, hint: str | None) -> None:
    with pytest.raises(ExprError) as caught:
        parse_literal(text, locate)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "E0306"
    assert (diagnostic.span.col, diagnostic.span.end_col) == (col, end_col)
    assert diagnostic.message == message
    if hint is not None:
        assert diagnostic.hint == hint
    else:
        assert diagnostic.hint  # every literal error says how to write it


def test_unknown_unit_inside_an_expression_points_at_the_unit() -> None:
    with pytest.raises(ExprError) as caught:
        parse("ema(last, 30sec)", locate)
    diagnostic = caught.value.diagnostic
    assert (diagnostic.code, diagnostic.message) == ("E0306", "unknown unit 'sec'")
    assert (diagnostic.span.col, diagnostic.span.end_col) == (32, 35)
    assert diagnostic.hint == "did you mean 's'?"


@pytest.mark.parametrize(
    ("text", "value", "type_name", "currency"),
    [
        ("5ms", 5_000_000, "duration", None),
        ("10bps", 0.001, "ratio", None),
        ("2%", 0.02, "ratio", None),
        ("50_000 USDT", 50_000.0, "money", "USDT"),
        ("2 * 30s", 60_000_000_000, "duration", None),
        ("1 + 10bps", 1.001, "ratio", None),
        ("1h / 4", 900_000_000_000, "duration", None),
    ],
)
def test_literals_in_expressions_fold_to_typed_constants(
    text: str, value: float, type_name: str, currency: str | None
) -> None:
    typed = check(parse(text, locate), Scope(frozenset()))
    assert typed == t.Const(value=value, type=type_name, currency=currency)
    assert type(typed.value) is type(value)

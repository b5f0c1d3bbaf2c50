"""Parsing: node shapes, precedence and spans, and syntax errors in words with the exact
column inside the YAML scalar (the expression starts at column 20 of line 7)."""

from __future__ import annotations

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprError, parse
from orderloom.dsl.expr import nodes as n


def locate(start: int, end: int) -> Span:
    return Span("p.yaml", 7, 20 + start, 7, 20 + end)


def shape(node: n.Node) -> str:
    """A fully parenthesised rendering, to assert precedence and associativity."""
    if isinstance(node, n.Number):
        return node.text
    if isinstance(node, n.Boolean):
        return str(node.value).lower()
    if isinstance(node, n.InstrumentLit):
        return node.id
    if isinstance(node, n.Name):
        return node.name
    if isinstance(node, n.Call):
        return f"{node.name}({', '.join(shape(a) for a in node.args)})"
    if isinstance(node, n.Unary):
        return f"({node.op} {shape(node.operand)})"
    if isinstance(node, n.Binary):
        return f"({shape(node.left)} {node.op} {shape(node.right)})"
    assert isinstance(node, n.Conditional)
    return f"(if {shape(node.condition)} then {shape(node.then)} else {shape(node.otherwise)})"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("8 / 4 / 2", "((8 / 4) / 2)"),
        ("-a * b", "((- a) * b)"),
        ("- -a", "(- (- a))"),
        ("a < b + 1", "(a < (b + 1))"),
        ("a or b and c", "(a or (b and c))"),
        ("not a and b", "((not a) and b)"),
        ("not a < b", "(not (a < b))"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
        (
            "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01",
            "(if (ema(last, 10) > ema(last, 50)) then 0.01 else (- 0.01))",
        ),
        ("if a then b else if c then d else e", "(if a then b else (if c then d else e))"),
        ("last * (1 + 10bps)", "(last * (1 + 10bps))"),
        ("50_000 USDT - pnl", "(50_000 USDT - pnl)"),
        (
            "last(BTC/USDT@sim) - last(ETH/USD@binance)",
            "(last(BTC/USDT@sim) - last(ETH/USD@binance))",
        ),
        ("mid(1INCH/USDT@binance)", "mid(1INCH/USDT@binance)"),
        ("vwap(BTC-PERP/USD@deribit, 5m)", "vwap(BTC-PERP/USD@deribit, 5m)"),
        ("max(a, b, c)", "max(a, b, c)"),
        ("true != false", "(true != false)"),
        ("iffy + notable", "(iffy + notable)"),  # keywords only as whole words
        ("a\n  * b", "(a * b)"),  # block scalars span lines
    ],
)
def test_precedence_and_shape(text: str, expected: str) -> None:
    assert shape(parse(text, locate)) == expected


def test_nodes_know_their_offsets_and_spans() -> None:
    node = parse("last * (1 + 10bps)", locate)
    assert isinstance(node, n.Binary)
    assert (node.start, node.end) == (0, 18)
    assert node.span == Span("p.yaml", 7, 20, 7, 38)
    inner = node.right
    assert isinstance(inner, n.Binary)
    assert (inner.start, inner.end) == (8, 17)  # the parentheses belong to the parent
    assert inner.right.span == Span("p.yaml", 7, 32, 7, 37)
    call = parse("ema(last, 30s)", locate)
    assert isinstance(call, n.Call)
    assert call.name_span == Span("p.yaml", 7, 20, 7, 23)
    assert call.span == Span("p.yaml", 7, 20, 7, 34)


def test_number_literals_carry_their_unit() -> None:
    node = parse("50_000 USDT", locate)
    assert isinstance(node, n.Number)
    assert (node.quantity.value, node.quantity.type, node.quantity.currency) == (
        50_000.0,
        "money",
        "USDT",
    )
    node = parse("150ms", locate)
    assert isinstance(node, n.Number)
    assert node.quantity.value == 150_000_000


# text, column, end column, message, hint
SYNTAX_ERRORS = [
    ("1 *", 23, 24, "expected an expression after '*'", None),
    ("last * )", 27, 28, "expected an expression after '*', found ')'", None),
    ("(1 + 2))", 27, 28, "unexpected ')'", "there is no '(' for this ')' to close"),
    ("max(1, 2", 28, 29, "missing ')'", "add ')' to close the '(' at column 23"),
    (
        "last mid",
        25,
        28,
        "unexpected name 'mid'",
        "expected an operator or the end of the expression",
    ),
    ("f(a b)", 24, 25, "unexpected name 'b'", "expected an operator, ')' or ','"),
    ("f(a,", 24, 25, "expected an expression after ','", None),
    ("f(,)", 22, 23, "expected an expression after '(', found ','", None),
    ("a = b", 22, 23, "unexpected character '='", "use '==' to compare"),
    ("a && b", 22, 23, "unexpected character '&'", "use 'and'"),
    ("a $ b", 22, 23, "unexpected character '$'", None),
    (
        "BTC/USDT@ > 1",
        28,
        29,
        "unexpected character '@'",
        "an instrument is written SYMBOL/SYMBOL@venue, e.g. BTC/USDT@sim",
    ),
    ("a < b < c", 26, 27, "unexpected '<'", "comparisons do not chain; write a < b and b < c"),
    (
        "if a",
        24,
        25,
        "missing 'then' in if-expression",
        "write: if <condition> then <value> else <value>",
    ),
    (
        "if a then b",
        31,
        32,
        "missing 'else' in if-expression",
        "write: if <condition> then <value> else <value>",
    ),
    ("if a else b", 25, 29, "unexpected 'else'", "expected 'then'"),
    ("if a then b else", 36, 37, "expected an expression after 'else'", None),
    ("a and or b", 26, 28, "expected an expression after 'and', found 'or'", None),
    ("not", 23, 24, "expected an expression after 'not'", None),
    ("then", 20, 24, "expected an expression, found 'then'", None),
    ("   ", 20, 23, "empty expression", "write a value such as last or 0.01"),
]


@pytest.mark.parametrize(("text", "col", "end_col", "message", "hint"), SYNTAX_ERRORS)
def test_syntax_errors(text: str, col: int, end_col: int, message: str, hint: str | None) -> None:
    with pytest.raises(ExprError) as caught:
        parse(text, locate)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E0301"
    assert (diagnostic.span.line, diagnostic.span.col, diagnostic.span.end_col) == (7, col, end_col)
    assert diagnostic.message == message
    assert diagnostic.hint == hint


def test_syntax_error_messages_never_name_terminals() -> None:
    for text, *_ in SYNTAX_ERRORS:
        with pytest.raises(ExprError) as caught:
            parse(text, locate)
        words = f"{caught.value.diagnostic.message} {caught.value.diagnostic.hint or ''}"
        for terminal in ("RPAR", "LPAR", "NAME", "NUMBER", "$END", "STAR", "COMPARE", "Token"):
            assert terminal not in words, (text, words)


def test_expr_error_is_a_config_error() -> None:
    from orderloom.dsl.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse("1 +", locate)
    assert str(caught.value) == "p.yaml:7:23: expected an expression after '+'"


@pytest.mark.parametrize(
    "text", ["1" + " + 1" * 3000, "-" * 300 + "1", "(" * 3000 + "1" + ")" * 3000]
)
def test_deep_nesting_is_an_error_not_a_crash(text: str) -> None:
    with pytest.raises(ExprError) as caught:
        parse(text, locate)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "E0301"
    assert diagnostic.message == "expression is nested too deeply (more than 200 levels)"
    assert diagnostic.hint == "split it into named signals"


def test_long_flat_expressions_are_fine() -> None:
    assert shape(parse("1" + " + 1" * 150, locate)).count("+") == 150

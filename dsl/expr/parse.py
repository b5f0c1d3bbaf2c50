"""Text -> syntax tree with the lark LALR parser in grammar.lark. Syntax errors become
E0301 diagnostics in words ("expected an expression after '*'"), never terminal names, with
spans from the caller's `locate` so the column points inside the YAML scalar."""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import nodes
from orderloom.dsl.expr.errors import SYNTAX, ExprError
from orderloom.dsl.expr.units import interpret

Locate = Callable[[int, int], Span]

# An expression may start here when a value may (a '(' alone may also open a call's arguments).
_STARTS_EXPRESSION = frozenset({"NUMBER", "NAME", "INSTRUMENT", "STRING", "SYMBOL"})
_OPERATORS = frozenset({"PLUS", "MINUS", "STAR", "SLASH", "COMPARE", "AND", "OR"})
_WORDS = {"RPAR": "')'", "COMMA": "','", "THEN": "'then'", "ELSE": "'else'"}
_CHARACTER_HINTS = {
    "=": "use '==' to compare",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' to negate, or '!=' to compare",
    "^": "there is no power operator; multiply instead",
    "'": "there are no strings: names and instruments are written bare, e.g. BTC/USDT@sim",
    '"': "there are no strings: names and instruments are written bare, e.g. BTC/USDT@sim",
    "@": "an instrument is written SYMBOL/SYMBOL@venue, e.g. BTC/USDT@sim",
}
_IF_HINT = "write: if <condition> then <value> else <value>"


@functools.cache
def _parser() -> Lark:
    grammar = resources.files("orderloom.dsl.expr").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="basic", propagate_positions=True)


def parse(text: str, locate: Locate) -> nodes.Node:
    """Parse one expression; raises ExprError (E0301, or E0306 for a bad unit)."""
    if not text.strip():
        raise ExprError.one(
            SYNTAX, "empty expression", locate(0, len(text)), "write a value such as last or 0.01"
        )
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(text, error, locate) from None
    try:
        node: nodes.Node = _Build(locate).transform(tree)
    except VisitError as error:  # a bad unit found while building a Number node
        if isinstance(error.orig_exc, ExprError):
            raise error.orig_exc from None
        raise
    except RecursionError:
        raise _too_deep(text, locate) from None
    if _depth(node) > MAX_DEPTH:
        raise _too_deep(text, locate)
    return node


# Later passes (checking, compiling, evaluating) recurse once or twice per level; bounding
# the depth here keeps them far from Python's recursion limit.
MAX_DEPTH = 200


def _too_deep(text: str, locate: Locate) -> ExprError:
    return ExprError.one(
        SYNTAX,
        f"expression is nested too deeply (more than {MAX_DEPTH} levels)",
        locate(0, len(text)),
        "split it into named signals",
    )


def _depth(root: nodes.Node) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in vars(node).values():
            if isinstance(child, nodes.Node):
                stack.append((child, depth + 1))
            elif isinstance(child, tuple):
                stack.extend((c, depth + 1) for c in child if isinstance(c, nodes.Node))
    return deepest


# --- syntax errors in words ---------------------------------------------------------------


def _tokens_before(text: str, offset: int) -> list[Token]:
    tokens: list[Token] = []
    try:
        for token in _parser().lex(text):
            if token.start_pos is None or token.start_pos >= offset:
                break
            tokens.append(token)
    except UnexpectedCharacters:
        pass
    return tokens


def _describe(token: Token) -> str:
    kind = {
        "NAME": "name",
        "NUMBER": "number",
        "INSTRUMENT": "instrument",
        "STRING": "text",
        "SYMBOL": "symbol",
    }.get(token.type)
    return f"{kind} '{token}'" if kind else f"'{token}'"


def _expected_words(expected: set[str]) -> str:
    words: list[str] = []
    if expected & _OPERATORS:
        words.append("an operator")
    words.extend(_WORDS[t] for t in ("RPAR", "COMMA", "THEN", "ELSE") if t in expected)
    if "$END" in expected:
        words.append("the end of the expression")
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _unclosed_paren(tokens: list[Token]) -> Token | None:
    opened: list[Token] = []
    for token in tokens:
        if token.type == "LPAR":
            opened.append(token)
        elif token.type == "RPAR" and opened:
            opened.pop()
    return opened[-1] if opened else None


def _syntax_error(text: str, error: UnexpectedInput, locate: Locate) -> ExprError:
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream or 0
        char = text[offset]
        hint = _CHARACTER_HINTS.get(char)
        return ExprError.one(
            SYNTAX, f"unexpected character '{char}'", locate(offset, offset + 1), hint
        )
    token: Token | None = None
    expected: set[str] = set()
    if isinstance(error, UnexpectedToken):
        token = error.token
        # accepts() replays the parser stack, so it lists only what truly fits here (the
        # LALR state's lookahead set is wider).
        try:
            expected = set(error.interactive_parser.accepts())
        except Exception:  # pragma: no cover - fall back to the state's lookahead set
            expected = set(error.expected)
    elif isinstance(error, UnexpectedEOF):
        expected = set(error.expected)
    at_end = token is None or token.type == "$END"
    offset = len(text) if at_end or token is None or token.start_pos is None else token.start_pos
    before = _tokens_before(text, offset)
    previous = before[-1] if before else None
    after = f" after '{previous}'" if previous is not None else ""
    if expected == {"NAME"}:  # after `order.`
        end = previous.end_pos if previous is not None and previous.end_pos else offset
        return ExprError.one(
            SYNTAX,
            "expected a field name after '.'",
            locate(end, end + 1) if at_end else locate(offset, offset + 1),
            "e.g. order.qty",
        )
    if at_end:
        end = previous.end_pos if previous is not None and previous.end_pos else len(text)
        span = locate(end, end + 1)
        if expected & _STARTS_EXPRESSION:
            return ExprError.one(SYNTAX, f"expected an expression{after}", span)
        if "RPAR" in expected:
            lpar = _unclosed_paren(before)
            hint = None
            if lpar is not None and lpar.start_pos is not None:
                column = locate(lpar.start_pos, lpar.start_pos + 1).col
                hint = f"add ')' to close the '(' at column {column}"
            return ExprError.one(SYNTAX, "missing ')'", span, hint)
        if "THEN" in expected:
            return ExprError.one(SYNTAX, "missing 'then' in if-expression", span, _IF_HINT)
        if "ELSE" in expected:
            return ExprError.one(SYNTAX, "missing 'else' in if-expression", span, _IF_HINT)
        return ExprError.one(SYNTAX, "unexpected end of expression", span)
    assert token is not None and token.end_pos is not None
    span = locate(offset, token.end_pos)
    if expected & _STARTS_EXPRESSION:
        return ExprError.one(
            SYNTAX, f"expected an expression{after}, found {_describe(token)}", span
        )
    hint = f"expected {_expected_words(expected)}"
    if token.type == "RPAR" and _unclosed_paren(before) is None:
        hint = "there is no '(' for this ')' to close"
    if token.type == "COMPARE" and previous is not None:
        hint = "comparisons do not chain; write a < b and b < c"
    return ExprError.one(SYNTAX, f"unexpected {_describe(token)}", span, hint)


# --- tree -> nodes -------------------------------------------------------------------------


@v_args(meta=True)
class _Build(Transformer[Token, nodes.Node]):
    def __init__(self, locate: Locate) -> None:
        super().__init__()
        self._locate = locate

    def _place(self, meta: Any) -> dict[str, Any]:
        start, end = meta.start_pos, meta.end_pos
        return {"start": start, "end": end, "span": self._locate(start, end)}

    def _token_place(self, token: Token) -> dict[str, Any]:
        start, end = token.start_pos, token.end_pos
        assert start is not None and end is not None
        return {"start": start, "end": end, "span": self._locate(start, end)}

    def number(self, meta: Any, children: list[Token]) -> nodes.Node:
        (token,) = children
        assert token.start_pos is not None
        quantity = interpret(str(token), token.start_pos, self._locate)
        return nodes.Number(text=str(token), quantity=quantity, **self._token_place(token))

    def instrument(self, meta: Any, children: list[Token]) -> nodes.Node:
        return nodes.InstrumentLit(id=str(children[0]), **self._token_place(children[0]))

    def boolean(self, meta: Any, children: list[Token]) -> nodes.Node:
        return nodes.Boolean(value=children[0].type == "TRUE", **self._token_place(children[0]))

    def name(self, meta: Any, children: list[Token]) -> nodes.Node:
        return nodes.Name(name=str(children[0]), **self._token_place(children[0]))

    def field(self, meta: Any, children: list[Token]) -> nodes.Node:
        record, _dot, name = children
        return nodes.Field(
            record=str(record),
            name=str(name),
            name_span=self._token_place(name)["span"],
            **self._place(meta),
        )

    def text(self, meta: Any, children: list[Token]) -> nodes.Node:
        (token,) = children
        quoted = token.type == "STRING"
        value = str(token)[1:-1] if quoted else str(token)
        return nodes.Text(value=value, quoted=quoted, **self._token_place(token))

    def call(self, meta: Any, children: list[Any]) -> nodes.Node:
        name, _lpar, args, _rpar = children
        return nodes.Call(
            name=str(name),
            args=tuple(args),
            name_span=self._token_place(name)["span"],
            **self._place(meta),
        )

    def arguments(self, meta: Any, children: list[Any]) -> list[nodes.Node]:
        return [c for c in children if not isinstance(c, Token)]

    def group(self, meta: Any, children: list[Any]) -> nodes.Node:
        inner: nodes.Node = children[1]
        return inner

    def unary(self, meta: Any, children: list[Any]) -> nodes.Node:
        op, operand = children
        return nodes.Unary(op=str(op), operand=operand, **self._place(meta))

    def _binary(self, meta: Any, children: list[Any]) -> nodes.Node:
        left, op, right = children
        return nodes.Binary(op=str(op), left=left, right=right, **self._place(meta))

    binary = _binary
    compare = _binary
    logic = _binary

    def conditional(self, meta: Any, children: list[Any]) -> nodes.Node:
        _if, condition, _then, then, _else, otherwise = children
        return nodes.Conditional(
            condition=condition, then=then, otherwise=otherwise, **self._place(meta)
        )

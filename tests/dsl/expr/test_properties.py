"""Property: for random well-typed arithmetic trees, rendered with the fewest parentheses
precedence allows, parse -> check -> JSON -> closures gives what a direct Python evaluation
of the tree gives (x/0 is nan; min/max are nan when an argument is)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprCompiler, Scope, check, parse, to_json

BTC = "BTC/USDT@sim"
NAN = math.nan
Env = dict[str, float]

ADDITIVE, MULTIPLICATIVE, UNARY, ATOM = 1, 2, 3, 4


@dataclass(frozen=True, repr=False)
class Tree:
    text: str
    precedence: int
    ref: Callable[[Env], float | bool]

    def __repr__(self) -> str:  # failures show the expression, not the closures
        return f"Tree({self.text!r})"


def _wrap(tree: Tree, at_least: int) -> str:
    return tree.text if tree.precedence >= at_least else f"({tree.text})"


def _divide(a: float, b: float) -> float:
    return a / b if b else NAN


def _min(a: float, b: float) -> float:
    return a if a <= b else (b if b < a else NAN)


def _max(a: float, b: float) -> float:
    return a if a >= b else (b if b > a else NAN)


_OPS: dict[str, tuple[int, Callable[[float, float], float]]] = {
    "+": (ADDITIVE, lambda a, b: a + b),
    "-": (ADDITIVE, lambda a, b: a - b),
    "*": (MULTIPLICATIVE, lambda a, b: a * b),
    "/": (MULTIPLICATIVE, _divide),
}


def binary(op: str, left: Tree, right: Tree) -> Tree:
    precedence, fn = _OPS[op]
    lf, rf = left.ref, right.ref
    text = f"{_wrap(left, precedence)} {op} {_wrap(right, precedence + 1)}"
    return Tree(text, precedence, lambda env: fn(lf(env), rf(env)))  # type: ignore[arg-type]


def negate(operand: Tree) -> Tree:
    f = operand.ref
    return Tree(f"-{_wrap(operand, UNARY)}", UNARY, lambda env: -f(env))  # type: ignore[operator]


def call(name: str, *args: Tree) -> Tree:
    refs = [a.ref for a in args]
    text = f"{name}({', '.join(a.text for a in args)})"
    if name == "abs":
        return Tree(text, ATOM, lambda env: abs(refs[0](env)))  # type: ignore[arg-type]
    fn = _min if name == "min" else _max
    return Tree(text, ATOM, lambda env: fn(refs[0](env), refs[1](env)))  # type: ignore[arg-type]


def conditional(condition: Tree, then: Tree, otherwise: Tree) -> Tree:
    c, a, b = condition.ref, then.ref, otherwise.ref
    text = f"if {condition.text} then {then.text} else {otherwise.text}"
    return Tree(text, 0, lambda env: a(env) if c(env) else b(env))


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def comparison(op: str, left: Tree, right: Tree) -> Tree:
    fn, lf, rf = _COMPARE[op], left.ref, right.ref
    text = f"{_wrap(left, ADDITIVE)} {op} {_wrap(right, ADDITIVE)}"
    return Tree(text, 0, lambda env: fn(lf(env), rf(env)))  # type: ignore[arg-type]


def logic(op: str, left: Tree, right: Tree) -> Tree:
    lf, rf = left.ref, right.ref
    text = f"({left.text}) {op} ({right.text})"
    if op == "and":
        return Tree(text, 0, lambda env: bool(lf(env) and rf(env)))
    return Tree(text, 0, lambda env: bool(lf(env) or rf(env)))


def _literal(value: int, hundredths: bool) -> Tree:
    if hundredths:
        return Tree(f"{value / 100}", ATOM, lambda env: value / 100)
    return Tree(f"{value:_}", ATOM, lambda env: float(value))


def _market(name: str) -> Tree:
    if name == "mid":
        return Tree(name, ATOM, lambda env: (env["bid"] + env["ask"]) * 0.5)
    return Tree(name, ATOM, lambda env: env[name])


def _spread_bps(env: Env) -> float:
    mid = (env["bid"] + env["ask"]) * 0.5
    return (env["ask"] - env["bid"]) / mid if mid else NAN


LITERALS = st.builds(_literal, st.integers(0, 20_000), st.booleans())
BPS = st.integers(0, 500).map(lambda v: Tree(f"{v}bps", ATOM, lambda env: v / 10_000))
PRICE_LEAVES = st.sampled_from(["last", "bid", "ask", "mid"]).map(_market)


def _extend_numbers(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.builds(binary, st.sampled_from(list(_OPS)), children, children),
        st.builds(negate, children),
        st.builds(lambda a: call("abs", a), children),
        st.builds(
            lambda name, a, b: call(name, a, b), st.sampled_from(["min", "max"]), children, children
        ),
    )


NUMBERS = st.recursive(
    st.one_of(LITERALS, BPS, st.just(Tree("spread_bps", ATOM, _spread_bps))),
    _extend_numbers,
    max_leaves=8,
)


def _extend_prices(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.builds(binary, st.sampled_from(["+", "-"]), children, children),
        st.builds(lambda p, n: binary("*", p, n), children, NUMBERS),
        st.builds(lambda n, p: binary("*", n, p), NUMBERS, children),
        st.builds(lambda p, n: binary("/", p, n), children, NUMBERS),
        st.builds(negate, children),
        st.builds(
            lambda name, a, b: call(name, a, b), st.sampled_from(["min", "max"]), children, children
        ),
        st.builds(
            conditional,
            st.builds(comparison, st.sampled_from(list(_COMPARE)), children, children),
            children,
            children,
        ),
    )


PRICES = st.recursive(PRICE_LEAVES, _extend_prices, max_leaves=10)
CONDITIONS = st.recursive(
    st.one_of(
        st.builds(comparison, st.sampled_from(list(_COMPARE)), PRICES, PRICES),
        st.builds(comparison, st.sampled_from(list(_COMPARE)), NUMBERS, NUMBERS),
    ),
    lambda children: st.builds(logic, st.sampled_from(["and", "or"]), children, children),
    max_leaves=4,
)
# prices divided by prices give ratios: a dimensionless result that reads the market
RATIOS = st.builds(lambda a, b: binary("/", a, b), PRICES, PRICES)
MARKET_VALUES = st.sampled_from([0.0, 1.0, 2.5, 99.5, 100.0, 100.5, NAN, NAN])


def _same(got: float | bool, want: float | bool) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if math.isnan(want):
        return math.isnan(got)
    return got == want or math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300)


def _evaluate(text: str, env: Env) -> float | bool:
    scope = Scope(frozenset({BTC}), BTC)
    typed = check(parse(text, lambda a, b: Span("p.yaml", 1, a + 1, 1, b + 1)), scope)
    compiler = ExprCompiler([BTC])
    state = compiler.new_state()
    state.last[0], state.bid[0], state.ask[0] = env["last"], env["bid"], env["ask"]
    return compiler.compile(to_json(typed)).fn(state)


@settings(max_examples=500, deadline=None)
@given(
    tree=st.one_of(NUMBERS, PRICES, CONDITIONS, RATIOS),
    last=MARKET_VALUES,
    bid=MARKET_VALUES,
    ask=MARKET_VALUES,
)
def test_evaluation_matches_a_reference(tree: Tree, last: float, bid: float, ask: float) -> None:
    env = {"last": last, "bid": bid, "ask": ask}
    got = _evaluate(tree.text, env)
    want = tree.ref(env)
    assert _same(got, want), (tree.text, env, got, want)

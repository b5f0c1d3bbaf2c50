"""Time bars in expressions: the `bar_*` functions, the rule every bar interval obeys (whole
seconds, 1s to 1d, dividing a day, so bars are epoch-aligned and agree with the dataflow's
`bars` table), and the type check of a `bar_close(x, 1m)` call into an Indicator node."""

from __future__ import annotations

from collections.abc import Callable

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import nodes
from orderloom.dsl.expr import typed as t
from orderloom.dsl.expr.errors import BAD_ARGUMENTS, UNKNOWN_INSTRUMENT, ExprError
from orderloom.dsl.expr.types import COUNT, DURATION, PRICE, QUANTITY

SECOND_NS = 1_000_000_000
DAY_NS = 86_400 * SECOND_NS

# name -> (result type, doc). Each reads the last *completed* bar of the instrument: NaN before
# the first bar closes; a bar closes at the first tick of the instrument at or after its end.
BAR_FUNCTIONS: dict[str, tuple[str, str]] = {
    "bar_open": (PRICE, "first trade price of the last completed time bar"),
    "bar_high": (PRICE, "highest trade price of the last completed time bar"),
    "bar_low": (PRICE, "lowest trade price of the last completed time bar"),
    "bar_close": (PRICE, "last trade price of the last completed time bar"),
    "bar_volume": (QUANTITY, "traded quantity of the last completed time bar"),
    "bar_vwap": (PRICE, "volume-weighted average price of the last completed time bar"),
    "bar_trades": (COUNT, "number of trades in the last completed time bar"),
}


def interval_problem(interval_ns: int | float) -> str | None:
    """Why `interval_ns` is not a bar interval, or None when it is one."""
    if interval_ns < SECOND_NS:
        return "a bar interval must be at least 1s"
    if interval_ns > DAY_NS:
        return "a bar interval must be at most 1d"
    if interval_ns % SECOND_NS:
        return "a bar interval must be a whole number of seconds"
    if DAY_NS % interval_ns:
        return "a bar interval must divide a day (e.g. 1s, 5s, 15s, 1m, 5m, 15m, 1h, 4h, 1d)"
    return None


def interval_label(interval_ns: int) -> str:
    """1s, 90s -> '90s', 60s -> '1m', 3600s -> '1h', 86400s -> '1d' (step ids, docs)."""
    seconds = interval_ns // SECOND_NS
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def check_bar_call(
    node: nodes.Call,
    visit: Callable[[nodes.Node], t.Typed],
    default_instrument: str | None,
    quote_currency: Callable[[str], str | None],
) -> t.Indicator:
    """`bar_close(BTC/USDT@sim, 1m)` or `bar_close(1m)` (the default instrument) -> an
    Indicator node the runtime evaluates with dsl/expr/bar_indicators.py."""
    name = node.name
    hint = f"e.g. {name}(BTC/USDT@sim, 1m) or {name}(1m)"
    if len(node.args) not in (1, 2):
        raise ExprError.one(
            BAD_ARGUMENTS,
            f"{name} takes (instrument, interval) or (interval), got {len(node.args)} arguments",
            node.span,
            hint,
        )
    if len(node.args) == 2:
        ref = visit(node.args[0])
        if not isinstance(ref, t.InstrumentRef):
            raise ExprError.one(
                BAD_ARGUMENTS,
                f"the first argument of {name} must be an instrument",
                node.args[0].span,
                hint,
            )
        instrument = ref.instrument
    elif default_instrument is None:
        raise ExprError.one(
            UNKNOWN_INSTRUMENT,
            f"{name} needs an instrument: there is no default instrument here",
            node.span,
            hint,
        )
    else:
        instrument = default_instrument
    interval_ns = _interval(node.args[-1], visit(node.args[-1]), name, hint)
    result_type = BAR_FUNCTIONS[name][0]
    currency = quote_currency(instrument)
    return t.Indicator(
        function=name,
        input=t.Market(field="last", instrument=instrument, type=PRICE, currency=currency),
        window=interval_ns,
        window_kind="duration",
        drivers=(instrument,),
        type=result_type,
        currency=currency if result_type == PRICE else None,
    )


def _interval(arg: nodes.Node, value: t.Typed, name: str, hint: str) -> int:
    span: Span = arg.span
    if not isinstance(value, t.Const) or value.type != DURATION:
        raise ExprError.one(
            BAD_ARGUMENTS, f"the interval of {name} must be a duration such as 1m", span, hint
        )
    assert not isinstance(value.value, bool)
    problem = interval_problem(value.value)
    if problem is not None:
        raise ExprError.one(BAD_ARGUMENTS, problem, span, hint)
    return int(value.value)

"""Declaring time bars on a trades feed: `bars: [1s, 1m]`, or `bars: {every: [1m], wait: 2s}`
with a watermark delay. The feed's Plan node carries the intervals (`Feed.bars_ns`), which
the runtime turns into a windowed bars branch writing the `bars` table (runtime/bars/)."""

from __future__ import annotations

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.expr.bars import interval_problem
from orderloom.dsl.nodes import Mapping, Scalar, Sequence
from orderloom.dsl.plan import Feed

_INTERVALS = {
    "type": "array",
    "minItems": 1,
    "items": {"$ref": "#/$defs/duration"},
    "description": "bar intervals: whole seconds from 1s to 1d that divide a day",
}

# One schema for both forms (array keywords apply to the list, object keywords to the
# mapping), so a bad interval gets the duration's own message rather than an anyOf summary.
SCHEMA = {
    "type": ["array", "object"],
    "description": "time bars (OHLCV, vwap, trade count) to build from this feed's trades "
    "and write to the `bars` table: a list of intervals, or {every: [...], wait: duration}",
    **{k: v for k, v in _INTERVALS.items() if k not in ("type", "description")},
    "additionalProperties": False,
    "required": ["every"],
    "properties": {
        "every": _INTERVALS,
        "wait": {
            "$ref": "#/$defs/duration",
            "default": "0s",
            "description": "watermark delay: a bar closes once a trade this much after its "
            "end has been seen (or at the end of the input)",
        },
    },
}


def compile_bars(node: Mapping, ctx: KindContext, schema: str) -> tuple[tuple[int, ...], int]:
    """(intervals in ns, sorted and distinct; watermark wait in ns) of a feed's `bars:`."""
    value = node.get("bars")
    if value is None:
        return (), 0
    wait_ns = 0
    if isinstance(value, Mapping):
        wait_ns = ctx.duration_ns(value, "wait", 0)
        value = value.get("every")
    if schema != "trades":
        ctx.report(
            codes.BAD_VALUE,
            "bars are built from trades; this feed has quotes",
            ctx.span(node, "bars"),
            "declare bars on a trades feed of the instrument",
        )
        return (), 0
    intervals: list[int] = []
    for item in value.items if isinstance(value, Sequence) else ():
        if not isinstance(item, Scalar):
            continue  # the schema reported it
        interval = ctx.duration_ns(Mapping(((item, item),), item.span), item.text, 0)
        if not ctx.ok:
            continue
        problem = interval_problem(interval)
        if problem is not None:
            ctx.report(codes.BAD_VALUE, f"{problem}, found '{item.text}'", item.span)
            continue
        if interval in intervals:
            ctx.report(codes.BAD_VALUE, f"bar interval '{item.text}' is listed twice", item.span)
            continue
        intervals.append(interval)
    return tuple(sorted(intervals)), wait_ns


def check_bar_feeds(feeds: list[Feed], diags: Diagnostics) -> None:
    """One feed per instrument may declare bars: the `bars` table is keyed by instrument,
    and two feeds' trades would interleave by arrival, which is not deterministic."""
    seen: dict[str, str] = {}
    for feed in feeds:
        if not feed.bars_ns:
            continue
        first = seen.setdefault(feed.instrument, feed.name)
        if first != feed.name:
            diags.error(
                codes.CONFLICTING_KEYS,
                f"feeds '{first}' and '{feed.name}' both declare bars for {feed.instrument}",
                feed.span,
                "declare bars on one trades feed per instrument",
            )

"""The bars branch of the dataflow: trade batches of feeds that declare `bars:` are cut into
partial bars, keyed by instrument and merged by bytewax `fold_window` over epoch-aligned
`TumblingWindower`s on event time (`EventClock`), one windowing step per interval and wait.

Backtests must give the same rows for any worker layout, so the clock's "system time" is
frozen: the watermark is the largest partial-bar timestamp seen for the instrument minus the
feed's `wait`, never wall time. A window closes when that watermark reaches its end, and every
window still open closes at the end of the input (bytewax's EOF watermark is the maximum).
A partial bar behind the watermark (only possible when `wait` is shorter than a feed's
disorder) goes to the dead-letter table, named `<feed>/bars:<interval>`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import bytewax.operators as op
from bytewax.dataflow import Stream

from orderloom.dsl.expr.bars import interval_label
from orderloom.dsl.plan import Plan
from orderloom.runtime.bars.partial import PartialBar, merge_partials, split_batch
from orderloom.runtime.events import MarketBatch, TradeBatch

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (table, rows) for the analytics sink: ("bars", [row]) or ("dead_letters", [row])
TableRows: TypeAlias = tuple[str, list[tuple[Any, ...]]]
Closed: TypeAlias = tuple[str, tuple[int, list[PartialBar]]]  # (instrument, (window, partials))
Late: TypeAlias = tuple[str, tuple[int, PartialBar]]


def _frozen_now() -> datetime:
    # Event time alone moves the watermark: wall time would make closing (and lateness)
    # depend on how fast a worker happened to run.
    return EPOCH


def _never_wake(_close: datetime) -> None:
    return None  # windows close on later items or at EOF, never on a wall-clock timer


def _event_time(partial: PartialBar) -> datetime:
    # bytewax clocks hold datetimes (microseconds); windows are whole seconds, so flooring
    # to the microsecond never moves a trade to another window.
    return EPOCH + timedelta(microseconds=partial.first_ts_ns // 1_000)


def bar_groups(plan: Plan) -> dict[tuple[int, int], tuple[str, ...]]:
    """(interval ns, wait ns) -> the feeds that declare it; one windowing step each."""
    groups: dict[tuple[int, int], list[str]] = {}
    for feed in plan.feeds:
        for interval_ns in feed.bars_ns:
            groups.setdefault((interval_ns, feed.bars_wait_ns), []).append(feed.name)
    return {k: tuple(v) for k, v in sorted(groups.items())}


def bar_stream(plan: Plan, run_id: str, market: Stream[MarketBatch]) -> Stream[TableRows] | None:
    """Rows for the `bars` (and late partials for the `dead_letters`) table; None when no
    feed declares bars."""
    groups = bar_groups(plan)
    if not groups:
        return None
    waits = {wait for _, wait in groups}
    outputs: list[Stream[TableRows]] = []
    for (interval_ns, wait_ns), feeds in groups.items():
        step = f"bars_{interval_label(interval_ns)}"
        if len(waits) > 1:
            step += f"_wait_{wait_ns}ns"
        outputs.extend(_window_step(step, market, run_id, interval_ns, wait_ns, frozenset(feeds)))
    return op.merge("bars", *outputs) if len(outputs) > 1 else outputs[0]


def _window_step(
    step: str,
    market: Stream[MarketBatch],
    run_id: str,
    interval_ns: int,
    wait_ns: int,
    feeds: frozenset[str],
) -> list[Stream[TableRows]]:
    def split(batch: MarketBatch) -> list[tuple[str, PartialBar]]:
        if not isinstance(batch, TradeBatch) or batch.feed not in feeds:
            return []
        return [(p.instrument, p) for p in split_batch(batch, interval_ns)]

    # Imported here: it costs ~80 ms at start-up, paid only by pipelines that declare bars.
    from bytewax.operators.windowing import EventClock, TumblingWindower, fold_window

    keyed = op.flat_map(f"{step}_split", market, split)
    windows = fold_window(
        step,
        keyed,
        EventClock(
            _event_time,
            wait_for_system_duration=timedelta(microseconds=wait_ns // 1_000),
            now_getter=_frozen_now,
            to_system_utc=_never_wake,
        ),
        TumblingWindower(length=timedelta(seconds=interval_ns // 1_000_000_000), align_to=EPOCH),
        _new_window,
        _add_partial,
        _join_windows,
    )
    label = interval_label(interval_ns)
    bars = op.map(f"{step}_rows", windows.down, _bar_rows(run_id))
    late = op.map(f"{step}_late", windows.late, _late_rows(run_id, label))
    return [bars, late]


def _new_window() -> list[PartialBar]:
    return []


def _add_partial(partials: list[PartialBar], partial: PartialBar) -> list[PartialBar]:
    partials.append(partial)
    return partials


def _join_windows(a: list[PartialBar], b: list[PartialBar]) -> list[PartialBar]:
    return a + b  # tumbling windows never merge; the operator requires a merger


def _bar_rows(run_id: str) -> Callable[[Closed], TableRows]:
    def rows(keyed: Closed) -> TableRows:
        return "bars", [merge_partials(run_id, keyed[1][1])]

    return rows


def _late_rows(
    run_id: str, label: str
) -> Callable[[tuple[str, tuple[int, PartialBar]]], TableRows]:
    def rows(keyed: tuple[str, tuple[int, PartialBar]]) -> TableRows:
        p = keyed[1][1]
        end_ns = p.start_ns + p.interval_ns
        reason = (
            f"late for the {label} bar [{p.start_ns}, {end_ns}) of {p.instrument}: the "
            "watermark had passed it (raise the feed's bars wait)"
        )
        record = (
            f"{p.trades} trades, offsets {p.first_offset}..{p.last_offset}, "
            f"open {p.open} high {p.high} low {p.low} close {p.close} volume {p.volume}"
        )
        return "dead_letters", [
            (run_id, f"{p.feed}/bars:{label}", p.first_offset, p.first_ts_ns, reason, record)
        ]

    return rows

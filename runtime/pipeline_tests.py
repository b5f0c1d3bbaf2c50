"""Runs pipeline test files (`orderloom test`): each test compiles the pipeline with its
`set:` overrides, replaces the feeds by its scripted tape, drives every strategy engine in
this process (the same per-instance step the dataflow runs, as research replications do) and
compares the orders, fills, positions and risk events with what the test expects. Book
events pass the replay feeds' sanity stage (runtime/feeds/book_sanity.py) first, so what it
refuses becomes dead letters, as in a backtest.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from orderloom.dsl import codes
from orderloom.dsl.compiler import compile_file
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import ConfigError, Diagnostic, Span
from orderloom.dsl.overrides import SET_FILE
from orderloom.dsl.plan import Feed, Plan
from orderloom.dsl.testfile import (
    TEST_SUFFIX,
    PipelineTest,
    PipelineTestFile,
    TapeEvent,
    load_test_file,
)
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.events import BookBatch, DeadLetter, MarketBatch, QuoteBatch, TradeBatch
from orderloom.runtime.expectations import Failure, Outcome, check, outcome_from_rows
from orderloom.runtime.feeds.book_sanity import BookSanity
from orderloom.runtime.feeds.fields import ParsedColumn
from orderloom.runtime.feeds.sanity import ParsedRows

RUN_ID = "test"


@dataclass(frozen=True)
class PipelineTestResult:
    file: str
    test: PipelineTest
    failures: tuple[Failure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Test files named by `paths`: a test file itself, the `_test.yaml` beside a pipeline
    file, or every `*_test.yaml` under a folder; raises ConfigError for a path that is none
    of these."""
    found: list[Path] = []
    diags = Diagnostics()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(_test_files_under(path))
        elif path.name.endswith(TEST_SUFFIX) and path.is_file():
            found.append(path)
        elif path.suffix in (".yaml", ".yml") and path.is_file():
            beside = default_test_file(path)
            if beside.is_file():
                found.append(beside)
            else:
                diags.error(
                    codes.FILE_NOT_FOUND,
                    f"pipeline '{path}' has no test file '{beside.name}' beside it",
                    Span(str(path), 0, 0),
                )
        else:
            diags.error(
                codes.FILE_NOT_FOUND, f"no such file or folder '{path}'", Span(str(path), 0, 0)
            )
    diags.raise_if_any()
    unique: dict[Path, None] = dict.fromkeys(found)
    return list(unique)


def _test_files_under(folder: Path) -> list[Path]:
    """`*_test.yaml` files under `folder`, sorted, skipping hidden folders (a virtualenv in
    `.venv`, `.git`) and caches."""
    found: list[Path] = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found.extend(Path(here) / f for f in sorted(files) if f.endswith(TEST_SUFFIX))
    return sorted(found)


def load_all(paths: Iterable[Path]) -> list[PipelineTestFile]:
    """Every test file loaded and checked; ConfigError with all their problems together."""
    files: list[PipelineTestFile] = []
    problems: list[Diagnostic] = []
    for path in paths:
        try:
            files.append(load_test_file(path))
        except ConfigError as error:
            problems.extend(error.diagnostics)
    if problems:
        raise ConfigError(problems)
    return files


def run_file(suite: PipelineTestFile, name_filter: str | None = None) -> list[PipelineTestResult]:
    """Run every test of the file (those whose name contains `name_filter`, if given)."""
    results = []
    plans: dict[tuple[str, ...], Plan] = {}
    for test in suite.tests:
        if name_filter is not None and name_filter not in test.name:
            continue
        plan = plans.get(test.overrides)
        if plan is None:
            plan = compile_for(suite, test)
            plans[test.overrides] = plan
        check_references(plan, test)
        try:
            outcome = run_test(plan, test)
        except ValueError as error:  # e.g. a strategy routed to a venue with no simulation
            failure = Failure(test.span, "run", "a run on the simulated venue", (str(error),))
            results.append(PipelineTestResult(suite.path, test, (failure,)))
            continue
        results.append(PipelineTestResult(suite.path, test, tuple(check(test, outcome))))
    return results


def compile_for(suite: PipelineTestFile, test: PipelineTest) -> Plan:
    """The pipeline compiled with the test's `set:`; a problem in an override points at its
    `set:` entry in the test file rather than at `<--set>`."""
    try:
        return compile_file(suite.pipeline, test.overrides)
    except ConfigError as error:
        moved = [
            replace(d, span=_set_span(test, d.span))
            if d.span.file == SET_FILE and 0 < d.span.line <= len(test.override_spans)
            else d
            for d in error.diagnostics
        ]
        raise ConfigError(moved) from None


def _set_span(test: PipelineTest, span: Span) -> Span:
    """Line N of `<--set>` is the test's N-th `set:` entry; a span inside its path (written
    the same in both places) keeps its columns, anything else covers the whole entry."""
    entry = test.override_spans[span.line - 1]
    path_length = test.overrides[span.line - 1].find("=")
    if span.end_line == span.line and 0 < span.col <= span.end_col - 1 <= path_length:
        col = entry.col + span.col - 1
        return Span(entry.file, entry.line, col, entry.line, entry.col + span.end_col - 1)
    return entry


def check_references(plan: Plan, test: PipelineTest) -> None:
    """Instruments and strategies a test names must exist in the plan (E0101)."""
    diags = Diagnostics()
    instruments = [i.id for i in plan.instruments]
    strategies = [s.name for s in plan.strategies]

    def known(name: str, among: list[str], what: str, span: Span) -> None:
        if name not in among:
            diags.error(
                codes.UNKNOWN_REFERENCE,
                f"unknown {what} '{name}' in pipeline '{plan.name}'",
                span,
                did_you_mean(name, among) or f"{what}s: {', '.join(among)}",
            )

    for event in test.tape:
        known(event.instrument, instruments, "instrument", event.span)
    for position in test.positions:
        known(position.instrument, instruments, "instrument", position.span)
    for expectation in test.expectations:
        if expectation.table == "positions":
            known(expectation.fields[0][0], instruments, "instrument", expectation.span)
        for key, value in expectation.fields:
            if key == "instrument":
                known(value, instruments, "instrument", expectation.span)
            elif key == "strategy":
                known(value, strategies, "strategy", expectation.span)
    diags.raise_if_any()


def tape_plan(plan: Plan, test: PipelineTest) -> Plan:
    """The plan with its feeds replaced by one trades feed and one quotes or book feed per
    instrument on the tape."""
    feeds = {
        (e.instrument, e.kind): Feed(_feed_name(e), "tape", e.instrument, _SCHEMAS[e.kind], None)
        for e in test.tape
    }
    return replace(plan, feeds=tuple(feeds.values()))


@dataclass(frozen=True)
class TapeFeeds:
    """The tape as market batches, with the dead letters the sanity stage wrote for its book
    events and, per book feed, the place in the test file of each feed offset."""

    batches: list[MarketBatch]
    dead_letters: list[DeadLetter]
    book_spans: dict[str, list[Span]]


def tape_feeds(test: PipelineTest) -> TapeFeeds:
    by_feed: dict[str, list[TapeEvent]] = {}
    for event in test.tape:
        by_feed.setdefault(_feed_name(event), []).append(event)
    batches: list[MarketBatch] = []
    dead: list[DeadLetter] = []
    spans: dict[str, list[Span]] = {}
    for feed, events in by_feed.items():
        ts = np.asarray([e.ts_ns for e in events], dtype=np.int64)
        instrument = events[0].instrument
        if events[0].kind == "book":
            batch, refused, spans[feed] = _book_feed(feed, instrument, events)
            if batch is not None:
                batches.append(batch)
            dead.extend(refused)
        elif events[0].kind == "trade":
            batches.append(
                TradeBatch(
                    feed,
                    instrument,
                    0,
                    ts,
                    np.asarray([e.price for e in events], dtype=np.float64),
                    np.asarray([e.qty for e in events], dtype=np.float64),
                    np.zeros(len(events), dtype=np.int8),
                )
            )
        else:
            batches.append(
                QuoteBatch(
                    feed,
                    instrument,
                    0,
                    ts,
                    np.asarray([e.bid for e in events], dtype=np.float64),
                    np.asarray([e.bid_qty for e in events], dtype=np.float64),
                    np.asarray([e.ask for e in events], dtype=np.float64),
                    np.asarray([e.ask_qty for e in events], dtype=np.float64),
                )
            )
    return TapeFeeds(batches, dead, spans)


def tape_batches(test: PipelineTest) -> list[MarketBatch]:
    return tape_feeds(test).batches


def _book_feed(
    feed: str, instrument: str, events: list[TapeEvent]
) -> tuple[BookBatch | None, list[DeadLetter], list[Span]]:
    """A book feed's rows as a replay file would hold them (one row per snapshot level, one
    per delta; seq from the tape unless an event sets it), through the replay sanity stage."""
    rows: list[tuple[int, int, int, int, float, float]] = []  # ts, seq, action, side, price, qty
    spans: list[Span] = []  # per row: the event it came from
    seq = 0
    for event in events:
        seq = event.seq if event.seq is not None else seq + 1
        if event.action == "snapshot":
            for side, price, qty in event.levels or ((0, math.nan, math.nan),):  # () is empty
                rows.append((event.ts_ns, seq, 1, side, price, qty))
                spans.append(event.span)
        else:
            for k, (side, price, qty) in enumerate(event.levels):
                seq += 1 if k else 0  # each delta takes the next number
                rows.append((event.ts_ns, seq, 0, side, price, qty))
                spans.append(event.span)
    ts_ns, seqs, actions, sides, prices, qtys = (list(column) for column in zip(*rows, strict=True))
    raw = pa.RecordBatch.from_pydict(
        {
            "ts_ns": ts_ns,
            "seq": seqs,
            "action": ["snapshot" if a else "delta" for a in actions],
            "side": [{1: "bid", -1: "ask"}.get(side, "") for side in sides],
            "price": prices,
            "qty": qtys,
        }
    )
    numbers = {
        "seq": np.asarray(seqs, dtype=np.int64),
        "action": np.asarray(actions, dtype=np.int8),
        "side": np.asarray(sides, dtype=np.int8),
        "price": np.asarray(prices, dtype=np.float64),
        "qty": np.asarray(qtys, dtype=np.float64),
    }
    rows = ParsedRows(
        offset=0,
        ts_ns=ParsedColumn(np.asarray(ts_ns, dtype=np.int64), raw.column("ts_ns")),
        fields={name: ParsedColumn(values, raw.column(name)) for name, values in numbers.items()},
        raw=raw,
    )
    sanity = BookSanity(feed, instrument)
    checked, dead = sanity.check(rows)
    closed, more_dead = sanity.finish()  # the last snapshot is still open
    batches = [b for b in (checked, closed) if b is not None]
    return _joined(batches), [*dead, *more_dead], spans


def _joined(batches: list[BookBatch]) -> BookBatch | None:
    if len(batches) < 2:
        return batches[0] if batches else None
    first = batches[0]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in batches])

    return BookBatch(
        first.feed,
        first.instrument,
        first.offset,
        cat("ts_ns"),
        cat("seq"),
        cat("action"),
        cat("side"),
        cat("price"),
        cat("qty"),
        cat("offsets"),
    )


def run_test(plan: Plan, test: PipelineTest) -> Outcome:
    """Play the test's tape through every strategy instance of `plan`; their rows and final
    positions."""
    plan = tape_plan(plan, test)
    tape = tape_feeds(test)
    rows: dict[str, list[tuple]] = {}
    positions: dict[str, float] = {}
    for node in plan.strategies:
        engine = StrategyEngine(plan, node.name, RUN_ID)
        _set_positions(engine, test)
        mine = [b for b in tape.batches if b.instrument in node.instruments]
        for table, table_rows in (*engine.on_batches(mine), *engine.on_eof()):
            rows.setdefault(table, []).extend(table_rows)
        for slot, instrument in enumerate(engine.ctx.instruments):
            positions[instrument] = positions.get(instrument, 0.0) + engine.ctx.position(slot)
    dead = _dead_letter_rows(tape, rows.get("dead_letters", []))
    return outcome_from_rows(rows, positions, test.start_ns, dead)


def _dead_letter_rows(tape: TapeFeeds, engine_rows: list[tuple]) -> list[dict]:
    """The sanity stage's dead letters and those the engines wrote (once per feed offset,
    though every instance reading the feed refuses it), in tape order, with their place."""
    found: dict[tuple[str, int], tuple[int, str]] = {}
    for letter in tape.dead_letters:
        found.setdefault((letter.feed, letter.offset), (letter.ts_ns, letter.reason))
    for _, feed, offset, ts_ns, reason, _ in engine_rows:
        found.setdefault((feed, offset), (ts_ns, reason))
    out = []
    for (feed, offset), (ts_ns, reason) in sorted(found.items(), key=lambda kv: kv[1][0]):
        spans = tape.book_spans.get(feed)
        out.append(
            {
                "instrument": feed.split(":")[1],
                "ts_ns": ts_ns,
                "reason": reason,
                "span": spans[offset] if spans is not None and offset < len(spans) else None,
            }
        )
    return out


def _set_positions(engine: StrategyEngine, test: PipelineTest) -> None:
    """Starting positions for the instance's instruments, as if filled before the tape at
    `avg_price` (default: the instrument's first price on the tape)."""
    ctx = engine.ctx
    ledger = ctx.ledger
    for position in test.positions:
        if position.instrument not in ctx.instruments:
            continue
        slot = ctx.instruments.index(position.instrument)
        lots = round(position.qty / ctx.lots[slot].lot)
        ledger.position_lots[slot] = lots  # the same list the risk checks read
        ledger.position_qty[slot] = ctx.lots[slot].qty(lots)
        ledger.avg_price[slot] = (
            position.avg_price
            if position.avg_price is not None
            else _first_price(test, position.instrument)
        )
        ctx.state.position[slot] = ledger.position_qty[slot]


def _first_price(test: PipelineTest, instrument: str) -> float:
    for e in test.tape:
        if e.instrument != instrument:
            continue
        if e.kind == "trade":
            return e.price
        if e.kind == "quote":
            return (e.bid + e.ask) / 2
        if e.action == "snapshot":
            bids = [price for side, price, _ in e.levels if side > 0]
            asks = [price for side, price, _ in e.levels if side < 0]
            if bids and asks:
                return (max(bids) + min(asks)) / 2
    return math.nan


_SCHEMAS = {"trade": "trades", "quote": "quotes", "book": "book"}


def _feed_name(event: TapeEvent) -> str:
    return f"tape:{event.instrument}:{_SCHEMAS[event.kind]}"


def default_test_file(pipeline: str | Path) -> Path:
    """Where the tests of `pipeline` live."""
    path = Path(pipeline)
    return path.with_name(path.stem + TEST_SUFFIX)

"""Pipeline test files (`mm_test.yaml` beside `mm.yaml`): loaded with source positions and
checked like a pipeline, into frozen values the test runner (runtime/pipeline_tests.py) plays.

A file holds `tests:`, each a scripted tape of market events per instrument (trades, quotes
or L2 book snapshots and deltas; times relative to `start:`), optional `set:` overrides and
starting `positions:`, and the orders, fills, positions, risk events and dead letters it must
produce (`expect:`). Problems are diagnostics with the compiler's codes, so a bad test file
reads like a bad pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orderloom.dsl import codes
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import NO_SPAN, Span
from orderloom.dsl.expr.errors import ExprError
from orderloom.dsl.expr.units import parse_literal
from orderloom.dsl.literals import parse_timestamp_ns
from orderloom.dsl.loader import load_text
from orderloom.dsl.nodes import Mapping, Node, Scalar, Sequence

TEST_SUFFIX = "_test.yaml"

# Fields an expectation may name, per table, and how each is read: "number", "duration",
# "side", or a tuple of allowed words; "text" matches as a substring (reasons, messages).
ORDER_FIELDS: dict[str, Any] = {
    "strategy": "word",
    "instrument": "word",
    "venue": "word",
    "side": ("buy", "sell"),
    "type": ("market", "limit"),
    "qty": "number",
    "price": "number",
    "status": ("new", "accepted", "partially_filled", "filled", "cancelled", "rejected"),
    "filled_qty": "number",
    "avg_price": "number",
    "at": "duration",
    "reason": "text",
}
FILL_FIELDS: dict[str, Any] = {
    "strategy": "word",
    "instrument": "word",
    "venue": "word",
    "side": ("buy", "sell"),
    "qty": "number",
    "price": "number",
    "fee": "number",
    "liquidity": ("maker", "taker"),
    "at": "duration",
}
RISK_FIELDS: dict[str, Any] = {
    "strategy": "word",
    "check": "word",
    "action": "word",
    "limit": "number",
    "value": "number",
    "at": "duration",
    "message": "text",
}
DEAD_LETTER_FIELDS: dict[str, Any] = {
    "instrument": "word",
    "at": "duration",
    "reason": "text",
}
FIELDS: dict[str, dict[str, Any]] = {
    "orders": ORDER_FIELDS,
    "fills": FILL_FIELDS,
    "risk_events": RISK_FIELDS,
    "dead_letters": DEAD_LETTER_FIELDS,
}
EXAMPLES = {
    "orders": "{side: buy, qty: 1, status: filled}",
    "fills": "{side: buy, qty: 1, price: 100}",
    "risk_events": "{check: max_position, action: reject}",
    "dead_letters": "{at: 3s, reason: sequence gap}",
}
TEST_KEYS = ("name", "set", "start", "positions", "tape", "expect")
EXPECT_KEYS = ("orders", "fills", "positions", "risk_events", "dead_letters")
TRADE_KEYS = ("t", "price", "qty")
QUOTE_KEYS = ("t", "bid", "ask", "bid_qty", "ask_qty")
BOOK_ACTIONS = ("book", "delta")  # `book:` is a snapshot, `delta:` changes levels
BOOK_KEYS = ("t", "seq")
BOOK_SIDES = (("bids", 1), ("asks", -1))
EVENT_HINT = (
    "a trade is {t: 0s, price: 100, qty: 1}; a quote is {t: 0s, bid: 99.9, ask: 100.1}; "
    "a book snapshot is {t: 0s, book: {bids: [[99.9, 2]], asks: [[100.1, 1]]}}; "
    "a book delta is {t: 1s, delta: {bids: [[99.9, 0]]}}"
)
RUN_KEYS = ("repeat", "every", "step")  # a run of events: `repeat` of them, `every` apart
DEFAULT_QUOTE_QTY = 1000.0  # displayed size when a scripted quote gives none


Level = tuple[int, float, float]  # side (+1 bid, -1 ask), price, qty


@dataclass(frozen=True)
class TapeEvent:
    """One scripted trade (`price`, `qty`), quote (`bid`, `ask` and sizes) or L2 book event:
    a snapshot (`action` "snapshot", `levels` the whole book) or deltas (`action` "delta",
    one market event per level, in the order written)."""

    instrument: str
    ts_ns: int
    kind: str  # "trade" | "quote" | "book"
    price: float = math.nan
    qty: float = 0.0
    bid: float = math.nan
    ask: float = math.nan
    bid_qty: float = 0.0
    ask_qty: float = 0.0
    span: Span = NO_SPAN
    action: str = ""  # book events: "snapshot" | "delta"
    levels: tuple[Level, ...] = ()  # book events
    seq: int | None = None  # book events: an explicit sequence number, else previous + 1


@dataclass(frozen=True)
class Expectation:
    """Rows of `table` that must match `fields` (at least one, or exactly `count`); for
    `positions`, fields is one (instrument, final position) pair."""

    table: str  # "orders" | "fills" | "risk_events" | "positions"
    fields: tuple[tuple[str, Any], ...]
    count: int | None
    span: Span


@dataclass(frozen=True)
class StartingPosition:
    instrument: str
    qty: float
    avg_price: float | None  # None: the instrument's first price on the tape
    span: Span


@dataclass(frozen=True)
class PipelineTest:
    name: str
    span: Span
    start_ns: int
    overrides: tuple[str, ...]  # `--set` strings, one per `set:` entry
    override_spans: tuple[Span, ...]  # where each `set:` entry is written
    positions: tuple[StartingPosition, ...]
    tape: tuple[TapeEvent, ...]
    expectations: tuple[Expectation, ...]


@dataclass(frozen=True)
class PipelineTestFile:
    path: str
    pipeline: str  # the pipeline file the tests run
    pipeline_span: Span
    tests: tuple[PipelineTest, ...]


def pipeline_for(test_path: str | Path) -> Path:
    """The pipeline a test file runs by default: its name without `_test`."""
    path = Path(test_path)
    return path.with_name(path.name[: -len(TEST_SUFFIX)] + ".yaml")


def load_test_file(path: str | Path) -> PipelineTestFile:
    """Load and check the test file at `path`; raises ConfigError with every problem."""
    source = str(path)
    diags = Diagnostics()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        diags.error(
            codes.FILE_NOT_FOUND, f"cannot read test file: {error.strerror}", Span(source, 0, 0)
        )
        diags.raise_if_any()
        raise AssertionError("unreachable") from None
    doc = load_text(text, source, diags)
    diags.raise_if_any()
    result = _Reader(source, diags).file(doc)
    diags.raise_if_any()
    assert result is not None
    return result


class _Reader:
    def __init__(self, source: str, diags: Diagnostics) -> None:
        self.source = source
        self.diags = diags

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diags.error(code, message, span, hint)

    def file(self, doc: Node | None) -> PipelineTestFile | None:
        whole = Span(self.source, 1, 1, 1, 2)
        if not isinstance(doc, Mapping):
            self.error(
                codes.WRONG_TYPE,
                "a test file is a mapping with a `tests:` list",
                doc.span if doc is not None else whole,
                "start with `tests:` and one `- name: …` entry per test",
            )
            return None
        self.keys(doc, ("pipeline", "start", "tests"), "test file")
        pipeline = pipeline_for(self.source) if self.source.endswith(TEST_SUFFIX) else None
        pipeline_span = whole
        named = doc.get("pipeline")
        if isinstance(named, Scalar) and isinstance(named.value, str):
            pipeline = Path(self.source).parent / named.value
            pipeline_span = named.span
        elif named is not None:
            self.error(codes.WRONG_TYPE, "`pipeline:` is the path of a pipeline file", named.span)
        if pipeline is None:
            self.error(
                codes.MISSING_KEY,
                "this test file does not say which pipeline it tests",
                whole,
                "name it after the pipeline (mm.yaml → mm_test.yaml) or add `pipeline: mm.yaml`",
            )
        elif not pipeline.is_file():
            self.error(
                codes.FILE_NOT_FOUND,
                f"pipeline file '{pipeline}' not found",
                pipeline_span,
                "a test file runs the pipeline named by `pipeline:` (relative to the test "
                "file), else the file with the same name without `_test`",
            )
        default_start = self.timestamp(doc, "start", 0)
        tests_node = doc.get("tests")
        tests: list[PipelineTest] = []
        if tests_node is None:
            self.error(codes.MISSING_KEY, "missing key `tests:`", doc.span)
        elif not isinstance(tests_node, Sequence) or not tests_node.items:
            self.error(codes.WRONG_TYPE, "`tests:` is a list of tests", tests_node.span)
        else:
            names: dict[str, Span] = {}
            for item in tests_node.items:
                test = self.test(item, default_start)
                if test is None:
                    continue
                if test.name in names:
                    self.error(
                        codes.DUPLICATE_KEY,
                        f"duplicate test name '{test.name}' (first at {names[test.name]})",
                        test.span,
                    )
                names.setdefault(test.name, test.span)
                tests.append(test)
        if pipeline is None:
            return None
        return PipelineTestFile(self.source, str(pipeline), pipeline_span, tuple(tests))

    def keys(self, node: Mapping, allowed: tuple[str, ...], what: str) -> None:
        for key, _ in node.items:
            if key.text not in allowed:
                self.error(
                    codes.UNKNOWN_KEY,
                    f"unknown key '{key.text}' in {what}",
                    key.span,
                    did_you_mean(key.text, allowed) or f"keys: {', '.join(allowed)}",
                )

    def test(self, node: Node, default_start: int) -> PipelineTest | None:
        if not isinstance(node, Mapping):
            self.error(codes.WRONG_TYPE, "a test is a mapping with `name:` and `tape:`", node.span)
            return None
        self.keys(node, TEST_KEYS, "a test")
        name_node = node.get("name")
        if not isinstance(name_node, Scalar) or name_node.value in (None, ""):
            self.error(codes.MISSING_KEY, "a test needs a `name:`", node.span)
            return None
        start_ns = self.timestamp(node, "start", default_start)
        overrides, override_spans = self.overrides(node.get("set"))
        positions = self.positions(node.get("positions"))
        tape = self.tape(node.get("tape"), start_ns, node.span)
        expectations = self.expectations(node.get("expect"), node.span)
        return PipelineTest(
            str(name_node.text),
            name_node.span,
            start_ns,
            overrides,
            override_spans,
            positions,
            tape,
            expectations,
        )

    # --- parts of a test -----------------------------------------------------------------

    def timestamp(self, node: Mapping, key: str, default: int) -> int:
        s = node.get(key)
        if s is None:
            return default
        if isinstance(s, Scalar) and isinstance(s.value, int) and not isinstance(s.value, bool):
            return s.value
        if isinstance(s, Scalar) and isinstance(s.value, str):
            try:
                return parse_timestamp_ns(s.value)
            except ValueError as error:
                self.error(codes.BAD_LITERAL, str(error), s.span, "e.g. 2024-01-01T00:00:00Z")
                return default
        self.error(codes.WRONG_TYPE, f"`{key}:` is a time like 2024-01-01T00:00:00Z", s.span)
        return default

    def overrides(self, node: Node | None) -> tuple[tuple[str, ...], tuple[Span, ...]]:
        if node is None:
            return (), ()
        if not isinstance(node, Mapping):
            self.error(
                codes.WRONG_TYPE,
                "`set:` maps pipeline paths to values, like --set",
                node.span,
                "e.g. set: {strategies.buy_twap.quantity: 3}",
            )
            return (), ()
        out: list[str] = []
        spans: list[Span] = []
        for key, value in node.items:
            if not isinstance(value, Scalar):
                self.error(codes.WRONG_TYPE, "a `set:` value is a single value", value.span)
                continue
            text = value.text if value.style == "plain" else _quoted(value.text)
            out.append(f"{key.text}={text}")
            spans.append(_through(key.span, value.span))
        return tuple(out), tuple(spans)

    def number(self, s: Node, what: str) -> float | None:
        if (
            isinstance(s, Scalar)
            and isinstance(s.value, int | float)
            and not isinstance(s.value, bool)
        ):
            return float(s.value)
        self.error(codes.WRONG_TYPE, f"{what} must be a number, found '{_text(s)}'", s.span)
        return None

    def duration(self, s: Node) -> int | None:
        if isinstance(s, Scalar) and s.value == 0 and not isinstance(s.value, bool):
            return 0
        if not isinstance(s, Scalar) or not isinstance(s.value, str):
            self.error(
                codes.BAD_LITERAL,
                f"'{_text(s)}' is not a duration",
                s.span,
                "times on the tape are offsets from `start:`, e.g. 0s, 250ms, 2m",
            )
            return None
        try:
            quantity = parse_literal(s.text, s.locate)
        except ExprError as error:
            self.diags.extend(error.diagnostics)
            return None
        if quantity.type != "duration" or quantity.value < 0:
            self.error(
                codes.BAD_LITERAL,
                f"expected a duration of zero or more (like 5ms or 1m), found '{s.text}'",
                s.span,
            )
            return None
        return int(quantity.value)

    def positions(self, node: Node | None) -> tuple[StartingPosition, ...]:
        if node is None:
            return ()
        if not isinstance(node, Mapping):
            self.error(
                codes.WRONG_TYPE,
                "`positions:` maps instruments to starting quantities",
                node.span,
                "e.g. {BTC/USDT@sim: 0.5} or {BTC/USDT@sim: {qty: 0.5, avg_price: 42000}}",
            )
            return ()
        out: list[StartingPosition] = []
        for key, value in node.items:
            avg: float | None = None
            if isinstance(value, Mapping):
                self.keys(value, ("qty", "avg_price"), "a starting position")
                qty_node = value.get("qty")
                if qty_node is None:
                    self.error(codes.MISSING_KEY, "a starting position needs `qty:`", value.span)
                    continue
                qty = self.number(qty_node, "qty")
                avg_node = value.get("avg_price")
                avg = self.number(avg_node, "avg_price") if avg_node is not None else None
            else:
                qty = self.number(value, "a starting position")
            if qty is not None:
                out.append(StartingPosition(key.text, qty, avg, key.span))
        return tuple(out)

    def tape(self, node: Node | None, start_ns: int, test_span: Span) -> tuple[TapeEvent, ...]:
        if node is None:
            self.error(codes.MISSING_KEY, "a test needs a `tape:` of market events", test_span)
            return ()
        if not isinstance(node, Mapping):
            self.error(
                codes.WRONG_TYPE,
                "`tape:` maps each instrument to a list of trades and quotes",
                node.span,
                "e.g. tape: {BTC/USDT@sim: [{t: 0s, price: 42000, qty: 1}]}",
            )
            return ()
        events: list[TapeEvent] = []
        for key, value in node.items:
            if not isinstance(value, Sequence):
                self.error(codes.WRONG_TYPE, "an instrument's tape is a list of events", value.span)
                continue
            last = {"trade": -1, "quote": -1, "book": -1}
            first: dict[str, Span] = {}  # where the instrument's first quote / book event is
            for item in value.items:
                run = self.event(key.text, item, start_ns)
                if not run:
                    continue
                kind = run[0].kind
                other = {"quote": "book", "book": "quote"}.get(kind)
                if other in first:
                    self.error(
                        codes.CONFLICTING_KEYS,
                        f"{key.text} has {_kind_noun(other)} on the tape (first at line "
                        f"{first[other].line}); {_kind_noun(kind)} cannot be mixed with them",
                        run[0].span,
                        "an instrument's book comes from quotes (top of book) or from L2 book "
                        "events, not both: write the quote as a `delta:` or a `book:` snapshot",
                    )
                    continue
                first.setdefault(kind, run[0].span)
                if run[0].ts_ns < last[kind]:
                    what = "book event" if kind == "book" else kind
                    self.error(
                        codes.BAD_VALUE,
                        f"this {what} is earlier than the one before it",
                        run[0].span,
                        "a feed moves forward in time: list each instrument's events in order",
                    )
                last[kind] = run[-1].ts_ns
                events.extend(run)
        return tuple(events)

    def event(self, instrument: str, node: Node, start_ns: int) -> list[TapeEvent]:
        """One scripted trade or quote, or a run of them (`repeat: N, every: 1s`, prices
        moving by `step` each time)."""
        if not isinstance(node, Mapping):
            self.error(
                codes.WRONG_TYPE,
                "a tape event is a trade {t, price, qty}, a quote {t, bid, ask} or a book "
                "event {t, book: …} / {t, delta: …}",
                node.span,
                EVENT_HINT,
            )
            return []
        if any(action in node for action in BOOK_ACTIONS):
            return self.book_event(instrument, node, start_ns)
        is_quote = "bid" in node or "ask" in node
        for side in ("bid", "ask"):
            value = node.get(side)
            if isinstance(value, Sequence | Mapping):  # a level, meant as a book delta
                self.error(
                    codes.WRONG_TYPE,
                    f"`{side}` of a quote is a price; an L2 book level goes in `delta:`",
                    value.span,
                    f"a quote is {{t: 1s, bid: 99.9, ask: 100.1}}; a book delta is "
                    f"{{t: 1s, delta: {{{side}s: [[99.9, 0]]}}}}",
                )
                return []
        allowed = QUOTE_KEYS if is_quote else TRADE_KEYS
        self.keys(
            node, (*allowed, *RUN_KEYS), "a scripted quote" if is_quote else "a scripted trade"
        )
        needed = ("t", "bid", "ask") if is_quote else ("t", "price")
        missing = [k for k in needed if k not in node]
        if missing:
            self.error(
                codes.MISSING_KEY,
                f"this {'quote' if is_quote else 'trade'} lacks `{'`, `'.join(missing)}`",
                node.span,
                "a trade is {t: 0s, price: 100, qty: 1}; a quote is {t: 0s, bid: 99.9, ask: 100.1}",
            )
            return []
        t = node.get("t")
        assert t is not None
        offset = self.duration(t)
        values: dict[str, float] = {}
        for key in allowed[1:]:
            value = node.get(key)
            if value is not None:
                number = self.number(value, f"`{key}`")
                if number is None:
                    return []
                if not (number > 0 or (key.endswith("qty") and number == 0)):
                    self.error(codes.BAD_VALUE, f"`{key}` must be positive", value.span)
                    return []
                values[key] = number
        repeat, every_ns, step = self.run(node)
        if offset is None or repeat is None:
            return []
        if is_quote and values["bid"] > values["ask"]:
            self.error(codes.BAD_VALUE, "bid above ask: a crossed quote", node.span)
            return []
        first = values["bid"] if is_quote else values["price"]
        lowest = min(first, first + step * (repeat - 1))
        if lowest <= 0:
            self.error(
                codes.BAD_VALUE,
                f"this run's `step` takes the price to {lowest:g}; prices must stay positive",
                node.span,
            )
            return []
        events = []
        for k in range(repeat):
            ts_ns = start_ns + offset + k * every_ns
            move = step * k
            if is_quote:
                events.append(
                    TapeEvent(
                        instrument,
                        ts_ns,
                        "quote",
                        bid=values["bid"] + move,
                        ask=values["ask"] + move,
                        bid_qty=values.get("bid_qty", DEFAULT_QUOTE_QTY),
                        ask_qty=values.get("ask_qty", DEFAULT_QUOTE_QTY),
                        span=node.span,
                    )
                )
            else:
                events.append(
                    TapeEvent(
                        instrument,
                        ts_ns,
                        "trade",
                        price=values["price"] + move,
                        qty=values.get("qty", 1.0),
                        span=node.span,
                    )
                )
        return events

    def book_event(self, instrument: str, node: Mapping, start_ns: int) -> list[TapeEvent]:
        """An L2 book snapshot (`book: {bids, asks}`) or deltas (`delta: {bids, asks}`), each
        side a list of [price, qty] levels; optionally `seq:` and a run (`repeat`, `every`,
        `step` moving every price)."""
        written = [action for action in BOOK_ACTIONS if action in node]
        if len(written) > 1:
            second = node.key(written[1])
            assert second is not None
            self.error(
                codes.CONFLICTING_KEYS,
                "a book event is either a snapshot (`book:`) or deltas (`delta:`), not both",
                second.span,
                "write them as two events, at the same `t` if need be",
            )
            return []
        action_key = written[0]
        snapshot = action_key == "book"
        what = "a book snapshot" if snapshot else "a book delta"
        self.keys(node, (*BOOK_KEYS, action_key, *RUN_KEYS), what)
        t = node.get("t")
        if t is None:
            self.error(codes.MISSING_KEY, f"{what} lacks `t`", node.span, EVENT_HINT)
            return []
        offset = self.duration(t)
        levels = self.book_levels(node.get(action_key), snapshot)
        seq: int | None = None
        seq_node = node.get("seq")
        if seq_node is not None:
            seq = self.count(seq_node, "`seq:` is a sequence number, a whole number 0 or more")
            if seq is None:
                return []
        repeat, every_ns, step = self.run(node)
        if offset is None or levels is None or repeat is None:
            return []
        if levels:
            first = min(price for _, price, _ in levels)
            lowest = min(first, first + step * (repeat - 1))
            if lowest <= 0:
                self.error(
                    codes.BAD_VALUE,
                    f"this run's `step` takes a price to {lowest:g}; prices must stay positive",
                    node.span,
                )
                return []
        events = []
        for k in range(repeat):
            move = step * k
            events.append(
                TapeEvent(
                    instrument,
                    start_ns + offset + k * every_ns,
                    "book",
                    span=node.span,
                    action="snapshot" if snapshot else "delta",
                    levels=tuple((side, price + move, qty) for side, price, qty in levels),
                    seq=seq if k == 0 else None,
                )
            )
        return events

    def book_levels(self, node: Node | None, snapshot: bool) -> tuple[Level, ...] | None:
        """The levels of `book:` / `delta:` (`{bids: [[price, qty], …], asks: …}`) in the
        order written (each delta is one market event); None when malformed."""
        key = "book" if snapshot else "delta"
        example = (
            "book: {bids: [[99.9, 2], [99.8, 5]], asks: [[100.1, 1]]}"
            if snapshot
            else "delta: {bids: [[99.9, 0]], asks: [[100.2, 4]]}"
        )
        if not isinstance(node, Mapping):
            self.error(
                codes.WRONG_TYPE,
                f"`{key}:` maps `bids` and `asks` to lists of [price, qty] levels",
                node.span if node is not None else Span(self.source, 0, 0),
                f"e.g. {example}",
            )
            return None
        self.keys(node, tuple(name for name, _ in BOOK_SIDES), f"`{key}:`")
        levels: list[Level] = []
        ok = True
        sides = dict(BOOK_SIDES)
        for name_node, side_node in node.items:
            name = name_node.text
            side = sides.get(name)
            if side is None:
                continue
            seen: dict[float, Span] = {}
            read = self.side_levels(name, side_node, example)
            if read is None:
                ok = False
                continue
            for (price, qty), span in read:
                if snapshot and qty <= 0:
                    self.error(
                        codes.BAD_VALUE,
                        f"a snapshot level's qty must be positive, found {qty:g}",
                        span,
                        "leave the level out: a snapshot lists only the levels that exist",
                    )
                    ok = False
                elif price in seen:
                    self.error(
                        codes.BAD_VALUE,
                        f"price {price:g} appears twice in `{name}` "
                        f"(first at {seen[price].line}:{seen[price].col})",
                        span,
                    )
                    ok = False
                seen.setdefault(price, span)
                levels.append((side, price, qty))
        if ok and not snapshot and not levels:
            self.error(
                codes.MISSING_KEY,
                "a book delta changes at least one level",
                node.span,
                f"e.g. {example}",
            )
            ok = False
        return tuple(levels) if ok else None

    def side_levels(
        self, name: str, node: Node, example: str
    ) -> list[tuple[tuple[float, float], Span]] | None:
        """`[[price, qty], …]` of one side, with each level's place."""
        if not isinstance(node, Sequence) or any(
            not isinstance(item, Sequence) for item in node.items
        ):
            self.error(
                codes.WRONG_TYPE,
                f"`{name}` is a list of [price, qty] levels",
                node.span,
                f"e.g. {example} (one level is [[99.9, 2]])",
            )
            return None
        out = []
        ok = True
        for item in node.items:
            assert isinstance(item, Sequence)
            if len(item.items) != 2:
                self.error(
                    codes.WRONG_TYPE,
                    f"a level is [price, qty], found {len(item.items)} values",
                    item.span,
                )
                ok = False
                continue
            price_node, qty_node = item.items
            price = self.number(price_node, "a level's price")
            qty = self.number(qty_node, "a level's qty")
            if price is None or qty is None:
                ok = False
                continue
            if not price > 0 or not math.isfinite(price):
                self.error(codes.BAD_VALUE, "a level's price must be positive", price_node.span)
                ok = False
                continue
            if not qty >= 0 or not math.isfinite(qty):
                self.error(codes.BAD_VALUE, "a level's qty must be 0 or more", qty_node.span)
                ok = False
                continue
            out.append(((price, qty), item.span))
        return out if ok else None

    def run(self, node: Mapping) -> tuple[int | None, int, float]:
        """`repeat`, `every` (ns) and `step` of a run of events; repeat None when invalid."""
        repeat_node = node.get("repeat")
        if repeat_node is None:
            for key in ("every", "step"):
                extra = node.key(key)
                if extra is not None:
                    self.error(
                        codes.MISSING_KEY,
                        f"`{key}` describes a run of events; add `repeat: N`",
                        extra.span,
                    )
                    return None, 0, 0.0
            return 1, 0, 0.0
        repeat = self.count(repeat_node)
        if repeat is None or repeat < 1:
            if repeat is not None:
                self.error(codes.BAD_VALUE, "`repeat` must be 1 or more", repeat_node.span)
            return None, 0, 0.0
        every_node = node.get("every")
        every_ns = 0
        if every_node is None:
            if repeat > 1:
                self.error(
                    codes.MISSING_KEY,
                    "a run of events needs `every:` (the time between them)",
                    node.span,
                    "e.g. {t: 0s, price: 100, repeat: 60, every: 1s, step: 0.5}",
                )
                return None, 0, 0.0
        else:
            read = self.duration(every_node)
            if read is None:
                return None, 0, 0.0
            every_ns = read
        step_node = node.get("step")
        step = self.number(step_node, "`step`") if step_node is not None else 0.0
        if step is None:
            return None, 0, 0.0
        return repeat, every_ns, step

    def expectations(self, node: Node | None, test_span: Span) -> tuple[Expectation, ...]:
        if node is None:
            self.error(codes.MISSING_KEY, "a test needs `expect:`", test_span)
            return ()
        if not isinstance(node, Mapping):
            self.error(codes.WRONG_TYPE, "`expect:` is a mapping", node.span)
            return ()
        self.keys(node, EXPECT_KEYS, "expect")
        out: list[Expectation] = []
        for key, value in node.items:
            if key.text == "positions":
                out.extend(self.final_positions(value))
            elif key.text in FIELDS:
                out.extend(self.row_expectations(key.text, value))
        return tuple(out)

    def final_positions(self, node: Node) -> list[Expectation]:
        if not isinstance(node, Mapping):
            self.error(
                codes.WRONG_TYPE,
                "`expect.positions:` maps instruments to final positions",
                node.span,
                "e.g. positions: {BTC/USDT@sim: 0.5}",
            )
            return []
        out = []
        for key, value in node.items:
            qty = self.number(value, "a final position")
            if qty is not None:
                span = _through(key.span, value.span)
                out.append(Expectation("positions", ((key.text, qty),), None, span))
        return out

    def row_expectations(self, table: str, node: Node) -> list[Expectation]:
        fields = FIELDS[table]
        if isinstance(node, Mapping) and list(node.keys()) == ["count"]:
            total = self.count(node.get("count"))  # `orders: {count: 0}`: how many in all
            return [] if total is None else [Expectation(table, (), total, node.span)]
        if not isinstance(node, Sequence):
            self.error(
                codes.WRONG_TYPE,
                f"`expect.{table}:` is a list of partial matches, or {{count: N}}",
                node.span,
                f"e.g. {table}: [{EXAMPLES[table]}] or {table}: {{count: 0}}",
            )
            return []
        out = []
        for item in node.items:
            if not isinstance(item, Mapping):
                self.error(codes.WRONG_TYPE, "an expected row is a mapping of fields", item.span)
                continue
            self.keys(item, (*fields, "count"), f"an expected {table[:-1].replace('_', ' ')}")
            values: list[tuple[str, Any]] = []
            count: int | None = None
            for key, value in item.items:
                if key.text == "count":
                    count = self.count(value)
                elif key.text in fields:
                    read = self.field(fields[key.text], key.text, value)
                    if read is not None:
                        values.append((key.text, read))
            out.append(Expectation(table, tuple(values), count, item.span))
        return out

    def count(
        self, node: Node | None, message: str = "`count:` is a whole number of rows, 0 or more"
    ) -> int | None:
        if (
            isinstance(node, Scalar)
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
            and node.value >= 0
        ):
            return node.value
        span = node.span if node is not None else Span(self.source, 0, 0)
        self.error(codes.WRONG_TYPE, message, span)
        return None

    def field(self, how: Any, key: str, value: Node) -> Any:
        if how == "number":
            return self.number(value, f"`{key}`")
        if how == "duration":
            return self.duration(value)
        if not isinstance(value, Scalar) or value.value is None:
            self.error(codes.WRONG_TYPE, f"`{key}` must be a single value", value.span)
            return None
        if isinstance(how, tuple) and value.text not in how:
            self.error(
                codes.BAD_VALUE,
                f"`{key}` must be one of {', '.join(how)}, found '{value.text}'",
                value.span,
                did_you_mean(value.text, how),
            )
            return None
        return value.text


def _through(first: Span, last: Span) -> Span:
    """From the start of `first` to the end of `last` (a `key: value` entry)."""
    return Span(first.file, first.line, first.col, last.end_line, last.end_col)


def _kind_noun(kind: str | None) -> str:
    return "L2 book events" if kind == "book" else "quotes"


def _text(node: Node) -> str:
    return node.text if isinstance(node, Scalar) else "a list or mapping"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

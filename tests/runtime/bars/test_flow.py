"""The bars branch in a real bytewax dataflow: bars equal a plain-python pass over the trades
the run saw, the last windows close at the end of the input, late partial bars go to the dead
letters (or are waited for with `wait`), and one worker and two worker threads give the same
rows."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import bytewax.operators as op
import numpy as np
from bytewax.dataflow import Dataflow
from bytewax.testing import TestingSink, TestingSource, cluster_main, run_main

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.plan import Feed, Plan
from orderloom.runtime.bars.flow import bar_stream
from orderloom.runtime.build import build_dataflow
from orderloom.runtime.events import MarketBatch, TradeBatch
from orderloom.runtime.placement import place

SECOND = 1_000_000_000
BTC = "BTC/USDT@sim"


def trade_batch(rows: list[tuple[int, float, float]], offset: int, feed: str = "f") -> TradeBatch:
    ts, price, qty = zip(*rows, strict=True)
    return TradeBatch(
        feed,
        BTC,
        offset,
        np.array(ts, np.int64),
        np.array(price),
        np.array(qty),
        np.zeros(len(rows), np.int8),
    )


def hand_plan(bars_ns: tuple[int, ...], wait_ns: int = 0) -> Plan:
    feed = Feed("f", "replay", BTC, "trades", None, bars_ns=bars_ns, bars_wait_ns=wait_ns)
    return Plan("t", "", "t.yaml", (), (), (feed,), (), ())


def run_branch(plan: Plan, batches: list[TradeBatch]) -> list[tuple[str, list[tuple]]]:
    flow = Dataflow("bars_test")
    market = op.input("in", flow, TestingSource(batches))
    stream = bar_stream(plan, "r", market)
    assert stream is not None
    out: list[tuple[str, list[tuple]]] = []
    op.output("out", stream, TestingSink(out))
    run_main(flow)
    return out


def test_the_last_windows_close_at_the_end_of_the_input() -> None:
    """Trades in 10 s and 11 s with 1s bars; nothing after them, so only the EOF closes them."""
    out = run_branch(
        hand_plan((SECOND,)),
        [
            trade_batch(
                [(10 * SECOND, 5.0, 1.0), (11 * SECOND + 1, 6.0, 2.0), (11 * SECOND + 2, 4.0, 1.0)],
                0,
            )
        ],
    )
    rows = sorted(r for table, rows in out if table == "bars" for r in rows)
    assert rows == [
        ("r", BTC, 1, 10 * SECOND, 11 * SECOND, "f", 5.0, 5.0, 5.0, 5.0, 1.0, 5.0, 1, 0, 0),
        ("r", BTC, 1, 11 * SECOND, 12 * SECOND, "f", 6.0, 6.0, 4.0, 4.0, 3.0, 16 / 3, 2, 1, 2),
    ]


LATE = [
    [(100 * SECOND, 1.0, 1.0), (101 * SECOND, 2.0, 1.0)],  # windows 100, 101 (1s bars)
    [(100 * SECOND + 500_000_000, 3.0, 1.0)],  # back in window 100 after 101 was seen
]


def test_a_partial_behind_the_watermark_is_a_dead_letter() -> None:
    """Without a wait the watermark is 101 s when the third trade (100.5 s) arrives: window
    100 has closed with one trade and the late trade is reported, not dropped silently."""
    batches = [trade_batch(LATE[0], 0), trade_batch(LATE[1], 2)]
    out = run_branch(hand_plan((SECOND,)), batches)
    bars = sorted(r for table, rows in out if table == "bars" for r in rows)
    dead = [r for table, rows in out if table == "dead_letters" for r in rows]
    assert [(b[3], b[12]) for b in bars] == [(100 * SECOND, 1), (101 * SECOND, 1)]
    assert len(dead) == 1
    run_id, feed, offset, ts, reason, _record = dead[0]
    assert (run_id, feed, offset, ts) == ("r", "f/bars:1s", 2, 100 * SECOND + 500_000_000)
    assert reason.startswith(f"late for the 1s bar [{100 * SECOND}, {101 * SECOND}) of {BTC}")


def test_a_wait_holds_windows_open_for_late_trades() -> None:
    """With wait 2s the watermark is 99 s after the 101 s trade: window 100 is still open."""
    batches = [trade_batch(LATE[0], 0), trade_batch(LATE[1], 2)]
    out = run_branch(hand_plan((SECOND,), wait_ns=2 * SECOND), batches)
    assert all(table == "bars" for table, _ in out)
    bars = sorted(r for _, rows in out for r in rows)
    assert [(b[3], b[6], b[9], b[12]) for b in bars] == [
        (100 * SECOND, 1.0, 3.0, 2),  # open from offset 0, close from offset 2
        (101 * SECOND, 2.0, 2.0, 1),
    ]


PIPELINE = """\
orderloom: 1
name: bars-flow
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim: {kind: simulated}
feeds:
  btc: {kind: synthetic, model: gbm, instrument: BTC/USDT@sim, seed: 4, s0: 100, mu: 0,
        sigma: 0.5, dt: 370ms, start: 2024-01-01T00:00:00.250Z, count: 4000, batch_size: 333,
        bars: [1s, 1m, 5m]}
  eth: {kind: synthetic, model: gbm, instrument: ETH/USDT@sim, seed: 5, s0: 50, mu: 0,
        sigma: 0.5, dt: 1100ms, start: 2024-01-01T00:00:00Z, count: 1500, batch_size: 100,
        bars: {every: [1m], wait: 3s}}
strategies:
  hold: {kind: signal, instrument: BTC/USDT@sim, target: 0, venue: sim}
"""


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[str, list[tuple]] = {}
        self.trades: dict[str, list[tuple[int, int, float, float]]] = {}

    def factory(self, worker: int) -> Any:
        recorder = self

        class Writer:
            def put_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None:
                with recorder.lock:
                    recorder.rows.setdefault(table, []).extend(rows)

            def put_market(self, run_id: str, batch: MarketBatch) -> None:
                assert isinstance(batch, TradeBatch)
                offsets = (
                    batch.offsets
                    if batch.offsets is not None
                    else (np.arange(len(batch)) + batch.offset)
                )
                with recorder.lock:
                    recorder.trades.setdefault(batch.instrument, []).extend(
                        zip(
                            offsets.tolist(),
                            batch.ts_ns.tolist(),
                            batch.price.tolist(),
                            batch.qty.tolist(),
                            strict=True,
                        )
                    )

            def flush(self) -> None:
                return None

        return Writer()


def expected(
    trades: list[tuple[int, int, float, float]], instrument: str, feed: str, interval_s: int
) -> list[tuple]:
    """Plain python: trades in offset order, grouped by ts // interval."""
    interval = interval_s * SECOND
    bars: dict[int, list] = {}
    for offset, ts, price, qty in sorted(trades):
        start = ts // interval * interval
        b = bars.get(start)
        if b is None:
            b = bars[start] = [price, price, price, price, 0.0, 0.0, 0, offset, offset]
        b[1], b[2], b[3] = max(b[1], price), min(b[2], price), price
        b[4] += qty
        b[5] += price * qty
        b[6] += 1
        b[8] = offset
    return [
        (
            "r",
            instrument,
            interval_s,
            s,
            s + interval,
            feed,
            b[0],
            b[1],
            b[2],
            b[3],
            b[4],
            b[5] / b[4],
            b[6],
            b[7],
            b[8],
        )
        for s, b in sorted(bars.items())
    ]


def close(got: list[tuple], want: list[tuple]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g[:10] == w[:10] and g[12:] == w[12:]
        assert abs(g[10] - w[10]) <= 1e-9 * w[10] and abs(g[11] - w[11]) <= 1e-9 * w[11]


def test_pipeline_bars_match_the_trades_for_one_and_two_workers(tmp_path: Path) -> None:
    plan = compile_text(PIPELINE, str(tmp_path / "p.yaml"))
    one = Recorder()
    run_main(build_dataflow(plan, "r", one.factory, control=None))
    bars = sorted(one.rows["bars"], key=lambda r: (r[1], r[2], r[3]))
    for instrument, feed, intervals in ((BTC, "btc", (1, 60, 300)), ("ETH/USDT@sim", "eth", (60,))):
        for interval_s in intervals:
            got = [r for r in bars if r[1] == instrument and r[2] == interval_s]
            close(got, expected(one.trades[instrument], instrument, feed, interval_s))
    assert len([r for r in bars if r[2] == 1]) > 1000
    assert "dead_letters" not in one.rows

    two = Recorder()
    flow = build_dataflow(plan, "r", two.factory, placement=place(plan, 2), control=None)
    cluster_main(flow, [], 0, worker_count_per_proc=2)
    assert sorted(two.rows["bars"]) == sorted(one.rows["bars"])

"""An account kill in a backtest acts at the trip's event time, so the rows after it are the
same on one worker, two workers and two processes. Instance a holds 1 BTC bought at 100 while
BTC falls; instance b quotes ETH (a quote tape offset by half a second from the BTC trades)
with a spread too wide to fill, so it is flat with two orders resting. The account's max_loss
(5.5) trips at the first grid time whose report (the state before the event there) shows a
loss over it: a kills there and b's resting quotes are cancelled at that very time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.plan import Plan
from orderloom.runtime.run import DeployOptions, deploy
from orderloom.runtime.sinks.base import open_store

pytestmark = pytest.mark.slow

SECOND = 1_000_000_000
T0 = 1_704_067_200 * SECOND  # 2024-01-01T00:00:00Z
FLAT_S, FALL_S, POST = 60, 60, 600
LIMIT = 5.5
EVERY_S = 10
TABLES = ("orders", "fills", "risk_events", "positions", "pnl")

PIPELINE = """\
orderloom: 1
name: account-determinism
account: desk
venues:
  sim: {{kind: simulated, latency: 1ms}}
instruments:
  BTC/USDT@sim: {{tick_size: 0.01, lot_size: 0.0001}}
  ETH/USDT@sim: {{tick_size: 0.01, lot_size: 0.0001}}
feeds:
  btc: {{kind: replay, instrument: BTC/USDT@sim, path: {btc}, schema: trades}}
  eth: {{kind: replay, instrument: ETH/USDT@sim, path: {eth}, schema: quotes}}
strategies:
  a: {{kind: signal, instrument: BTC/USDT@sim, target: "if last < 93.95 then 1.001 else 1"}}
  b:
    kind: market_maker
    model: fixed_spread
    instrument: ETH/USDT@sim
    spread: 100bps
    quantity: 0.1
routing: {{default: sim}}
risk:
  account: {{max_loss: {limit} USDT, every: {every}s, action: kill}}
"""


def _prices() -> list[float]:
    """60 s at 100, then -0.1 per second (99.9 … 94.0), then 93.9 / 94.0 alternating."""
    flat = [100.0] * FLAT_S
    fall = [round(100.0 - 0.1 * (s + 1), 1) for s in range(FALL_S)]
    post = [93.9 if s % 2 == 0 else 94.0 for s in range(POST)]
    return flat + fall + post


def _plan(tmp_path: Path) -> Plan:
    btc = tmp_path / "btc.csv"
    lines = ["ts_ns,price,qty"] + [f"{T0 + k * SECOND},{p},5" for k, p in enumerate(_prices())]
    btc.write_text("\n".join(lines) + "\n")
    eth = tmp_path / "eth.csv"
    half = SECOND // 2
    quotes = [f"{T0 + k * SECOND + half},1999.5,10,2000.5,10" for k in range(len(_prices()))]
    eth.write_text("\n".join(["ts_ns,bid_price,bid_qty,ask_price,ask_qty", *quotes]) + "\n")
    text = PIPELINE.format(btc=btc, eth=eth, limit=LIMIT, every=EVERY_S)
    return compile_text(text, str(tmp_path / "account-determinism.yaml"))


def _expected_trip() -> int:
    """a is long 1 from 100 (its first market order fills at the second trade); b is flat.
    The report at grid time T holds BTC's price at T - 1 s."""
    prices = _prices()
    for t in range(EVERY_S, len(prices), EVERY_S):
        if 100.0 - prices[t - 1] > LIMIT:
            return T0 + t * SECOND
    raise AssertionError("no trip in the tape")


def _rows(sink: str, run_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the run per table, run_id dropped, in a stable order."""
    store = open_store(sink, "orderloom")
    try:
        out = {}
        for table in TABLES:
            rows = store.query(f"SELECT * FROM {table} WHERE run_id = '{run_id}'").rows
            out[table] = sorted((tuple(r[1:]) for r in rows), key=repr)
        return out
    finally:
        store.close()


def test_rows_after_an_account_kill_are_the_same_on_any_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERLOOM_CONTROL_DIR", str(tmp_path / "control"))
    plan = _plan(tmp_path)
    sink = f"chdb://{tmp_path / 'ch'}"
    runs = {"w1": (1, 1), "w2": (2, 1), "p2": (1, 2)}
    for run_id, (workers, processes) in runs.items():
        deploy(plan, DeployOptions(run_id, sink_url=sink, workers=workers, processes=processes))
    results = {run_id: _rows(sink, run_id) for run_id in runs}
    trip_ts = _expected_trip()
    assert trip_ts == T0 + 120 * SECOND  # by hand: 100 - 94.0 = 6 > 5.5 at 120 s, 5.9 at 110 s

    rows = results["w1"]
    assert results["w2"] == rows
    assert results["p2"] == rows
    # risk_events without run_id: event_id ts_ns strategy order_id check limit value action …
    trips = [r for r in rows["risk_events"] if r[2] == "account:desk"]
    assert [(r[1], r[4], r[7]) for r in trips] == [(trip_ts, "account_loss", "kill")]
    assert abs(trips[0][6] - 6.0) < 1e-9
    kills = sorted((r[2], r[1], r[4]) for r in rows["risk_events"] if r[7] == "kill")
    assert kills == [("a", trip_ts, "account"), ("account:desk", trip_ts, "account_loss"),
                     ("b", trip_ts, "account")]  # fmt: skip
    # orders without run_id: order_id seq ts_ns strategy instrument venue side type price qty
    # status …
    for name in ("a", "b"):
        mine = [r for r in rows["orders"] if r[3] == name]
        assert mine and min(r[2] for r in mine) < trip_ts, f"{name} traded before the trip"
        assert max(r[2] for r in mine) <= trip_ts, f"{name} has order rows after the trip"
    assert all(r[2] <= trip_ts for r in rows["fills"])
    # b's two resting quotes (a bid and an ask 50 bps from the mid) die at the trip time.
    cancelled = [r for r in rows["orders"] if r[3] == "b" and r[10] == "cancelled"]
    assert sorted((r[2], r[6]) for r in cancelled) == [(trip_ts, -1), (trip_ts, 1)]
    opened = {r[0] for r in rows["orders"] if r[3] == "b"}
    assert {r[0] for r in cancelled} == opened  # every quote b sent was cancelled by the kill

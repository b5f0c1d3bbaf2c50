"""AccountGroup on hand-made batches: instance a buys 1 BTC at 100 while BTC falls 0.1 per
second (trades every second, to 100 s), b buys 1 ETH at a flat 50 (trades every 1.5 s from
3.2 s to 200 s, so b outlives a). The account's max_loss (5) trips on a's loss alone. The
group's monitor sees the same reports as the monitor of instances run apart (each engine on
its own, reports summed afterwards), so the trip time and value are the same; the group then
kills both engines at that time, and its rows do not depend on how the batches arrive."""

from __future__ import annotations

from typing import Any

from engine_builders import BTC, ETH, SECOND, instrument, make_plan, signal_strategy, split, trades

from orderloom.dsl.kinds.risk_account import AccountLimitParams
from orderloom.dsl.plan import Feed, Plan, RiskLimits
from orderloom.runtime.account.group import AccountGroup
from orderloom.runtime.account.monitor import AccountMonitor
from orderloom.runtime.account.snapshot import SNAPSHOT_TABLE, AccountedEngine, Snapshot
from orderloom.runtime.events import MarketBatch
from orderloom.runtime.sinks.tables import TABLES

EVERY = 7 * SECOND  # off the data's grid on purpose


def _plan(action: str = "kill") -> Plan:
    limits = AccountLimitParams(max_loss=5.0, action=action, every_ns=EVERY)
    return make_plan(
        [
            signal_strategy("a", target="1", instrument_id=BTC),
            signal_strategy("b", target="1", instrument_id=ETH),
        ],
        instruments=[instrument(BTC), instrument(ETH)],
        feeds=[
            Feed("btc", "synthetic", BTC, "trades", None),
            Feed("eth", "synthetic", ETH, "trades", None),
        ],
        risk=RiskLimits(account=(limits,)),
    )


def _batches() -> dict[str, MarketBatch]:
    btc_ts = [k * SECOND for k in range(101)]
    eth_ts = [3_200_000_000 + k * 1_500_000_000 for k in range(131)]
    return {
        "a": trades(
            btc_ts, [round(100.0 - 0.1 * k, 1) for k in range(101)], feed="btc", instrument_id=BTC
        ),
        "b": trades(eth_ts, [50.0] * len(eth_ts), feed="eth", instrument_id=ETH),
    }


def _apart(plan: Plan) -> tuple[list[tuple[Any, ...]], list[tuple[int, dict[str, float]]]]:
    """Trip rows and evaluations of the monitor when each instance runs on its own."""
    snapshots: list[Snapshot] = []
    for name, batch in _batches().items():
        engine = AccountedEngine(plan, name, "r")
        for table, rows in engine.on_batches([batch]) + engine.on_eof():
            if table == SNAPSHOT_TABLE:
                snapshots += rows  # type: ignore[arg-type]
    monitor = AccountMonitor(plan, "r")
    evaluations = _record(monitor)
    trips = monitor.on_snapshots(snapshots) + monitor.on_eof()
    return trips, evaluations


def _record(monitor: AccountMonitor) -> list[tuple[int, dict[str, float]]]:
    seen: list[tuple[int, dict[str, float]]] = []
    evaluate = monitor._evaluate

    def recording(ts_ns: int) -> list[tuple]:
        rows = evaluate(ts_ns)
        assert monitor.last is not None
        seen.append(monitor.last)
        return rows

    monitor._evaluate = recording  # type: ignore[method-assign]
    return seen


def _grouped(
    plan: Plan, items: list[tuple[str, MarketBatch]], chunk: int = 1
) -> tuple[AccountGroup, dict[str, list[tuple[Any, ...]]], list[tuple[int, dict[str, float]]]]:
    group = AccountGroup(plan, "r")
    evaluations = _record(group.monitor)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for k in range(0, len(items), chunk):
        for table, rows in group.on_batches(items[k : k + chunk]):
            out.setdefault(table, []).extend(rows)
    for table, rows in group.on_eof():
        out.setdefault(table, []).extend(rows)
    return group, out, evaluations


def _interleaved(size: int) -> list[tuple[str, MarketBatch]]:
    parts = {name: split(batch, size) for name, batch in _batches().items()}
    items: list[tuple[str, MarketBatch]] = []
    for k in range(max(len(p) for p in parts.values())):
        for name in ("b", "a"):
            if k < len(parts[name]):
                items.append((name, parts[name][k]))
    return items


def test_the_group_trips_where_instances_run_apart_would() -> None:
    plan = _plan()
    trips, evaluations = _apart(plan)
    # By hand: a is long 1 from 99.9 (its order fills at the second trade, no fees) and b
    # flat at 50; a grid report at T holds BTC's price at T - 1 s, 100 - 0.1 × (T/s - 1):
    # the loss is 0.1 × T/s - 0.2, over 5 from 52 s on; the first multiple of 7 s after is
    # 56 s (loss 5.4).
    assert [(r[2], r[5], r[8]) for r in trips][:1] == [(56 * SECOND, "account_loss", "kill")]
    assert abs(trips[0][7] - 5.4) < 1e-9
    _, rows, grouped = _grouped(plan, _interleaved(7))
    trip = [r for r in rows["risk_events"] if r[3] == "account:default"]
    assert trip == trips[:1]  # the kill stops both, so only the first trip is comparable
    upto = [e for e in evaluations if e[0] <= 56 * SECOND]
    assert [e[0] for e in upto] == [k * EVERY for k in range(1, 9)]  # the grid, to 56 s
    assert grouped[: len(upto)] == upto  # the same sums at the same times


def test_a_kill_acts_at_the_trip_time_on_every_engine() -> None:
    trip_ts = 56 * SECOND
    group, rows, _ = _grouped(_plan(), _interleaved(5))
    kills = sorted((r[3], r[2]) for r in rows["risk_events"] if r[8] == "kill")
    assert kills == [("a", trip_ts), ("account:default", trip_ts), ("b", trip_ts)]
    cols = [c.name for c in TABLES["orders"].columns]
    ts, strategy = cols.index("ts_ns"), cols.index("strategy")
    for name in ("a", "b"):
        times = [r[ts] for r in rows["orders"] if r[strategy] == name]
        assert times and max(times) < trip_ts, name
    assert all(engine.killed for engine in group.engines)


def test_rows_do_not_depend_on_how_batches_arrive() -> None:
    """One batch per instance, a's first; or small batches, b's first, two at a time."""
    plan = _plan("cancel_all")  # the instances go on after each trip
    whole = [(name, batch) for name, batch in _batches().items()]
    _, first, _ = _grouped(plan, whole)
    _, second, _ = _grouped(plan, _interleaved(3), chunk=2)
    assert set(first) == set(second)
    for table in first:
        assert sorted(first[table], key=repr) == sorted(second[table], key=repr), table
    trips = [r for r in first["risk_events"] if r[3] == "account:default"]
    assert [r[8] for r in trips] == ["cancel_all"]
    # Nothing rests to cancel (the one market order of each filled long before): the group
    # evaluates exactly what the monitor of instances run apart does, a's end (100 s, its
    # final report) and b's later grid times included.
    apart_trips, apart_evaluations = _apart(plan)
    assert trips == apart_trips
    _, _, evaluations = _grouped(plan, whole)
    assert evaluations == apart_evaluations
    off_grid = [ts for ts, _ in evaluations if ts % EVERY]  # the two final reports
    assert off_grid == [100 * SECOND, 3_200_000_000 + 130 * 1_500_000_000]

"""The account monitor in a real dataflow: two instances on one account, each alone under the
account's max_loss, their sum over it. In a backtest both run in one account group
(runtime/account/group.py): the monitor trips at a grid time computed from the tape by hand
and both instances are killed at that event time, sending no order after it. The trip is a
simulated breach: it writes no control file at all, never touches the account's shared file,
and the next run of the account starts free; a manual `kill --account` (the shared file) does
survive into the next run."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from bytewax.testing import cluster_main, run_main

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.plan import Plan
from orderloom.runtime.build import build_dataflow
from orderloom.runtime.control_state import (
    account_control_path,
    monitor_control_path,
    read_state,
    run_control_path,
    write_command,
)
from orderloom.runtime.events import MarketBatch

SECOND = 1_000_000_000
T0 = 1_704_067_200 * SECOND  # 2024-01-01T00:00:00Z
FLAT_S, FALL_S, POST = 60, 60, 150_000
LIMIT = 10.5
EVERY_S = 10

PIPELINE = """\
orderloom: 1
name: account-flow
account: desk
venues:
  sim: {{kind: simulated, latency: 1ms}}
instruments:
  BTC/USDT@sim: {{tick_size: 0.01, lot_size: 0.0001}}
feeds:
  tape: {{kind: replay, instrument: BTC/USDT@sim, path: {tape}, schema: trades}}
strategies:
  a: {{kind: signal, instrument: BTC/USDT@sim, target: "if last < 93.95 then 1.001 else 1"}}
  b: {{kind: signal, instrument: BTC/USDT@sim, target: "if last < 93.95 then 1.001 else 1"}}
routing: {{default: sim}}
risk:
  account: {{max_loss: {limit} USDT, every: {every}s, action: kill}}
"""


def _prices() -> list[float]:
    """60 s at 100, then −0.1 per second for 60 s (99.9 … 94.0), then 93.9 / 94.0 alternating
    (the targets alternate 1.001 / 1: an order on every event while an instance trades)."""
    flat = [100.0] * FLAT_S
    fall = [round(100.0 - 0.1 * (s + 1), 1) for s in range(FALL_S)]
    post = [93.9 if s % 2 == 0 else 94.0 for s in range(POST)]
    return flat + fall + post


def _plan(tmp_path: Path) -> Plan:
    tape = tmp_path / "tape.csv"
    lines = ["ts_ns,price,qty"] + [f"{T0 + k * SECOND},{p},5" for k, p in enumerate(_prices())]
    tape.write_text("\n".join(lines) + "\n")
    text = PIPELINE.format(tape=tape, limit=LIMIT, every=EVERY_S)
    return compile_text(text, str(tmp_path / "account-flow.yaml"))


class Collect:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    def factory(self, worker: int) -> Any:
        collect = self

        class Writer:
            def put_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None:
                with collect.lock:
                    collect.rows.setdefault(table, []).extend(rows)

            def put_market(self, run_id: str, batch: MarketBatch) -> None:
                return None

            def flush(self) -> None:
                return None

        return Writer()


def _run(plan: Plan, control: Path, run_id: str, workers: int = 1) -> Collect:
    collect = Collect()
    flow = build_dataflow(plan, run_id, collect.factory, control=control)
    if workers == 1:
        run_main(flow)
    else:
        cluster_main(flow, [], 0, worker_count_per_proc=workers)
    return collect


def _expected_trip() -> tuple[int, float]:
    """Each instance is long 1 from 100 (its first market order fills at the second trade,
    100, no fees) until the post phase. A report at grid time T holds the state before the
    event at T, i.e. the price at T − 1 s; the first T (a multiple of 10 s) where the summed
    loss 2 × (100 − p) exceeds the limit is the trip."""
    prices = _prices()
    for t in range(EVERY_S, len(prices), EVERY_S):
        loss_each = 100.0 - prices[t - 1]
        if 2 * loss_each > LIMIT:
            assert loss_each < LIMIT  # each alone stays under
            return T0 + t * SECOND, 2 * loss_each
    raise AssertionError("no trip in the tape")


def test_the_sum_of_two_instances_trips_the_account_and_stops_both(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    control = tmp_path / "control" / "account-flow.json"
    account_file = account_control_path("desk", control.parent)
    write_command(account_file, kill=False)  # the shared file: command 1, nothing killed
    shared_before = account_file.read_bytes()
    rows = _run(plan, control, "r1").rows
    trip_ts, trip_loss = _expected_trip()
    assert trip_ts == T0 + 120 * SECOND and trip_loss == 12.0  # the hand figure: 2 × 6
    trips = [r for r in rows["risk_events"] if r[3] == "account:desk"]
    assert [(r[2], r[5], r[6], r[8]) for r in trips] == [(trip_ts, "account_loss", LIMIT, "kill")]
    assert abs(trips[0][7] - trip_loss) < 1e-9
    for name in ("a", "b"):
        kills = [r for r in rows["risk_events"] if r[3] == name and r[8] == "kill"]
        assert len(kills) == 1, f"{name} was not killed during the run"
        kill_ts = kills[0][2]
        assert kills[0][5] == "account" and "(account)" in kills[0][9]
        assert kill_ts == trip_ts  # the group applies the trip at its event time
        new_ts = _new_order_times(rows["orders"], name)
        assert new_ts and max(new_ts) < kill_ts, f"{name} sent orders after its kill"
        assert len(new_ts) < POST // 2  # not killed, it would send one per post-phase event
    # The trip acted in process: no command in any file; the shared file (a resume written
    # before the run) is untouched.
    assert "command" not in trips[0][9]
    assert account_file.read_bytes() == shared_before
    assert not run_control_path("r1", "desk", control.parent).exists()
    assert not (control.parent / "runs").exists()

    # The next run of the account is not killed by r1's simulated breach: it trades from
    # its start and trips again at the same event time, on two workers as on one.
    rows = _run(plan, control, "r2", workers=2).rows
    _assert_killed_by_the_trip(rows, trip_ts)
    assert account_file.read_bytes() == shared_before


def test_a_manual_account_kill_persists_across_runs(tmp_path: Path) -> None:
    """`kill --account desk` (the shared file) stops every later run before its start, a
    monitor trip or not; `resume --account desk` frees the next one."""
    plan = _plan(tmp_path)
    control = tmp_path / "control" / "account-flow.json"
    account_file = account_control_path("desk", control.parent)
    write_command(account_file, kill=True)
    for run_id in ("k1", "k2"):
        rows = _run(plan, control, run_id).rows
        assert _new_order_times(rows.get("orders", []), "a") == []
        assert _kills(rows) == [("a", 0), ("b", 0)]  # killed before the first event
        assert [r for r in rows["risk_events"] if r[3] == "account:desk"] == []
        state = read_state(account_file)
        assert (state.seq, state.account.killed, state.account.by) == (1, True, "")
    write_command(account_file, kill=False)
    rows = _run(plan, control, "k3").rows
    _assert_killed_by_the_trip(rows, _expected_trip()[0])
    assert read_state(account_file).seq == 2  # the monitor never wrote the shared file


def test_an_interrupted_runs_file_does_not_kill_a_run_of_the_same_id(tmp_path: Path) -> None:
    """A run killed by its monitor and then interrupted leaves its own file behind; building
    a run under the same id removes it first, so that run starts free (and another run id
    never polls it at all)."""
    plan = _plan(tmp_path)
    control = tmp_path / "control" / "account-flow.json"
    stale = monitor_control_path(plan, "again", "backtest", control.parent)
    assert stale == control.parent / "runs" / "again" / "accounts" / "desk.json"
    write_command(stale, kill=True)
    rows = _run(plan, control, "again").rows
    _assert_killed_by_the_trip(rows, _expected_trip()[0])
    assert not stale.exists()


def _kills(rows: dict[str, list[tuple[Any, ...]]]) -> list[tuple[str, int]]:
    """(instance, event time) of each instance's kill row, sorted."""
    events = rows.get("risk_events", [])
    return sorted((r[3], r[2]) for r in events if r[8] == "kill" and r[3] in ("a", "b"))


def _assert_killed_by_the_trip(rows: dict[str, list[tuple[Any, ...]]], trip_ts: int) -> None:
    """The run traded from its start, its monitor tripped at `trip_ts` and each instance
    was killed once, by this run's own trip, at that event time."""
    trips = [(r[2], r[5]) for r in rows["risk_events"] if r[3] == "account:desk"]
    assert trips == [(trip_ts, "account_loss")]
    kills = _kills(rows)
    assert [name for name, _ in kills] == ["a", "b"]
    assert all(ts == trip_ts for _, ts in kills), kills
    for name in ("a", "b"):
        assert min(_new_order_times(rows["orders"], name)) < trip_ts  # not killed at its start


def _new_order_times(orders: list[tuple[Any, ...]], name: str) -> list[int]:
    from orderloom.runtime.sinks.tables import TABLES

    cols = [c.name for c in TABLES["orders"].columns]
    strategy, status, ts = cols.index("strategy"), cols.index("status"), cols.index("ts_ns")
    return [r[ts] for r in orders if r[strategy] == name and r[status] == "new"]

"""AccountMonitor on hand-made reports: sums across instances (PnL, drawdown from the
account's peak, gross and net exposure per base asset), trips once per crossing, evaluates a
time only when every instance has reported it, and gives the same rows in any arrival order."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from orderloom.dsl.kinds.risk_account import AccountLimitParams
from orderloom.dsl.plan import Plan, RiskLimits, Strategy
from orderloom.runtime.account.monitor import AccountMonitor
from orderloom.runtime.account.snapshot import Snapshot
from orderloom.runtime.control_state import read_state

MIN = 60_000_000_000


def _plan(*limits: AccountLimitParams, names: tuple[str, ...] = ("a", "b")) -> Plan:
    strategies = tuple(Strategy(n, n, "signal", ("BTC/USDT@sim",), "sim", None) for n in names)
    return Plan(
        "p", "", "p.yaml", (), (), (), (), strategies, RiskLimits(account=limits), account="desk"
    )


def _snap(name: str, minute: int, pnl: float, btc: float = 0.0, eth: float = 0.0) -> Snapshot:
    return Snapshot(name, minute * MIN, pnl, (("BTC", btc), ("ETH", eth)))


def test_the_sum_trips_while_each_instance_stays_under() -> None:
    """max_loss 100: a loses 60, 70, 40 at minutes 1..3 and b loses 30, 40, 70 — alone each
    stays ≤ 70 < 100; summed: 90, 110, 110. Trip at minute 2 (value 110), once."""
    monitor = AccountMonitor(_plan(AccountLimitParams(max_loss=100.0)), "r")
    a = [_snap("a", m, -x) for m, x in ((1, 60.0), (2, 70.0), (3, 40.0))]
    b = [_snap("b", m, -x) for m, x in ((1, 30.0), (2, 40.0), (3, 70.0))]
    assert max(-s.pnl for s in a + b) < 100
    rows = monitor.on_snapshots(a) + monitor.on_snapshots(b) + monitor.on_eof()
    assert [(r[2], r[3], r[5], r[6], r[7], r[8]) for r in rows] == [
        (2 * MIN, "account:desk", "account_loss", 100.0, 110.0, "kill")
    ]


def test_a_time_waits_for_every_instance() -> None:
    """b has reported only minute 1: minute 2 of a (which alone would trip with b's minute-1
    loss) is not evaluated until b reports minute 2."""
    monitor = AccountMonitor(_plan(AccountLimitParams(max_loss=100.0)), "r")
    assert monitor.on_snapshots([_snap("b", 1, -10.0)]) == []
    assert monitor.on_snapshots([_snap("a", 1, -50.0), _snap("a", 2, -95.0)]) == []
    assert monitor.last is not None and monitor.last[0] == 1 * MIN
    rows = monitor.on_snapshots([_snap("b", 2, -4.0)])
    # 95 + 4 = 99 ≤ 100: no trip; b's minute-1 loss (10) was never summed with a's minute 2.
    assert rows == []
    assert monitor.last == (
        2 * MIN,
        {"loss": 99.0, "drawdown": 99.0, "gross_exposure": 0.0, "net_exposure": 0.0},
    )


def test_drawdown_gross_and_net_exposure() -> None:
    """Minute 1: PnL 50 + 30 = 80 (the peak). Minute 2: 20 + 0 = 20, drawdown 60 > 50.
    Exposure at minute 2: a long 3000 BTC, short 1000 ETH; b short 2500 BTC: gross 6500 >
    6000, net BTC 500, ETH 1000 → net 1000 ≤ 1200."""
    limits = AccountLimitParams(
        max_drawdown=50.0, max_gross_exposure=6000.0, max_net_exposure=1200.0, action="flatten"
    )
    monitor = AccountMonitor(_plan(limits), "r")
    rows = monitor.on_snapshots(
        [
            _snap("a", 1, 50.0),
            _snap("b", 1, 30.0),
            _snap("a", 2, 20.0, btc=3000.0, eth=-1000.0),
            _snap("b", 2, 0.0, btc=-2500.0),
        ]
    )
    rows += monitor.on_eof()
    assert [(r[2], r[5], r[6], r[7], r[8]) for r in rows] == [
        (2 * MIN, "account_drawdown", 50.0, 60.0, "flatten"),
        (2 * MIN, "account_gross_exposure", 6000.0, 6500.0, "flatten"),
    ]


def test_any_arrival_order_gives_the_same_rows() -> None:
    """Per-instance order is kept (one engine emits in order); across instances any
    interleaving gives the same trips."""
    limits = AccountLimitParams(max_loss=100.0, max_drawdown=40.0)
    a = [_snap("a", m, p) for m, p in enumerate((10.0, -30.0, -80.0, -20.0, -90.0), 1)]
    b = [_snap("b", m, p) for m, p in enumerate((5.0, 0.0, -10.0, -40.0, -15.0), 1)]
    a.append(Snapshot("a", 5 * MIN + 7, -90.0, (), final=True))
    results = set()
    for cut_a, cut_b in itertools.product(range(len(a) + 1), range(len(b) + 1)):
        monitor = AccountMonitor(_plan(limits), "r")
        rows = monitor.on_snapshots(a[:cut_a])
        rows += monitor.on_snapshots(b[:cut_b])
        rows += monitor.on_snapshots(a[cut_a:])
        rows += monitor.on_snapshots(b[cut_b:])
        rows += monitor.on_eof()
        results.add(tuple(rows))
    assert len(results) == 1
    [rows] = results
    # loss: 15 at 1, 30, 90, 60, 105 > 100 at minute 5; drawdown from the peak 15: 45 at 2.
    assert [(r[2], r[5], r[7]) for r in rows] == [
        (2 * MIN, "account_drawdown", 45.0),
        (5 * MIN, "account_loss", 105.0),
    ]


def test_a_trip_writes_the_action_to_the_account_file(tmp_path: Path) -> None:
    """halt 5m: the account file's switch carries the halt end in event time (trip + 5m)."""
    path = tmp_path / "accounts" / "desk.json"
    limits = AccountLimitParams(max_loss=10.0, action="halt", halt_ns=5 * MIN)
    monitor = AccountMonitor(_plan(limits), "r", path)
    rows = monitor.on_snapshots([_snap("a", 3, -6.0), _snap("b", 3, -6.0)])
    assert [r[8] for r in rows] == ["halt"]
    switch = read_state(path).account
    assert (switch.killed, switch.halt_until_ns, switch.by, switch.seq) == (
        False,
        8 * MIN,
        "account",
        1,
    )
    assert json.loads(path.read_text())["account"]["halt_until_ns"] == 8 * MIN
    assert f"command 1 in {path}" in rows[0][9]


@pytest.mark.parametrize("action", ["kill", "flatten", "cancel_all"])
def test_actions_in_the_account_file(tmp_path: Path, action: str) -> None:
    path = tmp_path / "desk.json"
    monitor = AccountMonitor(_plan(AccountLimitParams(max_loss=1.0, action=action)), "r", path)
    monitor.on_snapshots([_snap("a", 1, -2.0), _snap("b", 1, 0.0)])
    switch = read_state(path).account
    assert (switch.killed, switch.flatten, switch.cancel_seq) == (
        action != "cancel_all",
        action == "flatten",
        1 if action == "cancel_all" else 0,
    )

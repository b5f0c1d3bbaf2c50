"""A backtest of two processes (`deploy --processes 2`): instances a and b of the account run
as one account group (one routing key, so one process), and the monitor's trip kills both at
its event time. The breach is simulated: no control file is written (the account's shared
file least of all), and the next run of the account trades again."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_account_flow import _expected_trip, _plan

from orderloom.runtime.control_state import CONTROL_DIR_ENV, account_control_path
from orderloom.runtime.placement import place
from orderloom.runtime.run import DeployOptions, deploy
from orderloom.runtime.sinks.base import open_store

pytestmark = pytest.mark.slow


def test_every_process_obeys_the_runs_own_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    control = tmp_path / "control"
    monkeypatch.setenv(CONTROL_DIR_ENV, str(control))  # the forked process inherits it
    plan = _plan(tmp_path)
    placement = place(plan, 2)
    assert placement.workers == {"a": 0, "b": 0, "tape": 0}
    assert placement.key("a") == placement.key("b")  # one group: one key
    sink = f"chdb://{tmp_path / 'ch'}"
    trip_ts, _ = _expected_trip()
    for run_id in ("p1", "p2"):
        deploy(plan, DeployOptions(run_id, sink_url=sink, processes=2))
        store = open_store(sink, "orderloom")
        try:
            events = store.query(
                "SELECT strategy, check, ts_ns, message FROM risk_events WHERE run_id = "
                f"'{run_id}' AND action = 'kill' ORDER BY strategy"
            ).rows
            first_orders = store.query(
                "SELECT strategy, min(ts_ns) FROM orders WHERE run_id = "
                f"'{run_id}' AND status = 'new' GROUP BY strategy ORDER BY strategy"
            ).rows
        finally:
            store.close()
        assert [(s, c) for s, c, _, _ in events] == [
            ("a", "account"),
            ("account:desk", "account_loss"),
            ("b", "account"),
        ]
        assert int(events[1][2]) == trip_ts
        for name, _check, ts, message in (events[0], events[2]):
            assert int(ts) == trip_ts and "(account)" in message, name
        # the second run is not killed by the first run's trip: both trade from the start
        assert [(s, int(ts) < trip_ts) for s, ts in first_orders] == [("a", True), ("b", True)]
        assert not account_control_path("desk", control).exists()
        assert not (control / "runs").exists()

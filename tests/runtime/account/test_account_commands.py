"""How an engine obeys its account files (control_apply.py): a kill from the account's shared
file or from the run's own file (where a backtest's monitor writes) stops it beside the
pipeline's own switches; the monitor's one-shot halt and cancel_all act once, when their
command is new, and never on a later run's start."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from engine_builders import SECOND, Act, make_plan, scripted, scripted_strategy, trades

from orderloom.runtime.control_apply import ControlApplier
from orderloom.runtime.control_state import (
    account_control_path,
    monitor_control_path,
    read_deployment_state,
    read_state,
    remove_run_controls,
    run_control_path,
    write_account_action,
    write_command,
)
from orderloom.runtime.engine.instance import StrategyEngine

TAPE = trades([k * SECOND for k in range(4)], [100.0] * 4, 50.0)
LATER = trades([k * SECOND for k in range(4, 8)], [100.0] * 4, 50.0)


def _engine() -> StrategyEngine:
    plan = make_plan([scripted_strategy("script")])
    # a resting bid at event 0; a market buy at event 5 (the second tape's second event)
    acts = [Act(0, 1, 1.0, 90.0), Act(5, 1, 0.5)]
    return StrategyEngine(plan, "script", "r", strategy_factory=scripted(acts))


def test_account_and_pipeline_switches_add_up(tmp_path: Path) -> None:
    """Pipeline file: kill mm (1). Account file: kill (1), then resume (2). arb is killed by
    the account only, then free; mm stays killed by its own switch throughout."""
    pipeline = tmp_path / "p.json"
    account = account_control_path("desk", tmp_path)
    assert account == tmp_path / "accounts" / "desk.json"
    write_command(pipeline, kill=True, strategy="mm")
    write_command(account, kill=True)
    state = read_deployment_state(pipeline, account)
    arb, mm = state.for_instance("arb", "arb"), state.for_instance("mm", "mm")
    assert (arb.killed, arb.seq, arb.account_seq) == (True, 0, 1)
    assert (mm.killed, mm.seq, mm.account_seq) == (True, 1, 1)
    write_command(account, kill=False)
    state = read_deployment_state(pipeline, account)
    assert not state.for_instance("arb", "arb").killed
    assert state.for_instance("mm", "mm").killed


def test_halt_and_cancel_all_act_once_when_new(tmp_path: Path) -> None:
    """After the first tape (t = 3 s) the monitor's cancel_all cancels the resting bid and its
    halt until 6 s refuses the event-5 buy (t = 5 s); applying the same state again does
    nothing; a new applier (the next run's start) ignores both one-shots."""
    account = account_control_path("desk", tmp_path)
    pipeline = tmp_path / "p.json"
    engine = _engine()
    applier = ControlApplier("script")
    rows = engine.on_batches([TAPE])
    write_account_action(account, "cancel_all")
    write_account_action(account, "halt", halt_until_ns=6 * SECOND)
    state = read_deployment_state(pipeline, account)
    applier.apply(engine, state)
    applier.apply(engine, state)
    rows += engine.on_batches([LATER])
    rows += engine.on_eof()
    risk = [r for table, batch in rows if table == "risk_events" for r in batch]
    assert [(r[2], r[5], r[8]) for r in risk] == [
        (3 * SECOND, "account", "cancel_all"),
        (3 * SECOND, "account", "halt"),
        (5 * SECOND, "account", "reject"),
    ]
    orders = [r for table, batch in rows if table == "orders" for r in batch]
    assert [(r[3], r[11]) for r in orders if r[11] in ("cancelled", "rejected")] == [
        (3 * SECOND, "cancelled"),
        (5 * SECOND, "rejected"),
    ]

    fresh = _engine()
    ControlApplier("script").apply(fresh, state, at_start=True)
    rows = fresh.on_batches([TAPE, LATER]) + fresh.on_eof()
    assert not [r for table, batch in rows if table == "risk_events" for r in batch]


def test_an_account_resume_lifts_the_monitors_halt(tmp_path: Path) -> None:
    """halt without a duration (until resume) at 3 s; `resume --account` (a plain command on
    the account file) lifts it, so the event-5 buy goes out."""
    from orderloom.runtime.risk.actions import FOREVER_NS

    account = account_control_path("desk", tmp_path)
    pipeline = tmp_path / "p.json"
    engine = _engine()
    applier = ControlApplier("script")
    rows = engine.on_batches([TAPE])
    write_account_action(account, "halt", halt_until_ns=FOREVER_NS)
    applier.apply(engine, read_deployment_state(pipeline, account))
    assert engine.ctx.gate_until_ns == FOREVER_NS
    write_command(account, kill=False)
    applier.apply(engine, read_deployment_state(pipeline, account))
    rows += engine.on_batches([LATER]) + engine.on_eof()
    risk = [(r[2], r[5], r[8]) for table, batch in rows if table == "risk_events" for r in batch]
    assert risk == [(3 * SECOND, "account", "halt"), (3 * SECOND, "kill_switch", "resume")]
    orders = [r for table, batch in rows if table == "orders" for r in batch]
    assert (5 * SECOND, "new") in [(r[3], r[11]) for r in orders]


def test_the_runs_own_file_kills_beside_the_shared_one(tmp_path: Path) -> None:
    """Shared file: resume (1). The run's own file: the monitor's kill (1). Either kill kills,
    so arb is killed, by the account monitor; the two files number their commands apart."""
    pipeline = tmp_path / "p.json"
    account = account_control_path("desk", tmp_path)
    run = run_control_path("r7", "desk", tmp_path)
    assert run == tmp_path / "runs" / "r7" / "accounts" / "desk.json"
    write_command(account, kill=False)
    write_account_action(run, "kill")
    arb = read_deployment_state(pipeline, account, run).for_instance("arb", "arb")
    assert (arb.killed, arb.seq, arb.account_seq, arb.run_seq, arb.by) == (True, 0, 1, 1, "account")
    assert not read_deployment_state(pipeline, account).for_instance("arb", "arb").killed
    write_command(account, kill=True)  # a manual kill on top: the kill switch's own
    arb = read_deployment_state(pipeline, account, run).for_instance("arb", "arb")
    assert (arb.killed, arb.account_seq, arb.run_seq, arb.by) == (True, 2, 1, "account")


def test_a_one_shot_in_the_runs_file_acts_though_the_shared_file_has_that_number(
    tmp_path: Path,
) -> None:
    """The applier has acted on the shared file's command 1 (a resume); the run's own file
    then gets the monitor's cancel_all, also numbered 1: it is new to the instance and
    cancels the resting bid once."""
    pipeline = tmp_path / "p.json"
    account = account_control_path("desk", tmp_path)
    run = run_control_path("r7", "desk", tmp_path)
    engine = _engine()
    applier = ControlApplier("script")
    rows = engine.on_batches([TAPE])
    write_command(account, kill=False)
    applier.apply(engine, read_deployment_state(pipeline, account, run))
    write_account_action(run, "cancel_all")
    state = read_deployment_state(pipeline, account, run)
    assert (state.shared.seq, state.run.seq, state.run.cancel_seq) == (1, 1, 1)
    applier.apply(engine, state)
    applier.apply(engine, state)
    rows += engine.on_eof()
    risk = [r for table, batch in rows if table == "risk_events" for r in batch]
    assert [(r[2], r[5], r[8]) for r in risk] == [(3 * SECOND, "account", "cancel_all")]
    assert "command 1 (account)" in risk[0][9]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("backtest", "runs/r7/accounts/desk.json"),
        ("paper", "runs/r7/accounts/desk.json"),
        ("live", "accounts/desk.json"),
    ],
)
def test_where_the_monitor_writes(tmp_path: Path, mode: str, expected: str) -> None:
    """A simulated run's monitor writes a file of its own; a live one the shared file."""
    plan = dataclasses.replace(make_plan([scripted_strategy("script")]), account="desk")
    assert monitor_control_path(plan, "r7", mode, tmp_path) == tmp_path / expected


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    plan = make_plan([scripted_strategy("script")])
    with pytest.raises(ValueError, match="unknown mode 'replay'"):
        monitor_control_path(plan, "r7", "replay", tmp_path)


def test_removing_a_runs_files_keeps_the_others(tmp_path: Path) -> None:
    write_account_action(run_control_path("r1", "desk", tmp_path), "kill")
    write_account_action(run_control_path("r2", "desk", tmp_path), "kill")
    write_command(account_control_path("desk", tmp_path), kill=True)
    remove_run_controls("r1", tmp_path)
    assert not (tmp_path / "runs" / "r1").exists()
    assert run_control_path("r2", "desk", tmp_path).exists()
    remove_run_controls("r2", tmp_path)
    remove_run_controls("r2", tmp_path)  # nothing left: no error
    assert not (tmp_path / "runs").exists()
    assert read_state(account_control_path("desk", tmp_path)).account.killed

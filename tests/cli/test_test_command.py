"""`orderloom test`: the reference pipelines' own tests pass (so CI runs them), a failing test
prints its name, place and expected/received lines and exits 1, a bad test file gets
compiler-style diagnostics."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def orderloom(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderloom.cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_reference_pipeline_tests_pass() -> None:
    res = orderloom("test", "pipelines", "examples")
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    ran = [ln for ln in lines if ln.startswith(("ok ", "FAIL "))]
    assert all(ln.startswith("ok ") for ln in ran)
    for name in ("twap_execution_test", "trend_following_test", "quickstart_test"):
        assert any(f"{name}.yaml:" in ln for ln in ran), name
    assert lines[-1] == f"{len(ran)} passed, 0 failed"
    assert len(ran) >= 8


def test_a_pipeline_path_runs_the_tests_beside_it() -> None:
    res = orderloom("test", "pipelines/twap_execution.yaml", "-k", "rejected")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.splitlines()[0].startswith("ok   pipelines/twap_execution_test.yaml:")
    assert res.stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_failures_are_listed_with_expected_and_received(tmp_path: Path) -> None:
    """Two tests, both wrong: quickstart's first slice is a limit buy at
    42000 * (1 + 10bps) = 42042 for 0.3 / 3 = 0.1 BTC, not 0.2 (no trade after it: it is
    cancelled at the end of the tape); and nothing is rejected."""
    path = tmp_path / "qs_test.yaml"
    path.write_text(
        f"pipeline: {ROOT / 'examples' / 'quickstart.yaml'}\n"
        "start: 2023-12-31T23:59:00Z\n"
        "tests:\n"
        "  - name: wrong size\n"
        "    set: {strategies.buy_twap.quantity: 0.3, strategies.buy_twap.slices: 3}\n"
        "    tape:\n"
        "      BTC/USDT@sim:\n"
        "        - {t: 0s, price: 42000}\n"
        "        - {t: 60s, price: 42000}\n"
        "    expect:\n"
        "      orders:\n"
        "        - {at: 1m, qty: 0.2}\n"
        "  - name: wrong risk\n"
        "    tape:\n"
        "      BTC/USDT@sim:\n"
        "        - {t: 0s, price: 42000}\n"
        "    expect:\n"
        "      risk_events:\n"
        "        - {check: max_position}\n"
    )
    res = orderloom("test", str(path))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stdout == (
        f"FAIL {path}:4: wrong size\n"
        f"FAIL {path}:13: wrong risk\n"
        "\n"
        f"FAIL wrong size ({path}:4:11)\n"
        f"  {path}:12:11: orders\n"
        "    expected: an order matching {at: 1m, qty: 0.2}\n"
        "    received: none among 1 order:\n"
        "      {strategy: buy_twap, instrument: BTC/USDT@sim, venue: sim, side: buy, type: limit, "
        "qty: 0.1, price: 42042, status: cancelled, filled_qty: 0, at: 1m, "
        "reason: 'end of replay'}\n"
        "\n"
        f"FAIL wrong risk ({path}:13:11)\n"
        f"  {path}:19:11: risk_events\n"
        "    expected: a risk event matching {check: max_position}\n"
        "    received: none among no risk events\n"
        "\n"
        "0 passed, 2 failed\n"
    )


def test_bad_test_file_gets_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "bad_test.yaml"
    path.write_text(
        f"pipeline: {ROOT / 'examples' / 'quickstart.yaml'}\n"
        "tests:\n"
        "  - name: t\n"
        "    tape: {BTC/USDT@sim: [{t: 0s, price: 1}]}\n"
        "    expect:\n"
        "      orders: [{side: long}]\n"
    )
    res = orderloom("test", str(path))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert re.search(
        rf"^{re.escape(str(path))}:6:23: error\[E0204\]: `side` must be one of buy, sell, "
        r"found 'long'$",
        res.stderr,
        re.M,
    ), res.stderr
    assert "^^^^" in res.stderr
    assert res.stderr.rstrip().endswith("error: 1 problem found")


def test_no_test_files_is_an_error(tmp_path: Path) -> None:
    res = orderloom("test", str(tmp_path))
    assert res.returncode == 1
    assert "no test files (*_test.yaml)" in res.stderr

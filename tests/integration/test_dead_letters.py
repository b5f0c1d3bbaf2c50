"""Bad records end to end: a replay with broken rows backtests the good ones and writes each
bad one to the dead_letters table with its feed, offset and reason; the run counts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli

pytestmark = pytest.mark.slow

ROWS = """\
ts_ns,price,qty,side
1704067200000000000,42000.00,0.5,buy
1704067201000000000,42001.00,0.5,s
1704067202000000000,-1,0.5,buy
1704067203000000000,42002.00,nan,buy
1704067200500000000,42003.00,0.5,buy
1704067204000000000,42004.00,0.5,1
1704067205000000000,,0.5,buy
1704067206000000000,42006.00,0.5,-1
"""


def test_bad_records_go_to_dead_letters_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "tape.csv").write_text(ROWS)
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(
        (ROOT / "examples" / "quickstart.yaml")
        .read_text()
        .replace("data/btc_trades.csv.gz", "tape.csv")
    )
    sink = f"chdb://{tmp_path / 'ch'}"
    out = cli("deploy", str(pipeline), "--sink", sink, "--run-id", "dl", "--no-progress").stdout
    assert "dead letters" in out
    dead = (
        cli(
            "sql",
            "SELECT offset, reason FROM dead_letters FINAL WHERE run_id = 'dl' ORDER BY offset",
            "--sink",
            sink,
            "--format",
            "csv",
        )
        .stdout.strip()
        .splitlines()[1:]
    )
    offsets = [int(line.split(",", 1)[0]) for line in dead]
    assert offsets == [2, 3, 4, 6]  # negative price, NaN size, time going back, no price
    reasons = " | ".join(dead).lower()
    assert "price" in reasons and "qty" in reasons and "backwards" in reasons
    kept = (
        cli(
            "sql",
            "SELECT groupArray(offset) FROM (SELECT offset FROM market_trades WHERE run_id = 'dl' "
            "ORDER BY offset)",
            "--sink",
            sink,
            "--format",
            "csv",
        )
        .stdout.strip()
        .splitlines()[1]
    )
    assert kept.replace('"', "").replace(" ", "") == "[0,1,5,7]"
    runs = (
        cli(
            "sql",
            "SELECT events, dead_letters FROM runs WHERE run_id = 'dl'",
            "--sink",
            sink,
            "--format",
            "csv",
        )
        .stdout.strip()
        .splitlines()[1]
    )
    assert runs == "8,4"  # every input record is accounted for

"""`orderloom plan` shows the pipeline's account and its `risk: account:` limits (the text and
the dot graph's risk node), so the desk sees what the account monitor will enforce."""

from __future__ import annotations

from pathlib import Path

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.plan_format import format_plan

ROOT = Path(__file__).resolve().parents[3]
PIPELINE = f"""\
orderloom: 1
name: acct-plan
account: desk-eu
include: [{ROOT}/pipelines/shared/sim.yaml]
feeds:
  btc: {{kind: synthetic, model: gbm, instrument: BTC/USDT@sim, seed: 3, s0: 40000,
         sigma: 0.5, dt: 20ms, start: 2024-01-01T00:00:00Z, horizon: 1m, schema: trades}}
strategies:
  fast: {{kind: signal, instrument: BTC/USDT@sim, target: "1"}}
risk:
  account:
    - {{max_loss: 1_000 USDT, max_drawdown: 600 USDT, every: 10s, action: kill}}
    - {{max_gross_exposure: 50_000 USDT, action: halt 5m}}
    - {{max_net_exposure: 20_000 USDT, action: halt}}
"""


def test_the_plan_shows_the_account_and_its_limits(tmp_path: Path) -> None:
    plan = compile_text(PIPELINE, str(tmp_path / "acct.yaml"))
    text = format_plan(plan, "text")
    assert "\n  account desk-eu\n" in text
    rows = [line.strip() for line in text.splitlines() if line.startswith("  account desk-eu ")]
    assert [" ".join(row.split()) for row in rows] == [
        "account desk-eu max_loss 1000 USDT max_drawdown 600 USDT -> kill every 10s",
        "account desk-eu max_gross_exposure 50000 USDT -> halt 5m every 1m",
        "account desk-eu max_net_exposure 20000 USDT -> halt until resume every 1m",
    ]
    assert "account desk-eu max_loss 1000 USDT" in format_plan(plan, "dot")

"""`--set PATH=VALUE` overrides any value and is checked like the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.dsl.compiler import compile_file
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.render import render_diagnostics

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart.yaml"


def problems(*overrides: str) -> str:
    with pytest.raises(ConfigError) as caught:
        compile_file(QUICKSTART, overrides)
    return render_diagnostics(caught.value.diagnostics)


def test_override_replaces_values_and_adds_keys() -> None:
    plan = compile_file(
        QUICKSTART,
        [
            "strategies.buy_twap.quantity=3",
            "venues.sim.fees.taker=7bps",
            "risk.max_position.BTC/USDT@sim=2.5",
            "sinks.analytics.database=research",
            'strategies.buy_twap.limit_price="bid"',
        ],
    )
    twap = plan.strategies[0].params
    assert twap.quantity == 3.0 and twap.limit_price.source == "bid"
    assert plan.venues[0].params.taker_fee_bps == 7.0
    assert plan.risk.position_limit("BTC/USDT@sim") == 2.5
    assert plan.sinks[0].database == "research"


def test_wrong_path_gets_did_you_mean() -> None:
    assert problems("strategies.buy_twp.quantity=3") == (
        "<--set>:1:12: error[E0501]: no 'buy_twp' in `strategies`\n"
        "  |\n"
        "1 | strategies.buy_twp.quantity=3\n"
        "  |            ^^^^^^^\n"
        "  = help: did you mean 'buy_twap'?"
    )


def test_bad_value_is_checked_like_the_file() -> None:
    assert problems("strategies.buy_twap.quantity=3", "strategies.buy_twap.slices=many") == (
        "<--set>:2:28: error[E0203]: 'slices' of strategy 'buy_twap' must be a whole number, "
        "found 'many'\n"
        "  |\n"
        "2 | strategies.buy_twap.slices=many\n"
        "  |                            ^^^^\n"
        "  = help: number of equal child orders, one every duration / slices"
    )


def test_new_key_with_a_typo_is_an_unknown_key() -> None:
    out = problems("venues.sim.latncy=1ms")
    assert out.startswith("<--set>:1:12: error[E0202]: unknown key 'latncy' in venue 'sim'")
    assert "did you mean 'latency'?" in out


def test_bad_expression_in_an_override_points_into_it() -> None:
    out = problems("strategies.buy_twap.limit_price=last *")
    assert out.startswith("<--set>:1:39: error[E0301]: expected an expression after '*'")


def test_malformed_override() -> None:
    out = problems("strategies.buy_twap.quantity")
    assert out.startswith("<--set>:1:29: error[E0502]: --set needs PATH=VALUE")

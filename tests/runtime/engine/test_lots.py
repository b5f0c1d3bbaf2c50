"""Lot and tick rounding: quantities down to whole lots, limit prices toward the passive
side (buys down, sells up), with float noise next to a whole lot/tick counted as whole."""

from __future__ import annotations

import pytest

from orderloom.runtime.engine.lots import LotSpec, decimals


@pytest.mark.parametrize(
    ("step", "places"), [(0.001, 3), (0.01, 2), (1e-08, 8), (5.0, 0), (0.5, 1), (0.25, 2)]
)
def test_decimals(step, places):
    assert decimals(step) == places


def test_quantities_round_down_to_lots():
    spec = LotSpec(0.1, 0.01)
    assert spec.lots_down(0.3) == 3  # 0.3 / 0.1 = 2.9999999999999996
    assert spec.lots_down(0.29) == 2
    assert spec.lots_down(0.05) == 0
    assert spec.lots_toward_zero(-0.29) == -2
    assert spec.lots_up(0.21) == 3
    assert spec.qty(3) == 0.3  # not 0.30000000000000004


def test_prices_round_to_ticks_passively():
    spec = LotSpec(0.001, 0.05)
    assert spec.ticks(100.07, 1) == 2001 and spec.price(2001) == 100.05
    assert spec.ticks(100.07, -1) == 2002 and spec.price(2002) == 100.1
    assert spec.ticks(100.1, 1) == spec.ticks(100.1, -1) == 2002  # on tick: unchanged
    spec = LotSpec(1e-8, 0.01)
    assert spec.lots_down(12.34567891) == 1_234_567_891


def test_rejects_nonpositive_steps():
    with pytest.raises(ValueError):
        LotSpec(0.0, 0.01)

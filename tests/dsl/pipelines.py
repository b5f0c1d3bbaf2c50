"""Small pipeline texts shared by the compiler tests; every snippet test appends to BASE,
so its own lines start at line 9."""

from __future__ import annotations

BASE = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
venues:
  sim: {kind: simulated}
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
"""

TWAP = (
    "kind: twap, instrument: BTC/USDT@sim, side: buy, quantity: 1, start: 2024-01-01, "
    "duration: 1h, slices: 4"
)

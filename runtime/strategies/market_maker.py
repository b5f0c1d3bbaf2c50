"""Market maker: on every market event until the horizon, cancel both quotes and place a new
bid and ask (Avellaneda & Stoikov 2008, "High-frequency trading in a limit order book").

With τ = (T - t) in seconds (t from the first market event), mid s and inventory q (units):
spread = γσ²τ + (2/γ)·ln(1 + γ/k); `avellaneda_stoikov` centres it on the reservation price
r = s - q·γ·σ²·τ, `symmetric` on s. Prices are rounded by the venue's ticks (bids down, asks
up); a side whose price is not positive, or that would pass `max_inventory`, is not quoted.
At T the quotes are cancelled and nothing more is sent.
"""

from __future__ import annotations

import math

from orderloom.dsl.kinds.market_maker import MODELS, MarketMakerParams
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Strategy, StrategyContext, StrategySetup


def quotes(
    model: str, mid: float, inventory: float, gamma: float, sigma: float, k: float, tau_s: float
) -> tuple[float, float]:
    """(bid, ask) before tick rounding."""
    risk = gamma * sigma * sigma * tau_s
    half_spread = (risk + (2.0 / gamma) * math.log1p(gamma / k)) / 2.0
    centre = mid - inventory * risk if model == "avellaneda_stoikov" else mid
    return centre - half_spread, centre + half_spread


class MarketMakerStrategy(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: MarketMakerParams = setup.node.params
        name = setup.node.name
        if params.model not in MODELS:
            raise ValueError(f"market_maker '{name}': unknown model '{params.model}'")
        if params.gamma <= 0 or params.k <= 0 or params.horizon_ns <= 0:
            raise ValueError(f"market_maker '{name}': needs gamma > 0, k > 0 and a horizon")
        self.params = params
        self.slot = setup.slot(params.instrument)
        self.limit = math.inf if params.max_inventory is None else params.max_inventory
        self.end_ns = 0
        self.done = False
        self._bid: Order | None = None
        self._ask: Order | None = None

    def on_start(self, ctx: StrategyContext) -> None:
        self.end_ns = ctx.now_ns + self.params.horizon_ns

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if slot != self.slot or self.done:
            return
        self._cancel(ctx)
        now = ctx.now_ns
        if now >= self.end_ns:
            self.done = True
            return
        state = ctx.state
        bid_price, ask_price = state.bid[slot], state.ask[slot]
        mid = (bid_price + ask_price) / 2.0
        if mid != mid:  # no quote yet: the last trade
            mid = state.last[slot]
            if mid != mid:
                return
        p = self.params
        inventory = ctx.position(slot)
        bid, ask = quotes(p.model, mid, inventory, p.gamma, p.sigma, p.k, (self.end_ns - now) / 1e9)
        if bid > 0 and inventory + p.quantity <= self.limit + 1e-9:
            self._bid = ctx.place(1, p.quantity, bid, slot)
        if ask > 0 and inventory - p.quantity >= -self.limit - 1e-9:
            self._ask = ctx.place(-1, p.quantity, ask, slot)

    def on_stop(self, ctx: StrategyContext) -> None:
        self._cancel(ctx)

    def _cancel(self, ctx: StrategyContext) -> None:
        for order in (self._bid, self._ask):
            if order is not None and order.is_open:
                ctx.cancel(order)
        self._bid = self._ask = None

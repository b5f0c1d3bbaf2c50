"""Market maker: on every market event until the horizon, cancel both quotes and place a new
bid and ask (Avellaneda & Stoikov 2008, "High-frequency trading in a limit order book"), or,
with `fixed_spread`, keep each quote until its target price moves by the requote threshold.

With τ = (T - t) in seconds (t from the first market event), mid s and inventory q (units):
spread = γσ²τ + (2/γ)·ln(1 + γ/k); `avellaneda_stoikov` centres it on the reservation price
r = s - q·γ·σ²·τ, `symmetric` on s. Prices are rounded by the venue's ticks (bids down, asks
up); a side whose price is not positive, or that would pass `max_inventory`, is not quoted.
At T the quotes are cancelled and nothing more is sent.

`fixed_spread` quotes s·(1 - skew·q ∓ spread/2) (spread and skew as fractions of the mid, skew
per unit of inventory). A resting quote is replaced only when its target moves by at least
the threshold (one tick by default), which keeps the cancel rate down on busy tapes. Its
inventory limit counts open orders too (a cancel in flight may still fill, with latency), so
|position| never passes `max_inventory`. Without quotes the last trade is the mid.
"""

from __future__ import annotations

import math

from orderloom.dsl.kinds.market_maker import MODELS, MarketMakerParams
from orderloom.runtime.engine.oms import OPEN, Order
from orderloom.runtime.strategies.base import Strategy, StrategyContext, StrategySetup

_NO_END_NS = 2**63 - 1  # fixed_spread without a horizon quotes until the feed ends


def quotes(
    model: str, mid: float, inventory: float, gamma: float, sigma: float, k: float, tau_s: float
) -> tuple[float, float]:
    """(bid, ask) before tick rounding."""
    risk = gamma * sigma * sigma * tau_s
    half_spread = (risk + (2.0 / gamma) * math.log1p(gamma / k)) / 2.0
    centre = mid - inventory * risk if model == "avellaneda_stoikov" else mid
    return centre - half_spread, centre + half_spread


def fixed_spread_quotes(
    mid: float, inventory: float, spread_bps: float, skew_bps: float
) -> tuple[float, float]:
    """(bid, ask) before tick rounding: mid·(1 - skew·q ∓ spread/2), both in bps."""
    centre = mid * (1.0 - skew_bps * inventory * 1e-4)
    half_spread = mid * spread_bps * 0.5e-4
    return centre - half_spread, centre + half_spread


class MarketMakerStrategy(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: MarketMakerParams = setup.node.params
        name = setup.node.name
        if params.model not in MODELS:
            raise ValueError(f"market_maker '{name}': unknown model '{params.model}'")
        self.fixed = params.model == "fixed_spread"
        if self.fixed:
            if params.spread_bps < 0 or params.horizon_ns < 0:
                raise ValueError(f"market_maker '{name}': spread and horizon must be >= 0")
        elif params.gamma <= 0 or params.k <= 0 or params.horizon_ns <= 0:
            raise ValueError(f"market_maker '{name}': needs gamma > 0, k > 0 and a horizon")
        self.params = params
        self.slot = setup.slot(params.instrument)
        self.limit = math.inf if params.max_inventory is None else params.max_inventory
        spec = setup.lots[self.slot]
        self.spec = spec
        self.quantity_lots = spec.lots_down(params.quantity)
        # Whole lots: the limit is compared exactly with positions and open orders.
        self.limit_lots = None if params.max_inventory is None else spec.lots_down(self.limit)
        self.end_ns = 0
        self.done = False
        self._bid: Order | None = None
        self._ask: Order | None = None
        # fixed_spread: the targets of the last (mid, position) seen, see _set_targets.
        self._targets_mid = math.nan
        self._targets_position = 0
        self._target_prices = (math.nan, math.nan)
        self._target_ticks: tuple[int | None, int | None, float] = (None, None, 1.0)

    def on_start(self, ctx: StrategyContext) -> None:
        horizon_ns = self.params.horizon_ns
        self.end_ns = ctx.now_ns + horizon_ns if horizon_ns > 0 else _NO_END_NS

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if slot != self.slot or self.done:
            return
        if self.fixed:
            self._requote(ctx, slot)
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
        # Quotes whose cancel is still on its way may yet fill: count them against the limit.
        bid_room = ask_room = True
        if self.limit_lots is not None:
            position_lots, quote_lots = ctx.position_lots[slot], self.spec.lots_down(p.quantity)
            bid_room = position_lots + ctx.open_buy_lots[slot] + quote_lots <= self.limit_lots
            ask_room = position_lots - ctx.open_sell_lots[slot] - quote_lots >= -self.limit_lots
        if bid > 0 and bid_room:
            self._bid = ctx.place(1, p.quantity, bid, slot)
        if ask > 0 and ask_room:
            self._ask = ctx.place(-1, p.quantity, ask, slot)

    def _requote(self, ctx: StrategyContext, slot: int) -> None:
        state = ctx.state
        if state.ts_ns >= self.end_ns:
            self._cancel(ctx)
            self.done = True
            return
        mid = (state.bid[slot] + state.ask[slot]) / 2.0
        if mid != mid:  # a trades-only feed: the last trade is the mid
            mid = state.last[slot]
            if mid != mid:
                return
        position_lots = ctx.position_lots[slot]
        # Most book events move neither the mid nor the position: reuse the targets.
        if mid != self._targets_mid or position_lots != self._targets_position:
            self._set_targets(mid, position_lots)
        bid_ticks, ask_ticks, threshold_ticks = self._target_ticks
        limit_lots = self.limit_lots
        bid_room = ask_room = True  # may this side rest an order (already counted in open)?
        if limit_lots is not None:
            bid_room = position_lots + ctx.open_buy_lots[slot] <= limit_lots
            ask_room = position_lots - ctx.open_sell_lots[slot] >= -limit_lots
        # An order kept as it is (the common case) is checked here, without a call.
        order = self._bid
        if not (
            bid_room
            and order is not None
            and bid_ticks is not None
            and order.status in OPEN
            and not order.cancel_requested
            and order.price_ticks is not None
            and abs(bid_ticks - order.price_ticks) < threshold_ticks
        ):
            bid_price = self._target_prices[0]
            self._bid = self._requote_side(
                ctx, slot, 1, bid_price, order, bid_room, threshold_ticks
            )
        order = self._ask
        if not (
            ask_room
            and order is not None
            and ask_ticks is not None
            and order.status in OPEN
            and not order.cancel_requested
            and order.price_ticks is not None
            and abs(ask_ticks - order.price_ticks) < threshold_ticks
        ):
            ask_price = self._target_prices[1]
            self._ask = self._requote_side(
                ctx, slot, -1, ask_price, order, ask_room, threshold_ticks
            )

    def _set_targets(self, mid: float, position_lots: int) -> None:
        """The quote prices for this mid and position, their ticks (None: not positive) and
        the requote threshold in ticks."""
        p = self.params
        spec = self.spec
        bid, ask = fixed_spread_quotes(mid, spec.qty(position_lots), p.spread_bps, p.skew_bps)
        threshold_ticks = 1.0
        if p.requote_bps is not None:
            threshold_ticks = max(1.0, p.requote_bps * 1e-4 * mid / spec.tick - 1e-9)
        self._targets_mid = mid
        self._targets_position = position_lots
        self._target_prices = (bid, ask)
        self._target_ticks = (
            spec.ticks(bid, 1) if bid > 0 else None,
            spec.ticks(ask, -1) if ask > 0 else None,
            threshold_ticks,
        )

    def _requote_side(
        self,
        ctx: StrategyContext,
        slot: int,
        side: int,
        price: float,
        order: Order | None,
        room: bool,
        threshold_ticks: float,
    ) -> Order | None:
        """The order resting on `side` after this event: the old one while its price is
        within the threshold of the target, else a new one (if the limit allows it)."""
        target = self.spec.ticks(price, side) if price > 0 else None
        if order is not None and order.is_open and not order.cancel_requested:
            ticks = order.price_ticks
            if (
                room
                and target is not None
                and ticks is not None
                and abs(target - ticks) < (threshold_ticks)
            ):
                return order
            ctx.cancel(order)
        if target is None or not room:
            return None
        limit_lots = self.limit_lots
        if limit_lots is not None:
            # Worst case: every open order on this side (a cancel in flight may still fill)
            # and the new one all fill.
            if side > 0:
                exposure = ctx.position_lots[slot] + ctx.open_buy_lots[slot] + self.quantity_lots
            else:
                exposure = ctx.open_sell_lots[slot] + self.quantity_lots - ctx.position_lots[slot]
            if exposure > limit_lots:
                return None
        return ctx.place_lots(side, self.quantity_lots, price, slot)

    def on_stop(self, ctx: StrategyContext) -> None:
        self._cancel(ctx)

    def _cancel(self, ctx: StrategyContext) -> None:
        for order in (self._bid, self._ask):
            if order is not None and order.is_open:
                ctx.cancel(order)
        self._bid = self._ask = None

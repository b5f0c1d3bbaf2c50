"""Cross-venue arbitrage: buy the asset at one venue's ask and sell it at another's bid when
the edge after taker fees and expected slippage clears `min_edge` (the rules are in the
kind's doc, dsl/kinds/cross_venue_arbitrage.py).

One attempt at a time, a small state machine: IDLE → LEGS (both legs working) → HEDGE or
UNWIND (only when the legs left an imbalance) → COOLDOWN → IDLE. The imbalance is the
attempt's net fill in the asset (bought − sold, over every venue), so a hedge on the missing
venue and an unwind on the filled one both settle the same number. Each leg trades on its
own venue (the engine binds every slot to its instrument's venue); the taker fees come from
those venue bindings at start.
"""

from __future__ import annotations

import math
from typing import Any

from orderloom.dsl.kinds.cross_venue_arbitrage import CrossVenueArbitrageParams
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Fill, Strategy, StrategyContext, StrategySetup

IDLE = "idle"
LEGS = "legs"
HEDGE = "hedge"
UNWIND = "unwind"
COOLDOWN = "cooldown"


class CrossVenueArbitrageStrategy(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: CrossVenueArbitrageParams = setup.node.params
        name = setup.node.name
        self.name = name
        if params.leg_risk not in ("hedge", "unwind"):
            raise ValueError(f"cross_venue_arbitrage '{name}': unknown leg_risk")
        traded = setup.instruments[0]
        if setup.node.venue != traded.venue:
            # Slot 0 is routed to the instance's venue; every other leg to its own.
            raise ValueError(
                f"cross_venue_arbitrage '{name}': orders for {traded.id} would go to venue "
                f"'{setup.node.venue}'; each leg must trade on its own venue (remove the "
                f"strategy's `venue` or routing.default, or set it to '{traded.venue}')"
            )
        self.slots = [setup.slot(leg) for leg in params.legs]
        self.lots = [setup.lots[s] for s in self.slots]
        # Both legs of an attempt trade the same quantity: a whole number of the coarsest
        # lot, which every other leg's lot must divide.
        self.unit = max(spec.lot for spec in self.lots)
        self.per_unit = [round(self.unit / spec.lot) for spec in self.lots]
        for spec, k in zip(self.lots, self.per_unit, strict=True):
            if abs(k * spec.lot - self.unit) > 1e-9 * self.unit:
                raise ValueError(
                    f"cross_venue_arbitrage '{name}': lot sizes {spec.lot} and {self.unit} "
                    "are not multiples of one another; legs could not trade equal quantities"
                )
        self.max_position_lots = [spec.lots_down(params.max_position) for spec in self.lots]
        self.max_quantity = params.max_quantity
        self.min_edge_bps = params.min_edge_bps
        self.slippage_bps = params.slippage_bps
        self.band = params.max_hedge_slippage_bps * 1e-4
        self.hedge = params.leg_risk == "hedge"
        self.leg_timeout_ns = params.leg_timeout_ns
        self.cooldown_ns = params.cooldown_ns
        # Taker rate per leg, from the venue each leg's orders go to.
        self.fees = [_taker_rate(setup, slot) for slot in self.slots]
        self.phase = IDLE
        self.attempt = 0
        self.working: list[Order] = []  # the attempt's orders of the current phase
        self.net = 0.0  # the attempt's bought − sold, in the asset
        self.buy_leg = self.sell_leg = 0
        self.buy_price = self.sell_price = math.nan  # the legs' intended prices
        self.attempts = 0
        self.hedges = 0
        self.unwinds = 0

    def on_start(self, ctx: StrategyContext) -> None:
        state = ctx.state
        self._bid, self._ask = state.bid, state.ask
        self._bid_qty, self._ask_qty = state.bid_qty, state.ask_qty
        self._held = ctx.position_lots
        self._buys = ctx.open_buy_lots
        self._sells = ctx.open_sell_lots

    # --- looking for an edge ---------------------------------------------------------------

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if self.phase != IDLE:
            return
        bid, ask, slots, fees = self._bid, self._ask, self.slots, self.fees
        best_edge = self.min_edge_bps + self.slippage_bps  # edge before slippage must beat it
        best: tuple[int, int] | None = None
        n = len(slots)
        for i in range(n):
            a = ask[slots[i]]
            if not a > 0:  # NaN before the first quote
                continue
            cost = a * (1.0 + fees[i])
            for j in range(n):
                b = bid[slots[j]]
                if j == i or not b > 0:
                    continue
                edge_bps = (b * (1.0 - fees[j]) - cost) / a * 1e4
                if edge_bps > best_edge:
                    best_edge, best = edge_bps, (i, j)
        if best is not None:
            self._attempt(ctx, *best)

    def _attempt(self, ctx: StrategyContext, i: int, j: int) -> None:
        si, sj = self.slots[i], self.slots[j]
        buy_room = (self.max_position_lots[i] - self._held[si] - self._buys[si]) * self.lots[i].lot
        sell_room = (self.max_position_lots[j] + self._held[sj] - self._sells[sj]) * self.lots[
            j
        ].lot
        qty = min(self.max_quantity, self._ask_qty[si], self._bid_qty[sj], buy_room, sell_room)
        units = math.floor(qty / self.unit + 1e-9)
        if units < 1:
            return
        self.attempt += 1
        self.attempts += 1
        self.phase = LEGS
        self.net = 0.0
        self.buy_leg, self.sell_leg = i, j
        self.buy_price, self.sell_price = float(self._ask[si]), float(self._bid[sj])
        self.working = []
        buy = ctx.place_lots(1, units * self.per_unit[i], self.buy_price, si)
        if buy is None or not buy.is_open:  # refused by risk: no naked second leg
            self._finish(ctx)
            return
        self.working.append(buy)
        sell = ctx.place_lots(-1, units * self.per_unit[j], self.sell_price, sj)
        if sell is not None:
            self.working.append(sell)
            if not sell.is_open:  # refused: pull the first leg back (it may still fill)
                ctx.cancel(buy)
        ctx.set_timer(ctx.now_ns + self.leg_timeout_ns, (LEGS, self.attempt))

    # --- the attempt's orders --------------------------------------------------------------

    def on_fill(self, ctx: StrategyContext, order: Order, fill: Fill) -> None:
        if order in self.working:
            self.net += fill.side * fill.qty
            if not order.is_open:
                self._settle(ctx)

    def on_cancel(self, ctx: StrategyContext, order: Order) -> None:
        if order in self.working:
            self._settle(ctx)

    def on_timer(self, ctx: StrategyContext, tag: Any) -> None:
        phase, attempt = tag
        if attempt != self.attempt or phase != self.phase:
            return  # the attempt moved on before its deadline
        if phase == COOLDOWN:
            self.phase = IDLE
            return
        for order in self.working:  # LEGS or HEDGE past its deadline: pull what is open
            if order.is_open:
                ctx.cancel(order)

    def _settle(self, ctx: StrategyContext) -> None:
        """Once nothing of the current phase is open: hedge or unwind what is left over, or
        close the attempt."""
        for order in self.working:
            if order.is_open:
                return
        net = self.net
        phase = self.phase
        filled = self.buy_leg if net > 0 else self.sell_leg
        if abs(net) < 0.5 * self.lots[filled].lot or phase == UNWIND:
            self._finish(ctx)
        elif phase == LEGS and self.hedge and self._send_hedge(ctx, net):
            self.hedges += 1
        else:
            self._unwind(ctx, filled, net)

    def _send_hedge(self, ctx: StrategyContext, net: float) -> bool:
        """The missing quantity on the missing leg's venue, as a limit at its intended price
        moved `max_hedge_slippage` against us; False when the touch is already beyond it."""
        if net > 0:  # bought more than sold: sell the rest on the sell leg's venue
            leg, side = self.sell_leg, -1
            limit = self.sell_price * (1.0 - self.band)
            inside = self._bid[self.slots[leg]] >= limit
        else:
            leg, side = self.buy_leg, 1
            limit = self.buy_price * (1.0 + self.band)
            inside = self._ask[self.slots[leg]] <= limit
        if not inside:
            return False
        order = self._send(ctx, leg, side, abs(net), limit, HEDGE)
        if order is None:
            return False
        ctx.set_timer(ctx.now_ns + self.leg_timeout_ns, (HEDGE, self.attempt))
        return True

    def _unwind(self, ctx: StrategyContext, leg: int, net: float) -> None:
        """Close the imbalance on the filled leg's own venue, at market."""
        self.unwinds += 1
        if self._send(ctx, leg, -1 if net > 0 else 1, abs(net), None, UNWIND) is None:
            self._finish(ctx)  # refused: the position stays, and shows in the positions

    def _send(
        self, ctx: StrategyContext, leg: int, side: int, qty: float, price: float | None, phase: str
    ) -> Order | None:
        lots = round(qty / self.lots[leg].lot)
        order = ctx.place_lots(side, lots, price, self.slots[leg]) if lots > 0 else None
        if order is None or not order.is_open:
            return None
        self.phase = phase
        self.working = [order]
        return order

    def _finish(self, ctx: StrategyContext) -> None:
        self.working = []
        if self.cooldown_ns > 0:
            self.phase = COOLDOWN
            ctx.set_timer(ctx.now_ns + self.cooldown_ns, (COOLDOWN, self.attempt))
        else:
            self.phase = IDLE


def _taker_rate(setup: StrategySetup, slot: int) -> float:
    venue = setup.venues[slot] if slot < len(setup.venues) else None
    fee_bps = getattr(venue.params, "taker_fee_bps", None) if venue is not None else None
    if fee_bps is None:
        name = venue.name if venue is not None else "?"
        raise ValueError(
            f"cross_venue_arbitrage '{setup.node.name}': venue '{name}' of instrument "
            f"'{setup.instruments[slot].id}' declares no taker fee to net the edge with"
        )
    return float(fee_bps) / 10_000.0

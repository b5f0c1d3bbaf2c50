"""The router of one strategy instance: evaluates the routing rules for each order of the
strategy's traded symbol and sends it to one venue, or splits it into child orders on
several venues through a smart order router, writing one `routing_decisions` row per order.

A rule route (or a router's single allocation) moves the order to that venue's slot. A split
keeps the strategy's order as the parent (its `orders` rows aggregate the children's fills,
risk saw its quantity once) and sends children `<parent>-c1`, `-c2`… that have `orders` rows
of their own. The router sits between the venues and the engine context, so a child's fills
reach the strategy as fills of the parent, with the child's venue in the `fills` row.

Venue-scoped risk checks (runtime/risk/chain.py `RiskChain.venue`) run here, on each child or
single-venue order against the venue it goes to; a refused child is rejected like one the
venue refused, so the rest of its parent is cancelled.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from orderloom.dsl import registry
from orderloom.dsl.plan import Plan, Routing
from orderloom.dsl.plan import Strategy as StrategyNode
from orderloom.dsl.routing import condition_closure
from orderloom.runtime.engine.oms import NEW, Oms, Order
from orderloom.runtime.risk.chain import RiskChain, RiskViolation
from orderloom.runtime.routing.legs import Allocation, Leg, Levels, SmartRouter, average_price
from orderloom.runtime.venues.reports import Liquidity

if TYPE_CHECKING:
    from orderloom.runtime.engine.context import EngineContext


class OrderFacts:
    """The order as routing rules see it: `order.<field>` (dsl/expr/functions.py ORDER_FIELDS)
    reads the attribute of the same name; side is +1 buy / -1 sell."""

    __slots__ = ("instrument", "notional", "price", "qty", "side", "strategy", "symbol", "type")

    def __init__(self, symbol: str, instrument: str, strategy: str) -> None:
        self.symbol = symbol
        self.instrument = instrument
        self.strategy = strategy
        self.side = 0
        self.qty = 0.0
        self.notional = 0.0
        self.price = 0.0
        self.type = "market"


class _Target:
    """Where a rule sends orders: one venue's slot, or a smart router over legs."""

    __slots__ = ("legs", "name", "router", "slot")

    def __init__(
        self, name: str, slot: int, router: SmartRouter | None, legs: Sequence[Leg]
    ) -> None:
        self.name = name
        self.slot = slot
        self.router = router
        self.legs = tuple(legs)


class _Parent:
    __slots__ = ("children", "open", "order")

    def __init__(self, order: Order) -> None:
        self.order = order
        self.children: list[Order] = []
        self.open = 0


def _import(path: str) -> Any:
    module_name, _, name = path.partition(":")
    return getattr(importlib.import_module(module_name), name)


class OrderRouter:
    def __init__(self, plan: Plan, node: StrategyNode, ctx: EngineContext) -> None:
        routing: Routing = plan.routing
        self.ctx = ctx
        instruments = [plan.instrument(i) for i in ctx.instruments]
        home = instruments[0]
        self.slot_of: dict[str, int] = {}
        for k, instrument in enumerate(instruments):
            if instrument.symbol == home.symbol:
                self.slot_of.setdefault(ctx.venue_names[k], k)
        rates = {v.name: getattr(v.params, "taker_fee_bps", 0.0) / 10_000.0 for v in plan.venues}
        targets: dict[str, _Target] = {}

        def target(name: str) -> _Target:
            if name in targets:
                return targets[name]
            router_node = routing.router(name)
            if router_node is None:
                made = _Target(name, self.slot_of[name], None, ())
            else:
                spec = registry.get("router", router_node.kind)
                assert spec is not None
                legs = [Leg(v, self.slot_of[v], rates[v]) for v in router_node.params.venues]
                made = _Target(name, 0, _import(spec.runtime)(router_node.params, legs), legs)
            targets[name] = made
            return made

        known = [i.id for i in plan.instruments]
        self.rules: list[tuple[Callable[[Any], Any], _Target, str]] = [
            (
                condition_closure(rule.when, known),
                target(rule.route),
                f"rule {n}",
            )
            for n, rule in enumerate(routing.rules, 1)
        ]
        default = routing.default
        self.default = target(default) if default is not None else target(ctx.venue_names[0])
        self.facts = OrderFacts(home.symbol, home.id, node.name)
        self.symbol = home.symbol
        self.children = Oms(ctx.run_id, node.name, ctx.instruments, ctx.venue_names, ctx.lots)
        self.children.rows = ctx.oms.rows  # children's rows go to `orders` as well
        self.parent_of: dict[Order, _Parent] = {}  # child -> its parent
        self.split: dict[Order, _Parent] = {}  # parent -> its record, while open
        self.rows: list[tuple] = []
        self.venue_risk: RiskChain | None = ctx.risk.venue  # None: nothing to check per venue
        for venue in {id(v): v for v in ctx.venues}.values():
            venue.reports = self  # children's reports pass through here

    # --- routing --------------------------------------------------------------------------

    def send(self, order: Order, now: int) -> None:
        """Submit a risk-checked order: to one venue, or as child orders across several."""
        ctx = self.ctx
        if order.slot != 0:  # another instrument of the strategy: its own venue
            if self.venue_risk is None or self._venue_passes(order, now):
                ctx.oms.submit(order, now)
                ctx.venues[order.slot].submit(order, now)
            return
        facts = self.facts
        facts.side = order.side
        facts.qty = order.qty
        if order.price_ticks is None:
            facts.type = "market"
            facts.price = ctx.book.reference_price(0, order.side)
        else:
            facts.type = "limit"
            facts.price = order.price
        facts.notional = order.qty * facts.price
        target, label = self._match(facts)
        limit = None if order.price_ticks is None else order.price
        book = ctx.book
        spec = ctx.lots[0]
        if target.router is None:
            legs: Sequence[Leg] = (Leg(target.name, target.slot, 0.0),)
            books = [book.levels(target.slot, -order.side)]
            lots = order.qty_lots
            price = average_price(books[0], order.side, limit, lots, spec)
            allocations = [Allocation(0, lots, price)]
        else:
            legs = target.legs
            books = [book.levels(leg.slot, -order.side) for leg in legs]
            allocations = target.router.allocate(order.side, order.qty_lots, limit, books, spec)
        if len(allocations) == 1:
            only = allocations[0]
            order.slot = legs[only.leg].slot
            if self.venue_risk is None or self._venue_passes(order, now):
                ctx.oms.submit(order, now)
                ctx.venues[order.slot].submit(order, now)
            children = [(order.order_id, legs[only.leg].venue, order.qty, only.price)]
        else:
            children = self._split(order, now, legs, allocations)
        self._decision(order, now, target.name, label, legs, books, children)

    def _match(self, facts: OrderFacts) -> tuple[_Target, str]:
        for condition, target, label in self.rules:
            if condition(facts):
                return target, label
        return self.default, "default"

    def _split(
        self, parent: Order, now: int, legs: Sequence[Leg], allocations: Sequence[Allocation]
    ) -> list[tuple[str, str, float, float]]:
        ctx = self.ctx
        ctx.oms.submit(parent, now)
        record = _Parent(parent)
        self.split[parent] = record
        spec = ctx.lots[0]
        out = []
        for n, allocation in enumerate(allocations, 1):
            leg = legs[allocation.leg]
            child = Order(
                f"{parent.order_id}-c{n}",
                leg.slot,
                parent.side,
                parent.order_type,
                allocation.lots,
                spec.qty(allocation.lots),
                parent.price_ticks,
                parent.price,
                now,
                *_options(parent),
            )
            record.children.append(child)
            record.open += 1
            self.parent_of[child] = record
            self.children.submit(child, now)
            out.append((child.order_id, leg.venue, child.qty, allocation.price))
        venue_risk = self.venue_risk
        if venue_risk is not None:
            ctx.requested_qty = None  # a child's quantity is the router's, in whole lots
        for child in record.children:
            if venue_risk is not None:
                violation = venue_risk.check(child, ctx)
                if violation is not None:
                    # Refused before it left: the venue's rejection path, so the parent
                    # settles (and its rest is cancelled) once its other children are done.
                    ctx._risk_event(f"{child.order_id}-{violation.check}", now, child, violation)
                    self.on_rejected(child, now, violation.message)
                    continue
                for hook in venue_risk.sent_hooks:
                    hook(child, ctx)
            ctx.venues[child.slot].submit(child, now)
        return out

    def _venue_passes(self, order: Order, now: int) -> bool:
        """Run the venue-scoped checks on an order going whole to one venue; a refused one is
        rejected to the strategy with the check's reason."""
        venue_risk = self.venue_risk
        assert venue_risk is not None
        violation: RiskViolation | None = venue_risk.check(order, self.ctx)
        if violation is None:
            for hook in venue_risk.sent_hooks:
                hook(order, self.ctx)
            return True
        ctx = self.ctx
        ctx._risk_event(f"{order.order_id}-{violation.check}", now, order, violation)
        ctx.on_rejected(order, now, violation.message)
        return False

    def _decision(
        self,
        order: Order,
        now: int,
        route: str,
        rule: str,
        legs: Sequence[Leg],
        books: Sequence[Levels],
        children: Sequence[tuple[str, str, float, float]],
    ) -> None:
        seen = {
            leg.venue: [list(level) for level in levels]
            for leg, levels in zip(legs, books, strict=True)
        }
        child_list = [{"id": i, "venue": v, "qty": q, "price": p} for i, v, q, p in children]
        notional = sum(q * p for _, _, q, p in children)
        qty = sum(q for _, _, q, _ in children)
        self.rows.append(
            (
                self.ctx.run_id,
                order.order_id,
                now,
                self.facts.strategy,
                self.symbol,
                order.side,
                order.qty,
                route,
                rule,
                json.dumps(seen, separators=(",", ":")),
                json.dumps(child_list, separators=(",", ":")),
                notional / qty if qty else float("nan"),
            )
        )

    # --- execution reports (from every venue of the instance) -----------------------------

    def on_accepted(self, order: Order, ts_ns: int) -> None:
        record = self.parent_of.get(order)
        if record is None:
            self.ctx.on_accepted(order, ts_ns)
            return
        self.children.accept(order, ts_ns)
        if record.order.status == NEW:
            self.ctx.on_accepted(record.order, ts_ns)

    def on_fill(
        self, order: Order, ts_ns: int, lots: int, price: float, fee: float, liquidity: Liquidity
    ) -> None:
        record = self.parent_of.get(order)
        ctx = self.ctx
        if record is None:
            ctx.on_fill(order, ts_ns, lots, price, fee, liquidity)
            return
        self.children.fill(order, ts_ns, lots, price)
        parent = record.order
        fill_id = f"{parent.order_id}-{parent.fills + 1}"
        venue = ctx.venue_names[order.slot]
        if not order.is_open:
            self._close(order, record)
        ctx.on_fill(parent, ts_ns, lots, price, fee, liquidity)
        rows = ctx.fill_rows
        for k in range(len(rows) - 1, -1, -1):  # the parent's row names the child's venue
            if rows[k][1] == fill_id:
                row = rows[k]
                rows[k] = (*row[:6], venue, *row[7:])
                break
        self._settle(record, ts_ns, "children done")

    def on_cancelled(self, order: Order, ts_ns: int, reason: str) -> None:
        record = self.parent_of.get(order)
        if record is not None:
            self.children.cancel(order, ts_ns, reason)
            self._close(order, record)
            self._settle(record, ts_ns, reason)
            return
        record = self.split.get(order)
        if record is None:
            self.ctx.on_cancelled(order, ts_ns, reason)
            return
        # The parent's cancel reached its venue: cancel what is left of every child now.
        for child in record.children:
            if child.is_open:
                self.ctx.venues[child.slot].cancel_now(child, ts_ns, reason)

    def on_rejected(self, order: Order, ts_ns: int, reason: str) -> None:
        record = self.parent_of.get(order)
        if record is None:
            self.ctx.on_rejected(order, ts_ns, reason)
            return
        self.children.reject(order, ts_ns, reason)
        self._close(order, record)
        self._settle(record, ts_ns, reason)

    def _close(self, child: Order, record: _Parent) -> None:
        record.open -= 1
        del self.parent_of[child]

    def _settle(self, record: _Parent, ts_ns: int, reason: str) -> None:
        parent = record.order
        if record.open > 0:
            return
        self.split.pop(parent, None)
        if not parent.is_open:
            return
        if parent.status == NEW:  # no child reached its book: the venues refused them all
            self.ctx.on_rejected(parent, ts_ns, reason)
        else:  # some children were cancelled or refused: so is the rest of the parent
            self.ctx.on_cancelled(parent, ts_ns, reason)


def _options(parent: Order) -> tuple[Any, ...]:
    # Children inherit the parent's time in force, post-only and expiry (when the OMS has them).
    if not hasattr(parent, "tif"):
        return ()
    return (parent.tif, parent.post_only, parent.expire_ns)


def order_router(plan: Plan, node: StrategyNode, ctx: EngineContext) -> OrderRouter | None:
    """The instance's router, or None when the plan does not route its orders."""
    if node.name not in plan.routing.strategies:
        return None
    return OrderRouter(plan, node, ctx)

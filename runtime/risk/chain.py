"""The pre-trade chain of one strategy instance: the checks the Plan resolved for it, built
from their kinds' runtime classes, run on every order (and cancel) before it leaves the engine.

A check is any object with `name` and some of: `check(order, exposure)` for new orders,
`check_cancel(order, exposure)` for cancel requests (each returning None or a
RiskViolation), and the hooks `on_sent(order, exposure)`, `on_cancel_sent(order, exposure)`
and `on_fill(order, ts_ns, lots, price)` that keep its state. Hooks run only after every check
passed, so a refused order takes no token and starts no window. The chain stops at the first
violation; checks allocate nothing when they pass.

A check whose scope names venues covers only the slots whose orders go to those venues. In an
instance the plan routes, such a check on the order flow itself (`PER_VENUE_KINDS`) moves to
the `venue` chain, which the router runs on each child (or single-venue route) against the
child's venue before sending it; every other check runs once on the parent.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from orderloom.dsl import registry
from orderloom.dsl.kinds.max_order_notional import MaxOrderNotionalParams
from orderloom.dsl.kinds.max_position import MaxPositionParams
from orderloom.dsl.plan import Instrument, Plan, RiskCheck, RiskLimits, slot_venues
from orderloom.dsl.risk_budgets import describe_share
from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Oms, Order


@dataclass(frozen=True, slots=True)
class RiskViolation:
    check: str
    limit_value: float
    value: float
    message: str  # names the order id


class Exposure(Protocol):
    """What the checks read; implemented by the engine's context over its ledger, OMS and
    book. Lists are indexed by instrument slot."""

    position_lots: list[int]
    open_buy_lots: list[int]
    open_sell_lots: list[int]
    book: Book
    oms: Oms
    state: Any  # MarketState: ts_ns, last, bid, ask
    requested_qty: float | None  # the order's quantity before rounding to lots (None: lots given)
    requested_price: float | None  # its limit price before rounding to ticks

    def reference_price(self, slot: int, side: int) -> float: ...


# Kinds that judge an order on its own (and their own history of sent orders): in a routed
# instance a venue-scoped one runs per child, against the venue the child goes to. Position,
# open-order and daily-notional checks read the instance's exposure, which the parent holds.
PER_VENUE_KINDS = frozenset(
    {
        "order_rate",
        "max_order_notional",
        "max_order_qty",
        "price_band",
        "order_validity",
        "duplicate_orders",
    }
)


@dataclass(frozen=True)
class CheckSetup:
    """What a check's `from_plan` gets besides its RiskCheck: the instance's instruments in
    slot order, their lot/tick specs and (when venue scopes apply) each slot's venue."""

    strategy: str
    instruments: tuple[Instrument, ...]
    lots: tuple[LotSpec, ...]
    venues: tuple[str, ...] = ()  # per slot; () = venue scopes do not narrow the slots

    def mask(self, check: RiskCheck) -> list[bool] | None:
        """Which slots the check covers; None for all of them (so a check whose scope takes
        in every slot pays nothing per order)."""
        scoped = check.scope.venues if self.venues else ()
        if not check.instruments and not scoped:
            return None
        covered = [
            (not check.instruments or i.id in check.instruments)
            and (not scoped or self.venues[k] in scoped)
            for k, i in enumerate(self.instruments)
        ]
        return None if all(covered) else covered

    def label(self, check: RiskCheck) -> str:
        return describe_share(check)


class RiskChain:
    """The checks configured for one strategy instance, in declaration order."""

    __slots__ = ("cancel_checks", "cancel_hooks", "checks", "fill_hooks", "sent_hooks", "venue")

    def __init__(self, checks: Sequence[Any], venue: RiskChain | None = None) -> None:
        # Checks run per child order against the child's venue (routed instances only).
        self.venue = venue
        self.checks = tuple(c for c in checks if hasattr(c, "check"))
        self.cancel_checks: tuple[Callable[..., RiskViolation | None], ...] = tuple(
            c.check_cancel for c in checks if hasattr(c, "check_cancel")
        )
        self.sent_hooks: tuple[Callable[[Order, Exposure], None], ...] = tuple(
            c.on_sent for c in checks if hasattr(c, "on_sent")
        )
        self.cancel_hooks: tuple[Callable[[Order, Exposure], None], ...] = tuple(
            c.on_cancel_sent for c in checks if hasattr(c, "on_cancel_sent")
        )
        self.fill_hooks: tuple[Callable[[Order, int, int, float], None], ...] = tuple(
            c.on_fill for c in checks if hasattr(c, "on_fill")
        )

    @classmethod
    def for_instance(
        cls, plan: Plan, strategy: str, instruments: Sequence[Instrument], lots: Sequence[LotSpec]
    ) -> RiskChain:
        venues = slot_venue_names(plan, strategy, instruments)
        setup = CheckSetup(strategy, tuple(instruments), tuple(lots), venues)
        routed = strategy in plan.routing.strategies
        # A routed parent may go to any venue: checks kept on it ignore venue scopes.
        parent_setup = replace(setup, venues=()) if routed else setup
        checks = plan.risk.checks_for(strategy)
        if checks is None:
            checks = shorthand_checks(plan.risk, [i.id for i in instruments])
        built = []
        per_venue = []
        for check in checks:
            if getattr(check.params, "enabled", True) is False:
                continue
            if routed and check.scope.venues and check.kind in PER_VENUE_KINDS:
                per_venue.append(runtime_class(check.kind).from_plan(check, setup))
            else:
                built.append(runtime_class(check.kind).from_plan(check, parent_setup))
        return cls(built, cls(per_venue) if per_venue else None)

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        for check in self.checks:
            violation = check.check(order, exposure)
            if violation is not None:
                return violation
        return None

    def check_cancel(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        for check_cancel in self.cancel_checks:
            violation = check_cancel(order, exposure)
            if violation is not None:
                return violation
        return None


def slot_venue_names(
    plan: Plan, strategy: str, instruments: Sequence[Instrument]
) -> tuple[str, ...]:
    """Each slot's venue as the engine binds it (Plan.slot_venues)."""
    node = next((s for s in plan.strategies if s.name == strategy), None)
    if node is None:
        return ()
    return slot_venues(node, instruments, {v.name for v in plan.venues})


def shorthand_checks(limits: RiskLimits, instruments: Sequence[str]) -> tuple[RiskCheck, ...]:
    """The checks of a plan built by hand (no per-instance resolution): the shorthand
    limits, each applied in full."""
    out: list[RiskCheck] = []
    if limits.max_order_notional is not None:
        params = MaxOrderNotionalParams(limits.max_order_notional, limits.notional_currency)
        out.append(RiskCheck("max_order_notional", params))
    position = tuple((i, v) for i, v in limits.max_position if i in instruments)
    if position:
        slots = tuple(i for i, _ in position)
        out.append(RiskCheck("max_position", MaxPositionParams(position), slots))
    return tuple(out)


_CLASSES: dict[str, Any] = {}


def runtime_class(kind: str) -> Any:
    """The runtime class of a risk kind, from the registry's `runtime` path."""
    cls = _CLASSES.get(kind)
    if cls is None:
        spec = registry.get("risk", kind)
        if spec is None:
            raise ValueError(f"unknown risk check kind '{kind}'")
        module_name, _, class_name = spec.runtime.partition(":")
        cls = _CLASSES[kind] = getattr(importlib.import_module(module_name), class_name)
    return cls

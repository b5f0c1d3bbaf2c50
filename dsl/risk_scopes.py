"""How a risk limit is declared under `risk:`: the three forms of a check (a scalar shorthand,
one mapping, or a list of mappings), the `scope` that says where it applies and the `shares`
that split an additive limit among strategies. Budgets are resolved in `risk_budgets.py`.

    risk:
      max_order_notional: 50_000 USDT                       # scalar: account-wide
      order_rate: {max: 20, per: 1s, scope: {strategy: mm}}  # one check
      max_daily_notional:                                   # several
        - {limit: 1_000_000 USDT, shares: {mm: 60%, arb: 40%}}
        - {limit: 200_000 USDT, scope: {venue: sim}}
"""

from __future__ import annotations

from collections.abc import Sequence as AbcSequence
from dataclasses import dataclass
from typing import Any

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.diagnostics import did_you_mean
from orderloom.dsl.errors import Span
from orderloom.dsl.nodes import Mapping, Node, Scalar, Sequence
from orderloom.dsl.plan import RiskScope
from orderloom.dsl.resolve import venue_ref

_NAMES = {"type": ["string", "array"], "items": {"type": "string"}, "minItems": 1}

SCOPE_SCHEMA: dict[str, Any] = {
    "description": "where the limit applies: account (the default), or a mapping of strategy "
    "(names or templates), instrument and venue; an instance must match every key given",
    "type": ["string", "object"],
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "strategy": {**_NAMES, "description": "strategy names or templates"},
        "instrument": {**_NAMES, "description": "instrument ids the strategy reads"},
        "venue": {**_NAMES, "description": "venues the strategy routes to"},
    },
}

BUDGET_SCHEMA: dict[str, Any] = {
    "shares": {
        "type": "object",
        "description": "split of the limit among strategies (names or templates) adding up "
        "to 100%, e.g. {mm: 60%, arb: 40%}; default: equal shares per instance",
        "minProperties": 1,
        "additionalProperties": {"$ref": "#/$defs/ratio"},
    },
    "per_instance": {
        "type": "boolean",
        "description": "give every instance in scope the whole limit instead of a share",
    },
}

_SCALAR_TYPES = {"money": ["string", "number"], "number": ["number"], "integer": ["integer"]}


def check_schema(
    description: str,
    properties: dict[str, Any],
    required: AbcSequence[str] = (),
    *,
    scalar: str | None = None,
    budget: bool = False,
) -> dict[str, Any]:
    """The schema of a check kind under `risk:`: a mapping of `properties` (plus `scope`,
    and `shares`/`per_instance` for additive budgets), a list of such mappings, or, with
    `scalar` (money, number, integer), a bare value meaning `{limit: value}`."""
    item_properties = {**properties, "scope": SCOPE_SCHEMA, **(BUDGET_SCHEMA if budget else {})}
    item: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": item_properties,
    }
    if required:
        item["required"] = list(required)
    types = [*_SCALAR_TYPES.get(scalar or "", []), "object", "array"]
    # `properties`/`required` constrain only mappings and `items` only lists, so one schema
    # takes every form and jsonschema still names the exact key that is wrong.
    return {
        "description": description,
        **{k: v for k, v in item.items() if k != "type"},
        "type": types,
        "items": item,
        "minItems": 1,
    }


def as_mapping(node: Node, key: str) -> Mapping:
    """A check's mapping; a scalar shorthand becomes `{key: scalar}`."""
    if isinstance(node, Mapping):
        return node
    assert isinstance(node, Scalar)
    return Mapping(((Scalar(key, key, node.span), node),), node.span)


@dataclass(frozen=True)
class Declared:
    """One check as written, before it is split into per-instance budgets."""

    kind: str
    params: Any
    scope: RiskScope
    span: Span  # the check itself
    scope_span: Span | None = None  # None: account-wide by default
    shares: tuple[tuple[str, float, Span], ...] = ()
    shares_span: Span | None = None
    per_instance: bool = False


class StrategyNames:
    """Strategy instance names and templates declared in the pipeline (compiled or not)."""

    def __init__(self, instances: AbcSequence[str], templates: dict[str, str]) -> None:
        self.known = set(instances) | {templates.get(i, i) for i in instances}

    def ref(self, ctx: KindContext, s: Scalar) -> str:
        name = str(s.value)
        if name not in self.known:
            ctx.report(
                codes.UNKNOWN_REFERENCE,
                f"unknown strategy '{name}'",
                s.span,
                did_you_mean(name, self.known)
                or f"strategies and templates: {', '.join(sorted(self.known)) or '(none)'}",
            )
        return name


def read_declaration(
    kind: str, params: Any, node: Node, ctx: KindContext, strategies: StrategyNames
) -> Declared:
    """The scope, shares and per_instance of a check written as `node`."""
    if not isinstance(node, Mapping):
        return Declared(kind, params, RiskScope(), node.span)
    scope_node = node.get("scope")
    scope = RiskScope()
    if isinstance(scope_node, Scalar):
        if scope_node.value != "account":
            ctx.report(
                codes.BAD_VALUE,
                f"unknown scope '{scope_node.text}'",
                scope_node.span,
                did_you_mean(scope_node.text, ["account"])
                or "write `scope: account`, or a mapping such as {strategy: mm, venue: sim}",
            )
    elif isinstance(scope_node, Mapping):
        scope = RiskScope(
            strategies=tuple(strategies.ref(ctx, s) for s in _names(scope_node, "strategy")),
            instruments=tuple(ctx.instrument_ref(s) for s in _names(scope_node, "instrument")),
            venues=tuple(venue_ref(ctx, s) for s in _names(scope_node, "venue")),
        )
    shares_node = ctx.mapping(node, "shares")
    shares: list[tuple[str, float, Span]] = []
    if shares_node is not None:
        for key, _ in shares_node.items:
            name = strategies.ref(ctx, key)
            share = ctx.ratio(shares_node, key.text)
            if ctx.ok and not share > 0:
                ctx.report(codes.BAD_VALUE, f"the share of '{name}' must be more than 0", key.span)
            shares.append((name, share, key.span))
    per_instance = ctx.scalar(node, "per_instance")
    if shares_node is not None and per_instance is not None and per_instance.value is True:
        ctx.report(
            codes.CONFLICTING_KEYS,
            "`shares` and `per_instance: true` contradict each other",
            per_instance.span,
            "per_instance gives every instance the whole limit; remove one of them",
        )
    return Declared(
        kind,
        params,
        scope,
        node.span,
        scope_node.span if scope_node is not None else None,
        tuple(shares),
        shares_node.span if shares_node is not None else None,
        per_instance is not None and per_instance.value is True,
    )


def _names(node: Mapping, key: str) -> list[Scalar]:
    value = node.get(key)
    if isinstance(value, Scalar):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in value.items if isinstance(v, Scalar)]
    return []

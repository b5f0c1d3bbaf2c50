"""JSON Schema of the `routing:` section: rules, declared routers (by kind) and `default`."""

from __future__ import annotations

from typing import Any

from orderloom.dsl import registry


def routing_schema() -> dict[str, Any]:
    specs = registry.kinds("router")
    router = {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": [s.name for s in specs], "description": "the router kind"}},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": s.name}}, "required": ["kind"]},
                "then": {"$ref": f"#/$defs/router.{s.name}"},
            }
            for s in specs
        ],
    }
    rule = {
        "type": "object",
        "additionalProperties": False,
        "required": ["when", "route"],
        "properties": {
            "when": {
                "type": "string",
                "description": "condition over the order: order.side, order.qty, "
                "order.notional, order.price, order.symbol, order.instrument, order.strategy, "
                'order.type (e.g. "order.notional > 50_000 USDT")',
            },
            "route": {"type": "string", "description": "a venue or a router of `routers:`"},
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "default": {
                "type": "string",
                "description": "venue (or router) for orders no rule matches; without rules, "
                "the venue of strategies without their own venue",
            },
            "rules": {
                "type": "array",
                "items": rule,
                "description": "evaluated in order for each order of a strategy without its "
                "own `venue:`; the first match routes it",
            },
            "routers": {
                "type": "object",
                "propertyNames": {"$ref": "#/$defs/name"},
                "additionalProperties": router,
                "description": "smart order routers by name (kinds: best_price, split, "
                "cheapest_fees)",
            },
        },
    }

"""The pipeline JSON Schema (Draft 2020-12), built from the component registry.

`pipeline_schema()` is what `schemas/pipeline.schema.json` holds for editors
(yaml-language-server): each component is checked against its kind's schema through
`if kind == ... then`. The compiler uses `pipeline_schema(editor=False)`, where components
only need a `kind`, and then checks each component against `component_validator(...)` so
that its diagnostics name the kind's own keys.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import Draft202012Validator

from orderloom.dsl import registry, sweep
from orderloom.dsl.account import ACCOUNT_SCHEMA
from orderloom.dsl.bars import SCHEMA as BARS_SCHEMA
from orderloom.dsl.registry import KindSpec
from orderloom.dsl.routing_schema import routing_schema

SCHEMA_ID = "https://orderloom.dev/schemas/pipeline.schema.json"

# Sections holding named components with a `kind`, and the category of their kinds.
COMPONENT_SECTIONS: dict[str, registry.Category] = {
    "venues": "venue",
    "feeds": "feed",
    "strategies": "strategy",
    "sinks": "sink",
}

_NUMBER = r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?"
_PLACEHOLDER = r"|.*\$\{.*"  # `${VAR}` is substituted before checking; editors see it raw

LITERAL_TITLES = frozenset({"duration", "ratio", "money", "timestamp"})

LITERAL_DEFS: dict[str, dict[str, Any]] = {
    "duration": {
        "title": "duration",
        "description": "a number with a time unit: ns, us, ms, s, m, h or d (5ms, 1h)",
        "type": ["string", "integer"],
        "pattern": rf"^(?:\s*{_NUMBER}\s*(?:ns|us|ms|s|m|h|d)\s*{_PLACEHOLDER})$",
    },
    "ratio": {
        "title": "ratio",
        "description": "a number, optionally in bps or % (5bps, 0.2%, 0.0005)",
        "type": ["string", "number"],
        "pattern": rf"^(?:\s*[-+]?\s*{_NUMBER}\s*(?:bps|%)?\s*{_PLACEHOLDER})$",
    },
    "money": {
        "title": "money",
        "description": "an amount with an optional currency (50_000 USDT)",
        "type": ["string", "number"],
        "pattern": rf"^(?:\s*{_NUMBER}\s*(?:[A-Z][A-Z0-9]+)?\s*{_PLACEHOLDER})$",
    },
    "timestamp": {
        "title": "timestamp",
        "description": "UTC time, ISO 8601 (2024-01-01T00:00:00Z), or integer ns since the epoch",
        "type": ["string", "integer"],
        "pattern": r"^(?:\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
        rf"\s*(?:[Zz]|[+-]\d{{2}}:?\d{{2}})?)?{_PLACEHOLDER})$",
    },
    "expression": {
        "title": "expression",
        "description": 'an expression such as "last * (1 + 10bps)" (a number is one too)',
        "type": ["string", "number"],
    },
}

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
INSTRUMENT_PATTERN = (
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*@[A-Za-z0-9][A-Za-z0-9_.\-]*$"
)

SHARED_DEFS: dict[str, dict[str, Any]] = {
    **LITERAL_DEFS,
    "name": {
        "title": "name",
        "description": "letters, digits, _ and -, starting with a letter or _",
        "type": "string",
        "pattern": NAME_PATTERN,
    },
    "instrument_id": {
        "title": "instrument id",
        "description": "SYMBOL@venue, e.g. BTC/USDT@sim",
        "type": "string",
        "pattern": INSTRUMENT_PATTERN,
    },
    "instrument": {
        "type": "object",
        "description": "an instrument; base, quote and venue come from its id BASE/QUOTE@venue",
        "required": ["tick_size", "lot_size"],
        "additionalProperties": False,
        "properties": {
            "tick_size": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": "smallest price increment",
            },
            "lot_size": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": "smallest quantity increment",
            },
            "min_notional": {
                "type": "number",
                "minimum": 0,
                "description": "smallest order value (price x quantity); 0 for none",
            },
        },
    },
    "signal": {
        "description": "a named expression, inlined where used; or {expr, instrument}",
        "type": ["string", "number", "object"],
        "required": ["expr"],
        "additionalProperties": False,
        "properties": {
            "expr": {"$ref": "#/$defs/expression"},
            "instrument": {
                "type": "string",
                "description": "what bare market values (last, mid, ...) refer to",
            },
        },
    },
}

# Keys every kind of a category accepts besides its own; the compiler reads these itself.
COMMON: dict[str, dict[str, dict[str, Any]]] = {
    "feed": {
        "instrument": {"type": "string", "description": "instrument id this feed provides"},
        "schema": {
            "enum": ["trades", "quotes", "book"],
            "default": "trades",
            "description": "trades (ts_ns, price, qty, side), quotes (ts_ns, bid, ask, "
            "bid_qty, ask_qty) or book (L2 snapshots and deltas: ts_ns, seq, action, side, "
            "price, qty; see docs/books.md)",
        },
        "bars": BARS_SCHEMA,
    },
    "venue": {},
    "strategy": {
        "instrument": {"type": "string", "description": "instrument id traded"},
        "venue": {
            "type": "string",
            "description": "venue for this strategy's orders (default: routing.default, "
            "else the instrument's venue)",
        },
        "feeds": {
            "type": "array",
            "items": {"type": "string"},
            "description": "extra feeds to subscribe to (their instruments become readable)",
        },
        "stale_after": {
            "$ref": "#/$defs/duration",
            "description": "cancel-on-disconnect: when no market event for the strategy's "
            "instruments arrives for this long, cancel its open orders and refuse new ones "
            "until fresh data arrives",
        },
        "for_each": {
            "type": "object",
            "additionalProperties": {"type": "array"},
            "description": "expand into one instance per combination; ${each.NAME} reads it",
        },
    },
    "sink": {},
    "risk": {},
    "router": {},
}
COMMON_REQUIRED: dict[str, tuple[str, ...]] = {"feed": ("instrument",), "strategy": ("instrument",)}


def def_name(spec: KindSpec) -> str:
    return f"{spec.category}.{spec.name}"


def component_schema(spec: KindSpec) -> dict[str, Any]:
    """A kind's full schema: its own keys plus its category's common keys and `kind`."""
    if spec.category == "risk":
        return dict(spec.schema)
    own = spec.schema
    properties: dict[str, Any] = {
        "kind": {"const": spec.name, "description": spec.summary},
        **COMMON[spec.category],
        **own.get("properties", {}),
    }
    required = ["kind", *COMMON_REQUIRED.get(spec.category, ())]
    required += [r for r in own.get("required", []) if r not in required]
    extra = {k: v for k, v in own.items() if k not in ("type", "properties", "required")}
    return {
        "type": "object",
        "title": f"{spec.category} {spec.name}",
        "description": spec.summary,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        **extra,
    }


def _dispatch(category: registry.Category, editor: bool) -> dict[str, Any]:
    specs = registry.kinds(category)
    names = [s.name for s in specs]
    if not editor:
        return {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}}
    return {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": names, "description": f"the {category} kind"}},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": s.name}}, "required": ["kind"]},
                "then": {"$ref": f"#/$defs/{def_name(s)}"},
            }
            for s in specs
        ],
    }


def _named(category: str, editor: bool) -> dict[str, Any]:
    names: dict[str, Any] = {"$ref": "#/$defs/name"}
    if category == "strategy" and not editor:
        # for_each instances are named template[value,...]
        names = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_-]*(\[[^\]]*\])?$"}
    return {
        "type": "object",
        "propertyNames": names,
        "additionalProperties": {"$ref": f"#/$defs/{category}"},
    }


def pipeline_schema(editor: bool = True) -> dict[str, Any]:
    defs: dict[str, Any] = dict(SHARED_DEFS)
    for section, category in COMPONENT_SECTIONS.items():
        del section
        defs[category] = _dispatch(category, editor)
    for spec in registry.all_kinds():
        defs[def_name(spec)] = component_schema(spec)
    properties: dict[str, Any] = {
        "orderloom": {"const": 1, "description": "pipeline format version"},
        "name": {"type": "string", "minLength": 1, "description": "pipeline name"},
        "description": {"type": "string"},
        "account": ACCOUNT_SCHEMA,
        "include": {
            "type": "array",
            "items": {"type": "string"},
            "description": "files whose sections merge into this one (relative paths)",
        },
        "instruments": {
            "type": "object",
            "description": "instruments by id SYMBOL@venue",
            "propertyNames": {"$ref": "#/$defs/instrument_id"},
            "additionalProperties": {"$ref": "#/$defs/instrument"},
        },
        "venues": _named("venue", editor),
        "feeds": _named("feed", editor),
        "signals": {
            "type": "object",
            "propertyNames": {"$ref": "#/$defs/name"},
            "additionalProperties": {"$ref": "#/$defs/signal"},
        },
        "strategies": _named("strategy", editor),
        "risk": {
            "type": "object",
            "description": "pre-trade risk limits",
            "additionalProperties": False,
            "properties": {
                s.name: {"$ref": f"#/$defs/{def_name(s)}"} for s in registry.kinds("risk")
            },
        },
        "routing": routing_schema(),
        "sinks": _named("sink", editor),
        "sweep": sweep.SCHEMA,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "orderloom pipeline",
        "description": "Generated from the component registry by `python -m "
        "orderloom.dsl.docgen`; do not edit.",
        "type": "object",
        "required": ["orderloom", "name"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }


@functools.cache
def document_validator() -> Draft202012Validator:
    return Draft202012Validator(pipeline_schema(editor=False))


@functools.cache
def component_validator(category: str, name: str) -> Draft202012Validator:
    defs = pipeline_schema(editor=False)["$defs"]
    return Draft202012Validator({"$ref": f"#/$defs/{category}.{name}", "$defs": defs})

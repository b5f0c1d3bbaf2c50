"""The `signals:` section: named expressions that strategies (and other signals) use by
name and that are inlined where used.

    signals:
      fast: "ema(last(BTC/USDT@sim), 10)"
      slow: {expr: "ema(last, 50)", instrument: BTC/USDT@sim}

The `instrument:` form says what bare market values (`last`, `mid`) refer to. Without it, a
signal that reads bare market values is generic: they mean the instrument of the strategy
that uses it, and it is checked again at each use. Signals are checked in dependency order;
a cycle is an error (E0401).
"""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext, Names, to_expr
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.expr import ExprError, Scope, check, parse, signal_refs
from orderloom.dsl.graph import find_cycles
from orderloom.dsl.nodes import Mapping, Node, Scalar
from orderloom.dsl.plan import Expr, Signal


@dataclass
class _Definition:
    key: Scalar
    text: Scalar
    instrument: str | None
    refs: set[str]


def compile_signals(section: Node | None, names: Names, diags: Diagnostics) -> list[Signal]:
    """Check every signal; fills names.signals (name -> Typed) and names.failed_signals."""
    if not isinstance(section, Mapping):
        return []
    declared = set(section.keys())
    defined: dict[str, _Definition] = {}
    for key, body in section.items:
        definition = _read(key, body, declared, names, diags)
        if definition is None:
            names.failed_signals.add(key.text)
        else:
            defined[key.text] = definition
    edges = {name: d.refs for name, d in defined.items()}
    for cycle in find_cycles(edges, list(defined)):
        first = defined[cycle[0]].key
        diags.error(
            codes.SIGNAL_CYCLE,
            f"signal '{cycle[0]}' depends on itself: {' -> '.join(cycle)}",
            first.span,
            "signals are inlined where used, so they cannot form a cycle",
        )
        names.failed_signals.update(cycle)
    checked: dict[str, Signal] = {}
    for name in _dependency_order(defined, names.failed_signals):
        definition = defined[name]
        if definition.instrument is None and _is_generic(definition, names):
            names.generic_signals[name] = definition.text
            checked[name] = Signal(
                name,
                Expr(definition.text.text, None, "generic", definition.text.span),
                definition.key.span,
            )
            continue
        ctx = KindContext(diags, names, definition.instrument, definition.key.span)
        typed = ctx.typed(definition.text, None)
        if typed is None:
            names.failed_signals.add(name)
            continue
        names.signals[name] = typed
        checked[name] = Signal(name, to_expr(definition.text, typed), definition.key.span)
    return [checked[name] for name in defined if name in checked]


def _is_generic(definition: _Definition, names: Names) -> bool:
    """True when the signal reads bare market values (or a generic signal): checked without
    a default instrument it fails only for want of one."""
    if definition.refs & set(names.generic_signals):
        return True
    scope = Scope(frozenset(names.instruments), None, names.signals)
    try:
        check(parse(definition.text.text, definition.text.locate), scope, None)
    except ExprError as error:
        return all(
            d.code == codes.EXPR_UNKNOWN_INSTRUMENT and "needs an instrument" in d.message
            for d in error.diagnostics
        )
    return False


def _read(
    key: Scalar, body: Node, declared: set[str], names: Names, diags: Diagnostics
) -> _Definition | None:
    instrument: str | None = None
    text: Node | None = body
    if isinstance(body, Mapping):
        text = body.get("expr")
        where = body.get("instrument")
        if isinstance(where, Scalar) and where.value is not None:
            ctx = KindContext(diags, names)
            instrument = ctx.instrument_ref(where)
            if not ctx.ok:
                return None
    if not isinstance(text, Scalar) or text.value is None:
        return None  # reported by the schema check
    try:
        tree = parse(text.text, text.locate)
    except ExprError as error:
        diags.extend(error.diagnostics)
        return None
    return _Definition(key, text, instrument, signal_refs(tree) & declared)


def _dependency_order(defined: dict[str, _Definition], failed: set[str]) -> list[str]:
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str, trail: set[str]) -> None:
        if name in done or name in trail or name in failed or name not in defined:
            return
        trail.add(name)
        for dep in sorted(defined[name].refs):
            visit(dep, trail)
        trail.discard(name)
        done.add(name)
        order.append(name)

    for name in defined:
        visit(name, set())
    return order

"""The typed expression language of pipelines: parse (lark) -> check (types and units) ->
Plan JSON -> closures the engine evaluates per tick. See DESIGN.md, "Expression language"."""

from orderloom.dsl.expr.errors import CODE_TITLES, ExprError
from orderloom.dsl.expr.evaluate import Compiled, ExprCompiler
from orderloom.dsl.expr.indicators import Indicator
from orderloom.dsl.expr.nodes import Node
from orderloom.dsl.expr.parse import Locate, parse
from orderloom.dsl.expr.state import MarketState
from orderloom.dsl.expr.typecheck import Scope, check, signal_refs
from orderloom.dsl.expr.typed import Typed, free_instruments, from_json, to_json
from orderloom.dsl.expr.units import Quantity, parse_literal

__all__ = [
    "CODE_TITLES",
    "Compiled",
    "ExprCompiler",
    "ExprError",
    "Indicator",
    "Locate",
    "MarketState",
    "Node",
    "Quantity",
    "Scope",
    "Typed",
    "check",
    "free_instruments",
    "from_json",
    "parse",
    "parse_literal",
    "signal_refs",
    "to_json",
]

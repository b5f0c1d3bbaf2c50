"""The table of stable diagnostic codes: slug, title, explanation and a tiny example each.

Every code the compiler (or the expression package) emits has an entry here; docs/errors.md
is generated from this table, and a test fails when a code used in dsl/ lacks its entry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    slug: str
    title: str
    explanation: str
    example: str  # a small YAML snippet that triggers it


# Loading (E00xx)
YAML_SYNTAX = "E0001"
DUPLICATE_KEY = "E0002"
FILE_NOT_FOUND = "E0003"
INCLUDE_CYCLE = "E0004"
INTERPOLATION = "E0005"
# References (E01xx)
UNKNOWN_REFERENCE = "E0101"
UNKNOWN_KIND = "E0102"
PYTHON_CLASS = "E0103"
# Schema (E02xx)
MISSING_KEY = "E0201"
UNKNOWN_KEY = "E0202"
WRONG_TYPE = "E0203"
BAD_VALUE = "E0204"
BAD_FOR_EACH = "E0205"
CONFLICTING_KEYS = "E0206"
# Expressions (E03xx): emitted by orderloom.dsl.expr, documented here.
EXPR_SYNTAX = "E0301"
EXPR_UNKNOWN_NAME = "E0302"
EXPR_TYPE_MISMATCH = "E0303"
EXPR_ARGUMENTS = "E0304"
EXPR_UNKNOWN_INSTRUMENT = "E0305"
BAD_LITERAL = "E0306"
# Graph checks (E04xx)
SIGNAL_CYCLE = "E0401"
NO_ROUTE = "E0402"
NO_FEED = "E0403"
VENUE_NOT_DECLARED = "E0404"
# Overrides (E05xx)
OVERRIDE_PATH = "E0501"
OVERRIDE_SYNTAX = "E0502"


CODES: tuple[Code, ...] = (
    Code(
        YAML_SYNTAX,
        "yaml-syntax",
        "YAML syntax error",
        "The file is not well-formed YAML (or uses a YAML feature orderloom does not accept, "
        "such as a non-scalar mapping key). The caret shows where the YAML reader gave up.",
        "venues:\n  sim: {kind: simulated\n",
    ),
    Code(
        DUPLICATE_KEY,
        "duplicate-key",
        "Key defined twice",
        "A mapping names the same key twice, or two included files define the same venue, "
        "feed, instrument, signal, strategy or sink. Plain YAML keeps the last one silently; "
        "orderloom refuses, and names both places.",
        "venues:\n  sim: {kind: simulated}\n  sim: {kind: simulated, latency: 5ms}\n",
    ),
    Code(
        FILE_NOT_FOUND,
        "file-not-found",
        "File not found",
        "A file the pipeline names does not exist: the pipeline itself or an `include:` entry. "
        "Relative paths are resolved against the folder of the file that names them. (A replay "
        "feed's data file is checked when the feed starts, not at compile time.)",
        "include: [shared/venus.yaml]\n",
    ),
    Code(
        INCLUDE_CYCLE,
        "include-cycle",
        "Include cycle",
        "A file includes itself, directly or through other files.",
        "# a.yaml\ninclude: [b.yaml]\n# b.yaml\ninclude: [a.yaml]\n",
    ),
    Code(
        INTERPOLATION,
        "interpolation",
        "Environment variable unset or bad placeholder",
        "`${VAR}` takes the value of the environment variable VAR; it is an error when VAR is "
        "unset. Give a default with `${VAR:-default}`, or write `$${` for a literal `${`.",
        "sinks:\n  analytics: {kind: clickhouse, url: '${CLICKHOUSE_URL}'}\n",
    ),
    Code(
        UNKNOWN_REFERENCE,
        "unknown-reference",
        "Unknown reference",
        "A name refers to a feed, venue, instrument, signal or strategy that is not declared. "
        "Instruments are declared under `instruments:` by id (`BTC/USDT@sim`), venues under "
        "`venues:`, feeds under `feeds:`.",
        "routing:\n  default: simm   # the venue is called sim\n",
    ),
    Code(
        UNKNOWN_KIND,
        "unknown-kind",
        "Unknown component kind",
        "A component's `kind:` names no registered kind of that category. `orderloom kinds` "
        "lists them all.",
        "feeds:\n  btc: {kind: replya, instrument: BTC/USDT@sim, path: t.csv}\n",
    ),
    Code(
        PYTHON_CLASS,
        "python-class",
        "Python strategy class not importable",
        "A `kind: python` strategy names its class as `package.module:Class`. The compiler "
        "imports the module (from the folder of the YAML file that names it first, then "
        "sys.path), so `orderloom validate` runs the module's top-level code, and checks that "
        "the class subclasses `orderloom.runtime.strategies.base.Strategy`. This error says "
        "which step failed: the module was not found, importing it raised (the message names "
        "the file and line), the module has no such class, or the class is not a Strategy.",
        "strategies:\n  mine: {kind: python, instrument: BTC/USDT@sim,\n"
        "         class: my_desk.alpha:Missing}\n",
    ),
    Code(
        MISSING_KEY,
        "missing-key",
        "Required key missing",
        "A mapping lacks a key its kind requires (see `orderloom kinds KIND`).",
        "strategies:\n  buy: {kind: twap, instrument: BTC/USDT@sim, side: buy, quantity: 5}\n",
    ),
    Code(
        UNKNOWN_KEY,
        "unknown-key",
        "Unknown key",
        "A mapping has a key its schema does not define, usually a typo; the help line "
        "suggests the closest known key.",
        "venues:\n  sim: {kind: simulated, latncy: 5ms}\n",
    ),
    Code(
        WRONG_TYPE,
        "wrong-type",
        "Value of the wrong type",
        "A value has the wrong YAML type: a list where a mapping is expected, a word where a "
        "number is expected, and so on. Only `true`/`false` are booleans; `yes`, `no`, `on`, "
        "`off` stay words.",
        "strategies:\n  buy: {kind: twap, slices: many}\n",
    ),
    Code(
        BAD_VALUE,
        "bad-value",
        "Value not allowed",
        "A value has the right type but is not allowed: not one of the listed choices, out of "
        "range, or not in the expected form (an instrument id must be SYMBOL@venue).",
        "strategies:\n  buy: {kind: twap, side: long}\n",
    ),
    Code(
        BAD_FOR_EACH,
        "bad-for-each",
        "Bad for_each expansion",
        "`for_each:` maps variable names to lists of values; each combination becomes one "
        "strategy instance, and `${each.NAME}` inside the strategy takes the instance's value. "
        "Using `${each.NAME}` outside a `for_each` strategy, or naming a variable that "
        "`for_each` does not define, is an error.",
        "strategies:\n  trend:\n    kind: signal\n    for_each: {instrument: [BTC/USDT@sim]}\n"
        "    instrument: ${each.instrumnet}\n",
    ),
    Code(
        CONFLICTING_KEYS,
        "conflicting-keys",
        "Keys that exclude each other",
        "Two keys that must not be given together (or one of which is required) were both "
        "given, or neither was; a synthetic feed takes either `count` or `horizon`.",
        "feeds:\n  syn: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5,\n"
        "        dt: 1s, count: 10, horizon: 1h}\n",
    ),
    Code(
        EXPR_SYNTAX,
        "expression-syntax",
        "Expression syntax error",
        "An expression string does not parse. The caret points at the column inside the YAML "
        "scalar where parsing failed.",
        "strategies:\n  buy: {kind: signal, instrument: BTC/USDT@sim,\n"
        '        target: "if last > ema(last, 50 then 0.01 else 0"}\n',
    ),
    Code(
        EXPR_UNKNOWN_NAME,
        "expression-unknown-name",
        "Unknown name in an expression",
        "An expression uses a name that is neither a signal, a market value (`last`, `mid`, "
        "`bid`, `ask`, `spread_bps`), an account value (`position`, `pnl`, `drawdown`) nor a "
        "function.",
        "strategies:\n  buy: {kind: signal, instrument: BTC/USDT@sim,\n"
        '        target: "if lsat > ema(last, 50) then 0.01 else 0"}\n',
    ),
    Code(
        EXPR_TYPE_MISMATCH,
        "expression-type-mismatch",
        "Type mismatch in an expression",
        "Expressions are typed (price, quantity, money, ratio, duration, count, number, bool, "
        "instrument): a price compared with a duration, an `if` whose branches differ, or a "
        "result of the wrong type for its key is an error.",
        "strategies:\n  buy: {kind: signal, instrument: BTC/USDT@sim,\n"
        '        target: "if last > 5ms then 0.01 else 0"}\n',
    ),
    Code(
        EXPR_ARGUMENTS,
        "expression-arguments",
        "Wrong arguments to a function",
        "A function got the wrong number or kind of arguments, e.g. `ema` takes a value and a "
        "window (`ema(last, 30s)` or `ema(last, 10)`).",
        "strategies:\n  buy: {kind: signal, instrument: BTC/USDT@sim,\n"
        '        target: "if last > ema(last) then 0.01 else 0"}\n',
    ),
    Code(
        EXPR_UNKNOWN_INSTRUMENT,
        "expression-unknown-instrument",
        "Unknown instrument in an expression",
        "An expression names an instrument (`ETH/USDT@sim`) that is not declared under "
        "`instruments:`.",
        "strategies:\n  buy: {kind: signal, instrument: BTC/USDT@sim,\n"
        '        target: "if last(ETH/USDT@sim) > last then 0.01 else 0"}\n',
    ),
    Code(
        BAD_LITERAL,
        "bad-literal",
        "Bad unit or literal",
        "A number with a unit is malformed or has the wrong unit for its key: durations take "
        "ns, us, ms, s, m, h, d; ratios take bps or %; money takes a currency (`50_000 USDT`); "
        "timestamps are ISO 8601 (`2024-01-01T00:00:00Z`).",
        "venues:\n  sim: {kind: simulated, latency: 5 parsecs}\n",
    ),
    Code(
        SIGNAL_CYCLE,
        "signal-cycle",
        "Signals depend on each other in a cycle",
        "Signals are inlined where they are used, so a signal may not refer to itself, "
        "directly or through other signals.",
        'signals:\n  a: "b + 1"\n  b: "a - 1"\n',
    ),
    Code(
        NO_ROUTE,
        "no-route",
        "Strategy has no route",
        "A strategy's orders must go to a venue: its own `venue:`, else `routing.default`, "
        "else the venue of the instrument it trades (the part after `@`), which must be "
        "declared under `venues:`.",
        "instruments:\n  BTC/USDT@binance: {tick_size: 0.01, lot_size: 0.0001}\n"
        'strategies:\n  buy: {kind: signal, instrument: BTC/USDT@binance, target: "0.01"}\n'
        "routing: {}\n",
    ),
    Code(
        NO_FEED,
        "instrument-without-feed",
        "Instrument without a feed",
        "A strategy trades or reads an instrument that no feed provides, so it would never "
        "see a price for it.",
        "instruments:\n  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}\n"
        "  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}\n"
        "strategies:   # no feed gives ETH/USDT@sim\n"
        '  buy: {kind: signal, instrument: ETH/USDT@sim, target: "0.01"}\n',
    ),
    Code(
        VENUE_NOT_DECLARED,
        "venue-not-declared",
        "Instrument's venue not declared",
        "An instrument id names its venue after `@` (`BTC/USDT@binance`); that venue must be "
        "declared under `venues:`.",
        "instruments:\n  BTC/USDT@binance: {tick_size: 0.01, lot_size: 0.0001}\n"
        "venues:\n  sim: {kind: simulated}\n",
    ),
    Code(
        OVERRIDE_PATH,
        "override-path",
        "--set path not found",
        "`--set PATH=VALUE` (or a `sweep.grid` entry) names a dotted path "
        "(`strategies.buy_twap.quantity`) that does not exist in the pipeline. Every part but "
        "the last must exist; the last may add a key. "
        'Quote a part that contains dots: `risk.max_position."BRK.B/USD@x"=5`.',
        "--set strategies.buy_twp.quantity=3\n",
    ),
    Code(
        OVERRIDE_SYNTAX,
        "override-syntax",
        "Malformed --set",
        "An override must be `PATH=VALUE`, where VALUE is read as a YAML scalar (or a flow "
        "list/mapping).",
        "--set strategies.buy_twap.quantity\n",
    ),
)

BY_CODE: dict[str, Code] = {c.code: c for c in CODES}

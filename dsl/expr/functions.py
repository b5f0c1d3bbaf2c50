"""The names the language knows: market values, account values, indicators and math
functions, with their result types. The checker, its did-you-mean hints and the docs read
this one catalogue."""

from __future__ import annotations

from orderloom.dsl.expr.bars import BAR_FUNCTIONS
from orderloom.dsl.expr.types import (
    INSTRUMENT,
    MONEY,
    NUMBER,
    PRICE,
    QUANTITY,
    RATIO,
    SIDE,
    TEXT,
)

# Per instrument; bare means the strategy's default instrument: `last`, `last(BTC/USDT@sim)`.
MARKET_VALUES: dict[str, tuple[str, str]] = {
    "last": (PRICE, "price of the last trade"),
    "bid": (PRICE, "best bid price"),
    "ask": (PRICE, "best ask price"),
    "mid": (PRICE, "(bid + ask) / 2"),
    "spread": (PRICE, "ask - bid"),
    "spread_bps": (RATIO, "(ask - bid) / mid, a ratio: compare it with 10bps"),
    "bid_qty": (QUANTITY, "quantity at the best bid"),
    "ask_qty": (QUANTITY, "quantity at the best ask"),
}

# L2 book functions (with or without the instrument first): `bid(x, 2)` is the price of the
# second-best bid (levels count from 1, so `bid(x, 1)` is `bid(x)`); `depth(x, bid, 10bps)`
# the size on one side within 10bps of the mid. Without an L2 feed they read the top of book.
BOOK_FUNCTIONS: dict[str, tuple[str, str]] = {
    "depth": (QUANTITY, "depth(x, bid|ask, 10bps): size on a side within a ratio of the mid"),
    "imbalance": (
        NUMBER,
        "imbalance(x, n): (bid size - ask size) / (bid size + ask size) over n levels a side",
    ),
    "microprice": (PRICE, "microprice(x): (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)"),
}
# bid/ask/bid_qty/ask_qty take an optional level after the instrument: bid(x, 2).
LEVEL_VALUES = frozenset({"bid", "ask", "bid_qty", "ask_qty"})

# position is per instrument like a market value; pnl and drawdown belong to the strategy.
ACCOUNT_VALUES: dict[str, tuple[str, str]] = {
    "position": (QUANTITY, "signed position held in the instrument"),
    "pnl": (MONEY, "profit and loss of the strategy instance, marked to market"),
    "drawdown": (MONEY, "peak pnl minus pnl (never negative)"),
}
PER_INSTRUMENT_ACCOUNT = frozenset({"position"})

# (value, window): window is a duration (event time) or a count of ticks. None: input's type.
INDICATORS: dict[str, tuple[str | None, str]] = {
    "ema": (None, "exponential moving average; count N: alpha 2/(N+1); time T: 1-exp(-dt/T)"),
    "sma": (None, "simple moving average over the window"),
    "vwap": (PRICE, "volume-weighted average of a price over the window, by trade quantity"),
    "zscore": (NUMBER, "(x - mean) / standard deviation over the window"),
    "returns": (RATIO, "x now / x one window ago - 1"),
    "volatility": (RATIO, "standard deviation of tick-to-tick log returns over the window"),
}

MATH_FUNCTIONS: dict[str, str] = {
    "abs": "absolute value, same type",
    "min": "smallest of two or more values of one type",
    "max": "largest of two or more values of one type",
}

FUNCTION_NAMES = frozenset(
    {*MARKET_VALUES, *ACCOUNT_VALUES, *INDICATORS, *MATH_FUNCTIONS, *BAR_FUNCTIONS}
    | {*BOOK_FUNCTIONS}
)
VALUE_NAMES = frozenset({*MARKET_VALUES, *ACCOUNT_VALUES})

# The order a routing rule decides on (`order.notional > 10_000 USDT`), only where the scope
# allows it. Prices and money carry no currency: one rule applies to every routed symbol.
ORDER_FIELDS: dict[str, tuple[str, str]] = {
    "side": (SIDE, "buy or sell"),
    "qty": (QUANTITY, "quantity in the base currency"),
    "price": (PRICE, "limit price; for a market order the touch it would take"),
    "notional": (MONEY, "order.qty * order.price, in the quote currency"),
    "symbol": (TEXT, "BTC/USDT"),
    "instrument": (INSTRUMENT, "the strategy's instrument, BTC/USDT@a"),
    "strategy": (TEXT, "strategy instance name"),
    "type": (TEXT, "market or limit"),
}
# Bare words that are values next to order fields: `order.side == sell`, `order.type == limit`.
ORDER_WORDS: dict[str, tuple[str, int | str]] = {
    "buy": (SIDE, 1),
    "sell": (SIDE, -1),
    "market": (TEXT, "market"),
    "limit": (TEXT, "limit"),
}

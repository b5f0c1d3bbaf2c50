"""Built-in component kinds; importing this package registers them all."""

from orderloom.dsl.kinds import (  # noqa: F401
    clickhouse,
    max_order_notional,
    max_position,
    replay,
    signal,
    simulated,
    synthetic,
    twap,
)

"""Analytics sinks: ClickHouse tables, and the backends that write them."""

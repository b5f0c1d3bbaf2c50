"""Analytics sinks: ClickHouse tables, and the backends that write them.

`tables` defines the columns; `ddl` and `migrations` create them; `base.open_store(url)`
gives an `AnalyticsStore` (`embedded` chDB or `server`); `writer.BatchWriter` keeps inserts
off the hot path; `spool` carries worker processes' rows to the store; `query.run_query`
answers `orderloom sql`.
"""

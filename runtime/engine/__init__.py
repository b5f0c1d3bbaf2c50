"""The per-strategy-instance engine: books, clock, OMS, positions and the feed merge, wired
together by `instance.StrategyEngine` (one stateful bytewax step per strategy instance)."""

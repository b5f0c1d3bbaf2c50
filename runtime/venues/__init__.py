"""Execution venues the engine binds orders to: the in-process simulated venue for backtest
and paper trading, and the report interface live gateways share with it."""

"""The account monitor: every instance reports its PnL and exposure on an event-time grid and
the monitor sums them and trips account-level actions: in process, at the trip's event time,
in a backtest's account group (group.py); through the control files otherwise (flow.py)."""

"""The account monitor: every instance reports its PnL and exposure on an event-time grid, one
step keyed by account sums them and trips account-level actions through the control files."""

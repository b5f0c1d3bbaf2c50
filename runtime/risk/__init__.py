"""Pre-trade risk checks run by the engine on every order before it leaves the OMS."""

"""Order routing inside the engine: routing rules and smart order routers that send a
strategy's order to one venue or split it into child orders across venues."""

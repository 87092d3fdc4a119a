"""Operating the bot: the interaction gate and graceful stop, the health and metrics server, metrics."""

"""Thin adapters: read the interaction, call a service, render the answer. One cog per feature."""

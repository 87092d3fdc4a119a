"""Plain dataclasses shared by several layers."""

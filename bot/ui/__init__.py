"""Rendering: layouts, views, modals, dynamic items. No database access here."""

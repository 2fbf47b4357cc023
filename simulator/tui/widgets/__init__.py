"""Widgets of the talkdown TUI."""

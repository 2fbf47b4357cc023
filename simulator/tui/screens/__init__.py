"""The screens of the talkdown TUI."""

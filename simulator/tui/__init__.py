"""The Textual TUI: picker, conversation, debrief (``talkdown`` / ``talkdown play``).

The only package that imports ``textual``. Start it through
:func:`simulator.tui.app.make_app`, which the CLI and the snapshot tests share.
"""

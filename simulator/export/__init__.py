"""Cohort results: export (CSV, JSON Lines, xAPI), import, and the cohort report.

Nothing here imports Textual; the trainer screen (``simulator.tui``) reads the
report through `simulator.export.report`. Every reader works over one
`simulator.store.Snapshot`, streaming rows so memory stays flat however many
attempts there are.
"""

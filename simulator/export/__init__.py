"""Cohort results: export (CSV, JSON Lines, xAPI), import, and the cohort report.

Nothing here imports Textual; the trainer screen (``simulator.tui``) reads the
report through `simulator.export.report`. Every reader works over one
`simulator.results.ResultsView` (a consistent snapshot of either backend),
streaming rows so memory stays flat however many attempts there are.
"""

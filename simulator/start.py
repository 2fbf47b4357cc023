"""The ``talkdown`` script: bare ``talkdown`` goes straight to the picker.

With no arguments there is nothing to parse, so the command line (click and
every command's options) is not imported at all and the picker is on screen
sooner (benchmarks/bench_tui.py). It does exactly what ``talkdown play`` does
with every option at its default: the trainee, cohort and database come from
the environment and the config file, as they would through the command line
(tests/functional/test_tui_cli.py checks the two agree). Anything else goes
through `simulator.cli`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    """Entry point of the ``talkdown`` script."""
    if sys.argv[1:]:
        from simulator.cli import main as cli_main

        cli_main()
        return
    try:
        play_picker()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def play_picker() -> None:
    """``talkdown`` alone: the picker, as ``talkdown play`` with no options opens it."""
    from simulator.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        print(f"talkdown: error: {exc}", file=sys.stderr)
        sys.exit(1)
    if config.matcher is not None:  # as `talkdown play` checks it (commands.common)
        from simulator.matching import MatcherUnavailable, get_matcher

        try:
            get_matcher(config.matcher)
        except MatcherUnavailable as exc:
            print(f"talkdown: error: {exc} (matcher in the config file)", file=sys.stderr)
            sys.exit(1)
    db = os.environ.get("TALKDOWN_DB") or None  # what --db reads from the environment
    from simulator.limits import DEFAULT_MAX_BYTES
    from simulator.tui.app import make_app

    make_app(db=None if db is None else Path(db), config=config, max_bytes=DEFAULT_MAX_BYTES).run()

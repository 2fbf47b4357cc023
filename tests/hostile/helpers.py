"""What the hostile tests share: the payload, the corpus, and what a terminal would do.

The payload is the one in ``corpus/escapes.yaml``: OSC 0 (set the window
title, BEL-terminated), OSC 52 (write the clipboard, ST-terminated), CSI 2J
(clear the screen), and the 8-bit C1 forms of CSI and OSC. A surface is safe
when none of those control characters reaches the terminal — checked on the
bytes, and by feeding them to pyte (a terminal emulator): its window title
stays empty and the screen is not cleared.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pyte

CORPUS: Final = Path(__file__).parent / "corpus"
REPO: Final = Path(__file__).resolve().parents[2]

PAYLOAD: Final = "\x1b]0;PWNED-TITLE\x07\x1b]52;c;UFdORUQ=\x1b\\\x1b[2J\x9b2J\x9d0;C1-TITLE\x9c"
#: How `simulator.terminal.visible` shows the start of the payload.
SHOWN: Final = "␛]0;PWNED-TITLE␇"
#: Characters that must never reach a terminal from untrusted text.
FORBIDDEN: Final = frozenset(chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F,
                                              *range(0x80, 0xA0)])  # fmt: skip


def raw_controls(text: str, *, allow: str = "\r") -> list[str]:
    """The forbidden characters in *text* (besides *allow*), as ``U+XXXX`` names."""
    return sorted({f"U+{ord(c):04X}" for c in text if c in FORBIDDEN and c not in allow})


def terminal(text: str, columns: int = 200, lines: int = 60) -> pyte.Screen:
    """A terminal emulator's screen after it was sent *text*."""
    screen = pyte.Screen(columns, lines)
    pyte.Stream(screen).feed(text.replace("\n", "\r\n"))
    return screen


def assert_inert(text: str, *, shown: str | None = SHOWN, allow: str = "\r") -> None:
    """*text* holds no control character a terminal would obey, and shows the payload.

    With *shown*, the visible form of the payload must be on the emulated screen
    (so the text was neutralised, not dropped), and the screen was not cleared.
    """
    assert not raw_controls(text, allow=allow), raw_controls(text, allow=allow)
    screen = terminal(text)
    assert screen.title == "", screen.title  # no OSC 0 / C1 OSC got through
    if shown is not None:
        assert shown in text
        on_screen = "\n".join(line.rstrip() for line in screen.display)
        assert shown[:12] in on_screen


def run_cli(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    prefix: Sequence[str] = (),
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    """``talkdown ARGS`` in a separate process (for signals, pipes and dropped privileges)."""
    command = [*prefix, sys.executable, "-m", "simulator", *args]
    return subprocess.run(
        command, capture_output=True, timeout=timeout, cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )  # fmt: skip


def unprivileged() -> list[str]:
    """A command prefix under which file permissions apply (root drops its override)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]

"""``--watch``: notice when a scenario file changes (polled; no Textual here)."""

from __future__ import annotations

from pathlib import Path

Stamp = tuple[int, int] | None


class FileWatcher:
    """Compares a file's modification time and size with the last look."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = self._read()

    def _read(self) -> Stamp:
        try:
            st = self.path.stat()
        except OSError:
            return None  # a missing file is a change too: the reload reports it
        return (st.st_mtime_ns, st.st_size)

    def changed(self) -> bool:
        """True (once) when the file differs from the last time this was asked."""
        stamp = self._read()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        return True

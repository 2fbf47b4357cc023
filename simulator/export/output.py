"""Where an export goes: a file (written atomically) or standard output."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

BOM = "\ufeff"


@contextlib.contextmanager
def text_output(target: str | Path, *, stdout: BinaryIO, bom: bool = False) -> Iterator[TextIO]:
    """A UTF-8 text stream to *target* (``"-"`` = *stdout*), no newline translation.

    A file is written to a temporary name beside it and renamed into place
    only when everything was written, so a failed or interrupted export never
    leaves a truncated file that looks complete (and never clobbers the old one).
    """
    if str(target) == "-":
        wrapper = io.TextIOWrapper(stdout, encoding="utf-8", newline="")
        try:
            if bom:
                wrapper.write(BOM)
            yield wrapper
            wrapper.flush()
        finally:
            wrapper.detach()  # leave the process's stdout open
        return
    path = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as stream:
            if bom:
                stream.write(BOM)
            yield stream
        # mkstemp makes the file private (0600); give it the mode a plain
        # open() would have had under the user's umask.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

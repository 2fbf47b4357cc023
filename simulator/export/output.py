"""Where an export goes: a file (written atomically), a device or FIFO, or standard output.

Every ``-o`` in talkdown (``export``, ``report --html``, ``graph``, ``schema``,
``new``) goes through `text_output`, so they all treat a path the same way:

* ``-`` is standard output. When that is a terminal, control characters in
  the data are shown, not emitted (`simulator.terminal`); to a pipe or a file
  the bytes are exact.
* A symlink is followed to its target, and everything below applies to the
  target (a dangling link creates its target).
* A regular file, or a path that does not exist yet, is written atomically:
  to a hidden temporary file beside it, renamed over it only once complete,
  so a failed or interrupted export never leaves a truncated file that looks
  complete, and never clobbers the old one. A replaced file keeps its
  permissions.
* A character device (``/dev/null``, a terminal) or a FIFO is written to
  directly — renaming a file over ``/dev/full`` would replace the device.
* Anything else (a folder, a block device, a socket) is refused, as is the
  results database itself.

The temporary file is named ``.<name>.<pid>-<host>.<random>.part``. It is
removed when the write fails, on Ctrl-C, and on SIGTERM or SIGHUP (handlers
are installed for the length of the write). Only SIGKILL (or a power cut) can
strand one; the next write to the same target removes any ``.part`` of it
whose process, on this host, is gone.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import signal
import socket
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import BinaryIO, TextIO

from simulator.terminal import visible

BOM = "\ufeff"
#: Signals that remove the temporary file (Ctrl-C raises KeyboardInterrupt itself).
_CLEANUP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class OutputError(OSError):
    """The target cannot (or must not) be written; ``strerror`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EINVAL, message)


class _ShownOnTerminal(io.TextIOWrapper):
    """Standard output on a terminal: control characters in the data are shown."""

    def write(self, text: str) -> int:
        super().write(visible(text.replace("\r\n", "\n")))
        return len(text)


@contextlib.contextmanager
def text_output(
    target: str | Path,
    *,
    stdout: BinaryIO,
    bom: bool = False,
    protect: Iterable[Path] = (),
) -> Iterator[TextIO]:
    """A UTF-8 text stream to *target* (``"-"`` = *stdout*), no newline translation.

    See the module docstring for what each kind of target gets. *protect*
    names files that must never be the target (the results database).
    Raises `OutputError` (an OSError) for a target that is refused.
    """
    if str(target) == "-":
        on_terminal = stdout.isatty()
        kind = _ShownOnTerminal if on_terminal else io.TextIOWrapper
        wrapper = kind(stdout, encoding="utf-8", newline="")
        try:
            if bom:
                wrapper.write(BOM)
            yield wrapper
            wrapper.flush()
        finally:
            wrapper.detach()  # leave the process's stdout open
        return
    path = Path(os.path.realpath(target))
    shown = str(target)
    if any(_same_file(path, other) for other in protect):
        raise OutputError(f"{shown} is the results database — choose another file name")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        with open(path, "w", encoding="utf-8", newline="") as stream:
            if bom:
                stream.write(BOM)
            yield stream
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(_refusal(mode))
    with _atomic(path, None if mode is None else stat.S_IMODE(mode)) as stream:
        if bom:
            stream.write(BOM)
        yield stream


def _same_file(path: Path, other: Path) -> bool:
    try:
        return os.path.samefile(path, other)
    except OSError:  # either one missing
        return False


def _refusal(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "it is a folder — give a file name"
    if stat.S_ISBLK(mode):
        return "it is a block device (a disk) — refusing to write over it; give a file name"
    if stat.S_ISSOCK(mode):
        return "it is a socket — give a file name"
    return "it is not a regular file — give a file name"


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


_PART_RE = re.compile(r"\.(?P<pid>[0-9]+)-(?P<host>[0-9a-f]{6})\.[^.]+\.part\Z")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process, or not a pid we can ask about: leave it
    return True


def remove_stale_parts(path: Path) -> list[Path]:
    """Remove ``.part`` files of *path* left by a killed process on this host; return them."""
    prefix = f".{path.name}."
    host = _host()
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if not entry.name.startswith(prefix):
                continue
            found = _PART_RE.match(entry.name[len(prefix) - 1 :])
            if found is None or found["host"] != host or _alive(int(found["pid"])):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


class _Interrupted(BaseException):
    """Raised by the signal handler so the temporary file is removed on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _cleanup_on_signals() -> Iterator[None]:
    """SIGTERM/SIGHUP unwind the write meanwhile (main thread only), then exit 128 + signal.

    Raising from the handler runs every ``except``/``finally`` on the way out
    (the temporary file is removed, the database closed); the exit status is
    the shell's convention for "killed by that signal".
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Interrupted(signum)

    previous = {}
    for signum in _CLEANUP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    except _Interrupted as stop:
        raise SystemExit(128 + stop.signum) from None
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextlib.contextmanager
def _atomic(path: Path, keep_mode: int | None) -> Iterator[TextIO]:
    remove_stale_parts(path)
    prefix = f".{path.name}.{os.getpid()}-{_host()}."
    with _cleanup_on_signals():
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=path.parent)
        try:
            with open(fd, "w", encoding="utf-8", newline="") as stream:
                yield stream
            if keep_mode is None:
                # mkstemp makes the file private (0600); give it the mode a plain
                # open() would have had under the user's umask.
                mask = os.umask(0)
                os.umask(mask)
                keep_mode = 0o666 & ~mask
            os.chmod(tmp, keep_mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

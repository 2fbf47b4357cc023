"""``-o``: nothing is replaced that is not a regular file, nothing is left half-written.

Devices are made with mknod in the test's own folder when running as root
(``/dev/full`` itself must never be at risk); without root the real
``/dev/null`` and ``/dev/full`` are safe to use, since only root could replace them.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.export.output import OutputError, remove_stale_parts, text_output
from tests.hostile.helpers import CORPUS, REPO, assert_inert

ROOT = os.geteuid() == 0


def char_device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device like /dev/null (minor 3) or /dev/full (minor 7)."""
    if not ROOT:
        return Path(f"/dev/{name}")
    path = tmp_path / name
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return path


def export(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["export", "--db", str(db), *args])
    return result.exit_code, result.stdout + result.stderr


def parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# --------------------------------------------------------------------------- kinds of target


def test_full_device_is_written_to_and_its_error_reported(
    sample_sqlite: Path, tmp_path: Path
) -> None:
    full = char_device(tmp_path, "full", 7)
    code, output = export(sample_sqlite, "-o", str(full))
    assert code == 1
    assert f"cannot write {full}: No space left on device" in output
    assert stat.S_ISCHR(os.stat(full).st_mode)  # still the device, not a regular file
    assert parts(full.parent) == [] or not ROOT


def test_null_device_is_streamed_to(sample_sqlite: Path, tmp_path: Path) -> None:
    null = char_device(tmp_path, "null", 3)
    code, output = export(sample_sqlite, "-o", str(null))
    assert code == 0, output
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_fifo_reader_gets_the_whole_export(sample_sqlite: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    code, output = export(sample_sqlite, "-o", str(fifo))
    reader.join(timeout=10)
    assert code == 0, output
    expected = CliRunner().invoke(cli, ["export", "--db", str(sample_sqlite)]).stdout_bytes
    assert got == [expected]  # the same bytes as the export on standard output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--db", "{db}", "-o", "{link}"],
        ["report", "--db", "{db}", "--html", "{link}"],
        ["graph", str(CORPUS / "escapes.yaml"), "-o", "{link}"],
        ["schema", "-o", "{link}"],
    ],
    ids=["export", "report --html", "graph", "schema"],
)
def test_a_symlink_is_followed_the_same_way_in_every_command(
    sample_sqlite: Path, tmp_path: Path, command: list[str]
) -> None:
    target = tmp_path / "real.out"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.out"
    link.symlink_to(target)
    args = [a.format(db=sample_sqlite, link=link) for a in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target  # the link is still a link
    assert target.read_text(encoding="utf-8") != "old"  # its target got the output
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # with the permissions it had
    assert parts(tmp_path) == []


def test_a_dangling_symlink_creates_its_target(sample_sqlite: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "new.csv")
    code, output = export(sample_sqlite, "-o", str(link))
    assert code == 0, output
    assert link.is_symlink() and (tmp_path / "new.csv").stat().st_size > 0


def test_folders_block_devices_and_the_database_are_refused(
    sample_sqlite: Path, tmp_path: Path
) -> None:
    with (
        pytest.raises(OutputError, match="is a folder"),
        text_output(tmp_path, stdout=sys.stdout.buffer),
    ):
        pass
    if ROOT:  # only a stat is made: the device is never opened
        disk = tmp_path / "disk"
        os.mknod(disk, stat.S_IFBLK | 0o600, os.makedev(7, 0))
        code, output = export(sample_sqlite, "-o", str(disk))
        assert code == 1 and "block device" in output
        assert stat.S_ISBLK(os.stat(disk).st_mode)
    before = sample_sqlite.read_bytes()
    for target in (sample_sqlite, tmp_path / "db-link"):
        if target.name == "db-link":
            target.symlink_to(sample_sqlite)
        code, output = export(sample_sqlite, "-o", str(target))
        assert code == 1 and "is the results database" in output
    assert sample_sqlite.read_bytes() == before


def test_a_terminal_gets_control_characters_shown(tmp_path: Path) -> None:
    """CSV on a terminal shows the payload; the same CSV in a pipe keeps it exact."""
    db = tmp_path / "r.db"
    recorded = CliRunner().invoke(cli, ["run", str(CORPUS / "escapes.yaml"), "--choices", "1",
                                        "--record", "--trainee", "Ann", "--cohort", "c1",
                                        "--db", str(db)])  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    shown = on_a_terminal(["export", "--db", str(db), "--choices"])
    assert_inert(shown.replace("\r\n", "\n"))
    piped = subprocess.run([sys.executable, "-m", "simulator", "export", "--db", str(db)],
                           capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                           check=True)  # fmt: skip
    assert "\x1b]0;PWNED-TITLE\x07" in piped.stdout.decode()  # data stays data


def on_a_terminal(args: list[str]) -> str:
    """What ``talkdown ARGS`` writes when its output is a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", *args], stdout=follower, stderr=follower,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


# --------------------------------------------------------------------------- killed exports

WRITER = """
import os, signal, sys, time
from pathlib import Path
from simulator.export.output import text_output
with text_output(Path(sys.argv[1]), stdout=sys.stdout.buffer) as out:
    out.write("half of it")
    out.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    target = tmp_path / "out.csv"
    target.write_text("the old export\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline() == b"writing\n"
    yield process, target
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_removes_the_part_file(
    writer: tuple[subprocess.Popen[bytes], Path], signum: int
) -> None:
    process, target = writer
    assert len(parts(target.parent)) == 1  # the write is under way
    process.send_signal(signum)
    assert process.wait(timeout=10) != 0
    assert parts(target.parent) == []
    assert target.read_text(encoding="utf-8") == "the old export\n"  # untouched


def test_a_part_stranded_by_sigkill_is_cleaned_by_the_next_write(
    writer: tuple[subprocess.Popen[bytes], Path],
) -> None:
    process, target = writer
    process.kill()  # SIGKILL: nothing can clean up
    process.wait(timeout=10)
    [stranded] = parts(target.parent)
    assert target.read_text(encoding="utf-8") == "the old export\n"
    # A live writer's part, and another file's, are left alone.
    other = target.parent / f".{target.name}.{os.getpid()}-000000.x.part"
    other.write_text("someone else's", encoding="utf-8")
    with text_output(target, stdout=sys.stdout.buffer) as out:
        out.write("new\n")
    assert parts(target.parent) == [other.name]
    assert stranded not in parts(target.parent)
    assert target.read_text(encoding="utf-8") == "new\n"


def test_stale_parts_of_live_processes_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with text_output(target, stdout=sys.stdout.buffer) as out:
        out.write("a")
        time.sleep(0)
        [mine] = parts(tmp_path)
        assert remove_stale_parts(target) == []  # this process is alive
        assert parts(tmp_path) == [mine]

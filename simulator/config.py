"""Remembered settings: ``config.toml`` in the config directory.

Keys (all optional)::

    trainee = "Sam Doe"            # trainee name
    cohort = "2024-spring"
    email = "sam@example.com"      # used as the xAPI mbox when present
    scenario_dirs = ["~/scenarios", "/srv/talkdown/extra"]
    theme = "textual-light"        # the TUI's colours (remembered when changed in the app)
    matcher = "semantic"           # what hears typed replies (say mode); --matcher wins

Reading uses `tomllib`; writing uses the tiny writer below (basic strings with
TOML escapes, lists of strings) and replaces the file atomically. Unknown keys
are ignored when reading (and not written back). Empty strings read as unset.

A file that cannot be read or parsed raises `ConfigError`, whose message names
the file and, when known, the line; callers print ``str(error)`` and exit.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from simulator import locations
from simulator.terminal import control_problem

ENV_TRAINEE = "TALKDOWN_TRAINEE"
ENV_COHORT = "TALKDOWN_COHORT"

__all__ = [
    "ENV_COHORT",
    "ENV_TRAINEE",
    "Config",
    "ConfigError",
    "dumps_toml",
    "load_config",
    "resolve_email",
    "resolve_trainee",
    "save_config",
]


class ConfigError(Exception):
    """The config file is unreadable, not TOML, or has a value of the wrong type."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Config:
    """Remembered settings; every field defaults to unset."""

    trainee: str | None = None
    cohort: str | None = None
    email: str | None = None
    scenario_dirs: tuple[Path, ...] = field(default_factory=tuple)
    theme: str | None = None
    matcher: str | None = None


_STRING_KEYS = ("trainee", "cohort", "email", "theme", "matcher")


# --------------------------------------------------------------------------- reading


def _line_of_key(text: str, key: str) -> int | None:
    """1-based line where *key* is assigned at top level, if it can be found."""
    pattern = re.compile(rf"^[ \t]*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _parse(path: Path, text: str) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(found.group(1)) if found else None
        detail = msg[: found.start()].strip() if found else msg
        if found:
            detail = f"{detail} (column {found.group(2)})"
        raise ConfigError(path, f"not valid TOML: {detail}", line) from None
    values: dict[str, str | None] = {}
    for key in _STRING_KEYS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(
                path, f"{key!r} must be a string in quotes, not {value!r}", _line_of_key(text, key)
            )
        problem = None if value is None else control_problem(value)
        if problem is not None:
            raise ConfigError(
                path, f"{key!r} cannot be used: {problem}; remove it", _line_of_key(text, key)
            )
        values[key] = value or None
    matcher = values["matcher"]
    if matcher is not None:  # only a config that names one pays for the import
        from simulator.matching.registry import matcher_names

        if matcher not in matcher_names():
            raise ConfigError(
                path,
                f"'matcher' must be one of {', '.join(matcher_names())}, not {matcher!r}",
                _line_of_key(text, "matcher"),
            )
    dirs = data.get("scenario_dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise ConfigError(
            path,
            "'scenario_dirs' must be a list of strings, like scenario_dirs = [\"~/scenarios\"]",
            _line_of_key(text, "scenario_dirs"),
        )
    return Config(
        trainee=values["trainee"],
        cohort=values["cohort"],
        email=values["email"],
        scenario_dirs=tuple(Path(d).expanduser() for d in dirs if d),
        theme=values["theme"],
        matcher=matcher,
    )


def load_config(path: Path | None = None) -> Config:
    """Read the config file (default `locations.config_path`); defaults if it is missing."""
    path = locations.config_path() if path is None else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(path, "not valid UTF-8; save the file as UTF-8", line) from None
    return _parse(path, text)


# --------------------------------------------------------------------------- writing

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(value: str) -> str:
    """*value* as a TOML basic string: quotes, backslashes and controls escaped."""
    out = ['"']
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: str | Iterable[str]) -> str:
    if isinstance(value, str):
        return _toml_string(value)
    return "[" + ", ".join(_toml_string(item) for item in value) + "]"


def dumps_toml(values: Mapping[str, str | Iterable[str] | None]) -> str:
    """Top-level ``key = value`` lines for strings and lists of strings; None is skipped."""
    lines = []
    for key, value in values.items():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
            raise ValueError(f"unsupported TOML key {key!r}")
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}\n")
    return "".join(lines)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write *data* to *path* via a temp file in the same directory and `os.replace`."""
    locations.ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def save_config(cfg: Config, path: Path | None = None) -> Path:
    """Write *cfg* (default location `locations.config_path`) atomically; return the path."""
    path = locations.config_path() if path is None else path
    text = "# talkdown settings (rewritten by talkdown)\n" + dumps_toml(
        {
            "trainee": cfg.trainee,
            "cohort": cfg.cohort,
            "email": cfg.email,
            "scenario_dirs": [str(d) for d in cfg.scenario_dirs] if cfg.scenario_dirs else None,
            "theme": cfg.theme,
            "matcher": cfg.matcher,
        }
    )
    _atomic_write(path, text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------- resolving


def _first(*candidates: str | None) -> str | None:
    for value in candidates:
        if value is not None and value.strip():
            return value.strip()
    return None


def resolve_trainee(
    name: str | None = None, cohort: str | None = None, *, config: Config | None = None
) -> tuple[str, str] | None:
    """The trainee ``(name, cohort)``, or None when either part is unknown.

    Each part is taken, in order, from the explicit argument, the environment
    (``TALKDOWN_TRAINEE`` / ``TALKDOWN_COHORT``) and the config file (read only
    if needed; pass *config* to use one already loaded). Blank values count as
    missing; surrounding whitespace is stripped.
    """
    got_name = _first(name, os.environ.get(ENV_TRAINEE))
    got_cohort = _first(cohort, os.environ.get(ENV_COHORT))
    if got_name is None or got_cohort is None:
        cfg = load_config() if config is None else config
        got_name = got_name or _first(cfg.trainee)
        got_cohort = got_cohort or _first(cfg.cohort)
    if got_name is None or got_cohort is None:
        return None
    return got_name, got_cohort


def resolve_email(email: str | None = None, *, config: Config | None = None) -> str | None:
    """The trainee e-mail: the explicit argument, else the config file, else None."""
    explicit = _first(email)
    if explicit is not None:
        return explicit
    cfg = load_config() if config is None else config
    return _first(cfg.email)

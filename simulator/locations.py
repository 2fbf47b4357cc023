"""Where talkdown keeps its files — the one module that knows.

Everything else asks this module for paths; nothing else calls platformdirs.

Defaults come from platformdirs for the app name ``talkdown`` (on Linux:
``~/.local/share/talkdown``, ``~/.config/talkdown``, ``~/.cache/talkdown``).

Environment overrides:

``TALKDOWN_HOME``
    If set (and not empty), data, config and cache all live under it, in
    ``data/``, ``config/`` and ``cache/``. Tests and CI set it so that they never
    touch the real home directory.
``TALKDOWN_DB``
    The results database, when ``--db`` is not given (see `resolve_db_path`).

The functions here only compute paths; directories are created on demand by
whoever writes (``ensure_dir``, `Store`, `save_config`), or by passing
``create=True``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "talkdown"
ENV_HOME = "TALKDOWN_HOME"
ENV_DB = "TALKDOWN_DB"
DB_FILENAME = "talkdown.db"
CONFIG_FILENAME = "config.toml"

__all__ = [
    "APP_NAME",
    "CONFIG_FILENAME",
    "DB_FILENAME",
    "ENV_DB",
    "ENV_HOME",
    "cache_dir",
    "config_dir",
    "config_path",
    "data_dir",
    "default_db_path",
    "ensure_dir",
    "home_override",
    "resolve_db_path",
]


def _env_path(name: str) -> Path | None:
    """The path in environment variable *name*, or None when unset or blank."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    return Path(value).expanduser().absolute()


def home_override() -> Path | None:
    """The ``TALKDOWN_HOME`` directory if it is set, else None."""
    return _env_path(ENV_HOME)


def ensure_dir(path: Path) -> Path:
    """Create *path* (and parents) if missing; return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pick(sub: str, default: Path, create: bool) -> Path:
    home = home_override()
    path = home / sub if home is not None else default
    return ensure_dir(path) if create else path


def data_dir(*, create: bool = False) -> Path:
    """Directory for the results database and other user data."""
    return _pick("data", platformdirs.user_data_path(APP_NAME, appauthor=False), create)


def config_dir(*, create: bool = False) -> Path:
    """Directory holding ``config.toml``."""
    return _pick("config", platformdirs.user_config_path(APP_NAME, appauthor=False), create)


def cache_dir(*, create: bool = False) -> Path:
    """Directory for disposable caches."""
    return _pick("cache", platformdirs.user_cache_path(APP_NAME, appauthor=False), create)


def default_db_path() -> Path:
    """The results database used when neither ``--db`` nor ``TALKDOWN_DB`` is given."""
    return data_dir() / DB_FILENAME


def config_path() -> Path:
    """The remembered-settings file, ``config.toml`` in `config_dir`."""
    return config_dir() / CONFIG_FILENAME


def resolve_db_path(cli_value: str | Path | None = None, *, create_parent: bool = False) -> Path:
    """The database to use: ``--db`` value, else ``TALKDOWN_DB``, else the default.

    ``~`` is expanded and the result is absolute. With ``create_parent=True`` the
    containing directory is created if missing. The special value ``:memory:``
    (from either source) is passed through unchanged for an in-memory database.
    """
    if cli_value is not None and str(cli_value).strip():
        raw = str(cli_value).strip()
        if raw == ":memory:":
            return Path(raw)
        path = Path(raw).expanduser().absolute()
    elif os.environ.get(ENV_DB, "").strip() == ":memory:":
        return Path(":memory:")
    else:
        path = _env_path(ENV_DB) or default_db_path()
    if create_parent:
        ensure_dir(path.parent)
    return path

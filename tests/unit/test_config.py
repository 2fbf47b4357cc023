"""Unit tests for remembered settings (config.py) and file locations (locations.py)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator import locations
from simulator.config import (
    Config,
    ConfigError,
    dumps_toml,
    load_config,
    resolve_email,
    resolve_trainee,
    save_config,
)

ENV_NAMES = ("TALKDOWN_HOME", "TALKDOWN_DB", "TALKDOWN_TRAINEE", "TALKDOWN_COHORT")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "home"
    monkeypatch.setenv("TALKDOWN_HOME", str(path))
    return path


# --------------------------------------------------------------------------- locations


def test_talkdown_home_holds_everything(home: Path) -> None:
    assert locations.data_dir() == home / "data"
    assert locations.config_dir() == home / "config"
    assert locations.cache_dir() == home / "cache"
    assert locations.default_db_path() == home / "data" / "talkdown.db"
    assert locations.config_path() == home / "config" / "config.toml"
    assert not home.exists()  # computing paths creates nothing
    assert locations.cache_dir(create=True).is_dir()


def test_talkdown_home_isolates_config_and_db(home: Path) -> None:
    path = save_config(Config(trainee="Ann", cohort="c1"))
    assert path == home / "config" / "config.toml" and path.is_file()
    assert locations.resolve_db_path(None, create_parent=True) == home / "data" / "talkdown.db"
    assert (home / "data").is_dir()
    assert sorted(p.name for p in home.iterdir()) == ["config", "data"]


@pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is Linux's")
def test_platformdirs_used_without_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TALKDOWN_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    assert locations.default_db_path() == tmp_path / "xdg-data" / "talkdown" / "talkdown.db"
    assert locations.config_path() == tmp_path / "xdg-config" / "talkdown" / "config.toml"
    assert locations.cache_dir() == tmp_path / "xdg-cache" / "talkdown"


def test_blank_talkdown_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKDOWN_HOME", "  ")
    assert locations.home_override() is None


def test_resolve_db_path_precedence(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert locations.resolve_db_path(None) == home / "data" / "talkdown.db"
    monkeypatch.setenv("TALKDOWN_DB", str(tmp_path / "env.db"))
    assert locations.resolve_db_path(None) == tmp_path / "env.db"
    assert locations.resolve_db_path(tmp_path / "cli.db") == tmp_path / "cli.db"
    assert locations.resolve_db_path(str(tmp_path / "cli.db")) == tmp_path / "cli.db"
    assert locations.resolve_db_path("") == tmp_path / "env.db"  # empty --db = not given
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert locations.resolve_db_path("~/r.db") == tmp_path / "user" / "r.db"
    assert str(locations.resolve_db_path(":memory:")) == ":memory:"
    nested = tmp_path / "a" / "b" / "c.db"
    assert locations.resolve_db_path(nested, create_parent=True) == nested
    assert nested.parent.is_dir() and not nested.exists()


def test_relative_db_path_becomes_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert locations.resolve_db_path("results.db") == tmp_path / "results.db"


# --------------------------------------------------------------------------- config files


def test_missing_file_gives_defaults() -> None:
    assert load_config() == Config()
    assert Config().scenario_dirs == ()


def test_round_trip_with_awkward_strings(home: Path) -> None:
    cfg = Config(
        trainee='Zoë "the closer" O\'Brien \\ 山田',
        cohort="2024 spring 'night' shift",
        email="zoë@example.com",
        # Folder names may hold control characters; names may not (see below).
        scenario_dirs=(Path('/srv/sc"en\\arios'), Path("/tmp/ünïcode\tdir\n\r\x1f\x7f")),
    )
    path = save_config(cfg)
    assert load_config() == cfg
    assert load_config(path) == cfg
    assert tomllib.loads(path.read_text("utf-8"))["trainee"] == cfg.trainee


def test_writer_escapes_every_control_character() -> None:
    text = "2024\tspring\nnight\r\x00\x1f\x7f shift"
    written = dumps_toml({"cohort": text})
    assert all(c not in written for c in "\t\r\x00\x1f\x7f")  # all escaped on one line
    assert tomllib.loads(written)["cohort"] == text


@pytest.mark.parametrize("key", ["trainee", "cohort", "email"])
def test_names_with_control_characters_are_refused(home: Path, key: str) -> None:
    path = save_config(Config())
    path.write_text(f'# mine\n{key} = "Ann\\u001b]52;c;aGk=\\u0007"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert caught.value.line == 2
    assert "U+001B" in str(caught.value)


def test_unset_fields_are_not_written(home: Path) -> None:
    path = save_config(Config(trainee="Ann"))
    text = path.read_text("utf-8")
    assert 'trainee = "Ann"' in text
    assert "cohort" not in text and "scenario_dirs" not in text
    assert load_config() == Config(trainee="Ann")


def test_save_replaces_atomically_and_leaves_no_temp_files(home: Path) -> None:
    save_config(Config(trainee="Ann", cohort="c1"))
    save_config(Config(trainee="Bob", cohort="c2", scenario_dirs=(Path("/x"),)))
    assert load_config() == Config(trainee="Bob", cohort="c2", scenario_dirs=(Path("/x"),))
    assert [p.name for p in (home / "config").iterdir()] == ["config.toml"]


def test_save_to_explicit_path(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "settings.toml"
    assert save_config(Config(cohort="c9"), target) == target
    assert load_config(target) == Config(cohort="c9")


def test_scenario_dirs_expand_user(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/tester")
    path = locations.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('scenario_dirs = ["~/scen", "rel/dir", ""]\nfuture_key = 3\n', "utf-8")
    assert load_config().scenario_dirs == (Path("/home/tester/scen"), Path("rel/dir"))


def test_empty_strings_read_as_unset(home: Path) -> None:
    path = locations.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('trainee = ""\ncohort = "c1"\n', "utf-8")
    assert load_config() == Config(cohort="c1")


def write_config(text: str | bytes) -> Path:
    path = locations.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


def test_malformed_toml_names_file_and_line() -> None:
    path = write_config('trainee = "Ann"\ncohort = c1 oops\n')
    with pytest.raises(ConfigError) as caught:
        load_config()
    err = caught.value
    assert err.path == path and err.line == 2
    assert str(err).startswith(f"{path}, line 2: not valid TOML")
    assert "Traceback" not in str(err)
    assert err.__suppress_context__  # shown without the tomllib chain


def test_unterminated_string_is_a_config_error() -> None:
    path = write_config('trainee = "Ann\n')
    with pytest.raises(ConfigError, match=rf"^{path}, line 1: "):
        load_config()


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ('cohort = "c1"\ntrainee = 5\n', 2, "'trainee' must be a string"),
        ("email = true\n", 1, "'email' must be a string"),
        ('trainee = "A"\n\nscenario_dirs = "one"\n', 3, "'scenario_dirs' must be a list"),
        ("scenario_dirs = [1, 2]\n", 1, "'scenario_dirs' must be a list"),
        ('trainee = "A"\nmatcher = "bert"\n', 2, "'matcher' must be one of ngram, semantic"),
        ("matcher = 1\n", 1, "'matcher' must be a string"),
    ],
)
def test_wrong_types_name_file_and_line(text: str, line: int, what: str) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}, line {line}: {what}")


def test_the_matcher_is_remembered(home: Path) -> None:
    save_config(Config(trainee="Ann", matcher="semantic"))
    assert load_config() == Config(trainee="Ann", matcher="semantic")
    assert load_config().matcher == "semantic"


def test_non_utf8_file_is_a_config_error() -> None:
    path = write_config(b'trainee = "Ann"\ncohort = "\xff"\n')
    with pytest.raises(ConfigError, match=rf"^{path}, line 2: not valid UTF-8"):
        load_config()


def test_unreadable_config_is_a_config_error() -> None:
    path = locations.config_path()
    path.mkdir(parents=True)  # a directory where the file should be
    with pytest.raises(ConfigError, match="cannot read"):
        load_config()


@given(st.text(), st.lists(st.text(min_size=1), max_size=4))
def test_toml_writer_round_trips_any_text(value: str, items: list[str]) -> None:
    assert tomllib.loads(dumps_toml({"v": value, "l": items})) == {"v": value, "l": items}


def test_toml_writer_rejects_odd_keys() -> None:
    with pytest.raises(ValueError):
        dumps_toml({"a b": "x"})


# --------------------------------------------------------------------------- resolving


def test_resolve_trainee_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_trainee(None, None) is None
    save_config(Config(trainee="Cfg", cohort="cfg-cohort"))
    assert resolve_trainee(None, None) == ("Cfg", "cfg-cohort")
    monkeypatch.setenv("TALKDOWN_TRAINEE", "Env")
    assert resolve_trainee(None, None) == ("Env", "cfg-cohort")
    monkeypatch.setenv("TALKDOWN_COHORT", "env-cohort")
    assert resolve_trainee(None, None) == ("Env", "env-cohort")
    assert resolve_trainee("Arg", None) == ("Arg", "env-cohort")
    assert resolve_trainee("Arg", "arg-cohort") == ("Arg", "arg-cohort")
    monkeypatch.setenv("TALKDOWN_TRAINEE", "  ")  # blank = unset
    assert resolve_trainee(None, "x") == ("Cfg", "x")
    assert resolve_trainee("  Padded  ", " c ") == ("Padded", "c")


def test_resolve_trainee_needs_both_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    save_config(Config(trainee="Cfg"))
    assert resolve_trainee(None, None) is None
    assert resolve_trainee(None, "c1") == ("Cfg", "c1")
    monkeypatch.setenv("TALKDOWN_COHORT", "env")
    assert resolve_trainee(None, None) == ("Cfg", "env")


def test_resolve_trainee_does_not_read_config_when_not_needed() -> None:
    write_config("this is = = not toml")
    assert resolve_trainee("Ann", "c1") == ("Ann", "c1")
    with pytest.raises(ConfigError):
        resolve_trainee("Ann", None)


def test_resolve_trainee_with_given_config() -> None:
    cfg = Config(trainee="Given", cohort="g")
    assert resolve_trainee(None, None, config=cfg) == ("Given", "g")


def test_resolve_email() -> None:
    assert resolve_email(None) is None
    save_config(Config(email="cfg@example.com"))
    assert resolve_email(None) == "cfg@example.com"
    assert resolve_email("arg@example.com") == "arg@example.com"

"""``talkdown play``: options reach the app; bad input stops before the TUI starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.tui.app import TalkdownApp


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[TalkdownApp]:
    """Apps the command would have run (they are not run)."""
    apps: list[TalkdownApp] = []

    def run(self: TalkdownApp, *args: Any, **kwargs: Any) -> None:
        apps.append(self)

    monkeypatch.setattr(TalkdownApp, "run", run)
    return apps


def test_play_passes_its_options_to_the_app(
    talkdown_home: Path, tui_scenarios: Path, started: list[TalkdownApp]
) -> None:
    path = tui_scenarios / "tui_call.yaml"
    result = CliRunner().invoke(
        cli, ["play", str(path), "--trainee", "Sam", "--cohort", "A", "--assess", "--timed", "15",
              "--scenarios", str(tui_scenarios), "--db", str(talkdown_home / "x.db")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [app] = started
    o = app.options
    assert o.scenario_path == path and o.identity == ("Sam", "A")
    assert o.scenario_dirs == (tui_scenarios,) and o.db == talkdown_home / "x.db"
    assert (o.settings.mode, o.settings.timed, o.settings.preview) == ("assessment", 15, False)


def test_from_and_watch_are_previews(
    talkdown_home: Path, tui_scenarios: Path, started: list[TalkdownApp]
) -> None:
    path = str(tui_scenarios / "tui_call.yaml")
    runner = CliRunner()
    assert runner.invoke(cli, ["play", path, "--from", "fix", "--mood", "30"]).exit_code == 0
    assert runner.invoke(cli, ["play", path, "--watch"]).exit_code == 0
    first, second = (app.options for app in started)
    assert first.settings.preview and (first.settings.start, first.settings.mood) == ("fix", 30)
    assert second.settings.preview and second.watch


def test_bare_talkdown_opens_the_picker_with_the_env_identity(
    talkdown_home: Path, started: list[TalkdownApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALKDOWN_TRAINEE", "Kim")
    monkeypatch.setenv("TALKDOWN_COHORT", "B")
    assert CliRunner().invoke(cli, []).exit_code == 0
    [app] = started
    assert app.options.scenario_path is None and app.options.identity == ("Kim", "B")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["play", "no-such-scenario"], 1, "no scenario file or id 'no-such-scenario'"),
        (["play", "{dir}/tui_broken.yaml"], 1, "unknown node 'nowhere'"),
        (["play", "{dir}/tui_call.yaml", "--from", "nowhere"], 1, "no node 'nowhere'"),
        (["play", "--watch"], 2, "need a SCENARIO"),
    ],
)
def test_bad_input_stops_before_the_app(
    talkdown_home: Path,
    tui_scenarios: Path,
    started: list[TalkdownApp],
    args: list[str],
    code: int,
    message: str,
) -> None:
    result = CliRunner().invoke(cli, [a.format(dir=tui_scenarios) for a in args])
    assert result.exit_code == code
    assert message in result.output
    assert started == []


def test_bare_talkdown_takes_the_play_options(
    talkdown_home: Path, tui_scenarios: Path, started: list[TalkdownApp]
) -> None:
    result = CliRunner().invoke(
        cli, ["--assess", "--timed", "20", "--trainee", "Ana", "--cohort", "C",
              "--scenarios", str(tui_scenarios)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [app] = started
    o = app.options
    assert o.scenario_path is None and o.identity == ("Ana", "C")
    assert o.scenario_dirs == (tui_scenarios,)
    assert (o.settings.mode, o.settings.timed) == ("assessment", 20)


def test_play_validates_the_file_once_and_hands_it_over(
    tui_scenarios: Path, started: list[TalkdownApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.validate as validate

    calls: list[Path] = []
    real = validate.check_file

    def counting(path: Path, **kwargs: Any) -> Any:
        calls.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(validate, "check_file", counting)
    path = tui_scenarios / "tui_call.yaml"
    result = CliRunner().invoke(cli, ["play", str(path), "--from", "opening", "--preview"])
    assert result.exit_code == 0, result.output
    assert calls == [path]
    [app] = started
    assert app.options.report is not None and app.options.report.scenario is not None


@pytest.mark.parametrize("db", [None, "results.db"])
def test_bare_talkdown_opens_the_picker_as_the_command_line_would(
    talkdown_home: Path,
    tui_scenarios: Path,
    started: list[TalkdownApp],
    monkeypatch: pytest.MonkeyPatch,
    db: str | None,
) -> None:
    """`simulator.start` skips click for bare ``talkdown``: the app must come out the same."""
    from simulator import start
    from simulator.config import Config, save_config

    save_config(Config(trainee="Kim", cohort="B", scenario_dirs=(tui_scenarios,)))
    monkeypatch.setenv("TALKDOWN_TRAINEE", "Sam")  # the environment beats the config
    if db is not None:
        monkeypatch.setenv("TALKDOWN_DB", str(talkdown_home / db))
    monkeypatch.setattr("sys.argv", ["talkdown"])
    start.main()
    assert CliRunner().invoke(cli, []).exit_code == 0
    fast, through_click = started
    assert fast.options == through_click.options
    assert fast.options.identity == ("Sam", "B")
    assert fast.options.scenario_dirs == (tui_scenarios,)
    assert fast.options.db == (None if db is None else talkdown_home / db)


def test_bare_talkdown_reports_a_broken_config(
    talkdown_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator import locations, start

    path = locations.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("trainee = [oops\n")
    monkeypatch.setattr("sys.argv", ["talkdown"])
    with pytest.raises(SystemExit) as exited:
        start.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("talkdown: error: ") and "not valid TOML" in err


# -- say mode and the reply matcher ------------------------------------------------------------


def without_wordllama(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the [semantic] extra look uninstalled (only wordllama's lookup is changed)."""
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "wordllama" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_say_and_the_matcher_reach_the_app_and_the_flag_beats_the_config(
    talkdown_home: Path,
    tui_scenarios: Path,
    started: list[TalkdownApp],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from simulator.config import Config, save_config

    # Which matcher reaches the app is the point here, not whether the semantic
    # extra is installed (CI installs only the test extras): every matcher can run.
    monkeypatch.setattr("simulator.matching.get_matcher", lambda name: None)
    path = str(tui_scenarios / "tui_call.yaml")
    runner = CliRunner()
    assert runner.invoke(cli, ["play", path, "--say"]).exit_code == 0
    save_config(Config(matcher="semantic"))
    assert runner.invoke(cli, ["play", path]).exit_code == 0
    assert runner.invoke(cli, ["play", path, "--matcher", "ngram"]).exit_code == 0
    assert runner.invoke(cli, ["--say"]).exit_code == 0  # bare talkdown takes it too
    plain, configured, flagged, bare = (app.options.settings for app in started)
    assert (plain.say, plain.matcher) == (True, None)  # None: the default, ngram
    assert (configured.say, configured.matcher) == (False, "semantic")
    assert flagged.matcher == "ngram"
    assert bare.say and bare.matcher == "semantic"


def test_the_semantic_matcher_without_its_extra_is_a_clear_error(
    talkdown_home: Path,
    tui_scenarios: Path,
    started: list[TalkdownApp],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from simulator import start
    from simulator.config import Config, save_config

    without_wordllama(monkeypatch)
    path = str(tui_scenarios / "tui_call.yaml")
    result = CliRunner().invoke(cli, ["play", path, "--say", "--matcher", "semantic"])
    assert result.exit_code == 1
    assert result.output.startswith("talkdown: error: the semantic matcher needs wordllama")
    assert "pip install 'talkdown[semantic]'" in result.output
    assert "Traceback" not in result.output
    save_config(Config(matcher="semantic"))  # named in the config: it says where from
    result = CliRunner().invoke(cli, ["play", path])
    assert result.exit_code == 1 and "(matcher in the config file)" in result.output
    monkeypatch.setattr("sys.argv", ["talkdown"])  # bare talkdown checks it the same way
    with pytest.raises(SystemExit) as exited:
        start.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("talkdown: error: the semantic matcher needs wordllama")
    assert started == []


def test_an_unknown_matcher_is_a_usage_error_and_the_names_agree(
    tui_scenarios: Path, started: list[TalkdownApp]
) -> None:
    from simulator.commands.common import MATCHER_NAMES
    from simulator.matching import matcher_names

    result = CliRunner().invoke(cli, ["play", str(tui_scenarios / "tui_call.yaml"),
                                      "--matcher", "bert"])  # fmt: skip
    assert result.exit_code == 2 and "'bert' is not one of 'ngram', 'semantic'" in result.output
    assert matcher_names() == MATCHER_NAMES  # the option lists the registry's matchers
    assert started == []

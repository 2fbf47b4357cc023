"""The talkdown Textual app and ``make_app``, the factory the CLI and the tests share.

Flow: the picker is the base screen. At start the app asks who is playing
(once; remembered in the config), offers any unfinished attempt for resume,
then opens the scenario given on the command line, if any. A conversation
replaces itself with its debrief; retry replaces the debrief with a new
conversation; the expert replay is pushed over the debrief.

"Attributes down, messages up": screens never drive each other or the app.
They post messages (`simulator.tui.messages`: PlayRequested,
ConversationFinished, LeaveRequested, RetryRequested, …) and the app, which
owns the results store and the screen stack, decides what happens and hands
screens their data (the picker's records, the debrief's expert path).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.screen import Screen

from simulator.tui.catalog import Entry, default_cache, load_catalog, quick_catalog, scenario_dirs
from simulator.tui.messages import (
    BackToScenarios,
    ConversationFinished,
    ExpertReplayRequested,
    LeaveRequested,
    PlayRequested,
    ResumeRequested,
    RetryRequested,
)
from simulator.tui.safe import SafeApp
from simulator.tui.screens.picker import PickerScreen
from simulator.tui.settings import Clock, Mode, PlaySettings
from simulator.tui.watch import FileWatcher

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from textual.command import Provider

    from simulator.config import Config
    from simulator.matching import Matcher
    from simulator.model import Scenario
    from simulator.results import AttemptRow, DbTarget, ResultsStore, ScenarioStats
    from simulator.tui.screens.debrief import DebriefScreen
    from simulator.tui.screens.resume import ResumeChoice
    from simulator.tui.session import Session
    from simulator.validate import FileReport

# Only the picker is imported before the first frame: the loader, engine, store
# and the other screens load when first needed (start-up is measured against a
# bare Textual app; see benchmarks/bench_tui.py).

WATCH_SECONDS = 0.5  # how often --watch looks at the file

LatencyProbe = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class AppOptions:
    """Everything the command line (or a test) decides about this run."""

    scenario_path: Path | None = None  # play this file at once
    scenario_dirs: tuple[Path, ...] = ()  # trainers' folders (before the shipped ones)
    include_shipped: bool = True
    identity: tuple[str, str] | None = None  # (name, cohort); None: ask once
    email: str | None = None
    db: DbTarget | None = None
    settings: PlaySettings = field(default_factory=PlaySettings)
    watch: bool = False
    max_bytes: int | None = None  # None: the loader's default limit
    report: FileReport | None = None  # scenario_path already validated by the command line
    theme: str | None = None  # the remembered theme (config); None: Textual's default
    # A browser session of `talkdown serve`: every session asks who is playing and
    # remembers nothing in the serving machine's config; no trainer view.
    classroom: bool = False


def _palette() -> type[Provider]:
    from simulator.tui.commands.palette import TalkdownCommands

    return TalkdownCommands


class TalkdownApp(SafeApp[None]):
    """Pick a scenario, play it, read the debrief, retry."""

    CSS_PATH = "talkdown.tcss"
    TITLE = "talkdown"
    # Only ours: one "Quit", and talkdown's help instead of Textual's generic key list.
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {_palette}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1,question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(
        self,
        options: AppOptions,
        *,
        clock: Clock = time.monotonic,
        latency_probe: LatencyProbe | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.settings = options.settings
        self.clock = clock
        self.latency_probe = latency_probe
        self.identity = options.identity
        self.store: ResultsStore | None = None
        self.writer: ThreadPoolExecutor | None = None  # commits replies off the UI thread
        self.store_state = "none"  # none | opening | open | failed
        self._when_store: list[Callable[[], None]] = []
        self.settled = False  # start-up has shown what it will show (tests wait for it)
        self.catalog: list[Entry] | None = None
        self._when_loaded: list[Callable[[], None]] = []
        self.watcher = FileWatcher(options.scenario_path) if options.watch and \
            options.scenario_path else None  # fmt: skip
        self.watched: FileReport | None = None
        self._matcher: Matcher | None = None
        self._matcher_problem = ""  # why there is no matcher (say mode is then unavailable)
        if options.theme and options.theme in self.available_themes:
            self.theme = options.theme

    # -- start-up ---------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return PickerScreen()

    @property
    def picker(self) -> PickerScreen:
        """The base screen."""
        screen = self.screen_stack[0]
        assert isinstance(screen, PickerScreen)
        return screen

    def on_mount(self) -> None:
        self.sub_title = self._who()
        self._dirs = scenario_dirs(self.options.scenario_dirs,
                                   include_shipped=self.options.include_shipped)  # fmt: skip
        # The picker's first frame lists every file: from the cache, or by name while
        # it is checked (after that frame, so validating never delays it).
        entries = quick_catalog(self._dirs, cache=default_cache())
        if any(e.pending for e in entries):
            self.picker.entries = entries
            self.call_after_refresh(self.load_scenarios)
        else:
            self._catalog_loaded(entries)
        if self.watcher is not None:
            self.set_interval(WATCH_SECONDS, self.check_reload)
        self.call_after_refresh(self._start)  # the store and dialogs wait for a first frame
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme: object) -> None:
        """Keep the trainee's theme for next time (in the config file)."""
        if self.options.classroom:  # the config is the serving machine's, not this trainee's
            return
        name = getattr(theme, "name", None)
        try:
            from simulator.config import load_config, save_config

            config = load_config()
            if name and config.theme != name:
                save_config(replace(config, theme=name))
        except Exception as exc:  # a broken config must not stop the trainee playing
            self.notify(f"Could not remember the theme: {exc}", severity="warning")

    def _start(self) -> None:
        if self.settings.say:
            matcher = self.reply_matcher()
            if matcher is not None and not matcher.ready:
                self._warm_matcher(matcher)
        if self.identity is None and not self.settings.preview:
            from simulator.tui.screens.identity import IdentityScreen

            screen = IdentityScreen(classroom=self.options.classroom)
            self.push_screen(screen, callback=self._identity_given)
            self.settled = True
        else:
            self._after_identity()

    def on_unmount(self) -> None:
        if self.writer is not None:
            self.writer.shutdown(wait=True)  # every reply made is committed before exit
        if self.store is not None:
            self.store.close()

    def _who(self) -> str:
        parts = [] if self.identity is None else [f"{self.identity[0]} · {self.identity[1]}"]
        parts.append("preview — nothing recorded" if self.settings.preview else self.settings.mode)
        return " · ".join(parts)

    def _identity_given(self, identity: tuple[str, str] | None) -> None:
        if identity is None:
            return
        self.identity = identity
        self.sub_title = self._who()
        if self.options.classroom:  # the next browser session is someone else
            self._after_identity()
            return
        try:
            from simulator.config import load_config, save_config

            save_config(replace(load_config(), trainee=identity[0], cohort=identity[1]))
        except Exception as exc:  # a broken config must not stop the trainee playing
            self.notify(f"Could not remember your name: {exc}", severity="warning")
        self._after_identity()

    def _after_identity(self) -> None:
        if self.settings.preview or self.identity is None:
            self._open_direct()
            return
        self.store_state = "opening"
        self._open_store(self.identity)

    @work(thread=True, exclusive=True, group="store")
    def _open_store(self, identity: tuple[str, str]) -> None:
        """Open the results off the UI thread: another process may hold the write lock."""
        from simulator.results import open_store

        try:
            store = open_store(self.options.db)
            unfinished = store.unfinished_attempts(*identity)
            stats = store.scenario_stats(*identity)
        except Exception as exc:
            with contextlib.suppress(RuntimeError):  # the app closed first
                self.call_from_thread(self._store_failed, exc)
            return
        try:
            self.call_from_thread(self._store_opened, store, unfinished, stats)
        except RuntimeError:
            store.close()

    def _store_opened(
        self, store: ResultsStore, unfinished: list[AttemptRow], stats: dict[str, ScenarioStats]
    ) -> None:
        self.store = store
        from concurrent.futures import ThreadPoolExecutor

        self.writer = ThreadPoolExecutor(1, thread_name_prefix="talkdown-store")
        self.store_state = "open"
        self.picker.stats = dict(stats)
        self.picker.unfinished = len(unfinished)
        self._run_waiting()
        self._offer_resume(unfinished)

    def _store_failed(self, exc: Exception) -> None:
        self.store_state = "failed"
        self.notify(f"Results will not be saved: {exc}", title="Results database",
                    severity="error", timeout=10)  # fmt: skip
        self._run_waiting()
        self._open_direct()

    def _run_waiting(self) -> None:
        waiting, self._when_store = self._when_store, []
        for callback in waiting:
            callback()

    def _offer_resume(
        self, unfinished: list[AttemptRow] | None = None, *, at_start: bool = True
    ) -> None:
        """Offer the trainee's unfinished attempts; at start, then open the command line's."""
        if unfinished is None and self.store is not None and self.identity is not None:
            unfinished = self.store.unfinished_attempts(*self.identity)
        self.picker.unfinished = len(unfinished or ())
        if unfinished:
            from simulator.tui.screens.resume import ResumeScreen

            def chosen(choice: ResumeChoice | None) -> None:
                self._resume_chosen(choice, at_start=at_start)

            self.push_screen(ResumeScreen(unfinished), callback=chosen)
            self.settled = True
            return
        if at_start:
            self._open_direct()
        else:
            self.notify("No unfinished calls to resume.")

    def _open_direct(self) -> None:
        """Open the scenario named on the command line, if any."""
        self.settled = True
        path = self.options.scenario_path
        if path is None:
            return
        report = self.options.report or self._check(path)
        self.watched = report
        if report.scenario is not None:
            self.play(report.scenario)
        elif self.watcher is not None:
            from simulator.tui.screens.conversation import ConversationScreen

            self.push_screen(ConversationScreen(None, report=report))
        else:
            first = next((p for p in report.problems if p.severity == "error"), None)
            self.notify(str(first) if first else f"{path} is not a valid scenario",
                        title="Invalid scenario", severity="error")  # fmt: skip

    # -- the catalogue ------------------------------------------------------------------

    def _check(self, path: Path) -> FileReport:
        from simulator.validate import check_file

        if self.options.max_bytes is None:
            return check_file(path)
        return check_file(path, max_bytes=self.options.max_bytes)

    @work(thread=True, exclusive=True, group="catalog")
    def load_scenarios(self) -> None:
        """Validate every scenario file off the UI thread, then show them."""
        try:
            entries = load_catalog(self._dirs, max_bytes=self.options.max_bytes,
                                   cache=default_cache()) or []  # fmt: skip
        except OSError as exc:
            self.call_from_thread(self.notify, f"Could not read the scenarios: {exc}",
                                  severity="error")  # fmt: skip
            entries = []
        self.call_from_thread(self._catalog_loaded, entries)

    def _catalog_loaded(self, entries: list[Entry]) -> None:
        self.catalog = entries
        self.picker.entries = entries  # shown now, or when the picker mounts
        waiting, self._when_loaded = self._when_loaded, []
        for callback in waiting:
            callback()

    def when_catalog(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the catalogue is loaded (at once if it is)."""
        if self.catalog is None:
            self._when_loaded.append(callback)
        else:
            callback()

    def refresh_record(self) -> None:
        """Give the picker the trainee's attempts, best scores and unfinished calls.

        Read in the writer's thread, after the writes already handed to it, so
        the attempt just finished (or left) is counted.
        """
        store, identity, writer = self.store, self.identity, self.writer
        if store is None or identity is None or writer is None:
            return
        loop = asyncio.get_running_loop()
        picker = self.picker

        def show(stats: dict[str, ScenarioStats], unfinished: int) -> None:
            picker.stats = stats
            picker.unfinished = unfinished

        def read() -> None:
            try:
                stats = store.scenario_stats(*identity)
                unfinished = len(store.unfinished_attempts(*identity))
            except Exception:
                return  # the picker keeps the figures it has
            # Not call_from_thread: it would wait for the UI thread, which may itself be
            # waiting for this writer (at exit).
            with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
                loop.call_soon_threadsafe(show, dict(stats), unfinished)

        writer.submit(read)

    # -- resume ---------------------------------------------------------------------------

    def _resume_chosen(self, choice: ResumeChoice | None, *, at_start: bool = True) -> None:
        if choice is None or self.store is None or self.identity is None:
            if at_start:
                self._open_direct()
            return
        action, uuid = choice
        if action == "abandon":
            self.abandon(uuid)
            unfinished = self.store.unfinished_attempts(*self.identity)
            self.picker.unfinished = len(unfinished)
            if unfinished or at_start:
                self._offer_resume(unfinished, at_start=at_start)  # the next one, if any
            return
        self.when_catalog(lambda: self._resume(uuid))

    @on(ResumeRequested)
    def _resume_requested(self) -> None:
        if self.store is None or self.identity is None:
            self.notify("Results are not being saved, so there is nothing to resume.")
            return
        self._offer_resume(at_start=False)

    def _find_scenario(self, scenario_id: str, content_hash: str) -> Scenario | None:
        """The scenario an attempt was played on: the same content if it is still there."""
        entries = self.catalog or []
        candidates = [e.path for e in entries if e.content_hash == content_hash]
        candidates += [e.path for e in entries if e.meta and e.meta.id == scenario_id]
        if self.options.scenario_path is not None:
            candidates.append(self.options.scenario_path)
        fallback = None
        for path in dict.fromkeys(candidates):
            scenario = self._check(path).scenario
            if scenario is None or scenario.id != scenario_id:
                continue
            if scenario.content_hash == content_hash:
                return scenario
            fallback = fallback or scenario  # changed since: resume_session says so
        return fallback

    def _resume(self, uuid: str) -> None:
        from simulator.tui.screens.conversation import ConversationScreen
        from simulator.tui.session import ResumeError, resume_session

        assert self.store is not None
        attempt = self.store.get_attempt(uuid)
        if attempt is None:
            return
        scenario = self._find_scenario(attempt.scenario_id, attempt.content_hash)
        try:
            if scenario is None:
                raise ResumeError(f"the scenario '{attempt.scenario_id}' is no longer installed")
            session = resume_session(
                scenario, attempt, self.store.get_choices(uuid), store=self.store,
                settings=self.settings, clock=self.clock, writer=self.writer,
                matcher=self.reply_matcher(),
            )  # fmt: skip
        except ResumeError as exc:
            self.abandon(uuid, quiet=True)
            self.notify(f"That attempt could not be resumed ({exc}); it was marked abandoned.",
                        title="Resume", severity="warning", timeout=10)  # fmt: skip
            return
        if session.finished:  # killed after the last reply but before the debrief
            self._show_debrief(session, replace_current=False)
        else:
            self.push_screen(ConversationScreen(session))

    def abandon(self, uuid: str, *, quiet: bool = False) -> None:
        """Mark a stored attempt abandoned."""
        if self.store is None:
            return
        try:
            self.store.abandon_attempt(uuid)
        except Exception as exc:
            self.notify(f"Could not mark the attempt abandoned: {exc}", severity="warning")
            return
        if not quiet:
            self.notify("The unfinished attempt was marked abandoned.", title="Abandoned")

    # -- say mode's matcher -------------------------------------------------------------------

    def reply_matcher(self) -> Matcher | None:
        """The matcher that hears typed replies (built once; None if it cannot run here)."""
        if self._matcher is None and not self._matcher_problem:
            from simulator.matching import DEFAULT_MATCHER, MatcherUnavailable, get_matcher

            try:
                self._matcher = get_matcher(self.settings.matcher or DEFAULT_MATCHER)
            except MatcherUnavailable as exc:
                self._matcher_problem = str(exc)
                self.notify(f"Typed replies are off: {exc}", title="Say it your way",
                            severity="error", timeout=10)  # fmt: skip
        return self._matcher

    @work(thread=True, exclusive=True, group="matcher")
    def _warm_matcher(self, matcher: Matcher) -> None:
        """Load the matcher's model off the UI thread while the trainee picks a scenario."""
        with contextlib.suppress(Exception):  # a call that needs it loads it and says why not
            matcher.load()

    # -- playing ----------------------------------------------------------------------------

    def new_session(self, scenario: Scenario, settings: PlaySettings | None = None) -> Session:
        """A play-through of ``scenario`` with this run's settings, recorded unless a preview."""
        from simulator.tui.session import new_session

        return new_session(
            scenario, settings or self.settings, store=self.store, identity=self.identity,
            email=self.options.email, clock=self.clock, writer=self.writer,
            matcher=self.reply_matcher(),
        )  # fmt: skip

    @on(PlayRequested)
    def _play_requested(self, message: PlayRequested) -> None:
        settings = self.settings
        if message.mode is not None and not settings.preview:
            settings = replace(settings, mode=message.mode)
        if message.timed is not None:
            settings = replace(settings, timed=message.timed)
        self.play_entry(message.entry, settings)

    def play_entry(self, entry: Entry, settings: PlaySettings | None = None) -> None:
        """Play a picker entry: validate it now (it may have changed) and start it."""
        report = entry.load(max_bytes=self.options.max_bytes)
        if report.scenario is None:
            first = next((p for p in report.problems if p.severity == "error"), None)
            self.notify(
                f"{entry.path.name} cannot be played: {first.message if first else 'invalid'}",
                title="Invalid scenario", severity="error",
            )  # fmt: skip
            return
        self.play(report.scenario, settings)

    def play(self, scenario: Scenario, settings: PlaySettings | None = None) -> None:
        """Start ``scenario`` (from the picker or the command line)."""
        from simulator.tui.screens.conversation import ConversationScreen

        if self.store_state == "opening":  # an attempt must not start unrecorded
            self._when_store.append(lambda: self.play(scenario, settings))
            return
        session = self.new_session(scenario, settings)
        self._show(ConversationScreen(session, report=self.watched))

    def _show(self, screen: Screen[Any]) -> None:
        if len(self.screen_stack) > 1 and not isinstance(self.screen, PickerScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @on(ConversationFinished)
    def _conversation_finished(self, message: ConversationFinished) -> None:
        self._show_debrief(message.session, replace_current=True)

    def _show_debrief(self, session: Session, *, replace_current: bool) -> None:
        """Score ``session``, close its stored attempt, and show the debrief.

        The debrief replaces the finished conversation (``replace_current``) or
        is pushed. Its expert path is worked out off the UI thread.
        """
        from simulator.tui.screens.debrief import DebriefScreen

        scores = session.finish()  # the stored attempt is closed in the writer's thread
        debrief = DebriefScreen(session, scores)
        if replace_current and len(self.screen_stack) > 1:
            self.switch_screen(debrief)
        else:
            self.push_screen(debrief)
        self.find_expert_path(debrief)

    @work(thread=True, group="expert")
    def find_expert_path(self, debrief: DebriefScreen) -> None:
        """Work out the expert path from the debriefed conversation's start (off the UI thread)."""
        from simulator.analysis import analyze

        conv = debrief.session.conv
        try:
            result = analyze(debrief.session.scenario, start=conv.start, mood=conv.start_mood,
                             flags=conv.start_flags).expert  # fmt: skip
        except Exception as exc:  # a replay is a nicety: say why it is missing
            self.call_from_thread(debrief.show_expert, None, f"could not be worked out: {exc}")
            return
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.call_from_thread(debrief.show_expert, result)

    @on(RetryRequested)
    def _retry(self, message: RetryRequested) -> None:
        """Play the debriefed scenario again (the newest version when watching)."""
        from simulator.tui.screens.conversation import ConversationScreen

        session = message.session
        scenario = session.scenario
        if self.watched is not None and self.watched.scenario is not None:
            scenario = self.watched.scenario
        self._show(ConversationScreen(self.new_session(scenario, session.settings),
                                      report=self.watched))  # fmt: skip

    @on(ExpertReplayRequested)
    def _expert_replay(self, message: ExpertReplayRequested) -> None:
        """Watch the expert path from the debriefed conversation's start (recording nothing)."""
        from simulator.engine import Conversation
        from simulator.tui.screens.conversation import ConversationScreen
        from simulator.tui.session import Session

        session = message.session
        conv = session.conv
        replay_conv = Conversation(session.scenario, start=conv.start, mood=conv.start_mood,
                                   flags=conv.start_flags, agent=conv.agent,
                                   clock=self.clock)  # fmt: skip
        settings = replace(session.settings, preview=True, mode="practice", timed=None, say=False)
        replay = Session(session.scenario, settings, replay_conv)
        self.push_screen(ConversationScreen(replay, replay=message.choices))

    @on(LeaveRequested)
    def _leave(self, message: LeaveRequested) -> None:
        """Back to the picker; a recorded call that was under way stays saved to resume."""
        session = message.session
        if session is not None and session.uuid and not session.finished:
            session.flush()  # the replies in flight land first
            if session.conv.turn == 0:
                self.abandon(session.uuid, quiet=True)  # nothing was said: nothing to resume
            else:
                self.notify("Your call is saved: press ctrl+r in the list to resume it.",
                            title="Call left")  # fmt: skip
        self.back_to_picker()

    @on(BackToScenarios)
    def back_to_picker(self) -> None:
        """Close every screen above the picker and refresh the trainee's record."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.refresh_record()

    def after_reply(self, screen: Screen[Any], started: float) -> None:
        """Benchmark hook: report key-handler-to-refresh time when a probe is set."""
        probe = self.latency_probe
        if probe is not None:
            screen.call_after_refresh(lambda: probe((time.perf_counter() - started) * 1000.0))

    # -- --watch ------------------------------------------------------------------------------

    def check_reload(self) -> bool:
        """Reload the watched file if it changed (the timer calls this; tests may too)."""
        from simulator.tui.screens.conversation import ConversationScreen

        if self.watcher is None or not self.watcher.changed():
            return False
        report = self._check(self.watcher.path)
        self.watched = report
        screen = self.screen
        if isinstance(screen, ConversationScreen) and screen.replay is None:
            session = None
            if report.scenario is not None:
                session = self._restart(report.scenario, screen.session)
            screen.reload(report, session)
        elif report.scenario is None:
            self.notify("The scenario file now has errors.", severity="error")
        else:
            self.notify("The scenario file changed — press r to play the new version.")
        return True

    def _restart(self, scenario: Scenario, old: Session | None) -> Session:
        """A preview of the reloaded scenario at the node (and mood, flags) it had reached."""
        settings = self.settings
        if old is not None and not old.finished and old.conv.node_id in scenario.nodes:
            settings = replace(old.settings, start=old.conv.node_id, mood=old.conv.mood,
                               flags=tuple(sorted(old.conv.flags)))  # fmt: skip
        return self.new_session(scenario, settings)

    # -- app-wide actions and the palette ------------------------------------------------

    def action_help(self) -> None:
        """Open the trainee's help: keys, how scoring works, the sins and techniques."""
        from simulator.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(trainer_view=not self.options.classroom))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "trainer" and self.options.classroom:
            return False  # hidden from the footer; the action refuses too
        return super().check_action(action, parameters)

    def action_trainer(self) -> None:
        """Push the trainer screen (it opens its own connection to the results)."""
        from simulator.tui.screens.trainer import TrainerScreen

        if self.options.classroom:  # trainees must not read each other's results
            self.notify("The trainer view is not available in a classroom session.")
            return
        if not isinstance(self.screen, TrainerScreen):
            self.push_screen(TrainerScreen(self.options.db, scenario_dirs=self._dirs))

    def set_mode(self, mode: Mode) -> None:
        """Practice (feedback after each reply) or assessment (feedback at the end)."""
        self.settings = replace(self.settings, mode=mode)
        self.sub_title = self._who()
        self.picker.mode = mode
        self.notify(f"{mode.capitalize()} mode")

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        """App-wide commands for the palette (the current screen adds its own first)."""
        out: list[tuple[str, str, Callable[[], Any]]] = []
        if isinstance(self.screen, PickerScreen) and not self.settings.preview:
            other: Mode = "practice" if self.settings.assessment else "assessment"
            out.append((f"Switch to {other} mode",
                        "Practice shows feedback after each reply; assessment only at the end",
                        lambda: self.set_mode(other)))  # fmt: skip
        if not self.options.classroom:
            out.append(("Open the trainer view",
                        "The cohort's results: trainees, attempts, decisions",
                        self.action_trainer))  # fmt: skip
        out += [
            ("Help", "Keys, how scoring works, the sins of service and the techniques",
             self.action_help),
            ("Theme", "Change the colours (remembered for next time)", self.action_change_theme),
            ("Quit", "Leave talkdown; an unfinished call can be resumed next time", self.exit),
        ]  # fmt: skip
        return out


def make_app(
    scenario: Path | str | None = None,
    *,
    scenario_dirs: Iterable[Path | str] = (),
    include_shipped: bool = True,
    trainee: str | None = None,
    cohort: str | None = None,
    db: Path | str | None = None,
    assess: bool = False,
    timed: int | None = None,
    from_node: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
    watch: bool = False,
    preview: bool = False,
    max_bytes: int | None = None,
    config: Config | None = None,
    clock: Clock = time.monotonic,
    latency_probe: LatencyProbe | None = None,
    report: FileReport | None = None,
    classroom: bool = False,
    say: bool = False,
    matcher: str | None = None,
) -> TalkdownApp:
    """Build the app; options as on the command line.

    Missing trainee/cohort come from the environment, then ``config``
    (default: the config file); still missing, the app asks once. ``--watch``
    and ``--from`` imply a preview: nothing is recorded. ``classroom`` (a
    browser session of ``talkdown serve``) ignores the trainee, cohort, e-mail
    and theme remembered on this machine: every session asks who is playing.
    ``matcher`` (else the config's, else ``ngram``) hears typed replies, in say
    mode (``say``, or ctrl+t in a call).
    """
    from simulator.config import load_config, resolve_email, resolve_trainee
    from simulator.results import is_url

    cfg = load_config() if config is None else config
    is_preview = preview or watch or from_node is not None or mood is not None or bool(flags)
    settings = PlaySettings(
        mode="assessment" if assess else "practice", timed=timed, preview=is_preview,
        start=from_node, mood=mood, flags=tuple(flags), say=say,
        matcher=matcher or cfg.matcher,
    )  # fmt: skip
    options = AppOptions(
        scenario_path=None if scenario is None else Path(scenario),
        scenario_dirs=tuple(Path(d) for d in scenario_dirs) + tuple(cfg.scenario_dirs),
        include_shipped=include_shipped,
        identity=None if classroom else resolve_trainee(trainee, cohort, config=cfg),
        email=None if classroom else resolve_email(config=cfg),
        db=db if db is None or is_url(db) else Path(db),  # a URL stays text
        settings=settings,
        watch=watch,
        max_bytes=max_bytes,
        report=report,
        theme=None if classroom else cfg.theme,
        classroom=classroom,
    )
    return TalkdownApp(options, clock=clock, latency_probe=latency_probe)

"""The play service the TUI drives (no Textual): shuffled order, keys, resume, recording."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.loader import load_scenario
from simulator.shuffle import position_of, shown_order
from simulator.store import Store
from simulator.tui.session import new_session, resume_session
from simulator.tui.settings import PlaySettings
from tests.helpers import fixture

FORMAT11 = fixture("format11.yaml")  # shuffle: true; opening offers 3 replies, verify 3
MINI = fixture("mini.yaml")  # format 1: never shuffled


def test_the_order_depends_only_on_seed_and_node() -> None:
    order = shown_order(7, "opening", 5)
    assert sorted(order) == [1, 2, 3, 4, 5]
    assert shown_order(7, "opening", 5) == order  # same seed, same node: same order
    # over many seeds every reply is shown first sometimes: position gives nothing away
    firsts = {shown_order(seed, "opening", 5)[0] for seed in range(200)}
    assert firsts == {1, 2, 3, 4, 5}
    assert shown_order(None, "opening", 5) == (1, 2, 3, 4, 5)
    assert position_of((3, 1, 2), 1) == 2


def test_keys_follow_the_shown_order_and_the_store_keeps_both(tmp_path: Path) -> None:
    scenario = load_scenario(FORMAT11)
    with Store(tmp_path / "r.db") as store:
        session = new_session(scenario, PlaySettings(), store=store, identity=("Priya Shah", "A"))
        assert session.seed is not None
        order = session.shown()
        key = position_of(order, 1)  # where authored reply 1 sits on screen
        event = session.choose_shown(key)
        assert event.choice == 1 and event.node == "opening"
        assert event.say.startswith("It's Priya.")  # {agent}: the trainee's first name
        assert session.uuid is not None
        attempt = store.get_attempt(session.uuid)
        assert attempt is not None and attempt.shuffle_seed == session.seed
        (row,) = store.get_choices(session.uuid)
        assert (row.choice, row.shown) == (1, key)


def test_a_resumed_attempt_shows_the_same_order(tmp_path: Path) -> None:
    scenario = load_scenario(FORMAT11)
    with Store(tmp_path / "r.db") as store:
        first = new_session(scenario, PlaySettings(), store=store, identity=("Ann", "A"))
        first.choose_shown(position_of(first.shown(), 1))
        assert first.uuid is not None
        attempt = store.get_attempt(first.uuid)
        assert attempt is not None
        again = resume_session(
            scenario, attempt, store.get_choices(first.uuid), store=store, settings=PlaySettings()
        )
        assert again.seed == first.seed
        assert again.conv.node_id == "verify"
        assert again.shown() == first.shown()
        assert again.conv.agent == "Ann"


def test_a_retry_is_reshuffled_and_previews_and_format_1_are_not() -> None:
    scenario = load_scenario(FORMAT11)
    seeds = {
        new_session(scenario, PlaySettings(), store=None, identity=None).seed for _ in range(5)
    }
    assert None not in seeds and len(seeds) > 1
    preview = new_session(scenario, PlaySettings(preview=True), store=None, identity=None)
    assert preview.seed is None and preview.shown() == (1, 2, 3)
    mini = new_session(load_scenario(MINI), PlaySettings(), store=None, identity=None)
    assert mini.seed is None and mini.shown() == (1, 2)


@pytest.mark.parametrize("key", [1, 2, 3])
def test_every_key_reaches_the_reply_shown_there(key: int) -> None:
    scenario = load_scenario(FORMAT11)
    session = new_session(scenario, PlaySettings(), store=None, identity=None)
    expected = session.shown()[key - 1]
    assert session.choose_shown(key).choice == expected

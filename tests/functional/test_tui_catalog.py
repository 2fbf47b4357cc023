"""The picker's catalogue and its cache (no Textual app needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.tui.catalog import load_catalog


def test_the_cache_spares_validation_until_a_file_changes(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "catalog.json"
    assert load_catalog([tui_scenarios], cache=cache, cached_only=True) is None
    first = load_catalog([tui_scenarios], cache=cache)
    assert first is not None and cache.exists()
    assert [e.title for e in first] == [
        "The caller who keeps talking", "The broken kettle", "tui_broken.yaml",
    ]  # fmt: skip
    again = load_catalog([tui_scenarios], cache=cache, cached_only=True)
    assert again == first  # metadata and problems survive the round trip
    broken = again[-1]
    assert broken.meta is None and broken.first_error is not None
    assert broken.first_error.line == 19 and "nowhere" in broken.first_error.message

    loop = tui_scenarios / "tui_loop.yaml"
    loop.write_text(loop.read_text().replace("keeps talking", "never stops"))
    assert load_catalog([tui_scenarios], cache=cache, cached_only=True) is None
    updated = load_catalog([tui_scenarios], cache=cache)
    assert updated is not None
    assert "The caller who never stops" in [e.title for e in updated]
    assert load_catalog([tui_scenarios], cache=cache, cached_only=True) == updated


def test_a_damaged_cache_is_ignored(tui_scenarios: Path, tmp_path: Path) -> None:
    cache = tmp_path / "catalog.json"
    cache.write_text("{not json")
    entries = load_catalog([tui_scenarios], cache=cache)
    assert entries is not None and len(entries) == 3
    assert load_catalog([tui_scenarios], cache=cache, cached_only=True) == entries


def test_filter_matches_every_word_in_title_tags_channel_or_summary(tui_scenarios: Path) -> None:
    entries = load_catalog([tui_scenarios])
    assert entries is not None
    by_file = {e.path.name: e for e in entries}
    kettle = by_file["tui_call.yaml"]
    assert kettle.matches("") and kettle.matches("KETTLE phone")
    assert kettle.matches("refund alex")  # a tag and the customer's name
    assert not kettle.matches("kettle chat")
    assert by_file["tui_broken.yaml"].matches("tui_broken")


def test_uncached_files_are_listed_by_name_until_checked(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    from simulator.tui.catalog import quick_catalog

    cache = tmp_path / "cache" / "catalog.json"
    quick = quick_catalog([tui_scenarios], cache=cache)
    assert all(e.pending and e.meta is None for e in quick)
    assert sorted(e.title for e in quick) == ["tui_broken.yaml", "tui_call.yaml", "tui_loop.yaml"]
    assert not cache.exists()  # nothing validated, nothing written
    checked = load_catalog([tui_scenarios], cache=cache)
    assert checked is not None and not any(e.pending for e in checked)
    assert quick_catalog([tui_scenarios], cache=cache) == checked


async def test_the_first_start_shows_the_files_then_their_titles(
    tui_scenarios: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an empty cache the picker lists the files by name without waiting for the
    validator (held back here), and their titles once they are checked."""
    from simulator.tui.app import TalkdownApp
    from tests.functional.test_tui_flows import flat, new_app, ready

    check = TalkdownApp.load_scenarios
    monkeypatch.setattr(TalkdownApp, "load_scenarios", lambda self: None)
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = flat(app)
        assert "3 of 3 scenarios · checking 3…" in first
        assert "tui_call.yaml — checking…" in first
        assert app.catalog is None  # not final: a resume waits for the checked catalogue
        check(app)
        await ready(pilot)
        text = flat(app)
        assert "The broken kettle" in text and "checking" not in text

"""The picker's catalogue and its cache (no Textual app needed)."""

from __future__ import annotations

from pathlib import Path

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

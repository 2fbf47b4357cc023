"""A small, fixed cohort: fixed uuids, times and scores, for examples and tests.

The golden export files, the docs' examples and the trainer screen tests are
all built from `build_sample`, so they agree with each other. It goes through
the store's public API exactly as a play-through would (start, one reply at a
time, finish); the abandoned attempt is imported, because abandoning stamps the
current time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from simulator.results import AttemptRow, ChoiceRow, ResultsStore

HASH_V1: Final = "1a" * 32
HASH_V2: Final = "2b" * 32
HASH_REFUND: Final = "3c" * 32
T0: Final = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
APP_VERSION: Final = "0.1.0"


def sample_uuid(n: int) -> str:
    """The fixed uuid of sample attempt *n*."""
    return f"00000000-0000-4000-8000-{n:012d}"


# (seq-less) replies: node, choice, say, empathy, assertiveness, tags, mood before/after,
# seconds, latency_ms, next node
Reply = tuple[str, int | None, str, int, int, tuple[str, ...], int, int, int, float | None,
              str | None]  # fmt: skip

PARCEL_GOOD: Final[list[Reply]] = [
    ("opening", 1, "I'm so sorry — that's a day you can't get back. Let me find it now.",
     2, 1, ("acknowledge", "apologise"), 70, 55, 20, 4210.5, "tracking"),
    ("tracking", 2, 'It\'s at the depot; I\'ll have it sent "express", today.',
     1, 2, ("take-ownership", "set-timeline"), 55, 30, 30, 6120.0, "offer"),
    ("offer", 1, "Would a refund of the shipping, or a voucher, suit you better?",
     1, 1, ("offer-options",), 30, 15, 25, 3900.25, None),
]  # fmt: skip
PARCEL_V2: Final[list[Reply]] = [
    ("opening", 1, "I'm so sorry. Let me look at this with you right now.",
     2, 1, ("acknowledge", "apologise"), 70, 50, 20, 2500.0, "tracking"),
    ("tracking", 1, "It ships express today, and I'll call you tomorrow at 10.",
     1, 2, ("set-timeline", "follow-up"), 50, 20, 30, 3100.0, None),
]  # fmt: skip
PARCEL_BAD: Final[list[Reply]] = [
    ("opening", 2, "Can I have your order number?",
     -1, 0, ("robotism",), 70, 80, 15, 1800.0, "tracking"),
    ("tracking", 3, "Please hold.\nYour call is important to us.",
     -2, -1, ("robotism", "runaround"), 80, 95, 40, 950.0, "angry"),
    ("angry", 2, "It says delivered, so it must have been taken from your porch.",
     -1, -1, ("brush-off",), 95, 100, 15, 700.0, None),
]  # fmt: skip
#: Bo's last reply states a delivery the tracking does not show: a critical error.
PARCEL_BAD_CRITICAL: Final = {3: "told the customer the parcel was delivered; tracking says not"}
REFUND: Final[list[Reply]] = [
    ("opening", 1, "I understand, and I'd be upset too. Let me see what I can do.",
     1, 0, ("acknowledge",), 60, 50, 20, 5000.0, "policy"),
    ("policy", 2, "Policy is 30 days, I can't do anything — a supervisor might.",
     0, -1, ("rule-book", "runaround"), 50, 65, 25, 4400.0, None),
]  # fmt: skip
REFUND_TIMED: Final[list[Reply]] = [
    ("opening", 1, "I understand, and I'd be upset too. Let me see what I can do.",
     1, 0, ("acknowledge",), 60, 50, 20, 12000.0, "policy"),
    ("policy", None, "", 0, 0, ("apathy",), 50, 60, 20, None, "policy"),
]  # fmt: skip


def _play(
    store: ResultsStore,
    n: int,
    *,
    name: str,
    cohort: str,
    scenario: tuple[str, str, str],
    mode: str,
    start: datetime,
    replies: list[Reply],
    finish: dict[str, Any] | None,
    email: str | None = None,
    timed: int | None = None,
    seed: int | None = None,
    shown: tuple[int | None, ...] = (),
    critical: dict[int, str] | None = None,
) -> str:
    key = store.start_attempt(
        name=name, cohort=cohort, email=email, scenario_id=scenario[0],
        scenario_title=scenario[1], content_hash=scenario[2], mode=mode, start_node="opening",
        timed_seconds=timed, started_at=start, uuid=sample_uuid(n), app_version=APP_VERSION,
        shuffle_seed=seed,
    )  # fmt: skip
    moment = start
    for seq, reply in enumerate(replies, 1):
        moment += timedelta(seconds=7 + seq)
        node, choice, say, emp, ass, tags, before, after, secs, latency, nxt = reply
        store.record_choice(
            key, seq=seq, node=node, choice=choice, say=say, empathy=emp, assertiveness=ass,
            tags=tags, mood_before=before, mood_after=after, seconds=secs, latency_ms=latency,
            next_node=nxt, recorded_at=moment, shown=shown[seq - 1] if shown else None,
            critical=(critical or {}).get(seq),
        )  # fmt: skip
    if finish is not None:
        store.finish_attempt(key, finished_at=moment + timedelta(seconds=2.5), **finish)
    return key


def build_sample(store: ResultsStore) -> list[str]:
    """Fill *store* (best empty) with the sample cohort; return the attempt uuids."""
    parcel_v1 = ("late-parcel", "The missing birthday present", HASH_V1)
    parcel_v2 = ("late-parcel", "The missing birthday present", HASH_V2)
    refund = ("refund-policy", "A refund outside policy", HASH_REFUND)
    day = timedelta(days=1)
    keys = [
        _play(store, 1, name="Ann Lee", cohort="2024-spring", email="ann@example.com",
              scenario=parcel_v1, mode="practice", start=T0, replies=PARCEL_GOOD,
              finish={"ending": "resolved", "ending_node": "thanks", "empathy": 100.0,
                      "assertiveness": 87.5, "speed": 100.0, "overall": 95.83333333333333,
                      "passed": True, "outcome": "Shipping refunded; the gift arrives tomorrow."}),
        _play(store, 2, name="Bo Chen", cohort="2024-spring", scenario=parcel_v1,
              mode="practice", start=T0 + timedelta(hours=2), replies=PARCEL_BAD,
              critical=PARCEL_BAD_CRITICAL,
              finish={"ending": "lost", "ending_node": None, "empathy": 0.0,
                      "assertiveness": 12.5, "speed": 0.0, "overall": 4.166666666666667,
                      "passed": False}),
        _play(store, 3, name="Ann Lee", cohort="2024-spring", email="ann@example.com",
              scenario=parcel_v2, mode="assessment", timed=30, start=T0 + day,
              replies=PARCEL_V2, seed=4242, shown=(3, 1),
              finish={"ending": "resolved", "ending_node": "thanks", "empathy": 100.0,
                      "assertiveness": 100.0, "speed": 80.0, "overall": 93.33333333333333,
                      "passed": True, "outcome": "Sent express; a call booked for tomorrow."}),
        _play(store, 4, name="Bo Chen", cohort="2024-spring", scenario=refund,
              mode="practice", start=T0 + day + timedelta(hours=1), replies=REFUND,
              finish={"ending": "escalated", "ending_node": "supervisor", "empathy": None,
                      "assertiveness": 0.0, "speed": 0.0, "overall": 0.0, "passed": False,
                      "outcome": "Passed to a supervisor with no notes."}),
        _play(store, 5, name="Zoë Ng", cohort="2024-autumn", scenario=refund,
              mode="assessment", timed=20, start=T0 + 2 * day, replies=REFUND_TIMED,
              finish=None),
        _play(store, 6, name="Bo Chen", cohort="2024-spring", scenario=parcel_v1,
              mode="practice", start=T0 + 3 * day, replies=PARCEL_GOOD,
              finish={"ending": "resolved", "ending_node": "thanks", "empathy": 100.0,
                      "assertiveness": 87.5, "speed": 100.0, "overall": 95.83333333333333,
                      "passed": True, "outcome": "Shipping refunded; the gift arrives tomorrow."}),
    ]  # fmt: skip
    # Abandoned: imported with fixed times (abandon_attempt stamps "now").
    start = T0 + 4 * day
    abandoned = AttemptRow(
        uuid=sample_uuid(7), trainee_id=0, trainee="Zoë Ng", cohort="2024-autumn", email=None,
        scenario_id="late-parcel", scenario_title="The missing birthday present",
        content_hash=HASH_V2, mode="batch", timed_seconds=None, start_node="opening",
        started_at=start, finished_at=None, status="abandoned", ending=None, ending_node=None,
        empathy=None, assertiveness=None, speed=None, overall=None, passed=None, seconds=15,
        turns=1, app_version=APP_VERSION, updated_at=start + timedelta(minutes=30),
    )  # fmt: skip
    node, choice, say, emp, ass, tags, before, after, secs, latency, nxt = PARCEL_BAD[0]
    reply = ChoiceRow(
        attempt_uuid=abandoned.uuid, seq=1, node=node, choice=choice, say=say, empathy=emp,
        assertiveness=ass, tags=tags, mood_before=before, mood_after=after, seconds=secs,
        latency_ms=latency, next_node=nxt, recorded_at=start + timedelta(seconds=8),
    )  # fmt: skip
    store.import_attempt(abandoned, [reply])
    keys.append(abandoned.uuid)
    return keys

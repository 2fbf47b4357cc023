"""Write import-hostile.jsonl beside this file: one hostile case per line.

Run it again after editing escapes.yaml (the lines carry its content hash):
    python tests/hostile/corpus/write_import_hostile.py
The cases are listed in tests/hostile/test_import.py.
"""

import copy
import hashlib
import json
from pathlib import Path

corpus = Path(__file__).parent
digest = hashlib.sha256((corpus / "escapes.yaml").read_bytes()).hexdigest()
base = {
    "format": "talkdown-attempt/1",
    "uuid": "00000000-0000-4000-8000-00000000a001",
    "trainee": {"name": "Ann Lee", "cohort": "2024-spring", "email": "ann@example.com"},
    "scenario": {"id": "hostile-escapes", "title": "T", "content_hash": digest},
    "mode": "practice",
    "timed_seconds": None,
    "start_node": "opening",
    "started_at": "2024-03-01T09:00:00.000000Z",
    "finished_at": "2024-03-01T09:01:00.000000Z",
    "updated_at": "2024-03-01T09:01:00.000000Z",
    "status": "completed",
    "ending": "resolved",
    "ending_node": "done",
    "scores": {"empathy": 100.0, "assertiveness": 100.0, "speed": 100.0, "overall": 100.0},
    "passed": True,
    "seconds": 20,
    "turns": 1,
    "app_version": "0.1.0",
    "choices": [
        {
            "seq": 1,
            "node": "opening",
            "choice": 1,
            "say": "hi",
            "empathy": 2,
            "assertiveness": 1,
            "tags": ["acknowledge"],
            "mood_before": 50,
            "mood_after": 30,
            "seconds": 20,
            "latency_ms": 900.0,
            "next_node": None,
            "recorded_at": "2024-03-01T09:00:30.000000Z",
        }
    ],
}
n = 1


def case(change):
    global n
    n += 1
    item = copy.deepcopy(base)
    item["uuid"] = f"00000000-0000-4000-8000-00000000a{n:03d}"
    change(item)
    return json.dumps(item, ensure_ascii=False)


lines = [json.dumps(base)]
lines.append(case(lambda r: r.update(started_at="0001-01-01T00:00:00+01:00")))
lines.append(case(lambda r: r.update(finished_at="9999-12-31T23:59:59-01:00")))
deep = case(lambda r: r.update(extra="@DEEP@"))
lines.append(deep.replace('"@DEEP@"', "[" * 100_000 + "]" * 100_000))
lines.append(case(lambda r: r["trainee"].update(email="mallory@evil.example")))
lines.append(case(lambda r: r.update(ending="lost", ending_node="gone")))
lines.append(case(lambda r: r.update(finished_at="2024-03-01T08:00:00.000000Z")))
lines.append(case(lambda r: r["trainee"].update(name="Ann\u0000Lee")))
lines.append(case(lambda r: r["trainee"].update(cohort="2024\x1b]0;PWNED\x07")))
lines.append(case(lambda r: r.update(start_node="nowhere")))
lines.append(case(lambda r: r["choices"][0].update(next_node="nowhere")))
lines.append(case(lambda r: r["choices"][0].update(choice=7)))
lines.append(case(lambda r: r.update(ending_node="gone")))
lines.append(case(lambda r: r["scenario"].update(id="late-parcel")))
nan = case(lambda r: r["scores"].update(overall="@NAN@"))
lines.append(nan.replace('"@NAN@"', "NaN"))
lines.append(case(lambda r: r["trainee"].update(name="Zoë Ng", cohort="2024-autumn", email=None)))
(corpus / "import-hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

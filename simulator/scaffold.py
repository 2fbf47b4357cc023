"""A starting scenario for ``talkdown new``: small, valid under ``--strict``, commented.

The template shows every feature an author needs on day one: four decision
nodes, all three ending kinds, a mood-guarded route, a flag raised by one
reply and read by a later condition, tags, feedback and per-reply timing.
"""

from __future__ import annotations

import json
import re
from typing import Final

SCHEMA_FILE: Final = "scenario.schema.json"
MODELINE: Final = f"# yaml-language-server: $schema=./{SCHEMA_FILE}"
ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]*\Z")  # the loader's scenario id rule
EXPERT_CHOICES: Final = (1, 1, 1)  # the strongest replies, start to resolved ending

_TEMPLATE: Final = """\
{modeline}
# A new talkdown scenario. Replace the story, keep the shape, then check it:
#   talkdown validate --strict {id}.yaml     every problem, with line numbers
#   talkdown run {id}.yaml --choices 1,1,1   play the strongest replies
#   talkdown analyze {id}.yaml               par, best/worst scores, dead replies
#   talkdown graph {id}.yaml > {id}.mmd      a diagram (Mermaid; --format dot too)
# Field reference and the tag list: docs/scenario-format.md.
format: 1
# The id matches the file name: lowercase letters, digits and hyphens.
id: {id_q}
title: {title_q}
summary: A customer's lamp arrived broken and they want it sorted today.
difficulty: 2          # 1 (gentle) .. 5 (hardest)
minutes: 5             # estimated play time
tags: [retail, delivery]
customer:
  name: Alex Morgan
  persona: Paid extra for next-day delivery of a lamp; it arrived in pieces.
  mood: 60             # anger: 0 calm .. 100 furious
  walkout_at: 95       # mood reaching this ends the call at once: a 'lost' ending
  walkout_line: Forget it. I'll buy one somewhere else.
scoring:
  weights: {{empathy: 1, assertiveness: 1, speed: 1}}
  pass_mark: 70
start: opening

nodes:
  # A decision node: what the customer says, then the replies on offer (1-9).
  opening:
    customer: "[angry] My lamp arrived in pieces. I paid extra for next-day!"
    choices:
      - say: I'm so sorry, that's not what you paid for. Let me put it right now.
        empathy: 2             # points this reply earns (scored against the others here)
        assertiveness: 1
        mood: -15              # how the customer's anger changes
        seconds: 20            # simulated call time the reply takes
        tags: [acknowledge, apologise]
        feedback: Naming what went wrong and apologising first lowers the temperature.
        set: [apologised]      # a flag; conditions later can read it
        next: details
      - say: Can I take your order number?
        empathy: -1
        mood: 10
        seconds: 10
        tags: [robotism]
        feedback: Correct, but it ignores what she just told you.
        next: details

  details:
    customer: So what are you going to do about it?
    choices:
      - say: I can send a replacement by express today, or refund you in full. Which suits you?
        empathy: 1
        assertiveness: 2
        mood: -10
        seconds: 20
        tags: [offer-options]
        feedback: Real choices give the customer back some control.
        next: confirm
      - say: We refund once the broken lamp comes back to us. That's the policy.
        empathy: -1
        assertiveness: 1
        mood: 15
        seconds: 25
        tags: [rule-book]
        feedback: Policy with no reason or help. A calm customer may accept it; an angry one won't.
        next:                  # routes are tried in order; the first that holds wins
          - if: mood >= 80
            goto: manager
          - goto: confirm      # the last route has no 'if:'

  manager:
    customer: This is ridiculous. Put me through to your manager.
    choices:
      - say: I'm sorry. I can fix this myself right now. Will you give me two minutes?
        empathy: 2
        assertiveness: 2
        mood: -20
        seconds: 25
        tags: [apologise, take-ownership]
        feedback: Owning the problem often makes the transfer unnecessary.
        set: [apologised]
        next: details
      - say: Sure, I'll transfer you to my supervisor.
        assertiveness: -1
        mood: 5
        seconds: 45
        tags: [runaround]
        feedback: The customer has to tell the whole story again.
        next: handed_over
      - say: There's no need to raise your voice.
        empathy: -2
        assertiveness: -1
        mood: 10
        seconds: 10
        tags: [condescension]
        feedback: Policing her tone tells her she is the problem.
        next: cancelled

  confirm:
    customer: Fine. And how do I know the new one won't arrive broken too?
    choices:
      - say: I'll have it double-boxed and email you the tracking within the hour.
        empathy: 1
        assertiveness: 2
        mood: -10
        seconds: 25
        tags: [set-timeline, follow-up]
        feedback: A specific promise with a time on it is easy to believe.
        next:
          - if: apologised       # without an apology, even a good fix feels grudging
            goto: sorted
          - goto: manager
      - say: Couriers drop things sometimes. There's not much we can do.
        empathy: -2
        assertiveness: -1
        mood: 20
        seconds: 10
        tags: [apathy]
        feedback: Shrugging it off tells her it will happen again.
        next: cancelled

  # Ending nodes: the customer's last line and how it ended.
  sorted:
    customer: Thank you. That's all I wanted.
    ending: resolved           # resolved | escalated | lost
    outcome: Replacement sent double-boxed; tracking emailed.
  handed_over:
    customer: "[to the supervisor] Right, from the beginning, again..."
    ending: escalated
    outcome: Transferred to a supervisor.
  cancelled:
    customer: Cancel the order. I'm done.
    ending: lost
    outcome: Order cancelled; the customer will not come back.
"""


def valid_id(scenario_id: str) -> bool:
    """True for lowercase letters, digits and hyphens, starting with a letter or digit."""
    return bool(ID_RE.match(scenario_id))


def title_for(scenario_id: str) -> str:
    """``late-parcel`` → ``Late parcel``."""
    return scenario_id.replace("-", " ").capitalize()


def scenario_template(scenario_id: str, title: str | None = None) -> str:
    """The YAML text of a new scenario with id ``scenario_id``."""
    if not valid_id(scenario_id):
        raise ValueError(f"not a valid scenario id: {scenario_id!r}")
    return _TEMPLATE.format(
        modeline=MODELINE,
        id=scenario_id,
        id_q=json.dumps(scenario_id),  # quoted: ids like 'yes' or '123' stay text
        title_q=json.dumps(title or title_for(scenario_id), ensure_ascii=False),
    )

"""A starting scenario for ``talkdown new``: small, valid under ``--strict``, commented.

The template shows every feature an author needs on day one, and the craft
that keeps a scenario from being beaten without thinking: four decision nodes,
all three ending kinds, a mood-guarded route, a flag raised by one reply and
read by a later condition and an outcome variant, narration, an "On your
screen" fact, reactions, a critical error, ``{agent}``, and replies whose
length, apologies and position do not give the strongest one away.
"""

from __future__ import annotations

import json
import re
from typing import Final

SCHEMA_FILE: Final = "scenario.schema.json"
MODELINE: Final = f"# yaml-language-server: $schema=./{SCHEMA_FILE}"
ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]*\Z")  # the loader's scenario id rule
EXPERT_CHOICES: Final = (2, 3, 1)  # the strongest replies (authored numbers) to resolved

_TEMPLATE: Final = """\
{modeline}
# A new talkdown scenario. Replace the story, keep the shape, then check it:
#   talkdown validate --strict {id}.yaml     every problem, with line numbers
#   talkdown audit {id}.yaml                 can it be beaten without thinking?
#   talkdown run {id}.yaml --choices 2,3,1   play the strongest replies
#   talkdown analyze {id}.yaml               par, best/worst scores, dead replies
#   talkdown graph {id}.yaml > {id}.mmd      a diagram (Mermaid; --format dot too)
# Field reference and the tag list: docs/scenario-format.md; the craft of replies
# that don't give the answer away: docs/authoring.md.
format: 1.1
# The id matches the file name: lowercase letters, digits and hyphens.
id: {id_q}
title: {title_q}
summary: A customer's lamp arrived broken and they want it sorted today.
difficulty: 2          # 1 (gentle) .. 5 (hardest)
minutes: 5             # estimated play time
tags: [retail, delivery]
# shuffle: true        # (the default) each attempt shows the replies in its own order
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
  # A decision node: what happens, what the agent's system shows, what is said,
  # then the replies on offer. Keep each reply to what an agent says in one breath.
  opening:
    narration: A sharp sigh before she has even said hello.   # stage directions
    screen: "Order 5521: desk lamp, next-day delivery (£6.99 paid), delivered 09:40 today."
    customer: My lamp arrived in pieces. I paid extra for next-day delivery!
    choices:
      - say: Can I take your order number?
        empathy: -1
        assertiveness: 1      # right to move things on, but cold: a near miss
        mood: 5
        seconds: 10
        tags: [robotism]
        feedback: The order is already on your screen, and she hasn't been heard yet.
        reaction: It's on the email you sent me. 5521.   # her reply, straight after yours
        next: details
      - say: That's not what you paid for, and I'm sorry. I'm {{agent}}; let's put it right.
        empathy: 2             # points this reply earns (scored against the others here)
        assertiveness: 1
        mood: -15              # how the customer's anger changes
        seconds: 15            # simulated call time the reply takes
        tags: [acknowledge, apologise]
        feedback: Naming what went wrong, one apology and your name lower the temperature.
        reaction: Thank you. So what happens now?
        set: [apologised]      # a flag; conditions later can read it
        next: details
      - say: >-
          Oh no. I am so, so sorry. That is absolutely awful, and I completely understand
          how upsetting this must be. I would be furious too.
        empathy: 1
        assertiveness: -1
        mood: -5
        seconds: 25
        tags: [apologise]
        feedback: Warm, but a speech of apologies delays the fix and starts to sound scripted.
        reaction: Okay... but what are you going to DO?
        next: details

  details:
    customer: So what are you going to do about it?
    choices:
      - say: We refund once the broken lamp comes back to us. That's the policy.
        empathy: -1
        assertiveness: 1
        mood: 15
        seconds: 15
        tags: [rule-book]
        feedback: Policy with no reason or help. A calm customer may accept it; an angry one won't.
        next:                  # routes are tried in order; the first that holds wins
          - if: mood >= 60
            goto: manager
          - goto: confirm      # the last route has no 'if:'
      - say: >-
          I'll refund the whole £250 as a goodwill gesture. I'll send a new lamp free of
          charge too, and upgrade you to premium for a year. You deserve it after all this.
        empathy: 1
        assertiveness: -2
        mood: -20
        seconds: 20
        tags: [take-ownership]
        feedback: Generous and warm, but an agent can't give £250 or a free year; it comes back.
        critical: offered money and upgrades beyond an agent's authority   # fails the call
        reaction: Wow. Okay, thank you!
        set: [overpromised]
        next: confirm
      - say: I can send a new lamp by express today, or refund it with the £6.99. Which suits you?
        empathy: 1
        assertiveness: 2
        mood: -10
        seconds: 20
        tags: [offer-options]
        feedback: Two real choices, both within what you can give, hand her back some control.
        reaction: The new one, today please.
        next: confirm

  manager:
    customer: This is ridiculous. Put me through to your manager.
    choices:
      - say: Sure, I'll transfer you to my supervisor.
        empathy: 0
        assertiveness: -1
        mood: 5
        seconds: 45
        tags: [runaround]
        feedback: The customer has to tell the whole story again.
        next: handed_over
      - say: I'm afraid a manager would offer the same. I can send the new lamp today. Shall I?
        empathy: 1
        assertiveness: 2
        mood: -20
        seconds: 20
        tags: [hold-boundary, take-ownership]
        feedback: Honest about the transfer, and owning the fix usually makes it unnecessary.
        reaction: Fine. Today, you said?
        set: [apologised]
        next: details
      - say: There's no need to raise your voice. I'm only trying to help.
        empathy: -2
        assertiveness: 1
        mood: 15
        seconds: 10
        tags: [condescension]
        feedback: Policing her tone tells her she is the problem.
        next: cancelled

  confirm:
    customer: And how do I know the new one won't arrive broken too?
    choices:
      - say: I'll ask the warehouse to double-box it and email you the tracking within the hour.
        empathy: 1
        assertiveness: 2
        mood: -10
        seconds: 20
        tags: [set-timeline, follow-up]
        feedback: A specific promise you can keep, with a time on it, is easy to believe.
        next:
          - if: apologised       # without an apology, even a good fix feels grudging
            goto: sorted
          - goto: manager
      - say: >-
          Don't worry at all. I can promise you it will arrive in perfect condition this
          time. Nothing will go wrong, you have my word.
        empathy: 0
        assertiveness: -2
        mood: 5
        seconds: 15
        tags: [brush-off]
        feedback: Reassuring, but you can't promise what a courier does; say what you will do.
        reaction: You said that last time, didn't you?
        next:
          - if: apologised
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

  # Ending nodes: the customer's last line and how it ended. An outcome may have
  # variants: the first whose condition holds at the end is shown.
  sorted:
    customer: Thanks, {{agent}}. That's all I wanted.
    ending: resolved           # resolved | escalated | lost
    outcome:
      - if: overpromised
        text: The lamp was sent, but finance refused the £250; Alex is calling back to complain.
      - text: Replacement sent double-boxed; tracking emailed within the hour.
  handed_over:
    narration: Hold music, then the supervisor picks up.
    customer: Right. From the beginning, again...
    ending: escalated
    outcome: Transferred to a supervisor; Alex told the story twice.
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

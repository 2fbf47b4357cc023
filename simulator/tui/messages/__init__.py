"""Messages: widgets tell their screens, screens tell the app ("attributes down, messages up").

One module per topic, one dataclass per message. The app decides what
happens next (which screen, what is saved); screens and widgets only say
what the trainee asked for.
"""

from simulator.tui.messages.conversation import ConversationFinished, LeaveRequested
from simulator.tui.messages.debrief import BackToScenarios, ExpertReplayRequested, RetryRequested
from simulator.tui.messages.picker import PlayRequested, ResumeRequested, ScenarioChosen
from simulator.tui.messages.replies import ReplyChosen, ReplyTyped

__all__ = [
    "BackToScenarios",
    "ConversationFinished",
    "ExpertReplayRequested",
    "LeaveRequested",
    "PlayRequested",
    "ReplyChosen",
    "ReplyTyped",
    "ResumeRequested",
    "RetryRequested",
    "ScenarioChosen",
]

"""talkdown: practise de-escalating angry customers in the terminal."""

__version__ = "0.1.0"

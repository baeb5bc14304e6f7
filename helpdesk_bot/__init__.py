"""The CTI help desk: a Telegram bot answering officials' questions on the Convention against Torture."""

__version__ = "0.1.0"

"""``python -m helpdesk_bot run`` as a real subprocess against the Bot API stand-in.

For the crash, privacy and scale tests: the bot is started exactly as an operator starts it,
killed with SIGTERM or SIGKILL, and its log read back.

Example::

    bot = BotProcess(botapi, env_for(botapi, database_url, tmp_path)).start()
    botapi.push_message(user(7), text="How do we ratify UNCAT?", token=TOKEN)
    bot.terminate()          # SIGTERM; returns the exit code
    bot.log()                # everything it wrote to stderr/stdout
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.botapi import BotApiServer

ROOT = Path(__file__).resolve().parent.parent
# A token of its own, so the stand-in keeps this bot's updates apart and the log can be searched.
TOKEN = "7357000111:SECRET_crash-test-token_do-not-log"
STAFF_CHAT = -100777
STAFF = 9001


def env_for(botapi: BotApiServer, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an operator's ``helpdesk-bot run`` pointed at the stand-in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(
        {
            "HELPDESK_TELEGRAM_TOKEN": TOKEN,
            "HELPDESK_TELEGRAM_API_URL": botapi.base_url,
            "HELPDESK_DATABASE_URL": database_url,
            "HELPDESK_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
            "HELPDESK_REFERRALS_DIR": str(ROOT / "referrals"),
            "HELPDESK_STAFF_CHAT_ID": str(STAFF_CHAT),
            "HELPDESK_STAFF_IDS": str(STAFF),
            "HELPDESK_LOG_LEVEL": "DEBUG",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class BotProcess:
    """One bot process; its output goes to a file so a full pipe never blocks it."""

    def __init__(
        self, botapi: BotApiServer, env: dict[str, str], log_path: Path, *args: str
    ) -> None:
        self.botapi = botapi
        self.env = env
        self.log_path = log_path
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 30.0, wait_polling: bool = True) -> BotProcess:
        """Start the process; with ``wait_polling``, return once its first getUpdates arrived."""
        started = time.monotonic()
        out = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk_bot", "run", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        if wait_polling:
            self._wait(
                lambda: self.botapi.polling(after=started, token=TOKEN), "getUpdates call", timeout
            )
        return self

    def wait_for_call(self, method: str, *, since: int = 0, timeout: float = 30.0) -> None:
        self._wait(
            lambda: any(c.token == TOKEN for c in self.botapi.calls_to(method, since=since)),
            f"{method} call",
            timeout,
        )

    def _wait(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        """Poll ``condition`` until it holds; fail at once if the bot exits, or past ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited ({self.process.returncode}):\n{self.log()}")
            time.sleep(0.05)
        raise AssertionError(f"the bot made no {what} in {timeout}s:\n{self.log()}")

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, as systemd or Docker stop a service; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL (kill -9): no clean-up at all."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop_quietly(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def replies(botapi: BotApiServer, *, since: int = 0) -> list:
    """What officials received (private chats) from the bot process, as the stand-in delivered it."""
    return [
        c
        for c in botapi.calls_to("sendMessage", since=since)
        if c.token == TOKEN and c.status == 200 and (c.chat_id or 0) > 0
    ]


def wait_until(condition, timeout: float, what: str, bot: BotProcess) -> None:
    """Poll ``condition`` until it holds; past ``timeout`` fail with the end of the bot's log."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{bot.log()[-3000:]}")
        time.sleep(0.05)

"""Scale: webhook mode with its secret token, and two bot processes on one PostgreSQL database.

Telegram's part is played twice: the stand-in answers the bots' Bot API calls, and the test posts
updates to the bots' webhook servers itself, as Telegram (behind a load balancer) would.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest
from sqlalchemy import select

from helpdesk_bot.db import connect, make_sessionmaker, upgrade
from helpdesk_bot.models import Query, Ticket, TicketMessage
from tests.conftest import migrated_sqlite_url, truncate_all
from tests.process import STAFF, STAFF_CHAT, BotProcess, env_for

SECRET = "webhook-secret_0123456789"
_ids = itertools.count(int(time.time()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message_update(sender: int, chat: int, text: str, reply_to: dict | None = None) -> dict:
    """A Telegram update carrying a text message (as Telegram would POST it)."""
    message: dict = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup", "title": "Staff"},
        "from": {"id": sender, "is_bot": False, "first_name": "Official", "language_code": "en"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return {"update_id": next(_ids), "message": message}


def post(port: int, update: dict, secret: str | None) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json"}
        | ({"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def webhook_bot(botapi, url: str, log, port: int) -> BotProcess:
    env = env_for(botapi, url, HELPDESK_WEBHOOK_SECRET=SECRET, HELPDESK_LOG_LEVEL="INFO")
    args = ("--webhook-url", "https://bot.example.org:443/hook", "--listen", "127.0.0.1")
    bot = BotProcess(botapi, env, log, *args, "--port", str(port))
    bot.start(wait_polling=False)
    bot.wait_for_call("setWebhook", timeout=30)
    deadline = time.monotonic() + 15
    while True:  # the webhook server listens shortly after setWebhook
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return bot
        except OSError:
            assert time.monotonic() < deadline, bot.log()
            time.sleep(0.1)


@pytest.mark.slow
def test_webhook_refuses_a_wrong_secret_and_handles_the_right_one(botapi, tmp_path):
    url = migrated_sqlite_url(tmp_path)
    port = free_port()
    bot = webhook_bot(botapi, url, tmp_path / "bot.log", port)
    try:
        (registered,) = botapi.calls_to("setWebhook")
        assert registered.params["secret_token"] == SECRET
        assert registered.params["url"] == "https://bot.example.org:443/hook"
        question = "How do we ratify the Convention against Torture?"
        assert post(port, message_update(8501, 8501, question), "wrong-secret") == 403
        assert post(port, message_update(8502, 8502, question), None) == 403
        assert post(port, message_update(8503, 8503, question), SECRET) == 200
        botapi.wait_for("sendMessage", lambda c: c.chat_id == 8503, since=0, timeout=15)
        botapi.wait_idle()
        assert bot.terminate() == 0
    finally:
        bot.stop_quietly()
    assert not botapi.calls_to("sendMessage", chat_id=8501)
    assert not botapi.calls_to("sendMessage", chat_id=8502)
    sessions = make_sessionmaker(connect(url))
    with sessions() as session:
        assert [q.text for q in session.scalars(select(Query))] == [question]


TICKET = re.compile(r"#(\d+)")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_processes_on_one_postgresql_database(botapi, postgres_url, tmp_path):
    """Officials' messages spread over two processes: one open ticket each, numbers unique, and a
    staff reply handled by either process reaches the right official."""
    engine = connect(postgres_url)
    upgrade(engine)
    truncate_all(engine)  # the scratch database is shared with the run's other PostgreSQL tests
    sessions = make_sessionmaker(engine)
    ports = [free_port(), free_port()]
    bots = [
        webhook_bot(botapi, postgres_url, tmp_path / f"bot{n}.log", p) for n, p in enumerate(ports)
    ]
    officials = list(range(8601, 8621))
    try:
        # Each official writes three times to the Secretariat, the messages alternating between
        # the processes and sent at once, so both often handle the same official together.
        def write(official: int) -> None:
            for n in range(3):
                update = message_update(
                    official, official, f"/secretariat Message {n} from {official}"
                )
                assert post(ports[(official + n) % 2], update, SECRET) == 200

        threads = [threading.Thread(target=write, args=(o,)) for o in officials]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deadline = time.monotonic() + 60
        while (
            len(
                [
                    c
                    for c in botapi.calls_to("sendMessage")
                    if (c.chat_id or 0) > 0 and c.status == 200
                ]
            )
            < 60
        ):
            assert time.monotonic() < deadline, bots[0].log() + bots[1].log()
            time.sleep(0.1)

        def carded() -> set[str]:
            return {
                TICKET.search(c.text).group(1)
                for c in botapi.calls_to("sendMessage", chat_id=STAFF_CHAT)
                if c.status == 200 and c.buttons and c.result["text"].startswith("Ticket #")
            }

        # The cards follow at the staff group's pace (about 20 messages a minute a process).
        deadline = time.monotonic() + 120
        while len(carded()) < len(officials):
            assert time.monotonic() < deadline, bots[0].log() + bots[1].log()
            time.sleep(0.2)
        botapi.wait_idle(quiet=1.0, timeout=60)

        with sessions() as session:
            tickets = list(session.scalars(select(Ticket)))
            messages = list(session.scalars(select(TicketMessage)))
        per_official = Counter(t.official_id for t in tickets)
        assert len(tickets) == len(officials) and set(per_official.values()) == {1}
        assert len(messages) == 3 * len(officials)
        number_of = {}
        for official in officials:
            told = {
                int(m)
                for c in botapi.calls_to("sendMessage", chat_id=official)
                for m in TICKET.findall(c.text)
            }
            assert len(told) == 1, f"official {official} was given tickets {told}"
            number_of[official] = told.pop()
        assert len(set(number_of.values())) == len(officials)

        # Staff answer every card through the process that did not post it.
        cards = [
            c
            for c in botapi.calls_to("sendMessage", chat_id=STAFF_CHAT)
            if c.status == 200 and c.buttons and c.result["text"].startswith("Ticket #")
        ]
        assert len({TICKET.search(c.text).group(1) for c in cards}) == len(officials)
        for n, card in enumerate(cards):
            update = message_update(STAFF, STAFF_CHAT, f"Answer {n}", reply_to=card.result)
            assert post(ports[n % 2], update, SECRET) == 200
        deadline = time.monotonic() + 60
        relayed = []
        while len(relayed) < len(cards):
            relayed = [
                c
                for c in botapi.calls_to("sendMessage")
                if (c.chat_id or 0) > 0
                and c.status == 200
                and "Secretariat" in c.text
                and "Answer" in c.text
            ]
            assert time.monotonic() < deadline, bots[0].log() + bots[1].log()
            time.sleep(0.1)
        for call in relayed:
            assert int(TICKET.search(call.text).group(1)) == number_of[call.chat_id]
        # Staff learn each reply was sent: the confirmations follow at the group's pace, after
        # the relays they confirm.
        deadline = time.monotonic() + 120
        while len(
            [
                c
                for c in botapi.calls_to("sendMessage", chat_id=STAFF_CHAT)
                if c.status == 200 and "Sent to the official" in c.text
            ]
        ) < len(cards):
            assert time.monotonic() < deadline, bots[0].log() + bots[1].log()
            time.sleep(0.2)
        for bot in bots:
            assert bot.terminate() == 0
    finally:
        for bot in bots:
            bot.stop_quietly()
        engine.dispose()

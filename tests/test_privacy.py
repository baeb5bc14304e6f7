"""Privacy and access: the token stays out of logs and errors, staff rights come from
HELPDESK_STAFF_IDS only, /forget erases personal data, and retention erases old question text.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

from helpdesk_bot import texts
from helpdesk_bot.desk import Asker, Desk
from helpdesk_bot.models import Official, Query, utcnow
from helpdesk_bot.telegram.app import build_application
from tests.botapi import RunningBot, user
from tests.conftest import migrated_sqlite_url
from tests.process import ROOT, STAFF, TOKEN, BotProcess, env_for

SECRET_PART = TOKEN.split(":", 1)[1]
STAFF_CHAT = -100500  # the staff chat of conftest's settings


# --- the token ------------------------------------------------------------------------------------
@pytest.fixture
def sqlite_url(tmp_path):
    return migrated_sqlite_url(tmp_path)


@pytest.mark.slow
def test_the_token_never_reaches_the_log_even_on_errors(botapi, sqlite_url, tmp_path):
    bot = BotProcess(botapi, env_for(botapi, sqlite_url), tmp_path / "bot.log").start()
    try:
        botapi.fail("sendMessage", status=500, times=10)  # retries exhausted: logged errors
        botapi.push_message(user(8101), text="How do we ratify UNCAT?", token=TOKEN)
        botapi.block(8102)
        botapi.push_message(user(8102), text="How do we ratify UNCAT?", token=TOKEN)
        botapi.fail("getUpdates", status=502)  # the updater logs a traceback
        time.sleep(0.5)
        botapi.hang("sendMessage", seconds=1, chat_id=8103)
        botapi.push_message(user(8103), text="How do we ratify UNCAT?", token=TOKEN)
        botapi.wait_for("sendMessage", lambda c: c.chat_id == 8103, since=0, timeout=20)
        botapi.wait_idle(quiet=1.0, timeout=30)
        assert bot.terminate() == 0
    finally:
        bot.stop_quietly()
    log = bot.log()
    assert "DEBUG" in log and "ERROR" in log  # a verbose log, with the error paths in it
    assert SECRET_PART not in log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "api_url, code",
    [
        (lambda api: f"http://127.0.0.1:{free_port()}/bot", 1),  # nothing listens: network error
        (lambda api: f"{api.url}/wrong", 2),  # the server refuses the token: 404
    ],
    ids=["unreachable", "refused"],
)
def test_start_up_errors_do_not_show_the_token(botapi, sqlite_url, api_url, code):
    env = env_for(botapi, sqlite_url, HELPDESK_TELEGRAM_API_URL=api_url(botapi))
    done = subprocess.run(
        [sys.executable, "-m", "helpdesk_bot", "run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == code, output
    assert SECRET_PART not in output
    # One line for the person (the rest is the DEBUG log this test asks for), without
    # python-telegram-bot's start-up traceback or sessions left open.
    said = [line for line in done.stderr.splitlines() if line.startswith("helpdesk-bot: ")]
    assert len(said) == 1, output
    assert "Traceback" not in output and "Unclosed" not in output, output


# --- staff rights ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sender, chat",
    [(4242, STAFF_CHAT), (4242, 4242), (-1, STAFF_CHAT)],
    ids=["stranger-in-staff-chat", "stranger-in-private", "no-sender"],
)
def test_staff_commands_are_refused_to_anyone_not_in_staff_ids(
    running_bot, botapi, desk, sender, chat
):
    desk.to_secretariat(Asker(telegram_id=8201, chat_id=8201), "A confidential question")
    since = botapi.mark()
    who = user(sender) if sender > 0 else {"id": 777, "is_bot": True, "first_name": "Other bot"}
    botapi.push_message(who, chat, "/queue")
    botapi.wait_idle()
    said = "\n".join(c.text for c in botapi.calls_to("sendMessage", since=since))
    assert "confidential" not in said and "#1" not in said


def test_staff_ids_are_the_only_source_of_staff_rights(running_bot, botapi, desk):
    desk.to_secretariat(Asker(telegram_id=8202, chat_id=8202), "A confidential question")
    botapi.push_message(user(STAFF), STAFF_CHAT, "/queue")
    queue = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert "#1" in queue.text and "confidential" in queue.text


def test_a_stranger_replying_to_a_card_reaches_no_official(running_bot, botapi, desk):
    botapi.push_message(user(8203), text="/secretariat Please call our ministry")
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT and c.buttons)
    botapi.wait_idle()
    since = botapi.mark()
    botapi.push_message(user(4242), STAFF_CHAT, "I am not staff", reply_to=card.result)
    botapi.wait_idle()
    assert not botapi.calls_to("sendMessage", chat_id=8203, since=since)
    assert all(m.author != "staff" for m in desk.ticket(1).messages)


# --- /forget ------------------------------------------------------------------------------------------
def every_text_value(desk: Desk) -> str:
    """Every value of every table, as one string: what a database dump would show."""
    engine = desk.sessions.kw["bind"]
    values = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                values += [str(v) for v in row]
    return "\n".join(values)


def test_forget_removes_personal_data_from_the_database(running_bot, botapi, desk):
    official = user(8301, first_name="Amélie", last_name="Zyxwater", username="azyx")
    botapi.push_message(official, text="Does Zyxland need a reservation to article 20?")
    botapi.wait_for("sendMessage", lambda c: c.chat_id == 8301)
    botapi.push_message(official, text="/secretariat Zyxland ministry asks for a call")
    botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT and c.buttons)
    desk.update_profile(Asker(telegram_id=8301), role="Zyxland legal adviser")
    botapi.wait_idle()
    assert "Zyx" in every_text_value(desk)
    with desk.sessions() as session:
        queries_before = len(session.scalars(select(Query)).all())

    botapi.push_message(official, text="/forget")
    confirm = botapi.wait_for("sendMessage", lambda c: c.chat_id == 8301 and c.buttons)
    botapi.press(official, confirm, texts.say("button_forget_yes", "en"))
    botapi.wait_for("sendMessage", lambda c: c.text == texts.say("forgotten", "en"))
    botapi.wait_idle()

    dump = every_text_value(desk)
    assert "Zyx" not in dump and "Amélie" not in dump and "azyx" not in dump
    with desk.sessions() as session:
        assert session.scalars(select(Official).where(Official.telegram_id == 8301)).all() == []
        queries = session.scalars(select(Query)).all()
    assert len(queries) == queries_before  # the counts stay for the statistics
    assert all(q.text is None and q.official_id is None for q in queries)


# --- retention ------------------------------------------------------------------------------------
def test_retention_erases_old_question_text_and_keeps_the_counts(desk):
    desk = Desk(
        dataclasses.replace(desk.settings, retention_months=6),
        base=desk.base,
        referrals=desk.referrals,
        sessions=desk.sessions,
    )
    old = desk.ask(Asker(telegram_id=8401, chat_id=8401), "How do we ratify UNCAT?")
    new = desk.ask(Asker(telegram_id=8401, chat_id=8401), "When is the initial report due?")
    with desk.sessions.begin() as session:
        session.get(Query, old.query_id).asked_at = utcnow() - timedelta(days=200)
    assert desk.apply_retention() == 1
    with desk.sessions() as session:
        assert session.get(Query, old.query_id).text is None
        assert session.get(Query, new.query_id).text == "When is the initial report due?"
        assert len(session.scalars(select(Query)).all()) == 2


def test_the_running_bot_applies_retention_at_start_up(bot_settings, botapi, desk):
    answer = desk.ask(Asker(telegram_id=8402, chat_id=8402), "How do we ratify UNCAT?")
    with desk.sessions.begin() as session:
        session.get(Query, answer.query_id).asked_at = utcnow() - timedelta(days=400)
    settings = dataclasses.replace(bot_settings, retention_months=12)
    running = RunningBot(build_application(settings, Desk.from_settings(settings))).start()
    try:
        deadline = time.monotonic() + 10
        while True:
            with desk.sessions() as session:
                if session.get(Query, answer.query_id).text is None:
                    break
            assert time.monotonic() < deadline, "the retention job did not run at start-up"
            time.sleep(0.1)
    finally:
        running.stop()
    assert not running.errors

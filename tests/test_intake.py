"""Durable intake: an update is in the inbox before Telegram is told it arrived, and what a crash
or a database error left unhandled is handled again, at least once, without logging a question
twice (helpdesk_bot/intake.py, the inbox methods of the desk).

The crash tests run ``python -m helpdesk_bot run`` as a subprocess against the Bot API stand-in and
kill it with SIGKILL, on SQLite and (when configured) PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql

from helpdesk_bot import texts
from helpdesk_bot.db import connect, make_sessionmaker
from helpdesk_bot.desk import ALREADY_REPLIED, Arrival, Asker
from helpdesk_bot.models import InboxUpdate, Official, Query, utcnow
from tests.botapi import user
from tests.process import TOKEN, BotProcess, env_for, replies, wait_until
from tests.test_scale import SECRET, free_port, message_update, post, webhook_bot

QUESTION = "How do we ratify the Convention against Torture?"


def inbox(desk) -> dict[int, InboxUpdate]:
    with desk.sessions() as session:
        return {row.update_id: row for row in session.scalars(select(InboxUpdate))}


# --- the desk's inbox -----------------------------------------------------------------------------
def test_an_update_is_taken_in_once(desk):
    assert desk.take_in([Arrival(1, 7, "{}"), Arrival(2, 8, "{}")]) == [1, 2]
    # Telegram sends 2 again (its confirmation was lost): only 3 is new.
    assert desk.take_in([Arrival(2, 8, "{}"), Arrival(3, 8, "{}")]) == [3]
    assert sorted(inbox(desk)) == [1, 2, 3]


def test_unhandled_updates_are_taken_back_once_untouched_for_the_lease(desk):
    desk.take_in([Arrival(1, 7, '{"a": 1}'), Arrival(2, 7, '{"b": 2}')], taker="host:1")
    assert desk.take_back(untouched_for=timedelta(minutes=2)) == []  # just taken: not stale
    # A process restarted under its own name takes its rows back at once, except those in hand.
    assert desk.take_back(untouched_for=timedelta(minutes=2), taker="host:1", leave={2}) == [
        (1, '{"a": 1}')
    ]
    assert desk.take_back(untouched_for=timedelta(minutes=2), taker="host:2") == []
    desk.mark_handled([1])
    assert desk.take_back(untouched_for=timedelta(0)) == [(2, '{"b": 2}')]


def test_a_handled_update_keeps_no_text_and_goes_after_two_days(desk):
    desk.take_in([Arrival(1, 7, json.dumps({"text": QUESTION}))])
    desk.mark_handled([1])
    (row,) = inbox(desk).values()
    assert row.raw is None and row.handled_at is not None
    assert desk.purge_inbox(now=row.handled_at + timedelta(days=1)) == 0
    assert desk.purge_inbox(now=row.handled_at + timedelta(days=2, seconds=1)) == 1
    assert inbox(desk) == {}


def test_forget_deletes_the_officials_inbox_rows(desk):
    asker = Asker(telegram_id=7, chat_id=7)
    desk.ask(asker, QUESTION, update_id=1)
    desk.take_in([Arrival(1, 7, "{}"), Arrival(2, 8, "{}"), Arrival(3, 7, "{}")])
    desk.mark_handled([1, 2])
    assert desk.forget(asker)
    # 3 is still being handled (the /forget itself): it loses its text when handled.
    assert sorted(inbox(desk)) == [2, 3]


def test_a_question_handled_again_is_not_logged_twice(desk):
    asker = Asker(telegram_id=7, chat_id=7)
    first = desk.ask(asker, QUESTION, update_id=41)
    desk.take_in([Arrival(41, 7, "{}")])
    assert desk.take_back(untouched_for=timedelta(0)) == [(41, "{}")]
    again = desk.ask(asker, QUESTION, update_id=41)  # crashed before the reply went out
    assert (again.query_id, again.outcome, again.text) == (
        first.query_id,
        first.outcome,
        first.text,
    )
    desk.mark_delivered([(first.query_id, utcnow())])
    assert desk.ask(asker, QUESTION, update_id=41).outcome == ALREADY_REPLIED
    with desk.sessions() as session:
        assert len(list(session.scalars(select(Query)))) == 1


# --- a database error: the question is kept and answered when the database is back --------------
def test_a_question_that_met_a_database_error_is_answered_when_the_database_is_back(
    botapi, bot_settings, desk, caplog
):
    from helpdesk_bot.telegram.app import build_application
    from tests.botapi import RunningBot

    application = build_application(bot_settings, desk)
    running = RunningBot(application)
    running.intake.retry_every, running.intake.lease = 0.2, timedelta(0)
    engine = desk.sessions.kw["bind"]
    with engine.begin() as connection:
        connection.execute(sql("ALTER TABLE queries RENAME TO queries_away"))
    with running:
        since = botapi.mark()
        botapi.push_message(user(4711, "fr"), text="Comment ratifier la Convention ?")
        told = botapi.wait_for("sendMessage", lambda c: c.chat_id == 4711, since=since)
        assert told.result["text"] == texts.say("not_recorded", "fr")
        # Tried again meanwhile, and failing again: the official is not told twice.
        deadline = time.monotonic() + 10
        while "failed again" not in caplog.text:
            assert time.monotonic() < deadline, running.errors
            time.sleep(0.05)
        with engine.begin() as connection:
            connection.execute(sql("ALTER TABLE queries_away RENAME TO queries"))
        botapi.wait_for("sendMessage", lambda c: c.chat_id == 4711, since=since, count=2)
        botapi.wait_idle()
    sent = [c for c in botapi.calls_to("sendMessage", since=since, chat_id=4711) if c.status == 200]
    assert len(sent) == 2 and sent[1].result["text"] != texts.say("not_recorded", "fr")
    with desk.sessions() as session:
        (row,) = session.scalars(select(Query))
        assert row.delivery == "delivered"
    assert all("queries" in str(e) for e in running.errors)
    running.errors.clear()


# --- kill -9 ---------------------------------------------------------------------------------------
def officials_replied(botapi, *, since: int = 0) -> Counter:
    """Replies each official received (private chats), as the stand-in delivered them."""
    return Counter(c.chat_id for c in replies(botapi, since=since))


def rows_per_official(url: str) -> Counter:
    engine = connect(url)
    try:
        with make_sessionmaker(engine)() as session:
            owners = {o.id: o.telegram_id for o in session.scalars(select(Official))}
            return Counter(owners.get(q.official_id) for q in session.scalars(select(Query)))
    finally:
        engine.dispose()


def replies_marked_delivered(url: str) -> int:
    """Questions whose reply the bot recorded as delivered: those are never sent again."""
    engine = connect(url)
    try:
        with make_sessionmaker(engine)() as session:
            return sum(q.delivery == "delivered" for q in session.scalars(select(Query)))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_kill_9_in_a_burst_loses_no_question(botapi, database_url, tmp_path):
    """200 officials ask at once; the bot is killed while it answers them, then restarted: every
    question has one row and a reply (a reply twice only if sent but not yet marked)."""
    env = env_for(botapi, database_url, HELPDESK_LOG_LEVEL="INFO")
    officials = list(range(20_001, 20_201))
    bot = BotProcess(botapi, env, tmp_path / "bot.log").start()
    try:
        for official in officials:
            botapi.push_message(user(official), text=QUESTION, token=TOKEN)
        # Mid-burst: some replies out, most not (Telegram considers every update delivered once
        # the bot has fetched the next batch).
        wait_until(lambda: sum(officials_replied(botapi).values()) >= 10, 60, "10 replies", bot)
        bot.kill()
        answered_before = len(officials_replied(botapi))
        # A reply can go out twice only if it reached Telegram but was not yet marked delivered.
        sent_unmarked = sum(officials_replied(botapi).values()) - replies_marked_delivered(
            database_url
        )
        bot = BotProcess(botapi, env, tmp_path / "bot.log").start()
        wait_until(
            lambda: set(officials_replied(botapi)) >= set(officials),
            120,
            "a reply to every official",
            bot,
        )
        botapi.wait_idle(quiet=1.0, timeout=60)
        assert bot.terminate() == 0
    finally:
        bot.stop_quietly()
    assert answered_before < len(officials)  # the kill did land mid-burst
    replies = officials_replied(botapi)
    duplicated = sum(n - 1 for n in replies.values())
    assert duplicated <= sent_unmarked, f"{duplicated} duplicates, {sent_unmarked} sent unmarked"
    assert rows_per_official(database_url) == Counter(dict.fromkeys(officials, 1))


@pytest.mark.slow
def test_webhook_stores_the_update_before_answering_200(botapi, database_url, tmp_path):
    """Each 200 means the update is in the inbox: killed right after, the bot answers it on restart."""
    port = free_port()
    bot = webhook_bot(botapi, database_url, tmp_path / "bot.log", port)
    engine = connect(database_url)
    officials = list(range(21_001, 21_041))
    try:
        botapi.hang("sendMessage", seconds=30, times=1000)  # nothing is answered before the kill
        updates = [message_update(o, o, QUESTION) for o in officials]
        for update in updates:
            assert post(port, update, SECRET) == 200
            with engine.connect() as connection:  # another connection: committed rows only
                stored = connection.execute(
                    select(InboxUpdate.update_id).where(
                        InboxUpdate.update_id == update["update_id"]
                    )
                ).first()
            assert stored is not None
        bot.kill()
        botapi.reset()
        bot = webhook_bot(botapi, database_url, tmp_path / "bot.log", port)
        wait_until(lambda: set(officials_replied(botapi)) >= set(officials), 60, "every reply", bot)
        botapi.wait_idle(quiet=1.0, timeout=60)
        assert bot.terminate() == 0
    finally:
        bot.stop_quietly()
        engine.dispose()
    assert rows_per_official(database_url) == Counter(dict.fromkeys(officials, 1))

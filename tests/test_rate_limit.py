"""The rate limit and replayed buttons: over HELPDESK_RATE_LIMIT the official is told once to wait
and nothing more reaches staff, yet every message stays in the log, marked; a suggestion pressed
again (or a replayed callback) is one question in the figures, not one per press.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import date

import pytest
from sqlalchemy import select

from helpdesk_bot import stats, texts
from helpdesk_bot.db import session_scope
from helpdesk_bot.desk import Asker, Desk
from helpdesk_bot.models import Query, TicketMessage, utcnow
from helpdesk_bot.telegram.common import entry_key

from .botapi import BotApiServer, user
from .conftest import running_application

STAFF_CHAT = -100500  # HELPDESK_STAFF_CHAT_ID of the test settings
OFFICIAL = 5353
ANA = Asker(telegram_id=OFFICIAL, chat_id=OFFICIAL, name="Ana")
LIMIT = 3


@pytest.fixture
def limited_desk(desk) -> Desk:
    """The test desk with a limit of LIMIT messages a minute."""
    return Desk(
        dataclasses.replace(desk.settings, rate_limit_per_minute=LIMIT),
        base=desk.base,
        referrals=desk.referrals,
        sessions=desk.sessions,
        answerer=desk.answerer,
    )


def queries(desk: Desk) -> list[Query]:
    with desk.sessions() as session:
        return list(session.scalars(select(Query).order_by(Query.id)))


def figures(desk: Desk) -> stats.Figures:
    today = utcnow().date()
    with session_scope(desk.sessions) as session:
        return stats.compute(session, stats.Period(date(today.year, 1, 1), today))


def eventually(read, timeout: float = 10.0):
    """What ``read()`` returns once truthy: the bot writes to the database as it handles updates."""
    deadline = time.monotonic() + timeout
    while not (value := read()):
        assert time.monotonic() < deadline, "the bot did not get there in time"
        time.sleep(0.05)
    return value


# --- over the limit: told once, kept, not counted ------------------------------------------------
def test_over_the_limit_the_official_is_told_once_and_every_message_is_kept(limited_desk):
    sent = [f"/secretariat message {n}: please call our ministry" for n in range(10)]
    replies = [limited_desk.to_secretariat(ANA, text) for text in sent]
    assert [r.outcome for r in replies] == ["escalate"] * LIMIT + ["limited"] * (10 - LIMIT)
    said = [r.text for r in replies[LIMIT:]]
    assert said == [texts.say("rate_limited", "en")] + [""] * (10 - LIMIT - 1)  # told once
    rows = queries(limited_desk)
    assert [q.text for q in rows] == sent  # nothing lost
    assert [q.outcome for q in rows] == ["escalate"] * LIMIT + ["limited"] * (10 - LIMIT)
    # No reply is owed to the messages after the one that was told: nothing may retry them.
    assert [q.delivery for q in rows[LIMIT + 1 :]] == ["withheld"] * (10 - LIMIT - 1)
    with limited_desk.sessions() as session:
        assert len(session.scalars(select(TicketMessage)).all()) == LIMIT  # no more for staff
    counted = figures(limited_desk)
    assert counted.queries == LIMIT and counted.over_limit == 10 - LIMIT
    assert sum(counted.by_via.values()) == LIMIT and counted.officials == 1


def test_the_limit_counts_every_way_in_and_tells_once_across_them(limited_desk):
    entries = list(limited_desk.base.entries.values())
    said = [
        limited_desk.choose(ANA, entries[0].id),
        limited_desk.ask(ANA, "How do we ratify the Convention?"),
        limited_desk.to_secretariat(ANA, "Please call me"),
        limited_desk.choose(ANA, entries[1].id),
        limited_desk.ask(ANA, "When is our initial report due?"),
        limited_desk.to_secretariat(ANA, "Please call me again"),
    ]
    assert [r.outcome == "limited" for r in said] == [False] * LIMIT + [True] * 3
    assert [bool(r.text) for r in said[LIMIT:]] == [True, False, False]
    assert len(queries(limited_desk)) == 6


@pytest.fixture
def limited_bot(limited_desk, bot_settings, botapi):
    settings = dataclasses.replace(bot_settings, rate_limit_per_minute=LIMIT)
    yield from running_application(settings, limited_desk)


def test_the_bot_tells_once_and_posts_nothing_more_to_staff(
    limited_bot, limited_desk, botapi: BotApiServer
):
    for n in range(12):
        botapi.push_message(user(OFFICIAL), text=f"/secretariat message {n}")
    eventually(lambda: len(queries(limited_desk)) == 12)
    botapi.wait_idle()
    to_official = [c.text for c in botapi.calls_to("sendMessage", since=0, chat_id=OFFICIAL)]
    assert to_official.count(texts.say("rate_limited", "en")) == 1
    assert len(to_official) == LIMIT + 1
    to_staff = botapi.calls_to("sendMessage", since=0, chat_id=STAFF_CHAT)
    assert len(to_staff) == LIMIT  # the card and the two messages under it
    assert [q.outcome for q in queries(limited_desk)].count("limited") == 12 - LIMIT


# --- replayed buttons: one question -----------------------------------------------------------------
def test_a_suggestion_chosen_again_is_one_question(desk):
    entry = next(iter(desk.base.entries.values()))
    replies = [desk.choose(ANA, entry.id) for _ in range(100)]
    assert all(r.outcome == "answer" and r.text == replies[0].text for r in replies)
    assert {r.query_id for r in replies} == {replies[0].query_id}  # one answer to rate
    assert len(queries(desk)) == 1
    assert figures(desk).queries == 1
    other = next(e for e in desk.base.entries.values() if e.id != entry.id)
    assert desk.choose(ANA, other.id).query_id != replies[0].query_id  # another choice counts


def test_a_replayed_suggestion_button_counts_once_in_the_figures(running_bot, botapi, desk):
    botapi.push_message(user(OFFICIAL), text="/topics")
    menu = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL and c.buttons)
    entry = next(iter(desk.base.entries.values()))
    for _ in range(30):
        botapi.push_callback(user(OFFICIAL), menu, f"o:c:{entry_key(entry.id)}")
    botapi.wait_for("answerCallbackQuery", count=30, timeout=30)
    botapi.wait_idle()
    assert len(queries(desk)) == 1
    counted = figures(desk)
    assert counted.queries == 1 and counted.by_via == {"suggestion": 1}

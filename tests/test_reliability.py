"""Telegram faults: retries, per-chat flood control, undelivered replies shown to staff.

Every fault is injected through the loopback Bot API stand-in (tests/botapi.py): real HTTP,
python-telegram-bot's real request stack, real error classes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest
from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from helpdesk_bot import texts
from helpdesk_bot.models import Query, TicketMessage
from helpdesk_bot.telegram import sending
from helpdesk_bot.telegram.app import build_application
from helpdesk_bot.telegram.sending import Pacer
from tests.botapi import RunningBot, user

FAST = sending.Policy(attempts=3, backoff=0.05, max_backoff=0.2)
OFFICIAL, OTHER, STAFF = 4101, 4102, 9001
STAFF_CHAT = -100500


def run_with_bot(botapi, work, *, read_timeout: float = 5.0, pacer: Pacer | None = None):
    """Run ``await work(bot)`` with a real bot, paced as the help desk's, talking to the stand-in."""

    async def main():
        request = HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0)
        bot = ExtBot(
            botapi.token, base_url=botapi.base_url, request=request, rate_limiter=pacer or Pacer()
        )
        async with bot:
            return await work(bot)

    return asyncio.run(main())


def sent(botapi, chat_id: int) -> list:
    return [c for c in botapi.calls_to("sendMessage", chat_id=chat_id) if c.status == 200]


# --- sending.send against each fault ------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_until_delivered(botapi, status):
    botapi.fail("sendMessage", status=status, times=2)
    message = run_with_bot(botapi, lambda bot: sending.send(bot, OFFICIAL, "hello", policy=FAST))
    assert message is not None and message.text == "hello"
    statuses = [c.status for c in botapi.calls_to("sendMessage")]
    assert statuses == [status, status, 200]


def test_hung_connection_times_out_and_is_retried(botapi):
    botapi.hang("sendMessage", seconds=3)
    message = run_with_bot(
        botapi,
        lambda bot: sending.send(bot, OFFICIAL, "still here", policy=FAST),
        read_timeout=0.5,
    )
    assert message is not None
    assert [c.status for c in botapi.calls_to("sendMessage")] == [0, 200]


def test_retries_give_up_and_report_the_failure(botapi):
    botapi.fail("sendMessage", status=500, times=10)
    message, failure = run_with_bot(
        botapi, lambda bot: sending.send_or_failure(bot, OFFICIAL, "lost?", policy=FAST)
    )
    assert message is None
    assert "Internal Server Error" in failure.detail
    assert len(botapi.calls_to("sendMessage")) == FAST.attempts


def test_blocked_official_is_not_retried(botapi):
    botapi.block(OFFICIAL)
    message, failure = run_with_bot(
        botapi, lambda bot: sending.send_or_failure(bot, OFFICIAL, "hello", policy=FAST)
    )
    assert message is None
    assert "blocked" in failure.detail
    assert len(botapi.calls_to("sendMessage")) == 1


# Each kind of failure as Telegram answers it, and the text staff see for it (unchanged from
# when sending reported failures as text only).
FAILURES = {
    "blocked": (
        lambda api: api.block(OFFICIAL),
        "the official has blocked the bot (Forbidden: bot was blocked by the user)",
    ),
    "gone": (
        lambda api: api.fail("sendMessage", status=400, description="Bad Request: chat not found"),
        "BadRequest: Chat not found",
    ),
    "flood": (
        lambda api: api.fail("sendMessage", status=429, retry_after=600),
        "flood control: Telegram asked to wait 600 s",
    ),
    "bad_request": (
        lambda api: api.fail(
            "sendMessage", status=400, description="Bad Request: message is too long"
        ),
        "BadRequest: Message is too long",
    ),
    "network": (
        lambda api: api.fail("sendMessage", status=500, times=10),
        "NetworkError: Internal Server Error",
    ),
    "other": (
        lambda api: api.fail("sendMessage", status=409, description="Conflict: terminated"),
        "Conflict: Conflict: terminated",
    ),
}


@pytest.mark.parametrize("kind", FAILURES)
def test_each_failure_comes_back_as_its_kind_with_the_text_staff_see(botapi, kind):
    cause, detail = FAILURES[kind]
    cause(botapi)
    message, failure = run_with_bot(
        botapi, lambda bot: sending.send_or_failure(bot, OFFICIAL, "hello", policy=FAST)
    )
    assert message is None
    assert failure == sending.Failure(kind, detail)
    assert failure.final == (kind in {"blocked", "gone"})
    retried = FAST.attempts if kind == "network" else 1
    assert len(botapi.calls_to("sendMessage")) == retried


def test_a_migrated_group_is_gone_and_a_hung_connection_is_network(botapi):
    botapi.fail("sendMessage", status=400, description="Bad Request: group chat was upgraded "
                "to a supergroup chat", migrate_to_chat_id=-100777)  # fmt: skip
    _, failure = run_with_bot(
        botapi, lambda bot: sending.send_or_failure(bot, STAFF_CHAT, "hello", policy=FAST)
    )
    assert failure is not None and failure.kind == "gone" and failure.final
    assert "-100777" in failure.detail
    botapi.hang("sendMessage", seconds=2, times=FAST.attempts)
    _, failure = run_with_bot(
        botapi,
        lambda bot: sending.send_or_failure(bot, OFFICIAL, "hello", policy=FAST),
        read_timeout=0.3,
    )
    assert failure is not None and failure.kind == "network" and not failure.final


def test_a_file_that_fails_comes_back_as_its_kind(botapi):
    botapi.block(OFFICIAL)
    _, failure = run_with_bot(
        botapi,
        lambda bot: sending.send_file_or_failure(bot, OFFICIAL, "document", "BQAC", "the draft"),
    )
    assert failure == sending.Failure("blocked", FAILURES["blocked"][1])


def test_nothing_to_send_is_an_empty_failure(botapi):
    message, failure = run_with_bot(
        botapi, lambda bot: sending.send_or_failure(bot, OFFICIAL, " \x00 ", policy=FAST)
    )
    assert message is None and failure == sending.Failure("empty", "empty message")
    assert not botapi.calls_to("sendMessage")


def test_flood_control_waits_for_that_chat_only(botapi):
    """A 429 for one official holds that chat for retry_after seconds; the other is served at once."""
    botapi.fail("sendMessage", status=429, retry_after=2, chat_id=OFFICIAL)

    pacer = Pacer()

    async def work(bot):
        first = asyncio.create_task(sending.send(bot, OFFICIAL, "throttled", policy=FAST))
        await asyncio.sleep(0.3)  # the 429 has come back and the chat is waiting
        throttled_for = pacer.flood_deadline(OFFICIAL)
        other = await sending.send(bot, OTHER, "not frozen", policy=FAST)
        return throttled_for, other, await first

    throttled_for, other, first = run_with_bot(botapi, work, pacer=pacer)
    assert other is not None and first is not None
    assert throttled_for > 1.0  # still waiting when the other official was served
    refused = botapi.calls_to("sendMessage", chat_id=OFFICIAL)[0]
    served = sent(botapi, OFFICIAL)[0]
    other_call = sent(botapi, OTHER)[0]
    assert refused.status == 429
    assert other_call.at < served.at  # the other official did not wait behind the throttled one
    assert served.at - refused.at >= 2.0  # Telegram's retry_after was honoured


def test_a_card_for_staff_gives_way_to_an_officials_answer(botapi):
    """With the bot-wide budget nearly spent, a post to the staff group waits until a reserve is
    free again, and an official's answer asked for after it goes first."""
    pacer = Pacer(per_second=4, officials_reserve=2)

    async def work(bot):
        for n in range(4):  # the whole burst of the budget
            await sending.send(bot, OTHER, f"answer {n}", policy=FAST)
        card = asyncio.create_task(sending.send(bot, STAFF_CHAT, "card", policy=FAST))
        await asyncio.sleep(0)  # the card is waiting first
        answer = asyncio.create_task(sending.send(bot, OFFICIAL, "answer", policy=FAST))
        return await asyncio.gather(card, answer)

    card, answer = run_with_bot(botapi, work, pacer=pacer)
    assert card is not None and answer is not None
    assert sent(botapi, OFFICIAL)[0].at < sent(botapi, STAFF_CHAT)[0].at


def test_a_flood_wait_too_long_is_a_failure_not_a_freeze(botapi):
    botapi.fail("sendMessage", status=429, retry_after=600)
    message, failure = run_with_bot(
        botapi, lambda bot: sending.send_or_failure(bot, OFFICIAL, "hello", policy=FAST)
    )
    assert message is None and "flood control" in failure.detail


def test_long_text_is_split_into_telegram_sized_messages(botapi):
    text = ("The Committee against Torture reviews reports. " * 200).strip()  # ~9,600 characters
    run_with_bot(botapi, lambda bot: sending.send(bot, OFFICIAL, text, policy=FAST))
    parts = [c.text for c in sent(botapi, OFFICIAL)]
    assert len(parts) == 3
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_control_characters_are_removed(botapi):
    run_with_bot(botapi, lambda bot: sending.send(bot, OFFICIAL, "a\x00b\x07c\u200b\nd\te"))
    assert sent(botapi, OFFICIAL)[0].text == "abc\nd\te"


def test_broken_html_is_sent_as_plain_text(botapi):
    run_with_bot(
        botapi,
        lambda bot: sending.send(bot, OFFICIAL, "<b>Article 22 & 21</b>", parse_mode="HTML"),
    )
    calls = botapi.calls_to("sendMessage", chat_id=OFFICIAL)
    assert [c.status for c in calls] == [400, 200]
    assert calls[-1].text == "Article 22 & 21" and "parse_mode" not in calls[-1].params


def test_long_html_is_sent_as_plain_parts(botapi):
    text = "<b>Title</b>\n" + "word &amp; word " * 600
    run_with_bot(botapi, lambda bot: sending.send(bot, OFFICIAL, text, parse_mode="HTML"))
    parts = sent(botapi, OFFICIAL)
    assert len(parts) == 2 and parts[0].text.startswith("Title\nword & word")


# --- post_message: send_message, the message id back --------------------------------------------
def test_post_message_sends_every_option_and_returns_the_id(botapi):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="o:h:1:1")]])
    card = run_with_bot(botapi, lambda bot: bot.send_message(STAFF_CHAT, "card"))
    options = {
        "parse_mode": "HTML",
        "reply_markup": keyboard,
        "reply_parameters": ReplyParameters(card.message_id, allow_sending_without_reply=True),
    }
    since = botapi.mark()
    sent_id = run_with_bot(
        botapi, lambda bot: sending.post_message(bot, STAFF_CHAT, "<b>again</b>", **options)
    )
    (call,) = botapi.calls_to("sendMessage", since=since)
    assert call.status == 200 and call.params["text"] == "<b>again</b>"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"] == keyboard.to_dict()
    assert call.params["reply_parameters"]["message_id"] == card.message_id
    assert sent_id == call.result["message_id"] != card.message_id


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("blocked", Forbidden),
        ("bad html", BadRequest),
        ("flood", RetryAfter),
        ("server error", NetworkError),
    ],
)
def test_post_message_raises_telegrams_errors(botapi, fault, error):
    if fault == "blocked":
        botapi.block(OFFICIAL)
    elif fault == "flood":
        botapi.fail("sendMessage", status=429, retry_after=3)
    elif fault == "server error":
        botapi.fail("sendMessage", status=502)
    text = "<b>unclosed" if fault == "bad html" else "hello"

    async def work(bot):
        with pytest.raises(error):
            await sending.post_message(bot, OFFICIAL, text, parse_mode="HTML")

    # A pacer that accepts no flood wait passes Telegram's 429 on as it came.
    run_with_bot(botapi, work, pacer=Pacer(flood_waits=0))


# --- through the running bot -----------------------------------------------------------------------
def ask_through(botapi, official: int, text: str, language: str = "en") -> None:
    botapi.push_message(user(official, language), text=text)


def test_flood_control_for_one_official_does_not_freeze_the_others(running_bot, botapi):
    botapi.fail("sendMessage", status=429, retry_after=3, chat_id=OFFICIAL)
    since = botapi.mark()
    ask_through(botapi, OFFICIAL, "How do we ratify the Convention against Torture?")
    deadline = time.monotonic() + 10
    while not botapi.calls_to("sendMessage", chat_id=OFFICIAL, since=since):
        assert time.monotonic() < deadline, "the bot never answered"
        time.sleep(0.05)
    ask_through(botapi, OTHER, "How do we ratify the Convention against Torture?")
    other = botapi.wait_for("sendMessage", lambda c: c.chat_id == OTHER, since=since, timeout=10)
    first = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since, timeout=15)
    refused = botapi.calls_to("sendMessage", chat_id=OFFICIAL, since=since)[0]
    assert refused.status == 429
    assert other.at < first.at
    assert first.at - refused.at >= 3.0


@pytest.mark.slow
def test_a_chat_in_a_long_flood_wait_with_a_queue_freezes_nobody(running_bot, botapi):
    """Chat A in a 10 s flood wait with 20 questions queued: chat B is answered within a second,
    and A's twenty answers all come after the wait. (Ten seconds are as long as thirty here: any
    wait up to the pacer's max_flood_wait holds that chat alone.)"""
    botapi.fail("sendMessage", status=429, retry_after=10, chat_id=OFFICIAL)
    since = botapi.mark()
    for number in range(20):
        ask_through(botapi, OFFICIAL, f"Question {number}: how do we ratify the Convention?")
    deadline = time.monotonic() + 10
    while not botapi.calls_to("sendMessage", chat_id=OFFICIAL, since=since):
        assert time.monotonic() < deadline, "the bot never answered"
        time.sleep(0.05)
    refused = botapi.calls_to("sendMessage", chat_id=OFFICIAL, since=since)[0]
    asked = time.monotonic()
    ask_through(botapi, OTHER, "How do we ratify the Convention against Torture?")
    other = botapi.wait_for("sendMessage", lambda c: c.chat_id == OTHER, since=since, timeout=10)
    assert other.at - asked < 1.0
    deadline = time.monotonic() + 60
    while len(sent(botapi, OFFICIAL)) < 20:
        assert time.monotonic() < deadline, "the throttled official's answers never came"
        time.sleep(0.2)
    answers = sent(botapi, OFFICIAL)
    assert refused.status == 429
    assert min(a.at for a in answers) - refused.at >= 10.0
    assert all(a.at > other.at for a in answers)


def test_a_staff_chat_held_up_never_holds_up_the_officials_next_answer(running_bot, botapi):
    """The staff group in a flood wait (or at its ~20 messages a minute): the card waits, the
    official who opened the ticket is answered at once the next time they ask."""
    botapi.fail("sendMessage", status=429, retry_after=8, chat_id=STAFF_CHAT)
    since = botapi.mark()
    # Straight to the Secretariat: a ticket and its card, whatever the base comes to answer.
    ask_through(botapi, OFFICIAL, "/secretariat Please call me about our detention centre.")
    botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since, timeout=10)
    deadline = time.monotonic() + 10
    while not botapi.calls_to("sendMessage", chat_id=STAFF_CHAT, since=since):
        assert time.monotonic() < deadline, "the card was never tried"
        time.sleep(0.05)
    asked = time.monotonic()
    again = botapi.mark()
    ask_through(botapi, OFFICIAL, "How do we ratify the Convention against Torture?")
    answer = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=again)
    assert answer.at - asked < 2.0  # not behind the card's 8 s wait
    card = botapi.wait_for(
        "sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since, timeout=15
    )
    assert card.at > answer.at  # the card came after its wait, and was not lost


def test_server_error_on_an_answer_is_retried_through_the_bot(running_bot, botapi, desk):
    botapi.fail("sendMessage", status=502, times=2, chat_id=OFFICIAL)
    ask_through(botapi, OFFICIAL, "How do we ratify the Convention against Torture?")
    botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, timeout=15)
    botapi.wait_idle()
    with desk.sessions() as session:
        rows = list(session.scalars(select(Query)))
    assert [r.delivery for r in rows] == ["delivered"]


def test_blocked_official_reply_is_marked_and_shown_in_the_queue(running_bot, botapi, desk):
    botapi.block(OFFICIAL)
    since = botapi.mark()
    ask_through(botapi, OFFICIAL, "How do we ratify the Convention against Torture?")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with desk.sessions() as session:
            rows = list(session.scalars(select(Query)))
        if rows and rows[0].delivery == "failed":
            break
        time.sleep(0.1)
    assert [r.delivery for r in rows] == ["failed"]
    assert len(botapi.calls_to("sendMessage", chat_id=OFFICIAL, since=since)) == 1  # not retried
    botapi.push_message(user(STAFF), STAFF_CHAT, "/queue")
    queue = botapi.wait_for(
        "sendMessage", lambda c: c.chat_id == STAFF_CHAT and "deliver" in c.text
    )
    assert "1 reply to an official not delivered" in queue.text
    assert "blocked" in queue.text


def test_staff_reply_to_a_blocked_official_is_flagged_in_the_queue(running_bot, botapi, desk):
    ask_through(botapi, OFFICIAL, "/secretariat We need advice on our initial report")
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT and c.buttons)
    botapi.wait_idle()  # the card's message id is recorded after Telegram took it
    botapi.block(OFFICIAL)
    botapi.push_message(user(STAFF), STAFF_CHAT, "Here is our advice.", reply_to=card.result)
    botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT and "Not delivered" in c.text)
    with desk.sessions() as session:
        staff_rows = [m for m in session.scalars(select(TicketMessage)) if m.author == "staff"]
    assert [m.delivery for m in staff_rows] == ["failed"]
    botapi.push_message(user(STAFF), STAFF_CHAT, "/queue")
    queue = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT and "#1" in c.text)
    assert "1 reply not delivered" in queue.text


# --- the per-official rate limit, long and odd questions ----------------------------------------------
@pytest.fixture
def limited_bot(bot_settings, botapi):
    from helpdesk_bot.desk import Desk

    settings = dataclasses.replace(bot_settings, rate_limit_per_minute=3)
    desk = Desk.from_settings(settings)
    running = RunningBot(build_application(settings, desk)).start()
    yield desk
    running.stop()
    desk.sessions.kw["bind"].dispose()
    assert not running.errors


def test_rate_limit_answers_politely_and_keeps_the_message(limited_bot, botapi):
    desk = limited_bot
    for n in range(4):
        since = botapi.mark()
        ask_through(botapi, OFFICIAL, f"How do we ratify the Convention? ({n})")
        last = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since)
    assert last.text == texts.say("rate_limited", "en")
    since = botapi.mark()
    ask_through(botapi, OTHER, "How do we ratify the Convention?")
    other = botapi.wait_for("sendMessage", lambda c: c.chat_id == OTHER, since=since)
    assert other.text != texts.say("rate_limited", "en")  # the limit is per official
    with desk.sessions() as session:
        outcomes = [q.outcome for q in session.scalars(select(Query).order_by(Query.id))]
    assert outcomes.count("limited") == 1 and len(outcomes) == 5  # kept, marked over the limit


@pytest.mark.parametrize(
    "question",
    [
        "How do we ratify the Convention? " * 200,  # ~6,600 characters, more than Telegram sends
        "How\x00 do we\x1b ratify\u200b the\x7f Convention?",
        "\u202e?noitnevnoC eht yfitar ew od woH",
    ],
    ids=["over-4096", "control-characters", "bidi-override"],
)
def test_odd_questions_get_a_reply_and_a_clean_log_row(running_bot, botapi, desk, question):
    ask_through(botapi, OFFICIAL, question[:4096])
    reply = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, timeout=10)
    assert reply.text.strip()
    botapi.wait_idle()
    with desk.sessions() as session:
        (row,) = session.scalars(select(Query))
    assert row.text and len(row.text) <= 4096
    assert all(c.isprintable() for c in row.text)


# --- knowledge reload ---------------------------------------------------------------------------------
@pytest.fixture
def own_knowledge(bot_settings, tmp_path):
    """A bot over a copy of the knowledge base that the test may break."""
    import shutil

    from helpdesk_bot.desk import Desk

    folder = tmp_path / "knowledge"
    shutil.copytree(bot_settings.knowledge_dir, folder)
    settings = dataclasses.replace(bot_settings, knowledge_dir=folder)
    desk = Desk.from_settings(settings)
    running = RunningBot(build_application(settings, desk)).start()
    yield folder, desk
    running.stop()
    desk.sessions.kw["bind"].dispose()
    assert not running.errors


def test_invalid_yaml_on_reload_keeps_the_running_base(own_knowledge, botapi):
    folder, desk = own_knowledge
    entries = len(desk.base.entries)
    (folder / "ratification.yaml").write_text("entries:\n  - id: [broken\n", encoding="utf-8")
    assert desk.reload()  # the desk reports the problems...
    assert len(desk.base.entries) == entries  # ...and keeps the last good base
    botapi.push_message(user(STAFF), STAFF_CHAT, "/reload")
    refused = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert "Reload refused" in refused.text and "ratification.yaml:" in refused.text
    since = botapi.mark()
    ask_through(botapi, OFFICIAL, "How do we ratify the Convention against Torture?")
    answer = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since)
    assert "ratif" in answer.text.lower()
    assert len(desk.base.entries) == entries


APPLICATION_FAULTS = {
    "none": lambda api: None,
    "flood control": lambda api: api.fail(
        "sendMessage", status=429, retry_after=1, chat_id=OFFICIAL
    ),
    "server errors": lambda api: api.fail("sendMessage", status=502, times=2, chat_id=OFFICIAL),
    "dropped": lambda api: api.hang("sendMessage", seconds=0.2, chat_id=OFFICIAL),
}


@pytest.mark.parametrize("fault", list(APPLICATION_FAULTS))
def test_the_running_bot_answers_through_each_fault(running_bot, botapi, desk, fault):
    """The answer arrives, once, whatever Telegram did to the first try, and is marked delivered."""
    APPLICATION_FAULTS[fault](botapi)

    botapi.push_message(user(OFFICIAL), text="How do we ratify the Convention against Torture?")

    reply = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, timeout=15)
    assert "ratif" in reply.text.lower()
    tries = botapi.calls_to("sendMessage", chat_id=OFFICIAL)
    assert [c.status for c in tries] == {
        "none": [200],
        "flood control": [429, 200],
        "server errors": [502, 502, 200],
        "dropped": [0, 200],
    }[fault]
    if fault == "flood control":  # the pacer waited as Telegram told it to
        assert tries[1].at - tries[0].at >= 1.0
    botapi.wait_idle()
    with desk.sessions() as session:
        assert [row.delivery for row in session.scalars(select(Query))] == ["delivered"]

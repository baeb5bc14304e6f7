"""End-to-end: the real python-telegram-bot Application against the loopback Bot API stand-in.

Each test plays an official (tests/botapi.py pushes updates), waits for the bot's calls, and
reads the database to check what the desk recorded. ``running_bot`` fails the test if any
handler raised.
"""

from __future__ import annotations

import dataclasses
import html
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from helpdesk_bot import texts
from helpdesk_bot.config import Settings
from helpdesk_bot.desk import Desk
from helpdesk_bot.knowledge import RELATED_SHOWN
from helpdesk_bot.models import Feedback, Official, Query, Referral, Ticket
from helpdesk_bot.telegram.app import build_application
from helpdesk_bot.telegram.common import shorten
from helpdesk_bot.telegram.sending import split
from tests.botapi import BotApiServer, Call, RunningBot, flatten, user
from tests.conftest import KNOWLEDGE, NOT_SHIPPED, REFERRALS, ROOT

LANGUAGES = ["en", "fr", "es"]
STAFF_CHAT = -100500  # HELPDESK_STAFF_CHAT_ID of the shared settings fixture

# Candidate questions per outcome; each test takes the first one the desk itself classifies
# that way, so the tests follow the knowledge base instead of hard-coding its answers.
CANDIDATES = {
    "suggest": {
        "en": ["the initial report", "reporting", "signature", "torture", "visit", "ratify"],
        "fr": ["le rapport initial", "signature", "visite", "torture", "rapport de l'État"],
        "es": ["el informe inicial", "informe", "visita", "tortura", "queja"],
    },
    "refer": {
        "en": ["national preventive mechanism design", "grant for NGO", "reservations"],
        "fr": ["réserves", "subvention pour une ONG", "mécanisme national de prévention"],
        "es": ["reservas", "subvención para ONG", "mecanismo nacional de prevención"],
    },
    # In the domain, yet nothing in the base answers it (an unrelated subject is declined).
    "escalate": {
        "en": [
            "What did the prison inspector say about our detention centre last week?",
            "Our minister wants to know what the inspector wrote about the prison yesterday",
        ],
        "fr": [
            "Qu'a dit l'inspecteur des prisons sur notre centre de détention la semaine dernière ?",
            "Notre ministre veut savoir ce que l'inspecteur a écrit hier sur la prison",
        ],
        "es": [
            "¿Qué dijo el inspector de prisiones sobre nuestro centro de detención la semana pasada?",
            "Nuestro ministro quiere saber qué escribió ayer el inspector sobre la prisión",
        ],
    },
}


def example(desk: Desk, outcome: str, lang: str) -> str:
    """A question the desk itself gives ``outcome`` in ``lang``: the candidates first, then the
    knowledge base's own keywords and topic titles (the matcher is tuned as the base grows)."""
    base = desk.base
    more = [t.titles[lang] for t in base.topics.values()]
    more += [k for e in base.entries.values() for k in e.keywords.get(lang, [])]
    for question in [*CANDIDATES[outcome][lang], *more]:
        reply = desk.answer(question, language=lang)
        if reply.outcome == outcome and reply.language == lang:
            return question
    raise AssertionError(f"no {outcome} example in {lang}: extend CANDIDATES")


def answer_entry(desk: Desk):
    """An entry with related tools whose own first question the desk answers with it."""
    for entry in desk.base.entries.values():
        if entry.tools and all(
            desk.answer(entry.questions[lang][0], language=lang).entry == entry
            for lang in LANGUAGES
        ):
            return entry
    raise AssertionError("no entry with tools answers its own questions")


@dataclasses.dataclass
class Person:
    """One official in a private chat with the bot."""

    api: BotApiServer
    user: dict

    @property
    def id(self) -> int:
        return self.user["id"]

    def send(self, text: str, *, count: int = 1, reply_to: Call | None = None) -> Call:
        """Type ``text``; return the ``count``-th message the bot sends back to this chat."""
        since = self.api.mark()
        self.api.push_message(self.user, text=text, reply_to=reply_to.result if reply_to else None)
        return self.reply(since, count=count)

    def reply(self, since: int, *, count: int = 1) -> Call:
        return self.api.wait_for(
            "sendMessage", lambda c: c.chat_id == self.id, since=since, count=count
        )

    def press(self, call: Call, label: str, *, count: int = 1) -> Call:
        since = self.api.mark()
        self.api.press(self.user, call, label)
        return self.reply(since, count=count)

    def press_quietly(self, call: Call, label: str, method: str) -> Call:
        since = self.api.mark()
        self.api.press(self.user, call, label)
        return self.api.wait_for(method, since=since)


def speaking(botapi, lang: str, user_id: int = 4242) -> Person:
    return Person(botapi, user(user_id, lang, first_name="Ana"))


def queries(desk: Desk) -> list[Query]:
    with desk.sessions() as session:
        return list(session.scalars(select(Query).order_by(Query.id)))


def count(desk: Desk, model) -> int:
    with desk.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def official_row(desk: Desk, telegram_id: int) -> Official | None:
    with desk.sessions() as session:
        return session.scalars(select(Official).where(Official.telegram_id == telegram_id)).first()


def eventually(probe, timeout: float = 5.0):
    """The first truthy value of ``probe()`` within ``timeout`` seconds (for database effects)."""
    deadline = time.monotonic() + timeout
    while (value := probe()) is None or value is False:
        if time.monotonic() > deadline:
            raise AssertionError("the expected change did not happen")
        time.sleep(0.02)
    return value


def labels(call: Call) -> list[str]:
    return [b["text"] for b in call.buttons]


# --- /start, commands, profile ----------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_start_welcomes_in_telegram_language_with_privacy_notice(botapi, running_bot, lang):
    ana = speaking(botapi, lang)
    welcome = ana.send("/start")
    assert welcome.params["parse_mode"] == "HTML"
    seen = welcome.result["text"]
    assert texts.say("welcome", lang, name="Ana") in seen
    assert texts.say("privacy", lang) in seen
    assert "/forget" in seen
    assert labels(welcome) == [
        texts.say("button_profile", lang),
        texts.say("button_language", lang),
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_command_list_is_registered_in_each_language(botapi, running_bot, lang):
    commands = botapi.commands(language_code=lang, scope="all_private_chats")
    assert [c["command"] for c in commands] == [
        "start",
        "help",
        "topics",
        "tools",
        "secretariat",
        "language",
        "profile",
        "state",
        "forget",
    ]
    assert commands[0]["description"] == texts.say("command_start", lang)
    described = {c["command"]: c["description"] for c in commands}
    assert described["state"] == texts.say("command_state", lang)
    assert botapi.commands(scope="all_private_chats")  # and a default for other languages


def test_start_deep_link_records_the_source(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    ana.send("/start geneva-seminar_2026")
    assert official_row(desk, ana.id).source == "geneva-seminar_2026"
    ana.send("/start newsletter")  # the first source counts; a later link does not overwrite it
    assert official_row(desk, ana.id).source == "geneva-seminar_2026"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_profile_state_matched_in_any_language_then_role(botapi, running_bot, desk, lang):
    ana = speaking(botapi, lang)
    welcome = ana.send("/start")
    prompt = ana.press(welcome, texts.say("button_profile", lang))
    assert prompt.params["reply_markup"]["force_reply"] is True
    germany = desk.base.states["DEU"]
    typed = germany.names[lang][0].upper()[:-1]  # any case, a letter missing
    choices = ana.send(typed, reply_to=prompt)
    assert germany.name(lang) in labels(choices)
    assert texts.say("state_none", lang) in labels(choices)
    role_prompt = ana.press(choices, germany.name(lang), count=2)
    assert texts.say("state_saved", lang, state=germany.name(lang)) in flatten(
        botapi.calls_to("sendMessage", chat_id=ana.id)
    )
    done = ana.send("Ministry of Justice, treaty unit", reply_to=role_prompt)
    assert done.result["text"] == texts.say("role_saved", lang)
    row = official_row(desk, ana.id)
    assert (row.state_code, row.role, row.consent) == (
        "DEU",
        "Ministry of Justice, treaty unit",
        True,
    )
    profile = ana.send("/profile")
    assert germany.name(lang) in profile.result["text"]
    assert "Ministry of Justice, treaty unit" in profile.result["text"]
    assert count(desk, Query) == 0  # profile answers are not questions


@pytest.mark.parametrize("lang", LANGUAGES)
def test_state_shows_the_status_card_of_the_officials_state(botapi, running_bot, desk, lang):
    """/state and the /profile button show the register's dates for the official's State."""
    ana = speaking(botapi, lang)
    ana.press(ana.send("/start"), texts.say("button_profile", lang))
    vanuatu = desk.base.states["VUT"]
    ana.send(vanuatu.name(lang), count=2)  # saved at once; then the role prompt
    card = ana.send("/state")
    text = card.result["text"]
    assert vanuatu.name(lang) in text
    # Deposited 12 July 2011 (the register's source), in force on the thirtieth day.
    for day in ("2011-07-12", "2011-08-11", "2012-08-10"):
        assert _in_words(day, lang) in text, (day, text)
    assert texts.say("button_change_state", lang) in labels(card)
    from_profile = ana.press(ana.send("/profile"), texts.say("button_status", lang))
    assert from_profile.result["text"] == text
    assert queries(desk) == []  # looking up one's State is not a question


@pytest.mark.parametrize("lang", LANGUAGES)
def test_state_without_a_state_offers_to_set_one(botapi, running_bot, desk, lang):
    ana = speaking(botapi, lang)
    reply = ana.send("/state")
    assert reply.result["text"] == texts.say("state_not_set", lang)
    prompt = ana.press(reply, texts.say("button_change_state", lang))
    assert prompt.result["text"] == texts.say("ask_state", lang)
    assert texts.say("button_status", lang) not in labels(ana.send("/profile"))


def _in_words(day: str, lang: str) -> str:
    """A date as the desk writes it in ``lang`` (register.MONTHS)."""
    from datetime import date

    from helpdesk_bot.register import format_date

    return format_date(date.fromisoformat(day), lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_prompts_take_the_next_message_without_telegrams_reply(botapi, running_bot, desk, lang):
    ana = speaking(botapi, lang)
    ana.press(ana.send("/start"), texts.say("button_profile", lang))
    kiribati = desk.base.states["KIR"]
    # An exact name is taken at once: no one-option "Is it one of these?".
    role_prompt = ana.send(kiribati.name(lang).lower(), count=2)
    assert texts.say("state_saved", lang, state=kiribati.name(lang)) in flatten(
        botapi.calls_to("sendMessage", chat_id=ana.id)
    )
    assert role_prompt.result["text"] == texts.say("ask_role", lang)
    done = ana.send("Legal adviser, Attorney General's Chambers")
    assert done.result["text"] == texts.say("role_saved", lang)
    row = official_row(desk, ana.id)
    assert (row.state_code, row.role) == ("KIR", "Legal adviser, Attorney General's Chambers")
    assert queries(desk) == []


@pytest.mark.parametrize(
    "question",
    [
        "How do we ratify the Convention against Torture?",
        "Dear colleagues,\nwe are preparing our initial report and need advice",
    ],
)
def test_a_question_after_the_role_prompt_is_answered_not_saved(
    botapi, running_bot, desk, question
):
    ana = speaking(botapi, "en")
    ana.press(ana.send("/profile"), texts.say("button_change_role", "en"))
    ana.send(question)
    assert official_row(desk, ana.id).role is None
    assert [q.text for q in queries(desk)] == [" ".join(question.split())]


def test_a_question_works_while_the_profile_prompt_is_open(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    prompt = ana.press(ana.send("/start"), texts.say("button_profile", "en"))
    assert prompt.params["reply_markup"]["force_reply"]
    question = desk.base.entries["ratification-routes"].questions["en"][0]
    answer = ana.send(question)  # not a reply to the prompt: a question
    assert desk.base.entries["ratification-routes"].answers["en"][:60] in answer.result["text"]
    assert [q.text for q in queries(desk)] == [question]
    assert official_row(desk, ana.id).state_code is None


def test_unknown_state_asks_again_and_escapes_the_text(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    prompt = ana.press(ana.send("/start"), texts.say("button_profile", "en"))
    again = ana.send("<b>Atlantis</b> & co", reply_to=prompt)
    assert "“<b>Atlantis</b> & co”" in again.result["text"]  # shown literally, not as bold
    assert "&lt;b&gt;" in again.params["text"]
    assert again.params["reply_markup"]["force_reply"]


# --- questions ----------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_answer_with_source_tools_and_helpful_yes(botapi, running_bot, desk, lang):
    entry = answer_entry(desk)
    ana = speaking(botapi, lang)
    answer = ana.send(entry.questions[lang][0])
    seen = answer.result["text"]
    assert entry.answers[lang] in seen
    assert texts.say("source", lang, source=entry.source) in seen
    assert texts.say("helpful_ask", lang) in seen
    urls = [b["url"] for b in answer.buttons if "url" in b]
    tools = [desk.base.tools[t] for t in entry.tools if t in desk.base.tools]
    assert urls == list(dict.fromkeys(tool.link(lang) for tool in tools))  # each page once
    for tool in tools:
        assert tool.titles[lang] in seen
    ana.press(answer, texts.say("button_yes", lang))
    with desk.sessions() as session:
        feedback = session.scalars(select(Feedback)).one()
    assert (feedback.helpful, feedback.query_id) == (True, queries(desk)[0].id)
    edited = botapi.calls_to("editMessageReplyMarkup")[-1]
    # The vote buttons go; the links and the entries to read next stay.
    assert all("url" in b or b["callback_data"].startswith("o:b:") for b in edited.buttons)
    assert queries(desk)[0].delivery == "delivered"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_answer_offers_what_to_read_next(botapi, running_bot, desk, lang):
    entry = desk.base.entries["reporting-initial-deadline"]
    ana = speaking(botapi, lang)
    answer = ana.send(entry.questions[lang][0])
    assert texts.say("read_next", lang) in answer.result["text"]
    related = [desk.base.entries[i] for i in entry.related][:RELATED_SHOWN]
    offered = [b["text"] for b in answer.buttons if b["callback_data"].startswith("o:b:")]
    assert offered == [shorten("→ " + e.question(lang)) for e in related]
    # One tap answers the entry, logged as a question, and the first answer keeps its buttons.
    follow = ana.press(answer, offered[0])
    assert related[0].answers[lang] in follow.result["text"]
    assert [q.entry_id for q in queries(desk)] == [entry.id, related[0].id]
    assert not botapi.calls_to("editMessageReplyMarkup")


def watch_asks(desk: Desk, monkeypatch) -> dict:
    """Wrap ``desk.ask``: which threads ran it and how many calls ran at once, at most."""
    seen = {"threads": set(), "running": 0, "most": 0}
    lock = threading.Lock()
    ask = desk.ask

    def watched_ask(*args, **kwargs):
        with lock:
            seen["running"] += 1
            seen["most"] = max(seen["most"], seen["running"])
            seen["threads"].add(threading.current_thread().name)
        try:
            time.sleep(0.05)  # long enough for the officials' questions to overlap if they can
            return ask(*args, **kwargs)
        finally:
            with lock:
                seen["running"] -= 1

    monkeypatch.setattr(desk, "ask", watched_ask)
    return seen


def test_questions_never_run_more_at_once_than_the_database_takes(
    botapi, running_bot, desk, monkeypatch
):
    """Questions run in the desk's threads, never on the event loop: one at a time on SQLite
    (one writer), on PostgreSQL at most as many as the desk has threads."""
    seen = watch_asks(desk, monkeypatch)
    officials = [user(5100 + i, "en") for i in range(8)]
    since = botapi.mark()
    for official in officials:
        botapi.push_message(official, text=answer_entry(desk).questions["en"][0])
    botapi.wait_for("sendMessage", lambda c: (c.chat_id or 0) > 0, since=since, count=8)
    assert seen["threads"] and all(t.startswith("desk") for t in seen["threads"]), seen
    if desk.threads == 1:  # SQLite
        assert seen["most"] == 1
    else:
        # Eight officials at once, fewer threads: every thread busy, and never one more.
        assert seen["most"] == desk.threads < len(officials)
    assert len(queries(desk)) == 8


@pytest.fixture
def sqlite_desk(sqlite_bot):
    """The desk of a running bot on a SQLite file, whatever the run's backend: SQLite's single
    writer is what is tested."""
    return sqlite_bot[0]


@pytest.fixture
def sqlite_bot(botapi, tmp_path):
    """A running bot on a SQLite file, and its desk: ``(desk, running)``."""
    from tests.conftest import knowledge_view, migrated_sqlite_url, running_application

    settings = Settings.from_values(
        {
            "HELPDESK_DATABASE_URL": migrated_sqlite_url(tmp_path),
            "HELPDESK_KNOWLEDGE_DIR": str(knowledge_view(tmp_path)),
            "HELPDESK_REFERRALS_DIR": str(REFERRALS),
            "HELPDESK_TELEGRAM_TOKEN": botapi.token,
            "HELPDESK_TELEGRAM_API_URL": botapi.base_url,
        }
    )
    desk = Desk.from_settings(settings)
    for running in running_application(settings, desk):
        yield desk, running
    desk.sessions.kw["bind"].dispose()


def test_a_write_lock_held_by_another_process_never_blocks_the_event_loop(
    botapi, sqlite_bot, monkeypatch
):
    """While another connection (a second process, a backup, `db upgrade`) holds SQLite's write
    lock, an update waits in a desk thread to be stored, unconfirmed to Telegram, and the bot's
    event loop stays free; once the lock goes, the question is answered."""
    desk, running = sqlite_bot
    take_in, threads = desk.take_in, set()

    def watched_take_in(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return take_in(*args, **kwargs)

    monkeypatch.setattr(desk, "take_in", watched_take_in)
    ana = speaking(botapi, "en", 5201)
    elsewhere = sqlite3.connect(make_url(desk.settings.database_url).database, timeout=1)
    elsewhere.execute("BEGIN IMMEDIATE")  # the write lock, as another process would hold it
    try:
        since = botapi.mark()
        botapi.push_message(ana.user, text=answer_entry(desk).questions["en"][0])
        eventually(lambda: threads or None)  # fetched, and waiting to be stored
        assert all(t.startswith("desk") for t in threads), threads
        loop_free = threading.Event()
        started = time.monotonic()
        running.loop.call_soon_threadsafe(loop_free.set)
        assert loop_free.wait(5)
        assert time.monotonic() - started < 0.5  # the loop was not waiting for SQLite
        assert botapi.pending_updates() == 1  # not confirmed: Telegram would send it again
        assert not botapi.calls_to("sendMessage", since=since, chat_id=ana.id)
    finally:
        elsewhere.rollback()
        elsewhere.close()
    ana.reply(since)
    assert len(queries(desk)) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_not_helpful_offers_the_secretariat(botapi, running_bot, desk, lang):
    entry = answer_entry(desk)
    ana = speaking(botapi, lang)
    answer = ana.send(entry.questions[lang][0])
    offer = ana.press(answer, texts.say("button_no", lang))
    assert offer.result["text"] == texts.say("not_helpful_offer", lang)
    passed = ana.press(offer, texts.say("button_pass_on", lang))
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        feedback = session.scalars(select(Feedback)).one()
    assert ticket.kind == "not_helpful"
    assert feedback.helpful is False
    assert passed.result["text"] == texts.say("passed_on", lang, number=ticket.id)
    botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT and f"#{ticket.id}" in c.text)
    assert len(queries(desk)) == 1  # passing on is not a new question


def secretariat_entry(desk: Desk):
    """An entry whose answer tells the official to write /secretariat, and that the desk answers
    with its own first question in every language."""
    for entry in desk.base.entries.values():
        if all("/secretariat" in entry.answers[lang] for lang in LANGUAGES) and all(
            desk.answer(entry.questions[lang][0], language=lang).entry == entry
            for lang in LANGUAGES
        ):
            return entry
    raise AssertionError("no answer sends the official to /secretariat")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_answer_that_offers_the_secretariat_carries_its_button(botapi, running_bot, desk, lang):
    entry = secretariat_entry(desk)
    ana = speaking(botapi, lang)
    answer = ana.send(entry.questions[lang][0])
    assert texts.say("button_ask_secretariat", lang) in labels(answer)
    passed = ana.press(answer, texts.say("button_ask_secretariat", lang))
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.kind == "secretariat"  # a request, not a verdict on the answer
    assert passed.result["text"] == texts.say("passed_on", lang, number=ticket.id)
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert entry.questions[lang][0] in html.unescape(card.text)
    assert len(queries(desk)) == 1


def test_an_answer_without_the_secretariat_has_no_such_button(botapi, running_bot, desk):
    entry = answer_entry(desk)
    assert "/secretariat" not in entry.answers["en"]
    answer = speaking(botapi, "en").send(entry.questions["en"][0])
    assert texts.say("button_ask_secretariat", "en") not in labels(answer)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_suggestions_as_buttons_and_choosing_one(botapi, running_bot, desk, lang):
    question = example(desk, "suggest", lang)
    expected = desk.answer(question, language=lang).suggestions
    ana = speaking(botapi, lang)
    offer = ana.send(question)
    assert 0 < len(expected) <= 3
    assert labels(offer)[-1] == texts.say("suggest_none", lang)
    assert len(labels(offer)) == len(expected) + 1
    for i, entry in enumerate(expected, 1):
        assert f"{i}. {entry.question(lang)}" in offer.result["text"]
    answer = ana.press(offer, labels(offer)[0])
    assert expected[0].answers[lang] in answer.result["text"]
    rows = queries(desk)
    assert [(q.outcome, q.via) for q in rows] == [("suggest", "typed"), ("answer", "suggestion")]
    assert rows[1].entry_id == expected[0].id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_none_of_the_suggestions_goes_to_the_secretariat(botapi, running_bot, desk, lang):
    ana = speaking(botapi, lang)
    question = example(desk, "suggest", lang)
    offer = ana.send(question)
    passed = ana.press(offer, texts.say("suggest_none", lang))
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert f"{ticket.id}" in passed.result["text"]
    assert len(queries(desk)) == 1
    # The card says what happened and what the bot offered, not "Answer marked not helpful".
    assert ticket.kind == "none_of_these"
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert "None of the bot's suggestions fitted" in card.text
    assert "not helpful" not in card.text
    offered = [entry.id for entry in desk.answer(question, language=lang).suggestions]
    assert "The bot offered (none fitted):" in card.text
    assert all(f"<code>{entry}</code>" in card.text for entry in offered)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_refer_explains_the_partner(botapi, running_bot, desk, lang):
    question = example(desk, "refer", lang)
    expected = desk.answer(question, language=lang)
    ana = speaking(botapi, lang)
    referral = ana.send(question)
    assert expected.text in referral.result["text"]
    ana.press(referral, texts.say("button_yes", lang))
    with desk.sessions() as session:
        row = session.scalars(select(Referral)).one()
        feedback = session.scalars(select(Feedback)).one()
    assert row.partner_id == expected.partner.id
    assert (feedback.referral_id, feedback.helpful) == (row.id, True)
    assert [q.outcome for q in queries(desk)] == ["refer"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_referral_marked_not_helpful_offers_the_secretariat(botapi, running_bot, desk, lang):
    question = example(desk, "refer", lang)
    ana = speaking(botapi, lang)
    referral = ana.send(question)
    offer = ana.press(referral, texts.say("button_no", lang))
    assert offer.result["text"] == texts.say("referral_not_helpful_offer", lang)
    passed = ana.press(offer, texts.say("button_pass_on", lang))
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        feedback = session.scalars(select(Feedback)).one()
    assert (ticket.kind, feedback.helpful) == ("referral_no_help", False)
    assert passed.result["text"] == texts.say("passed_on", lang, number=ticket.id)
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert "Referral marked not helpful" in card.text and question in html.unescape(card.text)
    assert [q.outcome for q in queries(desk)] == ["refer"]  # a press is not a question


@pytest.mark.parametrize("lang", LANGUAGES)
def test_escalation_opens_a_ticket_and_tells_its_number(botapi, running_bot, desk, lang):
    question = example(desk, "escalate", lang)
    ana = speaking(botapi, lang)
    told = ana.send(question)
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert told.result["text"] == texts.say("ticket_opened", lang, number=ticket.id)
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert f"#{ticket.id}" in card.text
    assert [q.ticket_id for q in queries(desk)] == [ticket.id]


CALL_ME = {
    "en": "Could someone call me about our initial report?",
    "fr": "Quelqu'un pourrait-il m'appeler au sujet de notre rapport initial ?",
    "es": "¿Alguien podría llamarme sobre nuestro informe inicial?",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_secretariat_command_goes_straight_to_staff(botapi, running_bot, desk, lang):
    ana = speaking(botapi, lang)
    hint = ana.send("/secretariat")
    assert hint.result["text"] == texts.say("secretariat_empty", lang)
    told = ana.send(f"/secretariat {CALL_ME[lang]}")
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.kind == "secretariat"
    assert told.result["text"] == texts.say("ticket_opened", lang, number=ticket.id)
    assert [q.text for q in queries(desk)] == [CALL_ME[lang]]


def test_a_secretariat_message_is_acknowledged_in_its_own_language(botapi, running_bot, desk):
    """The app in English, the message in Spanish: the message's words decide."""
    told = speaking(botapi, "en").send(f"/secretariat {CALL_ME['es']}")
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert told.result["text"] == texts.say("ticket_opened", "es", number=ticket.id)


DECLINED = {
    "en": "How do we ratify the Convention on the Rights of Persons with Disabilities?",
    "fr": "Comment ratifier la Convention relative aux droits des personnes handicapées ?",
    "es": "¿Cómo ratificamos la Convención sobre los Derechos de las Personas con Discapacidad?",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_another_treaty_is_declined_with_a_button_to_ask_anyway(botapi, running_bot, desk, lang):
    ana = speaking(botapi, "en")  # the app in English: the question's language wins
    declined = ana.send(DECLINED[lang])
    assert declined.result["text"].startswith(texts.say("decline", lang))
    assert labels(declined) == [texts.say("button_ask_anyway", lang)]
    botapi.wait_idle()
    assert count(desk, Ticket) == 0
    assert botapi.calls_to("sendMessage", chat_id=STAFF_CHAT) == []
    passed = ana.press(declined, texts.say("button_ask_anyway", lang))
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.kind == "declined"
    assert passed.result["text"] == texts.say("passed_on", ticket.language, number=ticket.id)
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert f"#{ticket.id}" in card.text
    assert [(q.outcome, q.declined_by) for q in queries(desk)] == [("decline", "crpd")]


@pytest.mark.parametrize(
    ("message", "lang", "kind"),
    [("Bonjour", "fr", "greeting"), ("hello", "en", "greeting"), ("merci", "fr", "thanks")],
)
def test_small_talk_is_answered_kindly_and_reaches_no_one(
    botapi, running_bot, desk, message, lang, kind
):
    ana = speaking(botapi, "es")
    told = ana.send(message)
    assert told.result["text"] == texts.say(f"smalltalk_{kind}", lang)
    botapi.wait_idle()
    assert count(desk, Ticket) == 0
    assert botapi.calls_to("sendMessage", chat_id=STAFF_CHAT) == []
    assert [q.outcome for q in queries(desk)] == ["smalltalk"]


@pytest.mark.parametrize(
    ("message", "lang"), [("we need help", "en"), ("on a besoin d'aide", "fr")]
)
def test_a_vague_message_offers_the_topics_and_the_secretariat(
    botapi, running_bot, desk, message, lang
):
    ana = speaking(botapi, lang)
    told = ana.send(message)
    assert told.result["text"] == texts.say("clarify", lang)
    assert labels(told) == [
        texts.say("button_browse_topics", lang),
        texts.say("button_ask_secretariat", lang),
    ]
    topics = ana.press_quietly(told, texts.say("button_browse_topics", lang), "editMessageText")
    assert topics.result["text"] == texts.say("topics_intro", lang)
    assert [q.outcome for q in queries(desk)] == ["clarify"]


def test_answer_and_partner_together_and_one_staff_card_per_partner(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    first = ana.send("Do we have to set up a national preventive mechanism?")
    expected = desk.answer("Do we have to set up a national preventive mechanism?")
    assert expected.outcome == "answer" and expected.partner is not None
    assert first.result["text"].startswith(expected.entry.answers["en"])
    assert expected.partner_note.splitlines()[0] in first.result["text"]
    botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    again = ana.send("Must we establish an NPM?")
    assert expected.partner_note.splitlines()[0] not in again.result["text"]
    botapi.wait_idle()
    assert len(botapi.calls_to("sendMessage", chat_id=STAFF_CHAT)) == 1
    assert count(desk, Referral) == 1
    assert [q.outcome for q in queries(desk)] == ["answer", "answer"]


def test_a_yes_answering_the_state_prompt_is_not_small_talk(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    welcome = ana.send("/start")
    prompt = ana.press(welcome, texts.say("button_profile", "en"))
    answer = ana.send("Yes", reply_to=prompt)
    assert answer.result["text"] != texts.say("smalltalk_ok", "en")
    assert queries(desk) == []


# --- browsing, language, help -------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_topics_paginated_then_entries_then_answer(botapi, running_bot, desk, lang):
    ana = speaking(botapi, lang)
    page = ana.send("/topics")
    topics = [t for t in desk.base.topics.values() if desk.base.entries_by_topic(t.id)]
    first = topics[0].titles[lang]
    assert labels(page)[0].startswith(first[:50])
    assert texts.say("button_next", lang) in labels(page)
    seen_topics = [b for b in labels(page) if b != texts.say("button_next", lang)]
    turned = ana.press_quietly(page, texts.say("button_next", lang), "editMessageText")
    seen_topics += [b for b in labels(turned) if "›" not in b and "‹" not in b]
    assert len(seen_topics) == len(topics)
    entries_page = ana.press_quietly(page, labels(page)[0], "editMessageText")
    entries = desk.base.entries_by_topic(topics[0].id)
    assert labels(entries_page)[0].startswith(entries[0].question(lang)[:40])
    answer = ana.press(entries_page, labels(entries_page)[0])
    assert entries[0].answers[lang] in answer.result["text"]
    assert [q.entry_id for q in queries(desk)] == [entries[0].id]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tools_pages_through_the_catalogue_with_buttons(botapi, running_bot, desk, lang):
    ana = speaking(botapi, lang)
    page = ana.send("/tools")
    assert page.result["text"] == texts.say("tools_intro", lang)
    tools = list(desk.base.tools.values())
    pages = [tool.link(lang) for tool in tools]
    shared = {link for link in pages if pages.count(link) > 1}
    # The catalogue page several tools share is one button, not one per tool.
    assert sorted(b["url"] for b in page.buttons if "url" in b) == sorted(shared)
    seen: list[str] = []
    while True:
        seen += [b["text"] for b in page.buttons if b.get("callback_data", "").startswith("o:to:")]
        if texts.say("button_next", lang) not in labels(page):
            break
        page = ana.press_quietly(page, texts.say("button_next", lang), "editMessageText")
    assert len(seen) == len(tools)
    for tool, label in zip(tools, seen, strict=True):
        assert tool.titles[lang].startswith(label.rstrip("…"))

    first = ana.send("/tools")
    card = ana.press_quietly(first, labels(first)[0], "editMessageText")
    tool = tools[0]
    assert tool.titles[lang] in card.result["text"]
    assert tool.summaries[lang][:60] in card.result["text"]
    assert [b["url"] for b in card.buttons if "url" in b] == [tool.link(lang)]
    back = ana.press_quietly(card, texts.say("button_all_tools", lang), "editMessageText")
    assert back.result["text"] == texts.say("tools_intro", lang)
    assert len(card.result["text"]) < 1500  # a card, never a wall of text


@pytest.mark.parametrize(("start", "chosen"), [("en", "fr"), ("fr", "es"), ("es", "en")])
def test_language_button_changes_the_replies(botapi, running_bot, desk, start, chosen):
    ana = speaking(botapi, start)
    menu = ana.send("/language")
    assert menu.result["text"] == texts.say("language_choose", start)
    names = {"en": "English", "fr": "Français", "es": "Español"}
    confirmed = ana.press(menu, names[chosen])
    assert confirmed.result["text"] == texts.say("language_set", chosen)
    assert official_row(desk, ana.id).language == chosen
    assert ana.send("/help").result["text"] == texts.say("help", chosen)


def test_unknown_command_points_to_help(botapi, running_bot):
    ana = speaking(botapi, "fr")
    assert ana.send("/frobnicate").result["text"] == texts.say("unknown_command", "fr")


# --- /forget ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_forget_erases_after_confirmation(botapi, running_bot, desk, lang):
    ana = speaking(botapi, lang)
    ana.send("/start seminar")
    ana.send(example(desk, "escalate", lang))
    confirm = ana.send("/forget")
    assert confirm.result["text"] == texts.say("forget_confirm", lang)
    cancelled = ana.press(confirm, texts.say("button_cancel", lang))
    assert cancelled.result["text"] == texts.say("forget_cancelled", lang)
    assert official_row(desk, ana.id) is not None
    confirm = ana.send("/forget")
    done = ana.press(confirm, texts.say("button_forget_yes", lang))
    assert done.result["text"] == texts.say("forgotten", lang)
    assert official_row(desk, ana.id) is None
    rows = queries(desk)
    assert len(rows) == 1  # the count stays for the statistics
    assert (rows[0].official_id, rows[0].text) == (None, None)
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.official_id is None
        assert all(m.text is None for m in ticket.messages if m.author == "official")


# --- formatting and odd messages ----------------------------------------------------------------
def test_markup_in_user_text_is_escaped(botapi, running_bot, desk):
    mallory = Person(botapi, user(777, "en", first_name="<b>Ana</b> & <a href='x'>co</a>"))
    welcome = mallory.send("/start")
    assert "<b>Ana</b> & <a href='x'>co</a>" in welcome.result["text"]
    told = mallory.send("/secretariat <script>alert(1)</script> & <b>urgent</b>")
    assert "#" in told.result["text"]
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert "<script>alert(1)</script> & <b>urgent</b>" in card.result["text"]
    assert [q.text for q in queries(desk)] == ["<script>alert(1)</script> & <b>urgent</b>"]


@pytest.mark.parametrize(("length", "pieces"), [(10, 1), (4096, 1), (4097, 2), (9000, 3)])
def test_split_respects_the_limit(length, pieces):
    text = ("word " * length)[:length]
    parts = split(text)
    assert len(parts) == pieces
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_split_keeps_paragraphs_and_lines_whole_where_they_fit():
    paragraphs = [f"Paragraph {n}: " + ("word " * 150).strip() for n in range(12)]  # ~770 each
    parts = split("\n\n".join(paragraphs))
    assert all(len(p) <= 4096 for p in parts) and len(parts) > 1
    assert [q for p in parts for q in p.split("\n\n")] == paragraphs
    lines = [f"#{n} ticket line " + "x" * 60 for n in range(200)]  # a /queue list
    parts = split("\n".join(lines))
    assert [line for p in parts for line in p.split("\n")] == lines


@pytest.fixture
def many_tools(tmp_path, bot_settings):
    """The shipped knowledge base plus 40 tools with markup characters in their titles."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bot_settings.knowledge_dir, knowledge, ignore=NOT_SHIPPED)
    catalogue = yaml.safe_load((knowledge / "tools.yaml").read_text(encoding="utf-8"))
    template = catalogue["tools"][0]
    for n in range(40):
        tool = dict(template, id=f"extra-tool-{n}")
        tool["title"] = {lang: f"Extra <tool> #{n} & more" for lang in LANGUAGES}
        tool["summary"] = {lang: f"Summary {n} " + "<i>detail</i> & " * 8 for lang in LANGUAGES}
        catalogue["tools"].append(tool)
    (knowledge / "tools.yaml").write_text(
        yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8"
    )
    return dataclasses.replace(bot_settings, knowledge_dir=knowledge)


def test_a_long_catalogue_pages_and_its_markup_is_shown_literally(botapi, many_tools, desk):
    big_desk = Desk(
        many_tools,
        base=Desk.from_settings(many_tools, database=False).base,
        referrals=desk.referrals,
        sessions=desk.sessions,
    )
    with RunningBot(build_application(many_tools, big_desk)) as running:
        ana = speaking(botapi, "en")
        page = ana.send("/tools")
        pages = 1
        while texts.say("button_next", "en") in labels(page):
            page = ana.press_quietly(page, texts.say("button_next", "en"), "editMessageText")
            pages += 1
        last = [b["text"] for b in page.buttons if b.get("callback_data", "").startswith("o:to:")]
        card = ana.press_quietly(page, last[-1], "editMessageText")
    assert not running.errors
    assert pages == -(-len(big_desk.base.tools) // 6)
    assert card.status == 200
    assert "Extra <tool> #39 & more" in card.result["text"]  # escaped, not taken as markup
    assert "&lt;tool&gt;" in card.params["text"]


def test_a_long_staff_reply_reaches_the_official_in_pieces_of_4096(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    ana.send(example(desk, "escalate", "en"))
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT)
    assert eventually(lambda: desk.ticket_for_staff_message(card.result["message_id"]))
    long_reply = " ".join(f"word{n}" for n in range(1500))  # about 11,000 characters
    since = botapi.mark()
    botapi.push_message(
        user(9001, first_name="Ana"), STAFF_CHAT, text=long_reply, reply_to=card.result
    )
    botapi.wait_for(
        "sendMessage",
        lambda c: c.chat_id == STAFF_CHAT and "Sent to the official" in c.text,
        since=since,
    )
    sent = botapi.calls_to("sendMessage", since=since, chat_id=ana.id)
    assert len(sent) >= 3
    assert all(c.status == 200 and len(c.result["text"]) <= 4096 for c in sent)
    assert "word0 " in sent[0].result["text"] and "word1499" in sent[-1].result["text"]


@pytest.mark.parametrize(
    "content",
    [
        {"photo": True},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
        {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "report.pdf"}},
    ],
    ids=["photo", "voice", "document"],
)
def test_files_go_to_the_secretariat(botapi, running_bot, desk, content):
    ana = speaking(botapi, "es")
    since = botapi.mark()
    if content.get("photo") is True:
        botapi.push_photo(ana.user, caption="mira")
    else:
        botapi.push_content(ana.user, **content)
    with desk.sessions() as session:
        told = ana.reply(since).result["text"]
        ticket = session.scalars(select(Ticket)).one()
    assert told == texts.say("file_received", "es", number=ticket.id)
    assert [(q.via, q.outcome) for q in queries(desk)] == [("file", "escalate")]


def test_a_sticker_gets_please_type(botapi, running_bot, desk):
    ana = speaking(botapi, "es")
    since = botapi.mark()
    botapi.push_content(
        ana.user,
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    assert ana.reply(since).result["text"] == texts.say("type_please", "es")
    assert queries(desk) == []


def test_edited_message_is_a_new_question(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    first = example(desk, "escalate", "en")
    since = botapi.mark()
    sent = botapi.push_message(ana.user, text=first)
    ana.reply(since)
    entry = desk.base.entries["ratification-routes"]
    since = botapi.mark()
    botapi.push_edited(
        ana.user, text=entry.questions["en"][0], message_id=sent["message"]["message_id"]
    )
    assert entry.answers["en"] in ana.reply(since).result["text"]
    assert [(q.via, q.entry_id) for q in queries(desk)] == [("typed", None), ("edited", entry.id)]


def test_groups_other_than_the_staff_chat_are_ignored(botapi, running_bot, desk):
    group = -100777
    for text in ["/start", "/help", "How do we ratify the Convention?"]:
        botapi.push_message(user(55, "en"), group, text)
    botapi.push_photo(user(55, "en"), group)
    ana = speaking(botapi, "en")
    ana.send("/help")  # the bot is alive and has read the group's updates before this one
    botapi.wait_idle()
    assert botapi.calls_to("sendMessage", chat_id=group) == []
    assert queries(desk) == []


def test_every_question_typed_or_chosen_is_one_row(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    asked = []
    ana.send("/start")
    ana.send("/help")
    for question in [example(desk, "escalate", "en"), example(desk, "refer", "en")]:
        ana.send(question)
        asked.append(question)
    offer = ana.send(example(desk, "suggest", "en"))
    asked.append(example(desk, "suggest", "en"))
    chosen = desk.answer(asked[-1], language="en").suggestions[0]
    answer = ana.press(offer, labels(offer)[0])
    asked.append(chosen.question("en"))
    ana.press(answer, texts.say("button_yes", "en"))
    ana.send("/topics")
    assert [q.text for q in queries(desk)] == asked
    assert all(q.delivery == "delivered" for q in queries(desk))


def test_a_blocked_official_is_recorded_as_not_delivered(botapi, running_bot, desk):
    ana = speaking(botapi, "en")
    ana.send("/help")
    botapi.block(ana.id)
    botapi.push_message(ana.user, text=example(desk, "refer", "en"))
    row = eventually(lambda: next((q for q in queries(desk) if q.delivery != "pending"), None))
    assert row.delivery == "failed"
    assert "blocked" in row.delivery_error
    assert row.replied_at is not None  # when the bot tried
    assert [c.status for c in botapi.calls_to("sendMessage", chat_id=ana.id)][-1] == 403


# --- `helpdesk-bot run`: the command line, polling and webhook ------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def run_env(botapi, database_url):
    return {
        **os.environ,
        "HELPDESK_TELEGRAM_TOKEN": botapi.token,
        "HELPDESK_TELEGRAM_API_URL": botapi.base_url,
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "HELPDESK_REFERRALS_DIR": str(REFERRALS),
        "HELPDESK_WEBHOOK_SECRET": "s3cret-token",
    }


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        _, errors = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, errors = process.communicate()
    return errors


@pytest.mark.slow
def test_run_polls_the_api_url_from_the_environment(botapi, run_env):
    command = [sys.executable, "-m", "helpdesk_bot", "run"]
    env = {**run_env, "HELPDESK_STAFF_CHAT_ID": str(STAFF_CHAT)}
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        botapi.wait_polling(after=started, token=botapi.token, timeout=30)
        ana = speaking(botapi, "fr")
        assert ana.send("/help").result["text"] == texts.say("help", "fr")
    finally:
        errors = _stop(process)
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
    # One line at start-up says which bot, staff chat and database this process uses.
    (started,) = [line for line in errors.splitlines() if "starting as @" in line]
    shown = make_url(run_env["HELPDESK_DATABASE_URL"]).render_as_string(hide_password=True)
    assert str(STAFF_CHAT) in started and f"database {shown}" in started
    assert run_env["HELPDESK_TELEGRAM_TOKEN"] not in errors


@pytest.mark.slow
def test_run_webhook_checks_the_secret_token(botapi, run_env):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    command = [
        sys.executable,
        "-m",
        "helpdesk_bot",
        "run",
        "--webhook-url",
        url,
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, env=run_env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        hook = botapi.wait_for("setWebhook", since=0, timeout=30)
        assert hook.params["url"] == url
        assert hook.params["secret_token"] == "s3cret-token"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": 4242, "type": "private", "first_name": "Ana"},
                "from": user(4242, "es", first_name="Ana"),
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        since = botapi.mark()
        for _attempt in range(50):  # the server starts listening just after setWebhook
            try:
                refused = httpx.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
                )
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert refused.status_code == 403
        accepted = httpx.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        )
        assert accepted.status_code == 200
        reply = botapi.wait_for("sendMessage", lambda c: c.chat_id == 4242, since=since, timeout=10)
        assert reply.result["text"] == texts.say("help", "es")
        assert len(botapi.calls_to("sendMessage", since=since, chat_id=4242)) == 1
    finally:
        errors = _stop(process)
    assert process.returncode == 0, errors


@pytest.mark.parametrize("token", ["set", "unset"])
def test_webhook_mode_refuses_to_start_without_the_secret(botapi, run_env, token):
    env = {k: v for k, v in run_env.items() if k != "HELPDESK_WEBHOOK_SECRET"}
    if token == "unset":
        env.pop("HELPDESK_TELEGRAM_TOKEN")
    since = botapi.mark()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpdesk_bot",
            "run",
            "--webhook-url",
            "https://desk.example.org/tg",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "HELPDESK_WEBHOOK_SECRET" in lines[0]
    assert botapi.calls_to("setWebhook", since=since) == []


@pytest.mark.slow
def test_run_stops_with_one_line_when_its_sqlite_file_is_deleted(botapi, run_env, tmp_path):
    from tests.conftest import migrated_sqlite_url

    url = migrated_sqlite_url(tmp_path)
    env = {**run_env, "HELPDESK_DATABASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "helpdesk_bot", "run"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # setMyCommands, not getUpdates: an earlier test's long poll may still be answered (and
        # recorded) after the stand-in's reset, before this process has even read the file.
        botapi.wait_for("setMyCommands", since=0, timeout=30)
        (tmp_path / "helpdesk.sqlite3").unlink()
        _, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1, errors
    said = [line for line in errors.splitlines() if line.startswith("helpdesk-bot: ")]
    assert len(said) == 1 and "was deleted or replaced" in said[0]
    assert "Traceback" not in errors


def test_a_database_failure_never_claims_the_message_was_recorded(botapi, running_bot, desk):
    from sqlalchemy import text as sql

    engine = desk.sessions.kw["bind"]
    with engine.begin() as connection:
        connection.execute(sql("ALTER TABLE queries RENAME TO queries_away"))
    try:
        told = speaking(botapi, "fr").send("Comment ratifier la Convention contre la torture ?")
        assert told.result["text"] == texts.say("not_recorded", "fr")
        with engine.connect() as connection:
            assert connection.execute(sql("SELECT count(*) FROM queries_away")).scalar() == 0
    finally:
        with engine.begin() as connection:
            connection.execute(sql("ALTER TABLE queries_away RENAME TO queries"))
    # The failure was the point of this test: it reached the error handlers, and only there.
    errors = eventually(lambda: list(running_bot.errors) or None)
    assert all("queries" in str(e) for e in errors)
    running_bot.errors.clear()


RELAYED_FROM_STAFF = ("staff_reply", "staff_file")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_officials_request_has_one_name_in_each_language(lang):
    """ "request #4" (demande n° 4, solicitud n.º 4) everywhere officials read it, never "ticket"."""
    word = {"en": "request #", "fr": "demande n° ", "es": "solicitud n.º "}[lang]
    # The staff chat's own texts say "ticket" (officials read only the replies and files it
    # relays); in status_* texts {number} is a report's number.
    officials = [
        k for k in texts.TEXTS if not k.startswith(("staff_", "status_")) or k in RELAYED_FROM_STAFF
    ]
    numbered = [key for key in officials if "{number}" in texts.TEXTS[key].get(lang, "")]
    assert numbered
    for key in numbered:
        said = texts.say(key, lang, number=4, text="…")
        assert f"{word}4" in said, key
        assert "ticket" not in said.lower(), key


@pytest.mark.parametrize(
    ("lang", "sentence"), [("fr", "État enregistré"), ("es", "Estado registrado")]
)
def test_a_state_name_needs_no_grammatical_gender(lang, sentence):
    said = texts.say("state_saved", lang, state="Côte d'Ivoire")
    assert said.index(sentence) < said.index("Côte d'Ivoire")  # "État enregistré : Côte d'Ivoire"


@pytest.mark.parametrize("data", ["o:zz:1", "o:p:notanumber", "o:h:1:maybe", "o:"])
def test_a_button_the_bot_does_not_know_is_answered_and_explained(botapi, running_bot, data):
    ana = speaking(botapi, "fr")
    welcome = ana.send("/start")
    since = botapi.mark()
    botapi.push_callback(ana.user, welcome, data)
    assert botapi.wait_for("answerCallbackQuery", since=since)  # never left spinning
    assert ana.reply(since).result["text"] == texts.say("choice_gone", "fr")


def test_every_button_the_bot_makes_has_one_handler():
    """The patterns of BUTTONS never overlap: each callback the bot makes has exactly one."""
    import re

    from helpdesk_bot.telegram.officials import BUTTONS

    made = ["o:c:ratification-routes", "o:b:k1", "o:n:12", "o:p:12", "o:a:12", "o:h:12:1",
            "o:r:3:0", "o:k:4:1", "o:x", "o:tl:1", "o:tp:0", "o:to:tool-id:1", "o:t:opcat:0",
            "o:l", "o:l:fr", "o:ps", "o:pr", "o:s:FJI", "o:s:-", "o:f", "o:f:y", "o:f:n"]  # fmt: skip
    for data in made:
        handlers = [name for pattern, name in BUTTONS[:-1] if re.search(pattern, data)]
        assert len(handlers) == 1, (data, handlers)

"""Secretariat triage end to end: the real Application on the loopback Bot API stand-in.

An official's question the bot cannot answer becomes a card in the staff chat; a staff member's
"reply" to it reaches the official; the card's buttons claim, refer and close the ticket; only the
users in HELPDESK_STAFF_IDS may act, and nothing said in the staff chat reaches the official flow.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from sqlalchemy import func, select, update

from helpdesk_bot import stats, texts
from helpdesk_bot.config import Settings
from helpdesk_bot.db import connect, make_sessionmaker, session_scope
from helpdesk_bot.desk import Asker, Desk
from helpdesk_bot.models import Feedback, Query, Referral, Ticket
from helpdesk_bot.periods import Period
from helpdesk_bot.referrals import SHORT_NAME_CHARS
from helpdesk_bot.telegram import sending

from .botapi import BotApiServer, Call, RunningBot, user
from .conftest import (
    KNOWLEDGE,
    NOT_SHIPPED,
    running_application,
    shipped_answerer,
    shipped_knowledge,
)

STAFF_CHAT = -100500  # HELPDESK_STAFF_CHAT_ID of the test settings
STAFF = 9001  # in HELPDESK_STAFF_IDS
COLLEAGUE = 9002  # in HELPDESK_STAFF_IDS too
OFFICIAL = 4242
OTHER_OFFICIAL = 4343
OUTSIDER = 5151  # a member of the staff chat who is not staff
# In the desk's subject, yet nothing in the base answers them: tickets for the Secretariat.
UNANSWERABLE = "What did the prison inspector say about our detention centre last week?"
ALSO_UNANSWERABLE = "Our minister wants to know what the inspector wrote about the prison yesterday"
GOES_TO_PARTNER = "We need help designing our NPM"


def build_application(settings, desk):
    from helpdesk_bot.telegram.app import build_application

    return build_application(settings, desk)


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture
def knowledge_copy(tmp_path):
    """The shipped knowledge base in tmp_path: /reload and "Turn into FAQ" write next to it."""
    return shutil.copytree(KNOWLEDGE, tmp_path / "knowledge", ignore=NOT_SHIPPED)


@pytest.fixture
def triage_settings(bot_settings, knowledge_copy):
    # Only near-exact questions are answered, so the tests' questions escalate whatever the
    # matcher's calibration of the day (matching has its own tests).
    return dataclasses.replace(
        bot_settings, knowledge_dir=knowledge_copy, answer_threshold=95.0, suggest_threshold=90.0
    )


@pytest.fixture(scope="module")
def shipped_base():
    """The shipped knowledge and referrals, loaded once: every desk here starts from them."""
    return shipped_knowledge()


def open_desk(settings: Settings, shipped_base) -> Desk:
    """A desk on the test database, as ``Desk.from_settings`` makes it, without reloading YAML
    (its answerer, over the shipped base with the settings' bands, is built once per run)."""
    base, referrals, scope = shipped_base
    return Desk(
        settings,
        base=base,
        referrals=referrals,
        scope=scope,
        sessions=make_sessionmaker(connect(settings.database_url)),
        answerer=shipped_answerer(**settings.bands),
    )


@pytest.fixture
def triage_desk(triage_settings, shipped_base):
    desk = open_desk(triage_settings, shipped_base)
    yield desk
    desk.sessions.kw["bind"].dispose()


@pytest.fixture
def bot(triage_settings, triage_desk, botapi):
    yield from running_application(triage_settings, triage_desk)


# --- helpers --------------------------------------------------------------------------------------
def ask(botapi: BotApiServer, desk: Desk, text: str, *, official: int = OFFICIAL) -> Call:
    """The official asks; returns what the bot posted in the staff chat (a card or a follow-on),
    once the desk has recorded it (staff may reply to it from then on)."""
    since = botapi.mark()
    botapi.push_message(user(official), text=text)
    botapi.wait_for("sendMessage", lambda c: c.chat_id == official, since=since)
    posted = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    assert eventually(lambda: desk.ticket_for_staff_message(posted.result["message_id"]))
    return posted


def staff_says(
    botapi: BotApiServer, text: str, *, reply_to: Call | None, sender: int = STAFF
) -> int:
    """A staff chat member writes ``text`` (a Telegram "reply" to ``reply_to``); returns a mark."""
    since = botapi.mark()
    botapi.push_message(
        user(sender, first_name="Ana", last_name="Staff"),
        STAFF_CHAT,
        text=text,
        reply_to=reply_to.result if reply_to else None,
    )
    return since


def answer_card(botapi: BotApiServer, card: Call, text: str, *, sender: int = STAFF) -> Call:
    """A staff member replies to ``card``; returns the message relayed to the official, once the
    staff chat has its confirmation."""
    since = staff_says(botapi, text, reply_to=card, sender=sender)
    relayed = to_official(botapi, since)
    botapi.wait_for(
        "sendMessage",
        lambda c: c.chat_id == STAFF_CHAT and "Sent to the official" in c.text,
        since=since,
    )
    return relayed


def press(
    botapi: BotApiServer, card: Call, data: str, *, sender: int = STAFF, name: str = "Ana"
) -> Call:
    """Press a button on ``card``; returns the bot's answerCallbackQuery."""
    since = botapi.mark()
    botapi.push_callback(user(sender, first_name=name), card, data)
    return botapi.wait_for("answerCallbackQuery", since=since)


def to_official(botapi: BotApiServer, since: int, official: int = OFFICIAL) -> Call:
    return botapi.wait_for("sendMessage", lambda c: c.chat_id == official, since=since)


def last_card_edit(botapi: BotApiServer, card: Call, since: int) -> Call:
    return botapi.wait_for(
        "editMessageText",
        lambda c: c.params.get("message_id") == card.result["message_id"],
        since=since,
    )


def button_data(call: Call) -> list[str]:
    return [b["callback_data"] for b in call.buttons]


def run_job(running: RunningBot, name: str) -> None:
    """Make a repeating job of the running application due now (as if its interval had passed)."""
    (job,) = running.application.job_queue.get_jobs_by_name(name)
    job.job.modify(next_run_time=datetime.now(UTC))


def eventually(read, timeout: float = 5.0):
    """What ``read()`` returns once truthy: the bot writes to the database just after it sends."""
    deadline = time.monotonic() + timeout
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def count(desk: Desk, model) -> int:
    with session_scope(desk.sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


# --- the round trip -------------------------------------------------------------------------------
def test_escalation_card_reply_close_round_trip(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    assert "#1" in card.result["text"]
    assert UNANSWERABLE in card.result["text"]
    assert card.params["parse_mode"] == "HTML"
    assert button_data(card) == [
        "staff:claim:1",
        "staff:partners:1",
        "staff:close:1:answered",
        "staff:close:1:out_of_scope",
        "staff:close:1:duplicate",
    ]

    since = staff_says(
        botapi, "Our next briefing is on 12 May; the agenda follows by e-mail.", reply_to=card
    )
    relayed = to_official(botapi, since)
    assert relayed.text == texts.say(
        "staff_reply",
        "en",
        number=1,
        text="Our next briefing is on 12 May; the agenda follows by e-mail.",
    )
    assert "parse_mode" not in relayed.params  # plain text: nothing to escape, nothing to break
    confirmation = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    assert "Sent to the official" in confirmation.text

    ticket = triage_desk.ticket(1)
    assert ticket.first_response_at is not None
    assert ticket.assignee_id == STAFF and ticket.assignee_name == "Ana Staff"
    staff_message = ticket.messages[-1]
    assert (staff_message.author, staff_message.delivery) == ("staff", "delivered")

    since = botapi.mark()
    answer = press(botapi, card, "staff:close:1:answered")
    assert answer.params.get("show_alert") in (None, False)
    closing = to_official(botapi, since).text
    assert closing.startswith(texts.say("ticket_closed", "en", number=1))
    assert closing.endswith(texts.say("satisfaction_ask", "en"))
    edited = last_card_edit(botapi, card, since)
    assert "Closed: Answered" in edited.result["text"]
    assert button_data(edited) == ["staff:faq:1"]
    closed = triage_desk.ticket(1)
    assert (closed.status, closed.resolution) == ("closed", "answered")


def test_card_shows_profile_and_what_the_bot_tried_with_user_text_escaped(bot, botapi, triage_desk):
    official = Asker(telegram_id=OFFICIAL, chat_id=OFFICIAL)
    triage_desk.update_profile(
        official, name="Tom <i>", state_code="FJI", role="Legal adviser <MoJ> & co"
    )
    card = ask(
        botapi,
        triage_desk,
        "Is <b>this</b> & that in the prison inspector's report on our detention centre?",
    )
    raw, seen = card.params["text"], card.result["text"]
    assert "Is &lt;b&gt;this&lt;/b&gt; &amp; that" in raw
    assert "Is <b>this</b> & that in the prison inspector" in seen
    assert "Legal adviser <MoJ> & co" in seen and "Tom <i>" in seen
    assert "Fiji" in seen and "language en" in seen
    # Triage sees where the State stands, from the register (Fiji ratified on 14 March 2016).
    assert "UNCAT: party (ratification 14 March 2016)" in seen
    assert "OPCAT: not party" in seen
    tried = triage_desk.ticket(1).tried
    assert tried, "an escalation records the entries the bot tried"
    first_entry = tried.split(",")[0].rpartition(":")[0].strip()
    assert triage_desk.base.entries[first_entry].question("en") in seen


def test_further_questions_join_the_open_ticket_under_its_card(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    follow_on = ask(botapi, triage_desk, ALSO_UNANSWERABLE)
    assert follow_on.params["reply_parameters"]["message_id"] == card.result["message_id"]
    assert ALSO_UNANSWERABLE in follow_on.result["text"]
    assert [t.id for t in triage_desk.tickets()] == [1]

    # A reply to the follow-on message reaches the same ticket.
    since = staff_says(botapi, "Mars is red.", reply_to=follow_on)
    assert to_official(botapi, since).text.endswith("Mars is red.")
    assert [m.author for m in triage_desk.ticket(1).messages] == ["official", "official", "staff"]


def test_a_reply_to_the_staff_reply_reaches_the_same_ticket(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = botapi.mark()
    pushed = botapi.push_message(
        user(STAFF, first_name="Ana"), STAFF_CHAT, text="First answer.", reply_to=card.result
    )
    to_official(botapi, since)
    botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    # A colleague replies to the staff member's message rather than to the card.
    since = botapi.mark()
    botapi.push_message(
        user(COLLEAGUE, first_name="Ben"),
        STAFF_CHAT,
        text="And a correction.",
        reply_to=pushed["message"],
    )
    assert to_official(botapi, since).text.endswith("And a correction.")
    assert [
        (m.author_id, m.text) for m in triage_desk.ticket(1).messages if m.author == "staff"
    ] == [
        (STAFF, "First answer."),
        (COLLEAGUE, "And a correction."),
    ]


def test_a_reply_the_official_cannot_receive_is_kept_and_flagged(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    botapi.block(OFFICIAL)
    since = staff_says(botapi, "Here is the agenda.", reply_to=card)
    warning = botapi.wait_for(
        "sendMessage", lambda c: c.chat_id == STAFF_CHAT and "Not delivered" in c.text, since=since
    )
    assert "blocked" in warning.text
    message = triage_desk.ticket(1).messages[-1]
    assert (message.text, message.delivery) == ("Here is the agenda.", "failed")
    since = staff_says(botapi, "/queue", reply_to=None)
    queue = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    assert "1 reply not delivered" in queue.text


def test_a_reply_to_a_message_that_is_no_ticket_is_explained(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = staff_says(botapi, "/queue", reply_to=None)
    queue = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    since = staff_says(botapi, "Answer meant for the card", reply_to=queue)
    note = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    assert "not a ticket" in note.text
    botapi.wait_idle()
    assert not botapi.calls_to("sendMessage", since=since, chat_id=OFFICIAL)
    assert card and [m.author for m in triage_desk.ticket(1).messages] == ["official"]


# --- buttons --------------------------------------------------------------------------------------
def test_claim_shows_who_took_the_ticket(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = botapi.mark()
    answer = press(botapi, card, "staff:claim:1")
    assert answer.params["text"] == "Ticket #1 is yours."
    assert "Claimed by Ana" in last_card_edit(botapi, card, since).result["text"]
    assert triage_desk.ticket(1).assignee_id == STAFF
    assert not botapi.calls_to("sendMessage", since=since, chat_id=OFFICIAL)


def test_claiming_a_ticket_a_colleague_holds_asks_first_and_tells_them(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    press(botapi, card, "staff:claim:1", sender=COLLEAGUE, name="Ben")  # Ben holds it
    since = botapi.mark()
    asked = press(botapi, card, "staff:claim:1")  # Ana presses Claim too
    assert asked.params["text"] == "Claimed by Ben: take over?"
    menu = botapi.wait_for("editMessageReplyMarkup", since=since)
    assert button_data(menu) == ["staff:takeover:1", "staff:back:1"]
    assert triage_desk.ticket(1).assignee_id == COLLEAGUE  # nothing taken yet

    since = botapi.mark()
    answer = press(botapi, card, "staff:takeover:1")
    assert answer.params["text"] == "Ticket #1 is yours."
    assert triage_desk.ticket(1).assignee_id == STAFF
    told = botapi.wait_for(
        "sendMessage", lambda c: c.chat_id == STAFF_CHAT and "took over" in c.text, since=since
    )
    # A mention, so Telegram notifies Ben.
    assert told.text == f'<a href="tg://user?id={COLLEAGUE}">Ben</a>: Ana took over ticket #1.'
    assert told.params["parse_mode"] == "HTML"
    assert "Claimed by Ana" in last_card_edit(botapi, card, since).result["text"]


def test_claiming_your_own_ticket_again_asks_nothing(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    press(botapi, card, "staff:claim:1")
    since = botapi.mark()
    assert press(botapi, card, "staff:claim:1").params["text"] == "Ticket #1 is yours."
    assert not botapi.calls_to("sendMessage", since=since, chat_id=STAFF_CHAT)


def test_refer_to_a_partner_from_the_directory(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = botapi.mark()
    press(botapi, card, "staff:partners:1")
    menu = botapi.wait_for("editMessageReplyMarkup", since=since)
    offered = button_data(menu)
    assert offered[:-1] == [f"staff:refer:1:{pid}" for pid in triage_desk.referrals.partners]
    assert offered[-1] == "staff:back:1"
    labels = [b["text"] for b in menu.buttons]
    assert max(len(label) for label in labels) <= SHORT_NAME_CHARS  # fits a phone screen
    assert "UN Torture Victims Fund" in labels and "APT" in labels

    since = botapi.mark()
    answer = press(botapi, card, "staff:refer:1:apt")
    apt = triage_desk.referrals.partners["apt"]
    assert apt.name("en") in answer.params["text"]
    told = to_official(botapi, since)
    assert apt.website in told.text and "CTI Secretariat" in told.text
    # What happens next, not "write /secretariat", which the official has just done.
    assert "/secretariat" not in told.text and "introduce you" in told.text
    edited = last_card_edit(botapi, card, since)
    assert f"referred to {apt.name('en')}" in edited.result["text"]
    assert "staff:close:1:referred" in button_data(edited)
    with session_scope(triage_desk.sessions) as session:
        referral = session.scalars(select(Referral)).one()
        assert (referral.ticket_id, referral.partner_id, referral.created_by) == (1, "apt", "staff")
    assert triage_desk.ticket(1).first_response_at is not None


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_staff_referral_tells_the_official_what_happens_next(triage_desk, lang):
    partners = triage_desk.referrals.partners
    official = Asker(telegram_id=7001)
    triage_desk.update_profile(official, language=lang)
    for partner_id in ("apt", "omct"):
        number = triage_desk.to_secretariat(official, "Help").ticket_id
        _, relay = triage_desk.refer_ticket(number, partner_id, staff_id=STAFF)
        assert partners[partner_id].website in relay.text
        assert {"en": "Website", "fr": "Site web", "es": "Sitio web"}[lang] in relay.text
        if partners[partner_id].introduction == "warm":
            assert "/secretariat" not in relay.text  # they have just written to us
        else:
            assert "/secretariat" in relay.text  # only for when the partner cannot help
        triage_desk.close(number, resolution="referred", staff_id=STAFF)


def test_a_warm_referral_posts_an_introduction_card_staff_can_reply_from(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = botapi.mark()
    press(botapi, card, "staff:refer:1:apt")
    apt = triage_desk.referrals.partners["apt"]
    intro = botapi.wait_for(
        "sendMessage",
        lambda c: c.chat_id == STAFF_CHAT and "Warm introduction" in c.text,
        since=since,
    )
    assert apt.contact in intro.text and "ticket #1" in intro.text
    assert eventually(lambda: triage_desk.ticket_for_staff_message(intro.result["message_id"]))
    relayed = answer_card(botapi, intro, "APT has your request; they will write to you this week.")
    assert "APT has your request" in relayed.text


def test_back_from_the_partner_list_restores_the_card(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    press(botapi, card, "staff:partners:1")
    since = botapi.mark()
    press(botapi, card, "staff:back:1")
    assert button_data(last_card_edit(botapi, card, since)) == button_data(card)


@pytest.mark.parametrize(
    ("resolution", "label"),
    [("answered", "Answered"), ("out_of_scope", "Out of scope"), ("duplicate", "Duplicate")],
)
def test_close_with_each_resolution_tells_the_official(bot, botapi, triage_desk, resolution, label):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = botapi.mark()
    press(botapi, card, f"staff:close:1:{resolution}")
    told = to_official(botapi, since)
    assert told.text.startswith(texts.say("ticket_closed", "en", number=1))
    # Asked once whether the reply helped, with two buttons; not for a duplicate.
    asked = resolution != "duplicate"
    assert (texts.say("satisfaction_ask", "en") in told.text) is asked
    assert button_data(told) == (["o:k:1:1", "o:k:1:0"] if asked else [])
    assert f"Closed: {label}" in last_card_edit(botapi, card, since).result["text"]
    ticket = triage_desk.ticket(1)
    assert (ticket.status, ticket.resolution, ticket.assignee_id) == ("closed", resolution, STAFF)
    # A closed ticket is not reopened: the next unanswerable question opens #2.
    assert "#2" in ask(botapi, triage_desk, ALSO_UNANSWERABLE).result["text"]


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_after_a_ticket_closes_the_official_rates_the_reply_once(bot, botapi, triage_desk, lang):
    triage_desk.update_profile(Asker(telegram_id=OFFICIAL), language=lang)
    card = ask(botapi, triage_desk, UNANSWERABLE)
    answer_card(botapi, card, "Here is what you need.")
    since = botapi.mark()
    press(botapi, card, "staff:close:1:answered")
    closing = to_official(botapi, since)
    assert texts.say("satisfaction_ask", lang) in closing.text

    since = botapi.mark()
    botapi.push_callback(user(OFFICIAL), closing, "o:k:1:1")
    assert to_official(botapi, since).text == texts.say("feedback_thanks", lang)
    since = botapi.mark()
    botapi.push_callback(user(OFFICIAL), closing, "o:k:1:0")  # changed their mind: one rating
    assert to_official(botapi, since).text == texts.say("satisfaction_sorry", lang)
    with session_scope(triage_desk.sessions) as session:
        rows = session.scalars(select(Feedback)).all()
        assert [(f.ticket_id, f.helpful) for f in rows] == [(1, False)]
        figures = stats.compute(session, Period.of(None, None))
    assert figures.satisfaction["helpful"] == 0 and figures.satisfaction["not_helpful"] == 1
    month = date.today().strftime("%Y-%m")
    assert figures.satisfaction["by_month"][month] == {"helpful": 0, "not_helpful": 1}
    assert figures.feedback == {"helpful": 0, "not_helpful": 0}  # not a rating of the bot
    assert figures.tickets["median_resolution_hours"] is not None
    assert "/secretariat" in texts.say("satisfaction_sorry", lang)  # a "no" leads somewhere


def test_a_second_close_is_refused_with_an_alert(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    press(botapi, card, "staff:close:1:answered")
    since = botapi.mark()
    answer = press(botapi, card, "staff:close:1:duplicate", sender=COLLEAGUE)
    assert answer.params["show_alert"] is True and "already closed" in answer.params["text"]
    assert triage_desk.ticket(1).resolution == "answered"
    botapi.wait_idle()
    assert not botapi.calls_to("sendMessage", since=since, chat_id=OFFICIAL)


def test_turn_a_closed_ticket_into_a_draft_faq_entry(bot, botapi, triage_desk, knowledge_copy):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    answer_card(botapi, card, "Agendas are sent by e-mail a week before each briefing.")
    press(botapi, card, "staff:close:1:answered")
    since = botapi.mark()
    answer = press(botapi, card, "staff:faq:1")
    draft = knowledge_copy / "drafts" / "ticket-1.yaml"
    assert draft.exists()
    assert "ticket-1.yaml" in answer.params["text"]
    note = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    assert "ticket-1.yaml" in note.text and "not served" in note.text
    entry = yaml.safe_load(draft.read_text(encoding="utf-8"))["entries"][0]
    assert entry["en"] == {
        "questions": [UNANSWERABLE],
        "answer": "Agendas are sent by e-mail a week before each briefing.",
    }
    # Not served until reviewed: a reload does not pick the draft up.
    assert triage_desk.reload() == []
    assert "draft-ticket-1" not in triage_desk.base.entries


def test_turn_into_faq_without_a_staff_answer_is_explained(
    bot, botapi, triage_desk, knowledge_copy
):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    press(botapi, card, "staff:close:1:out_of_scope")
    answer = press(botapi, card, "staff:faq:1")
    assert (
        answer.params["show_alert"] is True
        and "no question and staff answer" in answer.params["text"]
    )
    assert not (knowledge_copy / "drafts").exists()


# --- staff commands -------------------------------------------------------------------------------
def test_queue_lists_open_tickets_oldest_first_with_assignee(bot, botapi, triage_desk):
    since = staff_says(botapi, "/queue", reply_to=None)
    assert botapi.wait_for("sendMessage", since=since).text == "No tickets in the queue."
    first = ask(botapi, triage_desk, UNANSWERABLE)
    ask(botapi, triage_desk, ALSO_UNANSWERABLE, official=OTHER_OFFICIAL)
    press(botapi, first, "staff:claim:1")
    since = staff_says(botapi, "/queue", reply_to=None)
    queue = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since).text
    lines = queue.splitlines()
    assert lines[0] == "Open tickets, oldest first (2):"
    assert lines[1].startswith("#1 [open]") and "Ana" in lines[1] and UNANSWERABLE[:40] in lines[1]
    assert lines[2].startswith("#2 [open]") and "unassigned" in lines[2]


def test_stale_lists_the_entries_due_for_review(bot, botapi, triage_desk):
    from helpdesk_bot.console import format_stale
    from helpdesk_bot.knowledge import due_for_review

    since = staff_says(botapi, "/stale", reply_to=None)
    shown = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since).text
    assert shown == format_stale(due_for_review(triage_desk.base))[:4096]


@pytest.mark.parametrize("command", ["/queue", "/ticket 1", "/referrals", "/stats", "/stale"])
def test_staff_commands_post_no_case_data_in_another_group(bot, botapi, triage_desk, command):
    ask(botapi, triage_desk, UNANSWERABLE)
    group = -100777
    since = botapi.mark()
    botapi.push_message(user(STAFF, first_name="Ana", last_name="Staff"), group, text=command)
    told = botapi.wait_for("sendMessage", lambda c: c.chat_id == group, since=since)
    assert told.text == texts.say("staff_chat_only", "en")
    botapi.wait_idle()
    sent = [c for c in botapi.calls[since:] if c.chat_id == group]
    assert [c.method for c in sent] == ["sendMessage"]  # the refusal, and no thread, queue or chart
    assert UNANSWERABLE not in told.text


def test_stats_with_a_date_out_of_range_gets_a_usage_line(bot, botapi, triage_desk):
    since = staff_says(botapi, "/stats 2026-01-01 9999-12-31", reply_to=None)
    told = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since).text
    assert told.startswith("Usage: /stats [PERIOD], e.g. 2026") and "out of range" in told


@pytest.mark.parametrize("period", ["last month", "le mois dernier", "el mes pasado"])
def test_stats_takes_a_period_as_staff_type_it(bot, botapi, triage_desk, period):
    today = date.today()
    last = date(today.year, today.month, 1) - timedelta(days=1)
    since = staff_says(botapi, f"/stats {period}", reply_to=None)
    headline = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since).text
    assert headline.startswith(f"{last.replace(day=1)} to {last}\nQuestions: ")


@pytest.mark.parametrize("data", ["staff:claim", "staff:claim:abc", "staff:nothing:1", "staff:"])
def test_a_malformed_staff_button_is_answered_not_left_spinning(bot, botapi, triage_desk, data):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = botapi.mark()
    botapi.push_callback(user(STAFF, first_name="Ana"), card, data)
    answered = botapi.wait_for("answerCallbackQuery", since=since)
    assert answered.params.get("show_alert") and answered.params.get("text")


def test_queue_works_for_staff_in_a_private_chat(bot, botapi, triage_desk):
    ask(botapi, triage_desk, UNANSWERABLE)
    since = botapi.mark()
    botapi.push_message(user(STAFF), text="/queue")
    assert botapi.wait_for(
        "sendMessage", lambda c: c.chat_id == STAFF, since=since
    ).text.startswith("Open tickets")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/ticket 1", "Ticket #1 (escalation), open"),
        ("/ticket 99", "there is no ticket #99"),
        ("/ticket one", "Usage: /ticket N"),
    ],
)
def test_ticket_shows_the_whole_thread(bot, botapi, triage_desk, command, expected):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    answer_card(botapi, card, "An answer.")
    since = staff_says(botapi, command, reply_to=None)
    shown = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since).text
    assert expected in shown
    if "Usage" not in expected and "no ticket" not in expected:
        assert f"official: {UNANSWERABLE}" in shown
        assert "staff (Ana Staff): An answer." in shown


def test_stats_sends_the_headline_and_a_chart(bot, botapi, triage_desk):
    ask(botapi, triage_desk, UNANSWERABLE)
    since = staff_says(botapi, "/stats", reply_to=None)
    headline = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since).text
    assert "Questions: 1 from 1 officials" in headline
    assert "Tickets: 1 opened, 1 still open" in headline
    chart = botapi.wait_for("sendPhoto", since=since, timeout=30)
    assert chart.files["photo"].data.startswith(b"\x89PNG")


def test_stats_with_a_bad_date_gives_the_usage(bot, botapi):
    since = staff_says(botapi, "/stats 31/12/2025", reply_to=None)
    assert botapi.wait_for("sendMessage", since=since).text.startswith("Usage: /stats")


def test_reload_keeps_the_running_base_when_the_copy_is_broken(
    bot, botapi, triage_desk, knowledge_copy
):
    running, entries = triage_desk.base, len(triage_desk.base.entries)
    (knowledge_copy / "zz-broken.yaml").write_text(
        "topic: ratification\nentries:\n  - id: half-written\n    en: {questions: [\n",
        encoding="utf-8",
    )
    since = staff_says(botapi, "/reload", reply_to=None)
    report = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since).text
    assert report.startswith("Reload refused")
    assert "keeps answering from the previous version" in report
    assert "zz-broken.yaml:" in report  # file:line of the problem
    assert triage_desk.base is running
    entry = next(iter(running.entries.values()))
    assert triage_desk.answer(entry.question("en")).candidates[0][0] == entry.id

    (knowledge_copy / "zz-broken.yaml").unlink()
    since = staff_says(botapi, "/reload", reply_to=None)
    report = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since).text
    assert report.startswith(f"Reloaded: {entries} entries")
    assert triage_desk.base is not running


# --- only staff -----------------------------------------------------------------------------------
STAFF_COMMANDS = ["/queue", "/ticket 1", "/referrals", "/stats", "/reload"]


@pytest.mark.parametrize("command", STAFF_COMMANDS)
def test_every_staff_command_is_refused_to_others(bot, botapi, triage_desk, command):
    ask(botapi, triage_desk, UNANSWERABLE)
    for chat in (OUTSIDER, STAFF_CHAT):  # in a private chat, and in the staff chat itself
        since = botapi.mark()
        botapi.push_message(user(OUTSIDER), chat, text=command)
        refusal = botapi.wait_for("sendMessage", since=since)
        assert (refusal.chat_id, refusal.text) == (chat, texts.say("staff_only", "en"))
        botapi.wait_idle()
        assert [c.method for c in botapi.calls[since:] if c.method != "getUpdates"] == [
            "sendMessage"
        ]
    assert count(triage_desk, Query) == 1  # the command was not taken for a question


def test_refusal_speaks_the_outsiders_language(bot, botapi):
    since = botapi.mark()
    botapi.push_message(user(OUTSIDER, "fr"), text="/queue")
    assert botapi.wait_for("sendMessage", since=since).text == texts.say("staff_only", "fr")


@pytest.mark.parametrize(
    "data",
    [
        "staff:claim:1",
        "staff:partners:1",
        "staff:refer:1:apt",
        "staff:back:1",
        "staff:close:1:answered",
        "staff:close:1:out_of_scope",
        "staff:close:1:duplicate",
        "staff:faq:1",
    ],
)
def test_every_card_button_is_refused_to_others(bot, botapi, triage_desk, knowledge_copy, data):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    if data == "staff:faq:1":
        answer_card(botapi, card, "An answer.")
        press(botapi, card, "staff:close:1:answered")
    before = triage_desk.ticket(1)
    since = botapi.mark()
    answer = press(botapi, card, data, sender=OUTSIDER)
    assert answer.params["show_alert"] is True
    assert answer.params["text"] == texts.say("staff_only_button", "en")
    botapi.wait_idle()
    assert [c.method for c in botapi.calls[since:] if c.method != "getUpdates"] == [
        "answerCallbackQuery"
    ]
    after = triage_desk.ticket(1)
    assert (after.status, after.assignee_id, after.partner_id, len(after.messages)) == (
        before.status,
        before.assignee_id,
        before.partner_id,
        len(before.messages),
    )
    assert count(triage_desk, Referral) == 0
    assert not (knowledge_copy / "drafts").exists()


def test_a_reply_by_a_non_staff_member_is_ignored(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = staff_says(
        botapi, "I am not staff but here is an answer", reply_to=card, sender=OUTSIDER
    )
    botapi.wait_idle()
    assert [c.method for c in botapi.calls[since:] if c.method != "getUpdates"] == []
    assert [m.author for m in triage_desk.ticket(1).messages] == ["official"]
    assert triage_desk.ticket(1).first_response_at is None


@pytest.mark.parametrize("sender", [STAFF, OUTSIDER])
def test_staff_chat_talk_never_reaches_the_official_flow(bot, botapi, triage_desk, sender):
    since = staff_says(
        botapi, "How do we ratify the Convention against Torture?", reply_to=None, sender=sender
    )
    botapi.push_message(user(sender), STAFF_CHAT, text="/start")
    botapi.wait_idle()
    assert [c.method for c in botapi.calls[since:] if c.method != "getUpdates"] == []
    assert count(triage_desk, Query) == 0
    assert triage_desk.tickets() == []


# --- reminders and follow-ups ---------------------------------------------------------------------
def _age_tickets(desk: Desk, days: float) -> None:
    with session_scope(desk.sessions) as session:
        session.execute(update(Ticket).values(opened_at=datetime.now(UTC) - timedelta(days=days)))


def test_reminder_for_a_ticket_unanswered_after_the_working_days(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    ask(botapi, triage_desk, ALSO_UNANSWERABLE, official=OTHER_OFFICIAL)
    with session_scope(triage_desk.sessions) as session:
        # #1 is a week old (at least 5 working days); #2 is fresh.
        session.execute(
            update(Ticket)
            .where(Ticket.id == 1)
            .values(opened_at=datetime.now(UTC) - timedelta(days=7))
        )
    since = botapi.mark()
    run_job(bot, "staff-reminders")
    reminder = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    assert "Ticket #1" in reminder.result["text"] and "no reply" in reminder.result["text"]
    assert reminder.params["reply_parameters"]["message_id"] == card.result["message_id"]
    botapi.wait_idle()
    assert len(botapi.calls_to("sendMessage", since=since)) == 1  # not #2
    assert eventually(lambda: triage_desk.ticket(1).reminded_at)

    since = botapi.mark()
    run_job(bot, "staff-reminders")  # once only
    botapi.wait_idle(quiet=0.5)
    assert not botapi.calls_to("sendMessage", since=since)


def test_no_reminder_once_staff_answered(bot, botapi, triage_desk):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    answer_card(botapi, card, "On it.")
    _age_tickets(triage_desk, 7)
    since = botapi.mark()
    run_job(bot, "staff-reminders")
    botapi.wait_idle(quiet=0.5)
    assert not botapi.calls_to("sendMessage", since=since)


def test_the_reminder_job_posts_a_card_that_never_reached_the_staff_chat(bot, botapi, triage_desk):
    botapi.fail(
        "sendMessage", status=400, description="Bad Request: chat not found", chat_id=STAFF_CHAT
    )
    since = botapi.mark()
    botapi.push_message(user(OFFICIAL), text=UNANSWERABLE)
    to_official(botapi, since)
    botapi.wait_idle()
    assert triage_desk.ticket(1).staff_message_id is None
    _age_tickets(triage_desk, 1 / 24)
    since = botapi.mark()
    run_job(bot, "staff-reminders")
    card = botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)
    assert UNANSWERABLE in card.result["text"]
    assert eventually(lambda: triage_desk.ticket(1).staff_message_id) == card.result["message_id"]


def _referral(desk: Desk, referral_id: int) -> Referral:
    with session_scope(desk.sessions) as session:
        referral = session.get(Referral, referral_id)
        session.expunge(referral)
        return referral


def _due_referral(botapi: BotApiServer, desk: Desk) -> int:
    since = botapi.mark()
    botapi.push_message(user(OFFICIAL), text=GOES_TO_PARTNER)
    to_official(botapi, since)
    with session_scope(desk.sessions) as session:
        referral = session.scalars(select(Referral)).one()
        referral.followup_due_at = datetime.now(UTC) - timedelta(minutes=1)
        return referral.id


@pytest.mark.parametrize(("button", "helpful"), [("yes", True), ("no", False)])
def test_referral_follow_up_asks_and_records_the_answer(bot, botapi, triage_desk, button, helpful):
    referral_id = _due_referral(botapi, triage_desk)
    since = botapi.mark()
    run_job(bot, "referral-followups")
    question = to_official(botapi, since)
    partner = triage_desk.referrals.partners["apt"]
    assert partner.name("en") in question.text and "Did the referral help?" in question.text
    assert button_data(question) == [f"refhelp:{referral_id}:yes", f"refhelp:{referral_id}:no"]

    since = botapi.mark()
    botapi.push_callback(user(OFFICIAL), question, f"refhelp:{referral_id}:{button}")
    thanks = botapi.wait_for("answerCallbackQuery", since=since)
    assert thanks.params["text"] == texts.say("followup_thanks", "en")
    botapi.wait_for("editMessageReplyMarkup", since=since)
    with session_scope(triage_desk.sessions) as session:
        feedback = session.scalars(select(Feedback)).one()
        assert (feedback.referral_id, feedback.helpful) == (referral_id, helpful)
    assert eventually(lambda: _referral(triage_desk, referral_id).followup_sent_at)

    since = botapi.mark()
    run_job(bot, "referral-followups")  # never asked twice
    botapi.wait_idle(quiet=0.5)
    assert not botapi.calls_to("sendMessage", since=since)


# --- referrals seen and closed by staff ------------------------------------------------------------
def _refer(botapi: BotApiServer) -> Call:
    """The official asks something the rules refer to APT; returns the notice in the staff chat."""
    since = botapi.mark()
    botapi.push_message(user(OFFICIAL), text=GOES_TO_PARTNER)
    to_official(botapi, since)
    return botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)


def test_a_referral_is_announced_to_staff_and_closed_with_its_outcome(bot, botapi, triage_desk):
    notice = _refer(botapi)
    referral = triage_desk.referrals_open()[0][0]
    partner = triage_desk.referrals.partners[referral.partner_id]
    assert f"Referral #{referral.id} to {partner.name('en')}" in notice.text
    assert GOES_TO_PARTNER in notice.text
    assert button_data(notice) == [
        f"staff:refclose:{referral.id}:taken_up",
        f"staff:refclose:{referral.id}:not_needed",
        f"staff:refclose:{referral.id}:no_answer",
    ]
    since = botapi.mark()
    answer = press(botapi, notice, f"staff:refclose:{referral.id}:taken_up")
    assert answer.params["text"] == f"Referral #{referral.id}: ✓ Taken up"
    edited = last_card_edit(botapi, notice, since)
    assert "Closed: ✓ Taken up" in edited.params["text"]
    closed = _referral(triage_desk, referral.id)
    assert (closed.status, closed.outcome) == ("closed", "taken_up")
    assert triage_desk.referrals_open() == []

    again = press(botapi, notice, f"staff:refclose:{referral.id}:no_answer")
    assert again.params["show_alert"] is True and "already closed" in again.params["text"]
    assert _referral(triage_desk, referral.id).outcome == "taken_up"


def test_referrals_command_lists_the_open_ones(bot, botapi, triage_desk):
    since = botapi.mark()
    botapi.push_message(user(STAFF), STAFF_CHAT, text="/referrals")
    assert botapi.wait_for("sendMessage", since=since).text == "No open referrals."
    _refer(botapi)
    referral = triage_desk.referrals_open()[0][0]
    since = botapi.mark()
    botapi.push_message(user(STAFF), STAFF_CHAT, text="/referrals")
    header = botapi.wait_for("sendMessage", since=since)
    assert header.text == "Open referrals, oldest first: 1"
    listed = botapi.wait_for("sendMessage", lambda c: "Referral #" in (c.text or ""), since=since)
    assert f"Referral #{referral.id}" in listed.text
    assert button_data(listed)[0] == f"staff:refclose:{referral.id}:taken_up"


def test_referral_outcome_buttons_are_refused_to_others(bot, botapi, triage_desk):
    notice = _refer(botapi)
    referral = triage_desk.referrals_open()[0][0]
    answer = press(botapi, notice, f"staff:refclose:{referral.id}:not_needed", sender=OUTSIDER)
    assert answer.params["text"] == texts.say("staff_only_button", "en")
    assert _referral(triage_desk, referral.id).status == "open"


# --- a restart loses nothing ----------------------------------------------------------------------
def test_a_restart_between_escalation_and_reply_loses_nothing(
    triage_settings, shipped_base, botapi
):
    first_desk = open_desk(triage_settings, shipped_base)
    with RunningBot(build_application(triage_settings, first_desk)) as first:
        card = ask(botapi, first_desk, UNANSWERABLE)
        follow_on = ask(botapi, first_desk, ALSO_UNANSWERABLE)
    first_desk.sessions.kw["bind"].dispose()
    assert not first.errors

    second_desk = open_desk(triage_settings, shipped_base)
    try:
        with RunningBot(build_application(triage_settings, second_desk)) as second:
            since = staff_says(botapi, "Answer after the restart.", reply_to=card)
            assert to_official(botapi, since).text.endswith("Answer after the restart.")
            since = staff_says(botapi, "And about Mars.", reply_to=follow_on)
            assert to_official(botapi, since).text.endswith("And about Mars.")
            since = botapi.mark()
            press(botapi, card, "staff:close:1:answered")
            assert to_official(botapi, since).text.startswith(
                texts.say("ticket_closed", "en", number=1)
            )
        assert not second.errors
        ticket = second_desk.ticket(1)
        assert [m.author for m in ticket.messages] == ["official", "official", "staff", "staff"]
        assert all(m.delivery == "delivered" for m in ticket.messages)
        assert ticket.status == "closed" and ticket.first_response_at is not None
    finally:
        second_desk.sessions.kw["bind"].dispose()


def test_a_follow_up_that_failed_is_sent_after_a_restart(triage_settings, shipped_base, botapi):
    first_desk = open_desk(triage_settings, shipped_base)
    with RunningBot(build_application(triage_settings, first_desk)) as first:
        referral_id = _due_referral(botapi, first_desk)
        attempts = sending.DEFAULT.attempts  # every try of this run fails
        botapi.fail(
            "sendMessage", status=502, description="Bad Gateway", chat_id=OFFICIAL, times=attempts
        )
        since = botapi.mark()
        run_job(first, "referral-followups")
        failed = lambda: len(botapi.calls_to("sendMessage", since=since, chat_id=OFFICIAL))  # noqa: E731
        assert eventually(lambda: failed() >= attempts, timeout=20)
        botapi.wait_idle(quiet=0.5)
        assert failed() == attempts
    assert _referral(first_desk, referral_id).followup_sent_at is None
    first_desk.sessions.kw["bind"].dispose()
    assert not first.errors

    second_desk = open_desk(triage_settings, shipped_base)
    try:
        with RunningBot(build_application(triage_settings, second_desk)) as second:
            since = botapi.mark()
            run_job(second, "referral-followups")
            question = to_official(botapi, since)
            assert button_data(question) == [
                f"refhelp:{referral_id}:yes",
                f"refhelp:{referral_id}:no",
            ]
    finally:
        second_desk.sessions.kw["bind"].dispose()


@pytest.mark.parametrize("where", ["staff chat", "private chat"])
def test_help_from_staff_lists_the_staff_commands_and_buttons(bot, botapi, where):
    since = botapi.mark()
    chat = STAFF_CHAT if where == "staff chat" else STAFF
    botapi.push_message(user(STAFF, first_name="Ana"), chat, text="/help")
    told = botapi.wait_for("sendMessage", lambda c: c.chat_id == chat, since=since).text
    for command in ("/queue", "/ticket N", "/referrals", "/stats [PERIOD]", "/stale", "/reload"):
        assert f"\n{command}" in told
    assert "Claim" in told and "Refer to partner" in told and "Turn into FAQ" in told


def test_help_from_an_official_is_the_officials_help(bot, botapi):
    since = botapi.mark()
    botapi.push_message(user(OFFICIAL), text="/help")
    told = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since).text
    assert told == texts.say("help", "en")
    assert "/queue" not in told


# --- files ----------------------------------------------------------------------------------------
DOCUMENT = {"file_id": "doc-draft-bill", "file_unique_id": "u-draft", "file_name": "draft-bill.pdf"}


def official_sends(botapi: BotApiServer, *, official: int = OFFICIAL, **content) -> int:
    """The official sends a file message (``document={...}``, ``photo=[...]``, ``voice={...}``)."""
    since = botapi.mark()
    botapi.push_content(user(official), **content)
    return since


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_an_officials_document_reaches_the_secretariat_in_a_ticket(bot, botapi, triage_desk, lang):
    triage_desk.update_profile(Asker(telegram_id=OFFICIAL), language=lang)
    since = official_sends(botapi, document=DOCUMENT, caption="Our draft bill, for your comments")
    told = to_official(botapi, since)
    assert told.text == texts.say("file_received", lang, number=1)
    posted = botapi.wait_for(
        "sendDocument", lambda c: c.chat_id == STAFF_CHAT, since=since, timeout=10
    )
    card = botapi.calls_to("sendMessage", since=since, chat_id=STAFF_CHAT)[0]
    assert "Our draft bill, for your comments" in card.text  # the card, then the file under it
    assert posted.params["document"] == DOCUMENT["file_id"]  # by file id, never forwarded
    assert not botapi.calls_to("forwardMessage", since=since)
    assert posted.params["reply_parameters"]["message_id"] == card.result["message_id"]
    ticket = triage_desk.ticket(1)
    assert (ticket.kind, ticket.status) == ("secretariat", "open")
    (message,) = ticket.messages
    assert (message.file_kind, message.file_id) == ("document", DOCUMENT["file_id"])
    with session_scope(triage_desk.sessions) as session:
        (query,) = session.scalars(select(Query)).all()
        assert (query.via, query.outcome, query.ticket_id) == ("file", "escalate", 1)
    # A staff reply to the file itself reaches the official.
    assert eventually(lambda: triage_desk.ticket_for_staff_message(posted.result["message_id"]))
    relayed = answer_card(botapi, posted, "Thank you, we will comment by Friday.")
    assert "we will comment by Friday" in relayed.text


def test_each_file_of_an_album_joins_the_same_request(bot, botapi, triage_desk):
    since = official_sends(
        botapi, photo=[{"file_id": "photo-a", "file_unique_id": "a", "width": 9, "height": 9}]
    )
    to_official(botapi, since)
    first = botapi.wait_for("sendPhoto", lambda c: c.chat_id == STAFF_CHAT, since=since)
    since = official_sends(
        botapi, voice={"file_id": "voice-b", "file_unique_id": "b", "duration": 3}
    )
    assert to_official(botapi, since).text == texts.say("file_received", "en", number=1)
    second = botapi.wait_for("sendVoice", lambda c: c.chat_id == STAFF_CHAT, since=since)
    assert (first.params["photo"], second.params["voice"]) == ("photo-a", "voice-b")
    assert [m.file_kind for m in triage_desk.ticket(1).messages] == ["photo", "voice"]
    assert len(triage_desk.tickets()) == 1


@pytest.mark.parametrize("caption", ["Here is our model law, annotated.", None])
def test_a_staff_document_reaches_the_official(bot, botapi, triage_desk, caption):
    card = ask(botapi, triage_desk, UNANSWERABLE)
    since = botapi.mark()
    content = {"document": dict(DOCUMENT, file_id="doc-model-law", file_name="model-law.pdf")}
    if caption:
        content["caption"] = caption
    botapi.push_content(user(STAFF, first_name="Ana"), STAFF_CHAT, reply_to=card.result, **content)
    sent = botapi.wait_for("sendDocument", lambda c: c.chat_id == OFFICIAL, since=since)
    assert sent.params["document"] == "doc-model-law"
    expected = (
        texts.say("staff_reply", "en", number=1, text=caption)
        if caption
        else texts.say("staff_file", "en", number=1)
    )
    assert sent.params["caption"] == expected
    confirmation = botapi.wait_for(
        "sendMessage",
        lambda c: c.chat_id == STAFF_CHAT and "Sent to the official" in c.text,
        since=since,
    )
    assert confirmation
    staff_message = triage_desk.ticket(1).messages[-1]
    assert (staff_message.author, staff_message.file_id, staff_message.delivery) == (
        "staff",
        "doc-model-law",
        "delivered",
    )


def test_a_sticker_still_asks_for_text(bot, botapi, triage_desk):
    since = official_sends(botapi, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular",
                                            "width": 1, "height": 1, "is_animated": False,
                                            "is_video": False})  # fmt: skip
    assert to_official(botapi, since).text == texts.say("type_please", "en")
    assert triage_desk.tickets() == []

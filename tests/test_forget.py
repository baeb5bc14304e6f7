"""/forget leaves no copies: the staff-chat cards are edited, FAQ drafts carry no names and go with
the official's tickets, the deep-link source is cleared, and SQLite's files keep no erased text.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from helpdesk_bot import texts
from helpdesk_bot.desk import Asker, Desk
from helpdesk_bot.export import iter_queries
from helpdesk_bot.models import Query, Referral, TicketMessage

from .botapi import BotApiServer, Call, user
from .conftest import KNOWLEDGE, NOT_SHIPPED, running_application

STAFF_CHAT = -100500  # HELPDESK_STAFF_CHAT_ID of the test settings
STAFF = 9001
OFFICIAL = 4747
OTHER_OFFICIAL = 4848
ERASED = "(erased at the official's request)"  # what an erased official's cards say
AMELIE = {"first_name": "Amélie", "last_name": "Zyxwater"}
# In the desk's subject, yet nothing in the base answers them: tickets for the Secretariat.
UNANSWERABLE = "What did the Zyxland prison inspector say about our detention centre last week?"
ALSO_UNANSWERABLE = "Our Zyxland minister wants to know what the inspector wrote yesterday"
GOES_TO_PARTNER = "We need help designing our NPM"


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture
def knowledge_copy(tmp_path) -> Path:
    """The shipped knowledge in tmp_path: drafts are written (and removed) next to it."""
    return shutil.copytree(KNOWLEDGE, tmp_path / "knowledge", ignore=NOT_SHIPPED)


@pytest.fixture
def forget_desk(desk, knowledge_copy) -> Desk:
    """The test desk with its drafts under ``knowledge_copy`` and only near-exact answers, so the
    tests' questions become tickets whatever the matcher's calibration of the day."""
    settings = dataclasses.replace(
        desk.settings,
        knowledge_dir=knowledge_copy,
        answer_threshold=95.0,
        suggest_threshold=90.0,
    )
    return Desk(
        settings,
        base=desk.base,
        referrals=desk.referrals,
        scope=desk.answerer.scope,
        sessions=desk.sessions,
    )


@pytest.fixture
def bot(forget_desk, bot_settings, botapi):
    settings = dataclasses.replace(
        forget_desk.settings,
        telegram_token=bot_settings.telegram_token,
        telegram_api_url=bot_settings.telegram_api_url,
    )
    yield from running_application(settings, forget_desk)


# --- helpers --------------------------------------------------------------------------------------
def official_asks(botapi: BotApiServer, text: str) -> Call:
    """Amélie asks; returns what the bot posted in the staff chat about it."""
    since = botapi.mark()
    botapi.push_message(user(OFFICIAL, **AMELIE), text=text)
    botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, since=since)
    return botapi.wait_for("sendMessage", lambda c: c.chat_id == STAFF_CHAT, since=since)


def forget(botapi: BotApiServer) -> int:
    """Amélie sends /forget and confirms; returns a mark from before the erasure."""
    botapi.push_message(user(OFFICIAL, **AMELIE), text="/forget")
    confirm = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL and c.buttons)
    since = botapi.mark()
    botapi.press(user(OFFICIAL, **AMELIE), confirm, texts.say("button_forget_yes", "en"))
    botapi.wait_for(
        "sendMessage",
        lambda c: c.chat_id == OFFICIAL and c.text == texts.say("forgotten", "en"),
        since=since,
    )
    return since


def recorded(desk: Desk, read) -> None:
    """Wait until the bot has recorded a staff-chat message id (it does so just after sending)."""
    import time

    deadline = time.monotonic() + 10
    while not read():
        assert time.monotonic() < deadline, "the staff-chat message id was never recorded"
        time.sleep(0.05)


def amelie_with_three_cards(botapi: BotApiServer, desk: Desk) -> list[Call]:
    """Amélie, with a State and a role, has a ticket card, a question under it, a referral card."""
    amelie = Asker(telegram_id=OFFICIAL, chat_id=OFFICIAL, name="Amélie Zyxwater")
    desk.update_profile(amelie, state_code="FJI", role="Zyxland adviser")
    card = official_asks(botapi, UNANSWERABLE)
    recorded(desk, lambda: desk.ticket_for_staff_message(card.result["message_id"]))
    again = official_asks(botapi, ALSO_UNANSWERABLE)
    recorded(desk, lambda: desk.ticket_for_staff_message(again.result["message_id"]))
    referral = official_asks(botapi, GOES_TO_PARTNER)

    def referral_card() -> bool:
        with desk.sessions() as session:
            return session.scalar(select(Referral.staff_message_id)) is not None

    recorded(desk, referral_card)
    for posted in (card, referral):
        assert "Fiji" in posted.text
    assert "Amélie Zyxwater" in card.text and "Zyxland adviser" in card.text
    return [card, again, referral]


def edits_since(botapi: BotApiServer, since: int) -> dict[int, Call]:
    """The staff-chat messages edited since ``since``: message id -> the last edit."""
    return {
        c.params["message_id"]: c
        for c in botapi.calls_to("editMessageText", since=since, chat_id=STAFF_CHAT)
        if c.status == 200
    }


# --- the staff-chat cards -------------------------------------------------------------------------
def test_forget_edits_the_officials_cards_in_the_staff_chat(bot, botapi, forget_desk):
    posted = amelie_with_three_cards(botapi, forget_desk)
    since = forget(botapi)
    edits = edits_since(botapi, since)
    assert set(edits) == {p.result["message_id"] for p in posted}
    for call in edits.values():
        assert ERASED in call.seen
        for kept in ("Amélie", "Zyx", "Fiji", "adviser", "NPM", "detention"):
            assert kept not in call.seen
    ticket_card = edits[posted[0].result["message_id"]]
    assert "Ticket #1" in ticket_card.seen and ticket_card.buttons  # staff can still close it
    # A redraw (any button on the card) keeps it erased.
    since = botapi.mark()
    botapi.push_callback(user(STAFF), posted[0], "staff:claim:1")
    redrawn = botapi.wait_for("editMessageText", since=since)
    assert ERASED in redrawn.seen and "Fiji" not in redrawn.seen


def test_a_card_telegram_will_not_edit_does_not_stop_the_erasure(bot, botapi, forget_desk):
    posted = amelie_with_three_cards(botapi, forget_desk)
    botapi.fail(
        "editMessageText",
        status=400,
        description="Bad Request: message can't be edited",
        chat_id=STAFF_CHAT,
    )
    since = forget(botapi)  # the official is still told, and no handler raised
    edits = edits_since(botapi, since)
    assert len(edits) == len(posted) - 1  # the others were edited all the same
    with forget_desk.sessions() as session:
        assert all(q.text is None for q in session.scalars(select(Query)))


# --- FAQ drafts -----------------------------------------------------------------------------------
def test_drafts_name_no_one(forget_desk):
    amelie = Asker(telegram_id=OFFICIAL, chat_id=OFFICIAL, name="Amélie Zyxwater")
    reply = forget_desk.to_secretariat(
        amelie, "Hello, I am Amélie Zyxwater. Can our State make a reservation to article 20?"
    )
    forget_desk.staff_reply(
        reply.ticket_id,
        "Dear Amélie,\n\nArticle 20 allows a reservation at ratification.\n\n"
        "Best regards,\nClaire Qwertyson\nCTI Secretariat",
        staff_id=STAFF,
        staff_name="Claire Qwertyson",
    )
    forget_desk.close(reply.ticket_id, resolution="answered", staff_id=STAFF)
    draft = forget_desk.draft_faq(reply.ticket_id).read_text(encoding="utf-8")
    assert "reservation to article 20" in draft
    assert "Article 20 allows a reservation at ratification." in draft
    for name in ("Amélie", "Zyxwater", "Claire", "Qwertyson", "Dear", "regards", "Hello"):
        assert name not in draft


def test_forget_removes_the_drafts_of_the_officials_tickets(forget_desk):
    drafts = []
    for telegram_id in (OFFICIAL, OTHER_OFFICIAL):
        asker = Asker(telegram_id=telegram_id, chat_id=telegram_id)
        reply = forget_desk.to_secretariat(asker, "Can we make a reservation to article 20?")
        forget_desk.staff_reply(reply.ticket_id, "Yes, at ratification.", staff_id=STAFF)
        forget_desk.close(reply.ticket_id, resolution="answered", staff_id=STAFF)
        drafts.append(forget_desk.draft_faq(reply.ticket_id))
    erasure = forget_desk.forget(Asker(telegram_id=OFFICIAL))
    assert erasure is not None and erasure.drafts == [drafts[0]]
    assert not drafts[0].exists()
    assert drafts[1].exists()  # another official's draft stays


# --- the deep-link source -------------------------------------------------------------------------
def test_forget_clears_the_deep_link_source_from_queries_and_exports(forget_desk):
    amelie = Asker(telegram_id=OFFICIAL, chat_id=OFFICIAL)
    forget_desk.update_profile(amelie, source="zyxland-minister-visit")
    forget_desk.ask(amelie, "How do we ratify the Convention?")
    forget_desk.forget(amelie)
    with forget_desk.sessions() as session:
        assert [q.source for q in session.scalars(select(Query))] == [None]
        exported = list(iter_queries(session, secret="s"))
    assert exported and "zyxland-minister-visit" not in repr(exported)


# --- SQLite's files -------------------------------------------------------------------------------
def sqlite_bytes(desk: Desk) -> bytes:
    """The raw bytes of the SQLite database file and its write-ahead log."""
    path = Path(make_url(desk.settings.database_url).database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_no_erased_text_is_left_in_the_sqlite_file_or_its_log(bot, botapi, forget_desk):
    if forget_desk.sessions.kw["bind"].dialect.name != "sqlite":
        pytest.skip("SQLite's files only")
    amelie_with_three_cards(botapi, forget_desk)
    botapi.wait_idle()
    before = sqlite_bytes(forget_desk)
    assert b"Zyxland" in before and "Amélie".encode() in before  # what must go is there
    forget(botapi)
    botapi.wait_idle()
    after = sqlite_bytes(forget_desk)
    for erased in ("Zyxland", "Zyxwater", "Amélie", "detention centre", "designing our NPM"):
        assert erased.encode() not in after


def test_forget_deletes_the_officials_files_from_the_staff_chat(bot, botapi, forget_desk):
    card = official_asks(botapi, UNANSWERABLE)
    recorded(forget_desk, lambda: forget_desk.ticket_for_staff_message(card.result["message_id"]))
    since = botapi.mark()
    document = {"file_id": "doc-zyx", "file_unique_id": "zyx", "file_name": "zyxland-bill.pdf"}
    botapi.push_content(user(OFFICIAL, **AMELIE), document=document, caption="Zyxland bill")
    posted = botapi.wait_for("sendDocument", lambda c: c.chat_id == STAFF_CHAT, since=since)
    copy = posted.result["message_id"]
    recorded(forget_desk, lambda: forget_desk.ticket_for_staff_message(copy))
    since = forget(botapi)
    deleted = botapi.calls_to("deleteMessage", since=since, chat_id=STAFF_CHAT)
    assert [c.params["message_id"] for c in deleted if c.status == 200] == [copy]
    assert card.result["message_id"] in edits_since(botapi, since)  # the card is edited, as ever
    with forget_desk.sessions() as session:
        assert session.scalars(select(TicketMessage.file_id)).all() == [None, None]

"""Walk-throughs as officials (French, Spanish, English) and a staff member live the desk, end to
end through the real Application and the Bot API stand-in: every step leads somewhere."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from helpdesk_bot import texts
from helpdesk_bot.models import Feedback, Ticket
from tests.botapi import BotApiServer, Call, user

STAFF_CHAT = -100500  # HELPDESK_STAFF_CHAT_ID of the shared settings fixture
STAFF = 9001

# What each official types: a State exactly as named, a role, a vague plea, thanks.
OFFICIALS = {
    "fr": (
        "Sénégal",
        "Conseillère juridique, ministère de la Justice",
        "on a besoin d'aide",
        "merci",
    ),
    "es": ("Guatemala", "Asesor jurídico, Cancillería", "necesitamos ayuda", "muchas gracias"),
    "en": ("Fiji", "Legal officer, Attorney-General's Chambers", "help", "thanks a lot"),
}


class Official:
    """One official in a private chat with the bot, app language ``lang``."""

    def __init__(self, api: BotApiServer, lang: str, user_id: int):
        self.api, self.user, self.id = api, user(user_id, lang, first_name="Ana"), user_id

    def send(self, text: str, *, count: int = 1, **content) -> Call:
        since = self.api.mark()
        if content:
            self.api.push_content(self.user, **content)
        else:
            self.api.push_message(self.user, text=text)
        return self.api.wait_for(
            "sendMessage", lambda c: c.chat_id == self.id, since=since, count=count
        )

    def press(self, call: Call, label: str, *, count: int = 1) -> Call:
        since = self.api.mark()
        self.api.press(self.user, call, label)
        return self.api.wait_for(
            "sendMessage", lambda c: c.chat_id == self.id, since=since, count=count
        )


def labels(call: Call) -> list[str]:
    return [b["text"] for b in call.buttons]


def staff_reply(api: BotApiServer, card: Call, text: str) -> None:
    since = api.mark()
    api.push_message(user(STAFF, first_name="Claire"), STAFF_CHAT, text=text, reply_to=card.result)
    api.wait_for(
        "sendMessage",
        lambda c: c.chat_id == STAFF_CHAT and "Sent to the official" in c.text,
        since=since,
    )


@pytest.mark.parametrize("lang", ["fr", "es", "en"])
def test_an_official_and_the_secretariat_meet_no_dead_end(botapi, running_bot, desk, lang):
    state_name, role, vague, thanks = OFFICIALS[lang]
    ana = Official(botapi, lang, 7100 + len(lang))
    say = lambda key, **values: texts.say(key, lang, **values)  # noqa: E731

    # Welcome, then the profile without Telegram's Reply: an exact State name is taken at once.
    welcome = ana.send("/start")
    assert say("button_profile") in labels(welcome)
    ana.press(welcome, say("button_profile"))
    state = next(s for s in desk.base.states.values() if s.name(lang) == state_name)
    asked_role = ana.send(state_name, count=2)
    assert asked_role.result["text"] == say("ask_role")
    assert ana.send(role).result["text"] == say("role_saved")

    # A vague plea: the topics and the Secretariat, not three unrelated suggestions.
    plea = ana.send(vague)
    assert plea.result["text"] == say("clarify")
    assert say("button_browse_topics") in labels(plea)
    assert say("button_ask_secretariat") in labels(plea)

    # A question the base answers; "not helpful" leads to the Secretariat.
    entry = desk.base.entries["ratification-routes"]
    answer = ana.send(entry.questions[lang][0])
    assert entry.answers[lang][:40] in answer.result["text"]
    offer = ana.press(answer, say("button_no"))
    assert offer.result["text"] == say("not_helpful_offer")
    since = botapi.mark()
    passed = ana.press(offer, say("button_pass_on"))
    with desk.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert passed.result["text"] == say("passed_on", number=ticket.id)
    card = botapi.wait_for(
        "sendMessage",
        lambda c: c.chat_id == STAFF_CHAT and f"Ticket #{ticket.id}" in c.text,
        since=since,
    )
    assert state.name("en") in card.text and role in card.text
    deadline = time.monotonic() + 10  # the card's id is recorded just after it is posted
    while desk.ticket_for_staff_message(card.result["message_id"]) is None:
        assert time.monotonic() < deadline, "the card was never recorded"
        time.sleep(0.05)

    # The Secretariat answers from the card; the official sends a draft bill into the request.
    since = botapi.mark()
    staff_reply(botapi, card, "Happy to help: here is how accession works for you.")
    relayed = botapi.wait_for("sendMessage", lambda c: c.chat_id == ana.id, since=since)
    assert relayed.text == say(
        "staff_reply", number=ticket.id, text="Happy to help: here is how accession works for you."
    )
    document = {"file_id": f"doc-{lang}", "file_unique_id": f"u-{lang}", "file_name": "bill.pdf"}
    since = botapi.mark()
    told = ana.send("", document=document)
    assert told.result["text"] == say("file_received", number=ticket.id)
    botapi.wait_for("sendDocument", lambda c: c.chat_id == STAFF_CHAT, since=since)

    # Staff close the request; the official is asked once whether the reply helped.
    since = botapi.mark()
    botapi.push_callback(
        user(STAFF, first_name="Claire"), card, f"staff:close:{ticket.id}:answered"
    )
    closing = botapi.wait_for("sendMessage", lambda c: c.chat_id == ana.id, since=since)
    assert say("satisfaction_ask") in closing.text
    since = botapi.mark()
    botapi.press(ana.user, closing, say("button_yes"))
    assert botapi.wait_for("sendMessage", lambda c: c.chat_id == ana.id, since=since).text == say(
        "feedback_thanks"
    )
    with desk.sessions() as session:
        rating = session.scalars(select(Feedback).where(Feedback.ticket_id == ticket.id)).one()
        assert rating.helpful is True

    # Thanks after a closed request: a kind word, no new ticket.
    goodbye = ana.send(thanks)
    assert goodbye.result["text"] == say("smalltalk_after_ticket")
    with desk.sessions() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1

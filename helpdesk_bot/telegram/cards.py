"""The staff chat's cards: a ticket's card and its buttons, referral and introduction cards,
the official's later messages and files under a card, and the erasure of cards after /forget.

Example: ``await announce_ticket(bot, desk, settings, reply.ticket_id, is_new=True, run=run)``
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    ContextTypes,
)

from .. import status, texts
from ..config import Settings
from ..desk import (  # Official, Referral, Ticket: the desk's records, read here, never queried
    Desk,
    DeskError,
    Official,
    Referral,
    Relay,
    SentFile,
    StaffCard,
    Ticket,
    clean_text,
)
from . import sending
from .sending import esc

log = logging.getLogger(__name__)

# The staff chat's language: its texts are the catalogues' staff_* keys (helpdesk_bot/catalogue/).
STAFF_LANGUAGE = "en"


def say(key: str, /, **values: object) -> str:
    """The staff chat's text ``key`` (``staff_`` + key in the catalogues), ``values`` filled in.

    Example: ``say("yours", number=12)`` -> ``"Ticket #12 is yours."``
    """
    return texts.say(f"staff_{key}", STAFF_LANGUAGE, **values)


REFERRAL_OUTCOME_LABELS = {
    outcome: say(f"outcome_{outcome}") for outcome in ("taken_up", "not_needed", "no_answer")
}
# What a staff-chat card says once its official has used /forget.
ERASED = say("erased")
# A card quotes the official's messages up to this many characters; /ticket N shows them whole.
CARD_QUOTE_CHARS = 2500

KIND_LABELS = {
    kind: say(f"kind_{kind}")
    for kind in (
        "escalation",
        "secretariat",
        "not_helpful",
        "none_of_these",
        "declined",
        "referral_no_help",
    )
}
RESOLUTION_LABELS = {
    resolution: say(f"resolution_{resolution}")
    for resolution in ("answered", "out_of_scope", "duplicate", "referred")
}

Context = ContextTypes.DEFAULT_TYPE


def staff_name(user: User | None) -> str | None:
    return user.full_name if user else None


# --- what staff read ------------------------------------------------------------------------------
def card_text(ticket: Ticket, official: Official | None, desk: Desk) -> str:
    """The ticket card (HTML): who asks, what, what the bot tried, and where the ticket stands.

    Example: ``card_text(desk.ticket(12), desk.ticket_official(12), desk)``
    """
    base = desk.base
    state = base.states.get(ticket.state_code or "")
    lines = [
        say("card_title", number=ticket.id, kind=esc(KIND_LABELS.get(ticket.kind, ticket.kind)))
    ]
    if ticket.official_id is None:
        # /forget: no name, role, State or words; the ticket itself stays for staff to close.
        lines += [f"<i>{esc(ERASED)}</i>", "", status_line(ticket, desk)]
        return "\n".join(lines)
    who = []
    if official is not None and official.name:
        who.append(esc(official.name))
    who.append(say("card_language", language=esc(ticket.language)))
    who.append(
        say("card_state", state=esc(state.name(STAFF_LANGUAGE)), region=esc(state.region))
        if state
        else say("card_no_state")
    )
    if official is not None and official.role:
        who.append(say("card_role", role=esc(official.role)))
    lines.append(" · ".join(who))
    if state is not None:
        lines.append(f"<i>{esc(status.staff_line(state, today=datetime.now(UTC).date()))}</i>")
    lines.append("")
    asked = [m.text for m in ticket.messages if m.author == "official" and m.text]
    quoted, used = [], 0
    for text in asked:
        if used + len(text) > CARD_QUOTE_CHARS:
            quoted.append(text[: max(0, CARD_QUOTE_CHARS - used)] + "…")
            break
        quoted.append(text)
        used += len(text)
    if not asked:
        lines.append(say("card_text_erased"))
    for text in quoted:
        lines.append(f"<blockquote>{esc(text)}</blockquote>")
    if len(quoted) < len(asked):
        lines.append(say("card_more", count=len(asked) - len(quoted), number=ticket.id))
    tried = tried_lines(ticket.tried, desk)
    if tried:
        offered = ticket.kind == "none_of_these"
        lines.append(say("card_offered") if offered else say("card_tried"))
        lines += tried
    lines.append("")
    lines.append(status_line(ticket, desk))
    if ticket.status == "open":
        lines.append(say("card_reply_hint"))
    return "\n".join(lines)


def tried_lines(tried: str | None, desk: Desk) -> list[str]:
    """``"entry-id:63, other:51"`` as lines naming each entry's question."""
    out = []
    for part in (tried or "").split(","):
        entry_id, _, score = part.strip().rpartition(":")
        if not entry_id:
            continue
        entry = desk.base.entries.get(entry_id)
        question = entry.question(STAFF_LANGUAGE) if entry else say("entry_gone")
        out.append(say("tried_line", question=esc(question), entry=esc(entry_id), score=esc(score)))
    return out


def status_line(ticket: Ticket, desk: Desk) -> str:
    who = esc(ticket.assignee_name or ticket.assignee_id or "")
    partner = desk.referrals.partners.get(ticket.partner_id or "")
    parts = []
    if ticket.status == "closed":
        label = RESOLUTION_LABELS.get(ticket.resolution or "", ticket.resolution or "")
        if who:
            parts.append(say("status_closed_by", resolution=esc(label), who=who))
        else:
            parts.append(say("status_closed", resolution=esc(label)))
    elif who:
        parts.append(say("status_claimed", who=who))
    else:
        parts.append(say("status_open"))
    if ticket.partner_id:
        name = partner.name(STAFF_LANGUAGE) if partner else ticket.partner_id
        parts.append(say("status_referred", partner=esc(name)))
    return " · ".join(parts)


def card_keyboard(ticket: Ticket) -> InlineKeyboardMarkup:
    """Claim, refer, close on an open ticket; "Turn into FAQ" on a closed one."""
    n = ticket.id
    if ticket.status == "closed":
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(say("button_faq"), callback_data=f"staff:faq:{n}")]]
        )
    rows = [
        [
            InlineKeyboardButton(say("button_claim"), callback_data=f"staff:claim:{n}"),
            InlineKeyboardButton(say("button_refer"), callback_data=f"staff:partners:{n}"),
        ],
        [
            InlineKeyboardButton(say("button_answered"), callback_data=f"staff:close:{n}:answered"),
            *(
                InlineKeyboardButton(RESOLUTION_LABELS[r], callback_data=f"staff:close:{n}:{r}")
                for r in ("out_of_scope", "duplicate")
            ),
        ],
    ]
    if ticket.partner_id:
        rows[1].append(
            InlineKeyboardButton(
                RESOLUTION_LABELS["referred"], callback_data=f"staff:close:{n}:referred"
            )
        )
    return InlineKeyboardMarkup(rows)


def takeover_keyboard(number: int, holder: str) -> InlineKeyboardMarkup:
    """Take over a ticket a colleague holds, or leave it with them."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    say("button_take_over"), callback_data=f"staff:takeover:{number}"
                ),
                InlineKeyboardButton(
                    say("button_leave_with", holder=holder)[:40],
                    callback_data=f"staff:back:{number}",
                ),
            ]
        ]
    )


def mention(user_id: int, name: str | None) -> str:
    """An HTML mention of a staff member: Telegram notifies them."""
    return f'<a href="tg://user?id={user_id}">{html.escape(name or say("colleague"))}</a>'


def partner_keyboard(ticket: Ticket, desk: Desk) -> InlineKeyboardMarkup:
    """The partner directory as buttons, two a row, and a way back.

    Buttons carry the short names (a full name is cut off on a phone); the card names the
    partner in full once one is chosen.
    """
    buttons = [
        InlineKeyboardButton(partner.short, callback_data=f"staff:refer:{ticket.id}:{pid}")
        for pid, partner in desk.referrals.partners.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(say("button_back"), callback_data=f"staff:back:{ticket.id}")])
    return InlineKeyboardMarkup(rows)


# --- talking to Telegram ----------------------------------------------------------------------------
async def deliver(bot: Bot, desk: Desk, relay: Relay, *, run: sending.DeskRunner) -> str | None:
    """Send a Relay to the official as plain text; record the outcome (through ``run``, the
    bot's desk runner). Returns the error, if any."""
    error: str | None = None
    if relay.chat_id is None:
        error = say("error_erased")
    else:
        markup = None
        if relay.asks_satisfaction:
            lang = relay.language
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            texts.say("button_yes", lang), callback_data=f"o:k:{relay.ticket_id}:1"
                        ),
                        InlineKeyboardButton(
                            texts.say("button_no", lang), callback_data=f"o:k:{relay.ticket_id}:0"
                        ),
                    ]
                ]
            )
        if relay.file is not None:
            _, failure = await sending.send_file_or_failure(
                bot, relay.chat_id, relay.file.kind, relay.file.file_id, relay.text
            )
        else:
            _, failure = await sending.send_or_failure(
                bot, relay.chat_id, relay.text, reply_markup=markup
            )
        error = None if failure is None else failure.detail
    if relay.message_id is not None:
        await run(
            desk.mark_message_delivery, relay.message_id, delivered=error is None, error=error
        )
    if error:
        log.warning("ticket #%s: message to the official not delivered: %s", relay.ticket_id, error)
    return error


async def announce_ticket(
    bot: Bot,
    desk: Desk,
    settings: Settings,
    ticket_id: int,
    *,
    is_new: bool,
    card_id: int | None = None,
    question: str | None = None,
    run: sending.DeskRunner,
) -> None:
    """Post a new ticket's card in the staff chat, or (``is_new=False``) the official's newest
    message as a reply to the card. Never raises: the ticket is in the queue whatever happens.

    ``card_id`` and ``question`` (the card's message id and the official's words, as the desk
    returned them) spare reloading the ticket and all its messages for a joined question.
    ``run`` awaits the desk calls (the officials' bot passes its own ``OfficialBot.run``).

    Example: ``await announce_ticket(bot, desk, settings, reply.ticket_id, is_new=True, run=run)``
    """
    if settings.staff_chat_id is None:
        return
    try:
        if is_new or card_id is None or question is None:
            ticket = await run(desk.ticket, ticket_id)
            if is_new or ticket.staff_message_id is None:
                await post_card(bot, desk, settings, ticket, run=run)
                return
            card_id = ticket.staff_message_id
            latest = next((m for m in reversed(ticket.messages) if m.author == "official"), None)
            question = latest.text if latest is not None else None
        else:
            question = clean_text(question)  # as the ticket stores it
        if not question:
            return
        text = (
            f"{say('wrote_again', number=ticket_id)}\n"
            f"<blockquote>{esc(question[:CARD_QUOTE_CHARS])}</blockquote>\n"
            f"{say('card_reply_hint')}"
        )
        sent = await sending.attempt(
            lambda: sending.post_message(
                bot,
                settings.staff_chat_id,  # type: ignore[arg-type]
                text,
                parse_mode=ParseMode.HTML,
                reply_parameters=ReplyParameters(card_id, allow_sending_without_reply=True),
            ),
            chat_id=settings.staff_chat_id,
        )
        await run(desk.record_staff_message, ticket_id, sent)
    except (TelegramError, DeskError) as exc:
        # The ticket stays in the queue; the reminder job posts cards that are missing.
        log.warning("ticket #%s not posted to the staff chat: %s", ticket_id, exc)


async def announce_file(
    bot: Bot,
    desk: Desk,
    settings: Settings,
    ticket_id: int,
    file: SentFile,
    *,
    is_new: bool,
    message: int | None = None,
    run: sending.DeskRunner,
) -> None:
    """Post an official's file in the staff chat under the ticket's card (the card first, for a
    new ticket), sent by its file id; a staff reply to it reaches the official. Never raises."""
    if settings.staff_chat_id is None:
        return
    try:
        ticket = await run(desk.ticket, ticket_id)
        if is_new or ticket.staff_message_id is None:
            await post_card(bot, desk, settings, ticket, run=run)
            ticket = await run(desk.ticket, ticket_id)
        card_id = ticket.staff_message_id
        sent, failure = await sending.send_file_or_failure(
            bot,
            settings.staff_chat_id,
            file.kind,
            file.file_id,
            say("file_caption", number=ticket_id, kind=file.kind),
            reply_parameters=ReplyParameters(card_id, allow_sending_without_reply=True)
            if card_id is not None
            else None,
        )
        if sent is None:
            log.warning(
                "ticket #%s: the official's file not posted to staff: %s", ticket_id, failure
            )
            return
        await run(desk.record_staff_message, ticket_id, sent.message_id, of_message=message)
    except (TelegramError, DeskError) as exc:
        log.warning("ticket #%s: the official's file not posted to staff: %s", ticket_id, exc)


def referral_text(referral: Referral, question: str | None, desk: Desk) -> str:
    """A referral for staff, in plain text: who, to whom, how, and the official's question."""
    partner = desk.referrals.partners.get(referral.partner_id)
    name = partner.name(STAFF_LANGUAGE) if partner else referral.partner_id
    how = say("referral_warm" if partner and partner.introduction == "warm" else "referral_direct")
    lines = [say("referral_title", number=referral.id, partner=name, how=how)]
    if referral.official_id is None:
        # /forget: no State, language or question; the outcome can still be recorded.
        lines.append(ERASED)
    else:
        lines += _referral_details(referral, question, desk)
    if referral.status == "closed":
        outcome = REFERRAL_OUTCOME_LABELS.get(referral.outcome or "", referral.outcome)
        lines.append(say("referral_closed", outcome=outcome))
    else:
        lines.append(say("referral_choose"))
    return "\n".join(lines)


def _referral_details(referral: Referral, question: str | None, desk: Desk) -> list[str]:
    """When, which State, which language, by whom, and the official's question."""
    state = desk.base.states.get(referral.state_code or "")
    facts = {
        "date": f"{referral.created_at:%Y-%m-%d}",
        "state": state.name(STAFF_LANGUAGE) if state else say("state_unknown"),
        "language": referral.language,
        "by": referral.created_by,
    }
    if referral.ticket_id:
        lines = [say("referral_line_ticket", number=referral.ticket_id, **facts)]
    else:
        lines = [say("referral_line", **facts)]
    if question:
        lines.append(say("referral_question", question=question[:CARD_QUOTE_CHARS]))
    return lines


def referral_keyboard(referral_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=f"staff:refclose:{referral_id}:{outcome}")
                for outcome, label in REFERRAL_OUTCOME_LABELS.items()
            ]
        ]
    )


async def announce_referral(
    bot: Bot,
    desk: Desk,
    settings: Settings,
    referral_id: int,
    *,
    run: sending.DeskRunner,
) -> None:
    """Tell the staff chat about a referral the bot made. Never raises: /referrals lists it anyway.

    Example: ``await announce_referral(bot, desk, settings, reply.referral_id, run=run)``
    """
    if settings.staff_chat_id is None:
        return
    try:
        referral, question = await run(desk.referral, referral_id)
        sent = await sending.attempt(
            lambda: sending.post_message(
                bot,
                settings.staff_chat_id,  # type: ignore[arg-type]
                referral_text(referral, question, desk),
                reply_markup=referral_keyboard(referral.id),
            ),
            chat_id=settings.staff_chat_id,
        )
        # Kept so that /forget can edit the card (it quotes the question and names the State).
        await run(desk.record_referral_card, referral.id, sent)
    except (TelegramError, DeskError) as exc:
        log.warning("referral #%s not posted to the staff chat: %s", referral_id, exc)


async def post_card(
    bot: Bot,
    desk: Desk,
    settings: Settings,
    ticket: Ticket,
    *,
    run: sending.DeskRunner,
) -> int:
    """Post the ticket's card in the staff chat and record it on the ticket; the card's message id."""
    official = await run(desk.ticket_official, ticket.id)
    sent = await sending.attempt(
        lambda: sending.post_message(
            bot,
            settings.staff_chat_id,  # type: ignore[arg-type]
            card_text(ticket, official, desk),
            parse_mode=ParseMode.HTML,
            reply_markup=card_keyboard(ticket),
        ),
        chat_id=settings.staff_chat_id,
    )
    await run(desk.record_staff_message, ticket.id, sent, card=True)
    return sent


async def erase_cards(
    bot: Bot,
    desk: Desk,
    cards: list[StaffCard],
    *,
    run: sending.DeskRunner,
) -> int:
    """Edit an erased official's cards in the staff chat to say so; returns how many were edited.

    Never raises: a card Telegram will not edit (deleted, too old, the bot out of the chat) is
    logged and the others are still edited; the erasure in the database is done whatever happens.

    Example: ``await erase_cards(bot, desk, erasure.cards, run=run)``
    """
    edited = 0
    for card in cards:
        if card.file:
            # A file cannot become text: the copy in the staff chat is deleted instead.
            try:
                await sending.attempt(
                    lambda card=card: bot.delete_message(card.chat_id, card.message_id),
                    chat_id=card.chat_id,
                )
            except TelegramError as exc:
                log.warning("staff-chat file %s not deleted: %s", card.message_id, exc)
            else:
                edited += 1
            continue
        try:
            text, markup = await _erased_card(desk, card, run)
            await sending.attempt(
                lambda card=card, text=text, markup=markup: bot.edit_message_text(
                    text,
                    chat_id=card.chat_id,
                    message_id=card.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                ),
                chat_id=card.chat_id,
            )
        except BadRequest as exc:
            if "not modified" in exc.message:
                edited += 1  # already says so (a second /forget, or a redraw came first)
            else:
                log.warning("staff-chat message %s not erased: %s", card.message_id, exc.message)
        except (TelegramError, DeskError) as exc:
            log.warning("staff-chat message %s not erased: %s", card.message_id, exc)
        else:
            edited += 1
    return edited


async def _erased_card(
    desk: Desk, card: StaffCard, run: sending.DeskRunner
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card's text and buttons once its official is erased (HTML)."""
    if card.referral_id is not None:
        referral, _ = await run(desk.referral, card.referral_id)
        markup = referral_keyboard(referral.id) if referral.status == "open" else None
        return esc(referral_text(referral, None, desk)), markup
    assert card.ticket_id is not None
    if not card.card:
        return say("erased_message", number=card.ticket_id, erased=esc(ERASED)), None
    ticket = await run(desk.ticket, card.ticket_id)
    return card_text(ticket, None, desk), card_keyboard(ticket)


# -- buttons on cards ------------------------------------------------------------------------
@dataclass(frozen=True)
class CardPress:
    """A button pressed on a card: the card, its ticket number, the button's argument (a
    resolution, a partner) and the staff member who pressed it."""

    card: Any  # the card's Message; Telegram leaves it out when the card is too old
    number: int
    arg: str | None
    user: User


class CardButtons(Protocol):
    """What :func:`card_button` needs of the staff handlers (``staff.Triage``)."""

    def is_staff(self, update: Update) -> bool: ...

    async def refuse(self, update: Update) -> None: ...

    async def redraw(self, card: Any, number: int) -> None: ...


H = TypeVar("H", bound=CardButtons)
CardAction = Callable[[H, CardPress, Context], Awaitable[str | None]]


def card_button(action: CardAction[H]) -> Callable[[H, Update, Context], Awaitable[None]]:
    """A card button's handler from its action: staff only; the press answered with the
    action's note, or a desk refusal as an alert, the card redrawn from the database."""

    @functools.wraps(action)
    async def handler(self: H, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        if not self.is_staff(update):
            await self.refuse(update)
        _, _, number, *arg = query.data.split(":")  # the patterns of CARD_BUTTONS hold
        assert update.effective_user is not None
        press = CardPress(
            query.message, int(number), arg[0] if arg else None, update.effective_user
        )
        try:
            note = await action(self, press, context)
        except DeskError as exc:
            await query.answer(str(exc), show_alert=True)
            await self.redraw(query.message, press.number)
            raise ApplicationHandlerStop from None
        await query.answer(note)
        raise ApplicationHandlerStop

    return handler

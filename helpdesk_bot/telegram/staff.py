"""Secretariat triage in Telegram: ticket cards in the staff chat, relayed replies, staff commands.

Staff work from one group chat (``HELPDESK_STAFF_CHAT_ID``); only ``HELPDESK_STAFF_IDS`` may act.
The handlers run in :data:`STAFF_GROUP`, before the officials' handlers, and stop every update of
the staff chat there, so nothing said among staff ever reaches the official flow.

Example::

    application = Application.builder().token(token).build()
    staff.register(application, desk, settings, run)      # handlers and the reminder jobs
    await cards.announce_ticket(bot, desk, settings, reply.ticket_id, is_new=True, run=run)
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .. import texts
from ..config import Settings
from ..desk import (
    ClaimedByColleague,
    Desk,
    DeskError,
)
from ..knowledge import language_of
from ..referrals import Partner
from . import sending
from .cards import (
    REFERRAL_OUTCOME_LABELS,
    STAFF_LANGUAGE,
    CardPress,
    Context,
    announce_ticket,
    card_button,
    card_keyboard,
    card_text,
    deliver,
    esc,
    mention,
    partner_keyboard,
    referral_keyboard,
    referral_text,
    say,
    staff_name,
    takeover_keyboard,
)

log = logging.getLogger(__name__)

# Before the officials' handlers (group 0): staff-chat updates stop here.
STAFF_GROUP = -1
STAFF_COMMANDS = ("queue", "ticket", "referrals", "stats", "reload", "stale")
REMINDER_INTERVAL = timedelta(minutes=30)
# A ticket without its card this long after opening: the reminder job posts the card.
CARD_GRACE = timedelta(minutes=2)
FOLLOWUP_INTERVAL = timedelta(hours=1)
REFERRALS_SHOWN = 20

# /help for staff: the staff commands and buttons.
STAFF_HELP = say("help")


# --- the handlers ---------------------------------------------------------------------------------
def _language(user: User | None) -> str:
    return language_of(user.language_code if user else None)


class Triage:
    """The staff side of the bot; one per Application."""

    def __init__(self, desk: Desk, settings: Settings, run: sending.DeskRunner):
        self.desk = desk
        self.settings = settings
        self.run = run  # the bot's desk runner (runner.py): every database call goes through it

    # -- guards --------------------------------------------------------------------------------
    def is_staff(self, update: Update) -> bool:
        user = update.effective_user
        return self.settings.is_staff(user.id if user else None)

    def in_staff_chat(self, update: Update) -> bool:
        chat = update.effective_chat
        return chat is not None and chat.id == self.settings.staff_chat_id

    async def refuse(self, update: Update) -> None:
        """Tell a non-staff user that this is for staff; nothing else happens."""
        language = _language(update.effective_user)
        if update.callback_query is not None:
            text = texts.say("staff_only_button", language)
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message is not None:
            await sending.reply_to(update.effective_message, texts.say("staff_only", language))
        raise ApplicationHandlerStop

    async def swallow(self, update: Update, context: Context) -> None:
        """Whatever else happens in the staff chat is not for the official flow.

        Registered with :class:`StaffChatHandler`, so only staff-chat updates get here.
        """
        raise ApplicationHandlerStop

    # -- commands ------------------------------------------------------------------------------
    async def help(self, update: Update, context: Context) -> None:
        """/help from staff, in the staff chat or a private chat: the staff commands and buttons."""
        chat = update.effective_chat
        private = chat is not None and chat.type == ChatType.PRIVATE
        if not self.is_staff(update) or not (self.in_staff_chat(update) or private):
            return  # an official's /help: the officials' handlers answer it
        message = update.effective_message
        assert message is not None
        await sending.reply_to(message, STAFF_HELP)
        raise ApplicationHandlerStop

    async def command(self, update: Update, context: Context) -> None:
        if not self.is_staff(update):
            await self.refuse(update)
        message = update.effective_message
        assert message is not None and message.text is not None
        chat = update.effective_chat
        if not self.in_staff_chat(update) and (chat is None or chat.type != ChatType.PRIVATE):
            # Case data (threads, questions, figures) never goes to another group.
            await sending.reply_to(
                message, texts.say("staff_chat_only", _language(update.effective_user))
            )
            raise ApplicationHandlerStop
        name = message.text.split(maxsplit=1)[0].lstrip("/").split("@")[0].lower()
        handler = {
            "queue": self.queue,
            "ticket": self.show_ticket,
            "referrals": self.list_referrals,
            "stats": self.stats,
            "reload": self.reload,
            "stale": self.stale,
        }[name]
        await handler(message, context.args or [])
        raise ApplicationHandlerStop

    async def queue(self, message: Message, args: list[str]) -> None:
        from ..console import format_queue, format_undelivered

        tickets = await self.run(self.desk.tickets)
        text = format_queue(tickets, self.desk.base)
        if tickets:
            text = f"{say('queue_title', count=len(tickets))}\n{text}"
        undelivered = await self.run(self.desk.undelivered_replies)
        if undelivered:
            text += "\n\n" + format_undelivered(undelivered)
        for part in sending.split(text):
            await sending.reply_to(message, part)

    async def list_referrals(self, message: Message, args: list[str]) -> None:
        """Open referrals, oldest first, one message each with its outcome buttons."""
        found = await self.run(self.desk.referrals_open, limit=REFERRALS_SHOWN)
        if not found:
            await sending.reply_to(message, say("no_referrals"))
            return
        title = "referrals_title_oldest" if len(found) == REFERRALS_SHOWN else "referrals_title"
        await sending.reply_to(message, say(title, count=len(found)))
        for referral, question in found:
            await sending.reply_to(
                message,
                referral_text(referral, question, self.desk),
                reply_markup=referral_keyboard(referral.id),
            )

    async def close_referral(self, query: Any, number: int, outcome: str) -> None:
        """A referral's outcome button: close it and show the outcome in place of the buttons."""
        try:
            await self.run(self.desk.close_referral, number, outcome=outcome)
        except DeskError as exc:
            await query.answer(str(exc), show_alert=True)
            return
        referral, question = await self.run(self.desk.referral, number)
        if isinstance(query.message, Message):
            with contextlib.suppress(TelegramError):
                await query.message.edit_text(referral_text(referral, question, self.desk))
        await query.answer(
            say("referral_closed_note", number=number, outcome=REFERRAL_OUTCOME_LABELS[outcome])
        )

    async def show_ticket(self, message: Message, args: list[str]) -> None:
        from ..console import format_ticket

        if len(args) != 1 or not args[0].lstrip("#").isdigit():
            await sending.reply_to(message, say("ticket_usage"))
            return
        try:
            ticket = await self.run(self.desk.ticket, int(args[0].lstrip("#")))
        except DeskError as exc:
            await sending.reply_to(message, str(exc))
            return
        for part in sending.split(format_ticket(ticket, self.desk.base)):
            await sending.reply_to(message, part)

    async def stats(self, message: Message, args: list[str]) -> None:
        from .. import stats
        from ..periods import PERIOD_EXAMPLES, StatsError, parse_period

        try:
            period = parse_period(" ".join(args))
        except StatsError as exc:
            examples = PERIOD_EXAMPLES.replace(", ", " · ")
            await sending.reply_to(message, say("stats_usage", examples=examples, error=exc))
            return

        def figures_and_chart() -> tuple[str, bytes]:
            figures = stats.figures_of(self.desk, period)
            return stats.headline(figures), stats.render_chart(figures)

        # Aggregating and drawing take a moment: off the event loop.
        headline, chart = await asyncio.to_thread(figures_and_chart)  # CPU: not the writer's
        await sending.reply_to(message, headline)
        await message.reply_photo(chart, caption=say("chart_caption"))

    async def stale(self, message: Message, args: list[str]) -> None:
        """/stale: the entries due for a person to check again, oldest first."""
        from ..console import format_stale
        from ..knowledge import due_for_review

        for part in sending.split(format_stale(due_for_review(self.desk.base))):
            await sending.reply_to(message, part)

    async def reload(self, message: Message, args: list[str]) -> None:
        problems = await asyncio.to_thread(self.desk.reload)  # CPU: not the writer's
        errors = [p for p in problems if p.is_error]
        if errors:
            shown = "\n".join(str(p) for p in errors[:20])
            more = f"\n{say('reload_more', count=len(errors) - 20)}" if len(errors) > 20 else ""
            text = f"{say('reload_refused', count=len(errors))}\n{shown}{more}"
        else:
            base, referrals = self.desk.base, self.desk.referrals
            text = say(
                "reloaded",
                entries=len(base.entries),
                topics=len(base.topics),
                tools=len(base.tools),
                partners=len(referrals.partners),
            )
        for part in sending.split(text):
            await sending.reply_to(message, part)

    # -- replies to tickets ----------------------------------------------------------------------
    async def staff_message(self, update: Update, context: Context) -> None:
        """A staff reply to a card or relayed message goes to the official."""
        message = update.effective_message
        assert message is not None and message.reply_to_message is not None
        if not self.is_staff(update):
            raise ApplicationHandlerStop  # others are ignored in the staff chat
        target = message.reply_to_message
        ticket_id = await self.run(self.desk.ticket_for_staff_message, target.message_id)
        if ticket_id is None:
            if target.from_user is not None and target.from_user.id == context.bot.id:
                await sending.reply_to(message, say("not_a_ticket"))
            raise ApplicationHandlerStop
        text = message.text or message.caption or ""
        file = sending.sent_file(message)
        if not text and file is None:
            await sending.reply_to(message, say("cannot_relay", number=ticket_id))
            raise ApplicationHandlerStop
        user = update.effective_user
        assert user is not None
        relay = await self.run(
            self.desk.staff_reply,
            ticket_id,
            text,
            staff_id=user.id,
            staff_name=staff_name(user),
            file=file,
        )
        # A reply to this reply reaches the same ticket.
        await self.run(self.desk.record_staff_message, ticket_id, message.message_id)
        error = await deliver(context.bot, self.desk, relay, run=self.run)
        if error:
            word = say("not_delivered", error=error, number=ticket_id)
        else:
            word = say("sent", number=ticket_id)
        # The confirmation goes at the staff group's pace (about 20 messages a minute), and the
        # staff chat's updates are handled one at a time: awaited here, it would hold the next
        # staff reply's relay to its official. As an application task it is still sent, and
        # awaited when the bot stops.
        context.application.create_task(sending.reply_to(message, word), update=update)
        raise ApplicationHandlerStop

    # -- buttons on cards ----------------------------------------------------------------------
    # Each button has its own handler, routed by CallbackQueryHandler on the pattern of its
    # callback data (CARD_BUTTONS, below the class). ``card_button`` does what every one of them
    # needs: staff only, the press answered with the handler's note, and a refusal of the desk
    # (a ticket already closed, claimed by a colleague...) shown as an alert on a redrawn card.
    @card_button
    async def on_claim(self, press: CardPress, context: Context) -> str | None:
        """Claim ("staff:claim:N"): the ticket is yours, unless a colleague holds it."""
        user = press.user
        try:
            await self.run(
                self.desk.claim, press.number, staff_id=user.id, staff_name=staff_name(user)
            )
        except ClaimedByColleague as held:
            await self._edit(press.card, markup=takeover_keyboard(press.number, held.holder))
            return say("claimed_by_colleague", holder=held.holder)
        await self.redraw(press.card, press.number)
        return say("yours", number=press.number)

    @card_button
    async def on_take_over(self, press: CardPress, context: Context) -> str | None:
        """Take over ("staff:takeover:N") a ticket a colleague holds; they are told."""
        user, number, card = press.user, press.number, press.card
        before = await self.run(self.desk.ticket, number)
        await self.run(
            self.desk.claim, number, staff_id=user.id, staff_name=staff_name(user), take_over=True
        )
        await self.redraw(card, number)
        if before.assignee_id not in (None, user.id) and isinstance(card, Message):
            # The previous holder learns it where they work, named so Telegram notifies them.
            await sending.reply_to(
                card,
                say(
                    "taken_over",
                    colleague=mention(before.assignee_id, before.assignee_name),
                    name=html.escape(staff_name(user)),
                    number=number,
                ),
                parse_mode=ParseMode.HTML,
            )
        return say("yours", number=number)

    @card_button
    async def on_partners(self, press: CardPress, context: Context) -> str | None:
        """Refer ("staff:partners:N"): the card shows the partners to choose from."""
        ticket = await self.run(self.desk.ticket, press.number)
        if ticket.status != "open":
            raise DeskError(say("already_closed", number=press.number))
        await self._edit(press.card, markup=partner_keyboard(ticket, self.desk))
        return say("choose_partner")

    @card_button
    async def on_back(self, press: CardPress, context: Context) -> str | None:
        """Back ("staff:back:N"): the card as it was."""
        await self.redraw(press.card, press.number)
        return None

    @card_button
    async def on_refer(self, press: CardPress, context: Context) -> str | None:
        """A partner chosen ("staff:refer:N:partner"): the official is referred and told."""
        desk, number, partner_id = self.desk, press.number, press.arg
        _, relay = await self.run(desk.refer_ticket, number, partner_id, staff_id=press.user.id)
        error = await deliver(context.bot, desk, relay, run=self.run)
        await self.redraw(press.card, number)
        await self._report(press.card, number, error)
        partner = desk.referrals.partners[partner_id]
        if partner.introduction == "warm":
            await self._introduction_card(press.card, number, partner)
        return say("referred", partner=partner.name(STAFF_LANGUAGE))

    @card_button
    async def on_close(self, press: CardPress, context: Context) -> str | None:
        """Close ("staff:close:N:resolution"): the official is told, the card redrawn."""
        number = press.number
        relay = await self.run(
            self.desk.close, number, resolution=press.arg, staff_id=press.user.id
        )
        error = await deliver(context.bot, self.desk, relay, run=self.run)
        await self.redraw(press.card, number)
        await self._report(press.card, number, error)
        return say("closed", number=number)

    @card_button
    async def on_faq(self, press: CardPress, context: Context) -> str | None:
        """FAQ draft ("staff:faq:N"): a closed ticket written out as a draft entry on disk."""
        number = press.number
        path = await self.run(self.desk.draft_faq, number)
        shown = _relative(path)
        kept = "" if path.stem == f"ticket-{number}" else "_kept"  # an earlier draft stays
        if isinstance(press.card, Message):
            await sending.reply_to(press.card, say(f"faq_saved{kept}", number=number, path=shown))
        return say(f"draft_saved{kept}", path=shown)

    async def on_referral_outcome(self, update: Update, context: Context) -> None:
        """A referral's outcome ("staff:refclose:N:outcome"): closed, shown in place of the
        buttons (a referral card, not a ticket's: nothing to redraw on a refusal)."""
        query = update.callback_query
        assert query is not None and query.data is not None
        if not self.is_staff(update):
            await self.refuse(update)
        _, _, number, outcome = query.data.split(":")
        await self.close_referral(query, int(number), outcome)
        raise ApplicationHandlerStop

    async def invalid_button(self, update: Update, context: Context) -> None:
        """Any other "staff:" data (forged, or from an old version): answered, so the button
        does not spin forever."""
        query = update.callback_query
        assert query is not None
        if not self.is_staff(update):
            await self.refuse(update)
        await query.answer(say("button_invalid"), show_alert=True)
        raise ApplicationHandlerStop

    async def _introduction_card(self, card: Any, number: int, partner: Partner) -> None:
        """A warm referral: the Secretariat makes the introduction, so staff get a card with who
        to introduce to whom, and a reply to it reaches the official like a reply to the ticket."""
        if not isinstance(card, Message):
            return
        reach = partner.contact or partner.website
        # Who the official is stays on the ticket card only: /forget erases it there, and this
        # card has nothing of theirs to erase.
        text = say(
            "introduction",
            number=number,
            partner=esc(partner.name(STAFF_LANGUAGE)),
            reach=esc(reach),
        )
        sent = await sending.reply_to(card, text, parse_mode=ParseMode.HTML)
        if sent is None:  # logged; the ticket card still says the official was told
            return
        # Linked to the referral message, the newest of the ticket: replies to it are relayed.
        await self.run(self.desk.record_staff_message, number, sent.message_id)

    async def redraw(self, card: Any, number: int) -> None:
        """Redraw the card from the database, so every staff member sees the same state."""
        if not isinstance(card, Message):
            return
        ticket = await self.run(self.desk.ticket, number)
        official = await self.run(self.desk.ticket_official, number)
        await self._edit(
            card, text=card_text(ticket, official, self.desk), markup=card_keyboard(ticket)
        )

    @staticmethod
    async def _edit(card: Any, *, text: str | None = None, markup: InlineKeyboardMarkup) -> None:
        if not isinstance(card, Message):
            return
        try:
            if text is None:
                await card.edit_reply_markup(reply_markup=markup)
            else:
                await card.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in exc.message:
                raise

    @staticmethod
    async def _report(card: Any, number: int, error: str | None) -> None:
        if error and isinstance(card, Message):
            await sending.reply_to(card, say("not_told", number=number, error=error))

    # -- the referral follow-up: the official's answer -----------------------------------------
    async def followup_answer(self, update: Update, context: Context) -> None:
        from ..desk import Asker

        query = update.callback_query
        assert query is not None and query.data is not None
        _, referral_id, answer = query.data.split(":")
        user = update.effective_user
        chat = update.effective_chat
        assert user is not None
        asker = Asker(telegram_id=user.id, chat_id=chat.id if chat else None)
        language = _language(user)
        try:
            official = await self.run(self.desk.profile, asker)
            language = official.language
            await self.run(
                self.desk.feedback, asker, referral_id=int(referral_id), helpful=answer == "yes"
            )
        except DeskError:
            await query.answer()
            raise ApplicationHandlerStop from None
        await query.answer(texts.say("followup_thanks", language))
        if isinstance(query.message, Message):
            with contextlib.suppress(BadRequest):  # a second press: already without buttons
                await query.message.edit_reply_markup(reply_markup=None)
        raise ApplicationHandlerStop

    # -- jobs ----------------------------------------------------------------------------------
    async def reminders_job(self, context: Context) -> None:
        await send_reminders(context.bot, self.desk, self.settings, run=self.run)

    async def followups_job(self, context: Context) -> None:
        await send_followups(context.bot, self.desk, run=self.run)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


async def send_reminders(
    bot: Bot, desk: Desk, settings: Settings, *, run: sending.DeskRunner
) -> int:
    """Post cards that never reached the staff chat, then remind staff of unanswered tickets.

    Returns how many reminders were posted; a ticket is reminded once (the mark is in the database).
    """
    if settings.staff_chat_id is None:
        return 0
    now = datetime.now(UTC)
    for ticket in await run(desk.tickets):
        # A fresh ticket's card may be on its way: leave it to announce_ticket.
        if ticket.staff_message_id is None and now - ticket.opened_at > CARD_GRACE:
            await announce_ticket(bot, desk, settings, ticket.id, is_new=True, run=run)
    sent = 0
    for ticket in await run(desk.due_reminders, now=now):
        days = (now - ticket.opened_at).total_seconds() / 86400
        text = say(
            "reminder",
            number=ticket.id,
            days=f"{days:.0f}",
            opened=f"{ticket.opened_at:%Y-%m-%d %H:%M}",
            assignee=esc(ticket.assignee_name or say("unassigned")),
        )
        reply_to = (
            ReplyParameters(ticket.staff_message_id, allow_sending_without_reply=True)
            if ticket.staff_message_id
            else None
        )
        try:
            await sending.attempt(
                lambda text=text, reply_to=reply_to: bot.send_message(
                    settings.staff_chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply_to,
                ),
                chat_id=settings.staff_chat_id,
            )
        except TelegramError as exc:
            log.warning("reminder for ticket #%s not posted: %s", ticket.id, exc)
            continue  # not marked: the next run tries again
        await run(desk.mark_reminded, ticket.id)
        sent += 1
    return sent


async def send_followups(bot: Bot, desk: Desk, *, run: sending.DeskRunner) -> int:
    """Ask officials "did the referral help?" for referrals whose follow-up is due.

    Marked sent only once Telegram took it (or the official blocked the bot), so a restart or a
    network failure loses none. Returns how many were sent.
    """
    sent = 0
    for due in await run(desk.due_followups):
        if due.chat_id is None:
            await run(desk.mark_followup_sent, due.referral_id)
            continue
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        texts.say("followup_yes", due.language),
                        callback_data=f"refhelp:{due.referral_id}:yes",
                    ),
                    InlineKeyboardButton(
                        texts.say("followup_no", due.language),
                        callback_data=f"refhelp:{due.referral_id}:no",
                    ),
                ]
            ]
        )
        text = texts.say(
            "followup_question",
            due.language,
            partner=due.partner,
            date=f"{due.created_at:%Y-%m-%d}",
        )
        try:
            await sending.attempt(
                lambda due=due, text=text, keyboard=keyboard: bot.send_message(
                    due.chat_id, text, reply_markup=keyboard
                ),
                chat_id=due.chat_id,
            )
        except Forbidden as exc:
            log.info("referral #%s follow-up not sent: %s", due.referral_id, exc.message)
        except TelegramError as exc:
            log.warning("referral #%s follow-up not sent, retried later: %s", due.referral_id, exc)
            continue
        else:
            sent += 1
        await run(desk.mark_followup_sent, due.referral_id)
    return sent


# --- wiring ---------------------------------------------------------------------------------------
class StaffChatHandler(BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]):
    """Any update from the staff chat, whatever its kind.

    Unlike ``TypeHandler(Update, ...)``, an official's update does not match, so it costs one
    comparison instead of a callback with its own context on every question.
    """

    def __init__(self, chat_id: int, callback: Any) -> None:
        super().__init__(callback)
        self.chat_id = chat_id

    def check_update(self, update: object) -> bool:
        chat = update.effective_chat if isinstance(update, Update) else None
        return chat is not None and chat.id == self.chat_id


# Which handler of Triage each staff button's callback data goes to (the data cards.py writes);
# the last catches forged or outdated "staff:" data.
CARD_BUTTONS = [
    (r"^staff:claim:\d+$", "on_claim"),
    (r"^staff:takeover:\d+$", "on_take_over"),
    (r"^staff:partners:\d+$", "on_partners"),
    (r"^staff:back:\d+$", "on_back"),
    (r"^staff:refer:\d+:[\w-]+$", "on_refer"),
    (r"^staff:close:\d+:\w+$", "on_close"),
    (r"^staff:faq:\d+$", "on_faq"),
    (r"^staff:refclose:\d+:\w+$", "on_referral_outcome"),
    (r"^staff:", "invalid_button"),
]


def register(
    application: Application, desk: Desk, settings: Settings, run: sending.DeskRunner
) -> None:
    """Add the staff handlers (group :data:`STAFF_GROUP`) and the reminder and follow-up jobs."""
    triage = Triage(desk, settings, run)
    group = STAFF_GROUP
    application.add_handler(CommandHandler("help", triage.help), group=group)
    application.add_handler(CommandHandler(list(STAFF_COMMANDS), triage.command), group=group)
    for pattern, name in CARD_BUTTONS:
        application.add_handler(
            CallbackQueryHandler(getattr(triage, name), pattern=pattern), group=group
        )
    application.add_handler(
        CallbackQueryHandler(triage.followup_answer, pattern=r"^refhelp:\d+:(yes|no)$"),
        group=group,
    )
    if settings.staff_chat_id is not None:
        application.add_handler(
            MessageHandler(
                filters.Chat(settings.staff_chat_id) & filters.UpdateType.MESSAGE & filters.REPLY,
                triage.staff_message,
            ),
            group=group,
        )
        application.add_handler(
            StaffChatHandler(settings.staff_chat_id, triage.swallow), group=group
        )
    jobs = application.job_queue
    if jobs is None:
        log.warning(
            "no job queue (install python-telegram-bot[job-queue]): no reminders, no follow-ups"
        )
        return
    if settings.staff_chat_id is not None:
        jobs.run_repeating(
            triage.reminders_job, interval=REMINDER_INTERVAL, first=30, name="staff-reminders"
        )
    jobs.run_repeating(
        triage.followups_job, interval=FOLLOWUP_INTERVAL, first=60, name="referral-followups"
    )

"""The Telegram bot for officials: python-telegram-bot 22 handlers over the desk.

Handlers stay thin: each turns an update into one desk call and the desk's reply into messages.
The desk is synchronous (SQLAlchemy); its calls go through the desk runner (runner.py: one writer
thread batching on SQLite, a pool's worth of threads on PostgreSQL), never on the event loop, so a
slow query or a write lock held elsewhere never holds up the other officials.
Profiles live in :mod:`.profiles`, the catalogue in :mod:`.browsing`, staff triage in
:mod:`.staff`, the Application in :mod:`.app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
)

from .. import texts
from ..config import Settings
from ..desk import ALREADY_REPLIED, Asker, DatabaseFailure, Desk, Reply
from ..knowledge import LANGUAGES, language_of
from ..runner import DeskRunner
from . import cards, sending
from .browsing import Browsing
from .common import (
    Context,
    Press,
    T,
    button,
    entry_key,
    find_entry,
    lasting,
    official_button,
    shorten,
    tool_links,
)
from .profiles import Profiles, fits_prompt
from .sending import esc

log = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "help",
    "topics",
    "tools",
    "secretariat",
    "language",
    "profile",
    "state",
    "forget",
)


# At stop, how long the staff chat's queued posts may take (about 20 a minute in a group).
STAFF_DRAIN_SECONDS = 30.0


class StaffPosts:
    """What officials' handlers post to the staff chat (ticket cards, files, referral cards), in
    order, one at a time, apart from the officials' turns: the staff group's pace (about 20
    messages a minute) never holds up an official's next answer, nor the Application's slots.
    A card the process dies before posting is posted by the reminder job (``staff.py``).

    Example: ``posts.post(bot, cards.announce_ticket, 12, is_new=True)``
    """

    def __init__(self, desk: Desk, settings: Settings, run: sending.DeskRunner) -> None:
        self.desk, self.settings, self.run = desk, settings, run
        self.queue: asyncio.Queue[Callable[[], Awaitable[None]]] | None = None
        self.worker: asyncio.Task[None] | None = None

    def post(
        self, bot: Bot, announce: Callable[..., Awaitable[None]], *args: Any, **kw: Any
    ) -> None:
        """Queue ``announce(bot, desk, settings, *args, run=..., **kw)``: one of the ``cards``
        announce functions, which never raise (they log instead)."""
        desk, settings, run = self.desk, self.settings, self.run

        def make() -> Awaitable[None]:
            return announce(bot, desk, settings, *args, run=run, **kw)

        if self.queue is None:
            self.queue = asyncio.Queue()
            self.worker = asyncio.get_running_loop().create_task(self._work())
        self.queue.put_nowait(make)

    async def _work(self) -> None:
        assert self.queue is not None
        while True:
            make = await self.queue.get()
            try:
                await make()
            except Exception:  # one broken post must not stop the others
                log.exception("posting to the staff chat failed")
            finally:
                self.queue.task_done()

    async def drain(self, *, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) for the queued posts, then stop the worker."""
        if self.queue is None or self.worker is None:
            return
        try:
            await asyncio.wait_for(self.queue.join(), timeout)
        except TimeoutError:
            log.warning("%d staff-chat posts left unposted at stop", self.queue.qsize())
        self.worker.cancel()


class OfficialBot(Profiles, Browsing):
    """The officials' side of the bot: one method per command, message kind and button."""

    def __init__(self, desk: Desk, settings: Settings):
        self.desk = desk
        self.settings = settings
        self.runner = DeskRunner(desk)
        self.marks = sending.DeliveredMarks(desk, run=self.run)
        self.staff_posts = StaffPosts(desk, settings, self.run)

    # -- plumbing ------------------------------------------------------------------------------
    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call the synchronous desk through its runner: the event loop never waits for the
        database (a write lock held by another process would otherwise freeze every chat)."""
        return await self.runner(function, *args, **kwargs)

    @staticmethod
    def asker(update: Update) -> Asker:
        user, chat = update.effective_user, update.effective_chat
        return Asker(
            telegram_id=user.id if user else None,
            chat_id=chat.id if chat else None,
            name=user.full_name if user else None,
            language_code=user.language_code if user else None,
        )

    async def language(self, update: Update, context: Context) -> str:
        """The official's language: their choice, else Telegram's guess (cached per official)."""
        cached = context.user_data.get("language") if context.user_data is not None else None
        if cached:
            return cached
        official = await self.run(self.desk.profile, self.asker(update))
        if context.user_data is not None:
            context.user_data["language"] = official.language
        return official.language

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        *,
        markup: InlineKeyboardMarkup | ForceReply | None = None,
        formatted: bool = False,
    ) -> int:
        """Send plain ``text`` (escaped, split at 4,096 characters; buttons on the last piece).

        With ``formatted=True`` the text is already safe HTML and short enough for one message.
        Returns the id of the last message sent.
        """
        pieces = [text] if formatted else [esc(p) for p in sending.split(text)]
        message_id: int | None = None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            # Retried with back-off; a flood wait holds this chat only (sending.py).
            message_id = await sending.attempt(
                lambda piece=piece, last=last: sending.post_message(
                    bot,
                    chat_id,
                    sending.clean(piece),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                ),
                chat_id=chat_id,
            )
        assert message_id is not None
        return message_id

    async def deliver(
        self,
        bot: Bot,
        chat_id: int,
        reply: Reply,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Send the reply to a logged query and record whether it reached the official."""
        try:
            await self.send(bot, chat_id, text, markup=markup)
        except TelegramError as exc:
            if reply.query_id is not None:
                await self.run(
                    self.desk.mark_delivery, reply.query_id, delivered=False, error=str(exc)
                )
            if isinstance(exc, Forbidden):  # the official blocked the bot: nothing more to do
                log.info("reply to query %s not delivered: %s", reply.query_id, exc)
                return
            raise
        if reply.query_id is not None:
            self.marks.add(reply.query_id)

    async def reply_to_question(self, update: Update, context: Context, reply: Reply) -> None:
        """Turn the desk's Reply into messages (and a ticket announcement for staff)."""
        if reply.outcome == ALREADY_REPLIED:  # handled again after a crash; the reply went out
            return
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if reply.outcome == "limited" and not reply.text:
            return  # over the rate limit and told so already: logged, nothing to send
        lang = reply.language
        text, rows = reply.text, []
        if reply.outcome == "answer" and reply.query_id is not None:
            if reply.tools:
                titles = "; ".join(t.titles.get(lang) or t.titles["en"] for t in reply.tools)
                text += "\n\n" + texts.say("related_tools", lang, titles=titles)
                rows += [
                    [InlineKeyboardButton(shorten(label), url=url)]
                    for label, url in tool_links(reply.tools, lang)
                ]
            if reply.related:
                # What the Secretariat marked as worth reading next: one tap away, answered like
                # an entry chosen from the topics (the answer's own buttons stay).
                text += "\n\n" + texts.say("read_next", lang)
                rows += [
                    [button(shorten("→ " + e.question(lang)), f"o:b:{entry_key(e.id)}")]
                    for e in reply.related
                ]
            if reply.offers_secretariat:
                rows.append(
                    [button(texts.say("button_ask_secretariat", lang), f"o:a:{reply.query_id}")]
                )
            text += "\n\n" + texts.say("helpful_ask", lang)
            rows.append(self.helpful_row("h", reply.query_id, lang))
        elif reply.outcome == "suggest" and reply.query_id is not None:
            lines = [texts.say("suggest_intro", lang)]
            lines += [f"{i}. {e.question(lang)}" for i, e in enumerate(reply.suggestions, 1)]
            if reply.partner_note:
                lines += ["", reply.partner_note]
            text = "\n".join(lines)
            rows = [
                [button(f"{i}. {shorten(e.question(lang))}", f"o:c:{entry_key(e.id)}")]
                for i, e in enumerate(reply.suggestions, 1)
            ]
            rows.append([button(texts.say("suggest_none", lang), f"o:n:{reply.query_id}")])
        elif reply.outcome == "refer" and reply.referral_id is not None:
            text += "\n\n" + texts.say("referral_helpful_ask", lang)
            rows.append(self.helpful_row("r", reply.referral_id, lang))
        elif reply.outcome == "decline" and reply.query_id is not None:
            # No ticket unless the official asks for one.
            rows.append([button(texts.say("button_ask_anyway", lang), f"o:p:{reply.query_id}")])
        elif reply.outcome == "clarify" and reply.query_id is not None:
            rows.append([button(texts.say("button_browse_topics", lang), "o:tp:0")])
            rows.append(
                [button(texts.say("button_ask_secretariat", lang), f"o:p:{reply.query_id}")]
            )
        markup = InlineKeyboardMarkup(rows) if rows else None
        await self.deliver(context.bot, chat_id, reply, text, markup)
        if reply.ticket_id is not None:
            self.staff_posts.post(
                context.bot,
                cards.announce_ticket,
                reply.ticket_id,
                is_new=reply.ticket_is_new,
                card_id=reply.ticket_card_id,
                question=reply.question,
            )
        if reply.referral_id is not None and reply.referral_is_new:
            self.staff_posts.post(context.bot, cards.announce_referral, reply.referral_id)

    @staticmethod
    def helpful_row(kind: str, number: int, lang: str) -> list[InlineKeyboardButton]:
        return [
            button(texts.say("button_yes", lang), f"o:{kind}:{number}:1"),
            button(texts.say("button_no", lang), f"o:{kind}:{number}:0"),
        ]

    # -- questions -----------------------------------------------------------------------------
    async def on_text(self, update: Update, context: Context) -> None:
        """Free text: a question, or the answer to a profile prompt it replies to."""
        message = update.effective_message
        assert message is not None and message.text is not None
        prompt = (context.user_data or {}).get("prompt")
        replied = message.reply_to_message
        if prompt is not None:
            # The next message answers the prompt, Telegram "reply" or not, when it fits; one that
            # does not (a question, a long message) is handled as such and the prompt is dropped.
            context.user_data.pop("prompt", None)  # type: ignore[union-attr]
        if prompt and (
            (replied is not None and replied.message_id == prompt[1])
            or (replied is None and fits_prompt(message.text, prompt[0]))
        ):
            if prompt[0] == "state":
                await self.state_answer(update, context, message.text)
            else:
                await self.role_answer(update, context, message.text)
            return
        await self.ask(update, context, message.text, via="typed")

    async def on_edited(self, update: Update, context: Context) -> None:
        """An edited message is the official's corrected question: answered and logged anew."""
        message = update.edited_message
        assert message is not None and message.text is not None
        await self.ask(update, context, message.text, via="edited")

    async def ask(self, update: Update, context: Context, text: str, *, via: str) -> None:
        reply = await self.run(
            self.desk.ask, self.asker(update), text, via=via, update_id=update.update_id
        )
        await self.reply_to_question(update, context, reply)

    async def on_file(self, update: Update, context: Context) -> None:
        """A document, photo, voice note, audio or video (each file of an album): into the
        official's request for the Secretariat, which gets it under the ticket's card."""
        message = update.effective_message
        assert message is not None
        file = sending.sent_file(message)
        assert file is not None  # the handler's filter lets only these through
        reply = await self.run(self.desk.send_file, self.asker(update), file, message.caption or "")
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if reply.text:  # over the rate limit, only the first message is answered
            await self.send(context.bot, chat_id, reply.text)
        if reply.ticket_id is not None:
            self.staff_posts.post(
                context.bot,
                cards.announce_file,
                reply.ticket_id,
                file,
                is_new=reply.ticket_is_new,
                message=reply.ticket_message_id,
            )

    async def on_other(self, update: Update, context: Context) -> None:
        """Stickers, locations, contacts...: the desk reads text and files only."""
        lang = await self.language(update, context)
        await self.send(context.bot, update.effective_chat.id, texts.say("type_please", lang))  # type: ignore[union-attr]

    async def secretariat(self, update: Update, context: Context) -> None:
        """/secretariat <text>: straight to a person."""
        message = update.effective_message
        assert message is not None and message.text is not None
        _, _, text = message.text.partition(" ")
        reply = await self.run(
            self.desk.to_secretariat, self.asker(update), text, update_id=update.update_id
        )
        await self.reply_to_question(update, context, reply)

    async def help(self, update: Update, context: Context) -> None:
        lang = await self.language(update, context)
        await self.send(context.bot, update.effective_chat.id, texts.say("help", lang))  # type: ignore[union-attr]

    async def unknown(self, update: Update, context: Context) -> None:
        lang = await self.language(update, context)
        await self.send(context.bot, update.effective_chat.id, texts.say("unknown_command", lang))  # type: ignore[union-attr]

    # -- buttons -------------------------------------------------------------------------------
    # Each kind of officials' button has its own handler, routed by CallbackQueryHandler on the
    # pattern of its callback data (BUTTONS, below the class). ``official_button`` does what
    # every one of them needs first: private chats only, the press answered at once, and a stale
    # button (erased data, another official's query, a removed entry) explained, never an error.
    @official_button
    async def on_choice(self, update: Update, context: Context, press: Press) -> None:
        """A suggestion ("o:c:") or a browsed entry ("o:b:"): a question, logged."""
        entry = find_entry(self.desk, press.args[0])
        if entry is None:
            await self.send(context.bot, press.chat_id, texts.say("choice_gone", press.lang))
            return
        if press.kind == "c":
            await self.drop_buttons(press.message)
        reply = await self.run(self.desk.choose, press.asker, entry.id, update_id=update.update_id)
        await self.reply_to_question(update, context, reply)

    @official_button
    async def on_pass_on(self, update: Update, context: Context, press: Press) -> None:
        """None of these ("o:n:"), not helpful ("o:p:") or ask ("o:a:"): to the Secretariat."""
        await self.drop_buttons(press.message, keep_lasting=press.kind == "a")
        reply = await self.run(
            self.desk.pass_on, press.asker, int(press.args[0]), asked_directly=press.kind == "a"
        )
        await self.send(context.bot, press.chat_id, reply.text)
        if reply.ticket_id is not None:
            self.staff_posts.post(
                context.bot, cards.announce_ticket, reply.ticket_id, is_new=reply.ticket_is_new
            )

    @official_button
    async def on_rating(self, update: Update, context: Context, press: Press) -> None:
        """Was this answer ("o:h:") or referral ("o:r:") helpful? A "no" leads somewhere."""
        number, helpful = int(press.args[0]), press.args[1] == "1"
        target = {"query_id": number} if press.kind == "h" else {"referral_id": number}
        asked = await self.run(self.desk.feedback, press.asker, helpful=helpful, **target)
        await self.drop_buttons(press.message, keep_lasting=True)
        bot, lang = context.bot, press.lang
        if helpful:
            await self.send(bot, press.chat_id, texts.say("feedback_thanks", lang))
        elif asked is None:  # a referral staff made: the official's request is open
            await self.send(bot, press.chat_id, texts.say("referral_not_helpful", lang))
        else:  # the Secretariat, or no thanks
            markup = InlineKeyboardMarkup(
                [
                    [button(texts.say("button_pass_on", lang), f"o:p:{asked}")],
                    [button(texts.say("button_no_thanks", lang), "o:x")],
                ]
            )
            offer = "not_helpful_offer" if press.kind == "h" else "referral_not_helpful_offer"
            await self.send(bot, press.chat_id, texts.say(offer, lang), markup=markup)

    @official_button
    async def on_satisfaction(self, update: Update, context: Context, press: Press) -> None:
        """Did the Secretariat's reply help ("o:k:")? Asked once when a request closes."""
        number, helpful = int(press.args[0]), press.args[1] == "1"
        await self.run(self.desk.feedback, press.asker, ticket_id=number, helpful=helpful)
        await self.drop_buttons(press.message)
        said = "feedback_thanks" if helpful else "satisfaction_sorry"
        await self.send(context.bot, press.chat_id, texts.say(said, press.lang))

    @official_button
    async def on_no_thanks(self, update: Update, context: Context, press: Press) -> None:
        """ "No, thanks" ("o:x") after a not-helpful answer."""
        await self.drop_buttons(press.message)
        await self.send(context.bot, press.chat_id, texts.say("no_thanks", press.lang))

    @official_button
    async def on_stale_button(self, update: Update, context: Context, press: Press) -> None:
        """Any other "o:" data: from an older version of the bot, or forged."""
        log.info("button %r not known", press.query.data)
        await self.send(context.bot, press.chat_id, texts.say("choice_gone", press.lang))

    @staticmethod
    async def drop_buttons(message: Any, *, keep_lasting: bool = False) -> None:
        """Take the pressed buttons off a message so a choice is made once; ``keep_lasting``: keep
        the links and the entries to read next, which are no choice (pressed any time)."""
        if not isinstance(message, Message) or message.reply_markup is None:
            return
        rows = []
        if keep_lasting:
            rows = [
                [b for b in row if lasting(b)]
                for row in message.reply_markup.inline_keyboard
                if any(lasting(b) for b in row)
            ]
        if rows == [list(r) for r in message.reply_markup.inline_keyboard]:
            return
        try:
            await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise

    @staticmethod
    async def edit(message: Any, text: str, markup: InlineKeyboardMarkup) -> None:
        if not isinstance(message, Message):
            return
        try:
            await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise

    # -- errors and start-up -------------------------------------------------------------------
    async def on_error(self, update: object, context: Context) -> None:
        """Log the failure; tell the official (in a private chat) only what is true: a database
        failure means their message was not recorded."""
        log.error(
            "update %s failed: %r",
            getattr(update, "update_id", "?"),
            context.error,
            exc_info=context.error,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE or isinstance(context.error, Forbidden):
            return
        lang = language_of(update.effective_user.language_code if update.effective_user else None)
        # If the network itself is failing, the log line above is what is left.
        with contextlib.suppress(TelegramError):
            key = (
                "not_recorded" if isinstance(context.error, DatabaseFailure) else "something_wrong"
            )
            await context.bot.send_message(update.effective_chat.id, texts.say(key, lang))

    async def flush_marks(self, application: Application) -> None:
        """Post what the staff chat still has to get, then write the delivered marks still
        queued, before the bot stops."""
        await self.staff_posts.drain(timeout=STAFF_DRAIN_SECONDS)
        await self.marks.flush()

    async def close(self, application: Application) -> None:
        """Let the desk's threads finish their calls and end (after the Application's shutdown)."""
        await self.runner.close()

    async def register_commands(self, application: Application) -> None:
        """The command list in each language (Telegram picks it by the official's app language)."""
        scope = BotCommandScopeAllPrivateChats()
        for lang in (None, *LANGUAGES):
            commands = [
                BotCommand(name, texts.say(f"command_{name}", lang or "en")) for name in COMMANDS
            ]
            await application.bot.set_my_commands(commands, scope=scope, language_code=lang)


# The officials' buttons: the pattern of the callback data, and the OfficialBot method that
# handles it. The patterns do not overlap ("o:p:12" is a hand-off, "o:ps" the State prompt); the
# last one answers whatever an older version of the bot left in a chat.
BUTTONS = (
    (r"^o:[cb]:[^:]+$", "on_choice"),
    (r"^o:[npa]:\d+$", "on_pass_on"),
    (r"^o:[hr]:\d+:[01]$", "on_rating"),
    (r"^o:k:\d+:[01]$", "on_satisfaction"),
    (r"^o:x$", "on_no_thanks"),
    (r"^o:(tl|tp):\d+$|^o:(to|t):[^:]+:\d+$", "on_browse"),
    (r"^o:l(:[a-z]{2})?$", "on_language_button"),
    (r"^o:p[sr]$", "on_profile_button"),
    (r"^o:st$", "on_status_button"),
    (r"^o:r[mx]$", "on_reminders_button"),
    (r"^o:s:[^:]+$", "on_state_button"),
    (r"^o:f(:[yn])?$", "on_forget_button"),
    (r"^o:", "on_stale_button"),
)

"""The Telegram bot for officials: python-telegram-bot 22 handlers over the desk.

Handlers stay thin: each turns an update into one desk call and the desk's reply into messages.
The desk is synchronous (SQLAlchemy); its calls run in the desk's threads (one on SQLite, which
takes one writer; a pool's worth on PostgreSQL), never on the event loop, so a slow query or a
write lock held elsewhere never holds up the other officials (see :meth:`OfficialBot.run`).
Staff triage lives in :mod:`helpdesk_bot.staff`.

Example::

    application = build_application(settings, Desk.from_settings(settings))
    asyncio.run(intake_of(application).serve_polling())
    # or, from the command line: HELPDESK_TELEGRAM_TOKEN=... helpdesk-bot run
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import html
import logging
import re
import sys
import urllib.parse
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from . import delivery, staff, status, texts
from .config import Settings
from .desk import ALREADY_REPLIED, Asker, Desk, DeskError, Reply
from .intake import INTAKE, Intake, intake_of
from .knowledge import LANGUAGES, Entry, Tool, language_of
from .register import format_date

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
T = TypeVar("T")

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
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
TOPICS_PER_PAGE = 6
ENTRIES_PER_PAGE = 6
TOOLS_PER_PAGE = 6
# Telegram limits callback data to 64 bytes; "o:" marks the officials' buttons (staff use "staff:").
CALLBACK_BYTES = 64
BUTTON_CHARS = 60
# Deep-link payloads Telegram accepts: t.me/<bot>?start=<source>
DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CONCURRENT_UPDATES = 16
# At stop, how long the staff chat's queued posts may take (about 20 a minute in a group).
STAFF_DRAIN_SECONDS = 30.0
# How often the bot checks that its SQLite file is still the one it opened.
DATABASE_CHECK_SECONDS = 10

PRIVATE = filters.ChatType.PRIVATE
# What an official may send the Secretariat besides text (a draft bill, a photo, a voice note).
OFFICIALS_FILES = (
    filters.Document.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO
)


def esc(text: object) -> str:
    """User-supplied (or knowledge-base) text made safe for Telegram's HTML parse mode."""
    return html.escape(str(text), quote=False)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Plain text cut into messages of at most ``limit`` characters, at paragraph, line or word ends.

    Example: ``split_text("a" * 5000)`` -> two pieces of 4,096 and 904 characters.
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit  # one very long word: cut it
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def entry_key(entry_id: str) -> str:
    """A callback-data key for an entry: its id, or a short digest when the id is too long."""
    if len(entry_id.encode()) <= 40:
        return entry_id
    return "#" + hashlib.sha1(entry_id.encode()).hexdigest()[:12]


def find_entry(desk: Desk, key: str) -> Entry | None:
    if not key.startswith("#"):
        return desk.base.entries.get(key)
    return next((e for e in desk.base.entries.values() if entry_key(e.id) == key), None)


def shorten(text: str, limit: int = BUTTON_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shared_pages(tools: list[Tool], lang: str) -> set[str]:
    """Pages several tools link to (the catalogue): said once, not once per tool."""
    pages = [tool.link(lang) for tool in tools]
    return {page for page in pages if pages.count(page) > 1}


def tool_links(tools: list[Tool], lang: str) -> list[tuple[str, str]]:
    """(label, page) per distinct page: a tool's own page under its title, a page several tools
    share once, as the tools page."""
    shared = shared_pages(tools, lang)
    links: dict[str, str] = {}
    for tool in tools:
        page = tool.link(lang)
        title = tool.titles.get(lang) or tool.titles["en"]
        links.setdefault(page, texts.say("button_tools_page", lang) if page in shared else title)
    return [(label, page) for page, label in links.items()]


def button(label: str, data: str) -> InlineKeyboardButton:
    assert len(data.encode()) <= CALLBACK_BYTES, data
    return InlineKeyboardButton(label, callback_data=data)


@dataclass(frozen=True)
class Press:
    """An official's press on one of the bot's buttons, as its handler needs it."""

    query: CallbackQuery
    kind: str  # "c" in "o:c:ratification-routes"
    args: list[str]  # ["ratification-routes"]
    lang: str
    asker: Asker
    chat_id: int

    @property
    def message(self) -> Any:
        return self.query.message


def official_button(
    method: Callable[[OfficialBot, Update, Context, Press], Awaitable[None]],
) -> Callable[[OfficialBot, Update, Context], Awaitable[None]]:
    """Make ``method`` a button handler: in private chats only, the press answered at once (no
    spinning button), a stale button (DeskError) explained to the official."""

    @functools.wraps(method)
    async def handler(self: OfficialBot, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        message = query.message
        await query.answer()
        if message is None or message.chat.type != ChatType.PRIVATE:
            return
        kind, *args = query.data.split(":")[1:]
        lang = await self.language(update, context)
        press = Press(query, kind, args, lang, self.asker(update), message.chat.id)
        try:
            await method(self, update, context, press)
        except DeskError as exc:
            log.info("button %r refused: %s", query.data, exc)
            await self.send(context.bot, press.chat_id, texts.say("choice_gone", lang))

    return handler


class StaffPosts:
    """What officials' handlers post to the staff chat (ticket cards, files, referral cards), in
    order, one at a time, apart from the officials' turns: the staff group's pace (about 20
    messages a minute) never holds up an official's next answer, nor the Application's slots.
    A card the process dies before posting is posted by the reminder job (``staff.py``).

    Example: ``posts.post(lambda: staff.announce_ticket(bot, desk, settings, 12, is_new=True))``
    """

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Callable[[], Awaitable[None]]] | None = None
        self.worker: asyncio.Task[None] | None = None

    def post(self, make: Callable[[], Awaitable[None]]) -> None:
        """Queue ``make()`` (a coroutine that never raises: the announce functions log instead)."""
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


class OfficialBot:
    """The officials' side of the bot: one method per command, message kind and button."""

    def __init__(self, desk: Desk, settings: Settings):
        self.desk = desk
        self.settings = settings
        # The desk's own threads, as many as its database serves at once (one on SQLite), rather
        # than asyncio's shared pool: more threads queueing for one writer only cost CPU.
        self.threads = ThreadPoolExecutor(max_workers=desk.threads, thread_name_prefix="desk")
        self.marks = delivery.DeliveredMarks(desk, run=self.run)
        self.staff_posts = StaffPosts()

    # -- plumbing ------------------------------------------------------------------------------
    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call the synchronous desk in one of its threads: the event loop never waits for the
        database (a write lock held by another process would otherwise freeze every chat)."""
        call = functools.partial(function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self.threads, call)

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
        pieces = [text] if formatted else [esc(p) for p in split_text(text)]
        message_id: int | None = None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            # Retried with back-off; a flood wait holds this chat only (delivery.py).
            message_id = await delivery.attempt(
                lambda piece=piece, last=last: delivery.post_message(
                    bot,
                    chat_id,
                    delivery.clean(piece),
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
        bot, desk, settings = context.bot, self.desk, self.settings
        if reply.ticket_id is not None:
            ticket_id = reply.ticket_id
            self.staff_posts.post(
                lambda: staff.announce_ticket(
                    bot,
                    desk,
                    settings,
                    ticket_id,
                    is_new=reply.ticket_is_new,
                    card_id=reply.ticket_card_id,
                    question=reply.question,
                    run=self.run,
                )
            )
        if reply.referral_id is not None and reply.referral_is_new:
            referral_id = reply.referral_id
            self.staff_posts.post(
                lambda: staff.announce_referral(bot, desk, settings, referral_id, run=self.run)
            )

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
        file = delivery.sent_file(message)
        assert file is not None  # the handler's filter lets only these through
        reply = await self.run(self.desk.send_file, self.asker(update), file, message.caption or "")
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if reply.text:  # over the rate limit, only the first message is answered
            await self.send(context.bot, chat_id, reply.text)
        if reply.ticket_id is not None:
            bot, ticket_id = context.bot, reply.ticket_id
            self.staff_posts.post(
                lambda: staff.announce_file(
                    bot,
                    self.desk,
                    self.settings,
                    ticket_id,
                    file,
                    is_new=reply.ticket_is_new,
                    message=reply.ticket_message_id,
                    run=self.run,
                )
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

    # -- /start and the profile ----------------------------------------------------------------
    async def start(self, update: Update, context: Context) -> None:
        """Welcome, privacy notice, optional profile; ``/start <source>`` records the source."""
        asker = self.asker(update)
        official = await self.run(self.desk.profile, asker)
        payload = context.args[0] if context.args else ""
        if payload and DEEP_LINK.match(payload) and official.source is None:
            await self.run(self.desk.update_profile, asker, source=payload)
        lang = official.language
        if context.user_data is not None:
            context.user_data["language"] = lang
        user = update.effective_user
        name = user.first_name if user else ""
        text = (
            esc(texts.say("welcome", lang, name=name))
            + "\n\n<i>"
            + esc(texts.say("privacy", lang))
            + "</i>"
        )
        markup = InlineKeyboardMarkup(
            [
                [button(texts.say("button_profile", lang), "o:ps")],
                [button(texts.say("button_language", lang), "o:l")],
            ]
        )
        await self.send(context.bot, update.effective_chat.id, text, markup=markup, formatted=True)  # type: ignore[union-attr]

    async def prompt(
        self, bot: Bot, chat_id: int, context: Context, kind: str, lang: str, text: str
    ) -> None:
        """Ask for a profile field with a ForceReply: only a reply to it is taken as the answer."""
        placeholder = texts.say(f"{kind}_placeholder", lang)
        sent = await self.send(
            bot,
            chat_id,
            text,
            markup=ForceReply(selective=True, input_field_placeholder=placeholder),
        )
        if context.user_data is not None:
            context.user_data["prompt"] = (kind, sent)

    async def state_answer(self, update: Update, context: Context, text: str) -> None:
        lang = await self.language(update, context)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        exact = self.desk.base.exact_state(text)
        if exact is not None:  # "Kiribati": no one-option "Is it one of these?"
            await self.save_state(update, context, exact.code, lang)
            return
        found = self.desk.base.find_state(text)
        if not found:
            shown = shorten(text, 80)
            await self.prompt(
                context.bot,
                chat_id,
                context,
                "state",
                lang,
                texts.say("state_not_found", lang, text=shown),
            )
            return
        rows = [[button(state.name(lang), f"o:s:{state.code}")] for state in found]
        rows.append([button(texts.say("state_none", lang), "o:s:-")])
        await self.send(
            context.bot, chat_id, texts.say("state_choose", lang), markup=InlineKeyboardMarkup(rows)
        )

    async def save_state(self, update: Update, context: Context, code: str, lang: str) -> None:
        """Record the official's State ("-": none of those offered), then ask for the role."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        state = self.desk.base.states.get(code)
        if state is not None:
            await self.run(self.desk.update_profile, self.asker(update), state_code=code)
            await self.send(
                context.bot, chat_id, texts.say("state_saved", lang, state=state.name(lang))
            )
        await self.prompt(context.bot, chat_id, context, "role", lang, texts.say("ask_role", lang))

    async def role_answer(self, update: Update, context: Context, text: str) -> None:
        lang = await self.language(update, context)
        await self.run(self.desk.update_profile, self.asker(update), role=text)
        await self.send(context.bot, update.effective_chat.id, texts.say("role_saved", lang))  # type: ignore[union-attr]

    async def profile(self, update: Update, context: Context) -> None:
        """/profile: what the desk holds about the official, with ways to change or erase it."""
        official = await self.run(self.desk.profile, self.asker(update))
        lang = official.language
        state = self.desk.base.states.get(official.state_code or "")
        none = texts.say("not_given", lang)
        text = texts.say(
            "profile",
            lang,
            language=LANGUAGE_NAMES.get(lang, lang),
            state=state.name(lang) if state else none,
            role=official.role or none,
        )
        status_row = [button(texts.say("button_status", lang), "o:st")] if state else []
        markup = InlineKeyboardMarkup(
            [
                *([status_row] if status_row else []),
                [
                    button(texts.say("button_change_state", lang), "o:ps"),
                    button(texts.say("button_change_role", lang), "o:pr"),
                ],
                [button(texts.say("button_language", lang), "o:l")],
                [button(texts.say("button_forget", lang), "o:f")],
            ]
        )
        await self.send(context.bot, update.effective_chat.id, text, markup=markup)  # type: ignore[union-attr]

    async def state_status(self, update: Update, context: Context) -> None:
        """/state: the official's State at a glance (status, dates, deadlines, what CTI offers)."""
        await self.show_status(context.bot, update.effective_chat.id, self.asker(update))  # type: ignore[union-attr]

    async def show_status(self, bot: Bot, chat_id: int, asker: Asker) -> None:
        """The status card of the official's State (with reminders to set or stop), or how to
        set a State."""
        official = await self.run(self.desk.profile, asker)
        lang = official.language
        state = self.desk.base.states.get(official.state_code or "")
        if state is None:
            markup = InlineKeyboardMarkup(
                [[button(texts.say("button_change_state", lang), "o:ps")]]
            )
            await self.send(bot, chat_id, texts.say("state_not_set", lang), markup=markup)
            return
        today = datetime.now(UTC).date()
        card = status.status_card(state, self.desk.base, lang, today=today)
        rows = []
        if status.upcoming(state, today=today):
            pending = await self.run(self.desk.pending_deadline_reminders, asker)
            if pending:
                rows.append([button(texts.say("button_reminders_stop", lang), "o:rx")])
            else:
                rows.append([button(texts.say("button_reminders_set", lang), "o:rm")])
        rows.append([button(texts.say("button_change_state", lang), "o:ps")])
        await self.send(bot, chat_id, card, markup=InlineKeyboardMarkup(rows))

    @official_button
    async def on_reminders_button(self, update: Update, context: Context, press: Press) -> None:
        """Remind me before my State's deadlines ("o:rm"), or stop ("o:rx")."""
        await self.drop_buttons(press.message, keep_links=True)
        lang = press.lang
        if press.kind == "rx":
            await self.run(self.desk.stop_deadline_reminders, press.asker)
            await self.send(context.bot, press.chat_id, texts.say("reminders_stopped", lang))
            return
        planned = await self.run(self.desk.set_deadline_reminders, press.asker)
        if not planned:
            await self.send(context.bot, press.chat_id, texts.say("reminders_none_ahead", lang))
            return
        official = await self.run(self.desk.profile, press.asker)
        state = self.desk.base.states[official.state_code or ""]
        lines = [texts.say("reminders_set", lang)]
        for reminder in planned:
            lines.append(
                texts.say(
                    "reminder_line",
                    lang,
                    day=format_date(reminder.remind_on, lang),
                    what=status.deadline_name(state, reminder.deadline, lang),
                    due=format_date(reminder.due, lang),
                )
            )
        button_stop = button(texts.say("button_reminders_stop", lang), "o:rx")
        await self.send(
            context.bot,
            press.chat_id,
            "\n".join(lines),
            markup=InlineKeyboardMarkup([[button_stop]]),
        )

    @official_button
    async def on_status_button(self, update: Update, context: Context, press: Press) -> None:
        """ "Treaty status and deadlines" under /profile ("o:st")."""
        await self.show_status(context.bot, press.chat_id, press.asker)

    # -- browsing ------------------------------------------------------------------------------
    def topics_page(self, lang: str, page: int) -> tuple[str, InlineKeyboardMarkup]:
        topics = [
            t for t in self.desk.base.topics.values() if self.desk.base.entries_by_topic(t.id)
        ]
        pages = max(1, -(-len(topics) // TOPICS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
        rows = [
            [button(shorten(t.titles.get(lang) or t.titles["en"]), f"o:t:{t.id}:0")] for t in shown
        ]
        rows += self.pager("o:tp:{}", page, pages, lang)
        return esc(texts.say("topics_intro", lang)), InlineKeyboardMarkup(rows)

    def entries_page(self, lang: str, topic_id: str, page: int) -> tuple[str, InlineKeyboardMarkup]:
        topic = self.desk.base.topics[topic_id]
        entries = self.desk.base.entries_by_topic(topic_id)
        pages = max(1, -(-len(entries) // ENTRIES_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = entries[page * ENTRIES_PER_PAGE : (page + 1) * ENTRIES_PER_PAGE]
        rows = [[button(shorten(e.question(lang)), f"o:b:{entry_key(e.id)}")] for e in shown]
        rows += self.pager(f"o:t:{topic_id}:{{}}", page, pages, lang)
        rows.append([button(texts.say("button_topics", lang), "o:tp:0")])
        title = topic.titles.get(lang) or topic.titles["en"]
        return esc(texts.say("topic_entries", lang, topic=title)), InlineKeyboardMarkup(rows)

    @staticmethod
    def pager(pattern: str, page: int, pages: int, lang: str) -> list[list[InlineKeyboardButton]]:
        row = []
        if page > 0:
            row.append(button(texts.say("button_previous", lang), pattern.format(page - 1)))
        if page < pages - 1:
            row.append(button(texts.say("button_next", lang), pattern.format(page + 1)))
        return [row] if row else []

    async def topics(self, update: Update, context: Context) -> None:
        """/topics: the knowledge base by topic, as buttons."""
        lang = await self.language(update, context)
        text, markup = self.topics_page(lang, 0)
        await self.send(context.bot, update.effective_chat.id, text, markup=markup, formatted=True)  # type: ignore[union-attr]

    async def tools(self, update: Update, context: Context) -> None:
        """/tools: the CTI tool catalogue as buttons, a page at a time, like /topics."""
        lang = await self.language(update, context)
        text, markup = self.tools_page(lang, 0)
        await self.send(context.bot, update.effective_chat.id, text, markup=markup, formatted=True)  # type: ignore[union-attr]

    def tools_page(self, lang: str, page: int) -> tuple[str, InlineKeyboardMarkup]:
        """One page of tool titles as buttons; the catalogue page, when the tools share one."""
        tools = list(self.desk.base.tools.values())
        pages = max(1, -(-len(tools) // TOOLS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = tools[page * TOOLS_PER_PAGE : (page + 1) * TOOLS_PER_PAGE]
        rows = [
            [button(shorten(t.titles.get(lang) or t.titles["en"]), f"o:to:{t.id}:{page}")]
            for t in shown
        ]
        rows += self.pager("o:tl:{}", page, pages, lang)
        rows += [
            [InlineKeyboardButton(texts.say("button_tools_page", lang), url=url)]
            for url in sorted(shared_pages(tools, lang))
        ]
        return esc(texts.say("tools_intro", lang)), InlineKeyboardMarkup(rows)

    def tool_card(self, lang: str, tool: Tool, page: int) -> tuple[str, InlineKeyboardMarkup]:
        """One tool: title, year and summary, a button to its page and one back to the list."""
        title = tool.titles.get(lang) or tool.titles["en"]
        summary = tool.summaries.get(lang) or tool.summaries.get("en", "")
        year = f" ({tool.year})" if tool.year else ""
        (label, url), *_ = tool_links([tool], lang)
        rows = [
            [InlineKeyboardButton(shorten(label), url=url)],
            [button(texts.say("button_all_tools", lang), f"o:tl:{page}")],
        ]
        return f"<b>{esc(title)}</b>{esc(year)}\n\n{esc(summary)}", InlineKeyboardMarkup(rows)

    # -- language, help, forget ----------------------------------------------------------------
    @staticmethod
    def language_markup() -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            [[button(name, f"o:l:{code}") for code, name in LANGUAGE_NAMES.items()]]
        )

    async def choose_language(self, update: Update, context: Context) -> None:
        """/language: en, fr or es as buttons (or ``/language fr``)."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        wanted = (context.args or [""])[0].lower()[:2]
        if wanted in LANGUAGES:
            await self.set_language(update, context, wanted)
            await self.send(context.bot, chat_id, texts.say("language_set", wanted))
            return
        lang = await self.language(update, context)
        await self.send(
            context.bot, chat_id, texts.say("language_choose", lang), markup=self.language_markup()
        )

    async def set_language(self, update: Update, context: Context, lang: str) -> None:
        await self.run(self.desk.update_profile, self.asker(update), language=lang)
        if context.user_data is not None:
            context.user_data["language"] = lang

    async def help(self, update: Update, context: Context) -> None:
        lang = await self.language(update, context)
        await self.send(context.bot, update.effective_chat.id, texts.say("help", lang))  # type: ignore[union-attr]

    async def forget(self, update: Update, context: Context) -> None:
        """/forget: asks for confirmation with a button before erasing anything."""
        lang = await self.language(update, context)
        markup = InlineKeyboardMarkup(
            [
                [button(texts.say("button_forget_yes", lang), "o:f:y")],
                [button(texts.say("button_cancel", lang), "o:f:n")],
            ]
        )
        await self.send(
            context.bot,
            update.effective_chat.id,
            texts.say("forget_confirm", lang),
            markup=markup,  # type: ignore[union-attr]
        )

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
        await self.drop_buttons(press.message, keep_links=press.kind == "a")
        reply = await self.run(
            self.desk.pass_on, press.asker, int(press.args[0]), asked_directly=press.kind == "a"
        )
        await self.send(context.bot, press.chat_id, reply.text)
        if reply.ticket_id is not None:
            bot, ticket_id = context.bot, reply.ticket_id
            self.staff_posts.post(
                lambda: staff.announce_ticket(
                    bot,
                    self.desk,
                    self.settings,
                    ticket_id,
                    is_new=reply.ticket_is_new,
                    run=self.run,
                )
            )

    @official_button
    async def on_rating(self, update: Update, context: Context, press: Press) -> None:
        """Was this answer ("o:h:") or referral ("o:r:") helpful? A "no" leads somewhere."""
        number, helpful = int(press.args[0]), press.args[1] == "1"
        target = {"query_id": number} if press.kind == "h" else {"referral_id": number}
        asked = await self.run(self.desk.feedback, press.asker, helpful=helpful, **target)
        await self.drop_buttons(press.message, keep_links=True)
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
    async def on_browse(self, update: Update, context: Context, press: Press) -> None:
        """A page of tools ("o:tl:"), one tool ("o:to:"), a page of topics ("o:tp:") or one
        topic's entries ("o:t:"): the message is edited in place."""
        lang, args = press.lang, press.args
        if press.kind == "tl":
            text, markup = self.tools_page(lang, int(args[0]))
        elif press.kind == "tp":
            text, markup = self.topics_page(lang, int(args[0]))
        elif press.kind == "to" and args[0] in self.desk.base.tools:
            tool = self.desk.base.tools[args[0]]
            text, markup = self.tool_card(lang, tool, int(args[1]) if len(args) > 1 else 0)
        elif press.kind == "t" and args[0] in self.desk.base.topics:
            text, markup = self.entries_page(lang, args[0], int(args[1]))
        else:
            await self.send(context.bot, press.chat_id, texts.say("choice_gone", lang))
            return
        await self.edit(press.message, text, markup)

    @official_button
    async def on_language_button(self, update: Update, context: Context, press: Press) -> None:
        """The language menu ("o:l") or a language chosen from it ("o:l:fr")."""
        if press.args:
            await self.set_language(update, context, press.args[0])
            await self.drop_buttons(press.message)
            await self.send(context.bot, press.chat_id, texts.say("language_set", press.args[0]))
            return
        await self.send(
            context.bot,
            press.chat_id,
            texts.say("language_choose", press.lang),
            markup=self.language_markup(),
        )

    @official_button
    async def on_profile_button(self, update: Update, context: Context, press: Press) -> None:
        """Set my State ("o:ps") or role ("o:pr"): consent, then the prompt."""
        await self.run(self.desk.update_profile, press.asker, consent=True)
        field = "state" if press.kind == "ps" else "role"
        await self.prompt(
            context.bot,
            press.chat_id,
            context,
            field,
            press.lang,
            texts.say(f"ask_{field}", press.lang),
        )

    @official_button
    async def on_state_button(self, update: Update, context: Context, press: Press) -> None:
        """A State chosen from "Is it one of these?" ("o:s:FJI", or "o:s:-" for none)."""
        await self.drop_buttons(press.message)
        await self.save_state(update, context, press.args[0], press.lang)

    @official_button
    async def on_forget_button(self, update: Update, context: Context, press: Press) -> None:
        """/forget from a button ("o:f"), then its confirmation ("o:f:y") or cancel ("o:f:n")."""
        if not press.args:
            await self.forget(update, context)
            return
        bot, lang = context.bot, press.lang
        await self.drop_buttons(press.message)
        if press.args[0] != "y":
            await self.send(bot, press.chat_id, texts.say("forget_cancelled", lang))
            return
        erasure = await self.run(self.desk.forget, press.asker)
        if context.user_data is not None:
            context.user_data.clear()
        if erasure is not None:
            # Before "erased": the staff chat's copies are part of what the official is told is
            # gone. A card that cannot be edited is logged, never fatal.
            await staff.erase_cards(bot, self.desk, erasure.cards, run=self.run)
        key = "forgotten" if erasure is not None else "forget_nothing"
        await self.send(bot, press.chat_id, texts.say(key, lang))

    @official_button
    async def on_stale_button(self, update: Update, context: Context, press: Press) -> None:
        """Any other "o:" data: from an older version of the bot, or forged."""
        log.info("button %r not known", press.query.data)
        await self.send(context.bot, press.chat_id, texts.say("choice_gone", press.lang))

    @staticmethod
    async def drop_buttons(message: Any, *, keep_links: bool = False) -> None:
        """Take the pressed buttons off a message so a choice is made once."""
        if not isinstance(message, Message) or message.reply_markup is None:
            return
        rows = []
        if keep_links:
            rows = [
                [b for b in row if b.url]
                for row in message.reply_markup.inline_keyboard
                if any(b.url for b in row)
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
                "not_recorded" if isinstance(context.error, SQLAlchemyError) else "something_wrong"
            )
            await context.bot.send_message(update.effective_chat.id, texts.say(key, lang))

    async def flush_marks(self, application: Application) -> None:
        """Post what the staff chat still has to get, then write the delivered marks still
        queued, before the bot stops."""
        await self.staff_posts.drain(timeout=STAFF_DRAIN_SECONDS)
        await self.marks.flush()

    async def close(self, application: Application) -> None:
        """Let the desk's threads finish their calls and end (after the Application's shutdown)."""
        await asyncio.get_running_loop().run_in_executor(None, self.threads.shutdown)

    async def register_commands(self, application: Application) -> None:
        """The command list in each language (Telegram picks it by the official's app language)."""
        scope = BotCommandScopeAllPrivateChats()
        for lang in (None, *LANGUAGES):
            commands = [
                BotCommand(name, texts.say(f"command_{name}", lang or "en")) for name in COMMANDS
            ]
            await application.bot.set_my_commands(commands, scope=scope, language_code=lang)


async def apply_retention(context: Context) -> None:
    """Erase question text older than HELPDESK_RETENTION_MONTHS (the counts stay)."""
    desk = context.job.data  # type: ignore[union-attr]
    erased = await asyncio.to_thread(desk.apply_retention)
    if erased:
        log.info("retention: erased the text of %d old queries", erased)


async def send_deadline_reminders(context: Context) -> None:
    """Send the deadline reminders whose day has come (daily, and at start-up: none is missed
    by a restart); each is marked sent once Telegram took it."""
    desk: Desk = context.job.data  # type: ignore[union-attr]
    for reminder in await asyncio.to_thread(desk.due_deadline_reminders):
        state = desk.base.states.get(reminder.state_code)
        if state is None:  # the register lost the State: nothing true to say
            await asyncio.to_thread(desk.mark_deadline_reminder, reminder.id, sent=False)
            continue
        lang = reminder.language
        as_of = desk.base.states_as_of
        text = texts.say(
            "deadline_reminder",
            lang,
            what=status.deadline_name(state, reminder.deadline, lang),
            state=state.name(lang),
            due=format_date(reminder.due, lang),
            as_of=format_date(as_of, lang) if as_of else "?",
        )
        _, error = await delivery.send_or_error(context.bot, reminder.chat_id, text)
        if error is None or "blocked" in error:
            await asyncio.to_thread(desk.mark_deadline_reminder, reminder.id, sent=error is None)
        else:
            log.warning("deadline reminder %s not sent (%s); tried again", reminder.id, error)


# A State is a few words ("Saint Vincent and the Grenadines"), a role a short line; a longer
# message, or one that asks something, is a question typed while the prompt was waiting.
PROMPT_WORDS = {"state": 6, "role": 14}


def fits_prompt(text: str, kind: str) -> bool:
    """Whether ``text``, sent without Telegram's Reply, answers the profile prompt ``kind``.

    >>> fits_prompt("Kiribati", "state"), fits_prompt("How do we ratify the Convention?", "state")
    (True, False)
    """
    return "?" not in text and "\n" not in text.strip() and len(text.split()) <= PROMPT_WORDS[kind]


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


def build_application(settings: Settings, desk: Desk) -> Application:
    """The python-telegram-bot Application: staff triage first, then the officials' handlers.

    Example::

        application = build_application(settings, desk)
        asyncio.run(intake_of(application).serve_polling())
    """
    if not settings.telegram_token:
        raise ValueError("HELPDESK_TELEGRAM_TOKEN is not set")
    officials = OfficialBot(desk, settings)
    bot = ExtBot(
        settings.telegram_token,
        base_url=settings.telegram_api_url,
        # python-telegram-bot's own transport: a few calls per update in flight at once, with
        # headroom; long polling holds one connection, as PTB's default.
        request=HTTPXRequest(connection_pool_size=4 * CONCURRENT_UPDATES),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        # Every call through one pacer: Telegram's budgets, and a 429 holds only its chat.
        rate_limiter=delivery.Pacer(),
    )
    application = (
        Application.builder()
        .bot(bot)
        # No Updater: the intake (intake.py) fetches updates, storing each before confirming it.
        .updater(None)
        # Chats run side by side; the intake keeps each chat's updates in order, and an update
        # takes one of these slots only once its chat is free: one slow chat freezes nobody.
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(officials.register_commands)
        .post_stop(officials.flush_marks)
        .post_shutdown(officials.close)
        .build()
    )
    staff.register(application, desk, settings)
    if application.job_queue is not None:  # retention: at start-up, then daily
        # APScheduler cannot start a repeating job "now": a one-off run, then every day.
        jobs = application.job_queue
        jobs.run_once(apply_retention, when=1, data=desk, job_kwargs={"misfire_grace_time": None})
        jobs.run_repeating(apply_retention, interval=timedelta(days=1), data=desk, name="retention")
        # Deadline reminders: at start-up (what a stopped bot missed), then hourly.
        jobs.run_repeating(
            send_deadline_reminders,
            interval=timedelta(hours=1),
            first=2,
            data=desk,
            name="deadlines",
        )

    private_message = PRIVATE & filters.UpdateType.MESSAGE
    handlers = [
        CommandHandler("start", officials.start, filters=private_message),
        CommandHandler("help", officials.help, filters=private_message),
        CommandHandler("topics", officials.topics, filters=private_message),
        CommandHandler("tools", officials.tools, filters=private_message),
        CommandHandler("secretariat", officials.secretariat, filters=private_message),
        CommandHandler("language", officials.choose_language, filters=private_message),
        CommandHandler("profile", officials.profile, filters=private_message),
        CommandHandler("state", officials.state_status, filters=private_message),
        CommandHandler("forget", officials.forget, filters=private_message),
        *(
            CallbackQueryHandler(getattr(officials, name), pattern=pattern)
            for pattern, name in BUTTONS
        ),
        MessageHandler(private_message & filters.TEXT & ~filters.COMMAND, officials.on_text),
        MessageHandler(
            PRIVATE & filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND,
            officials.on_edited,
        ),
        MessageHandler(private_message & filters.COMMAND, officials.unknown),
        MessageHandler(private_message & OFFICIALS_FILES, officials.on_file),
        MessageHandler(
            private_message & ~filters.TEXT & ~filters.StatusUpdate.ALL, officials.on_other
        ),
    ]
    application.add_handlers(handlers)
    intake = Intake(application, desk, run=officials.run, flush_first=officials.marks.flush)
    application.bot_data[INTAKE] = intake
    # First: a database failure keeps the update for another try (and keeps quiet on a retry).
    application.add_error_handler(intake.note_failure)
    application.add_error_handler(officials.on_error)
    return application


def watch_database_file(
    application: Application, url: str, stopped: list[str], stop: Callable[[], None]
) -> None:
    """Stop the bot if its SQLite file is deleted or replaced while it runs.

    SQLite keeps writing into a deleted file it has open, and everything written then is gone at
    the next start: better to stop (``stop``) with one line saying why (appended to ``stopped``).
    """
    parsed = make_url(url)
    database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or application.job_queue is None:
        return
    path = Path(database)
    started = _file_identity(path)

    async def check(context: Context) -> None:
        if await asyncio.to_thread(_file_identity, path) != started:
            stopped.append(
                f"the database file {path} was deleted or replaced while the bot ran; stopped "
                "so that nothing more is written where no one will find it"
            )
            stop()

    application.job_queue.run_repeating(
        check, interval=DATABASE_CHECK_SECONDS, first=DATABASE_CHECK_SECONDS, name="database-file"
    )


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


async def _reach_bot_api(settings: Settings) -> tuple[str | None, tuple[str, int] | None]:
    """The bot's username, or why the Bot API cannot be used (a line and an exit code)."""
    bot = ExtBot(
        settings.telegram_token,
        base_url=settings.telegram_api_url,
        request=HTTPXRequest(connection_pool_size=1),
    )
    try:
        async with bot:  # initialize() asks getMe; a failure shuts the bot down again
            return bot.username, None
    except InvalidToken:
        return None, ("Telegram rejected HELPDESK_TELEGRAM_TOKEN (check it with @BotFather)", 2)
    except NetworkError as exc:
        return None, (f"cannot reach the Bot API at {settings.telegram_api_url}: {exc}", 1)


def run(
    settings: Settings,
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
) -> int:
    """Run the bot until interrupted: long polling, or a webhook server when ``webhook_url`` is set."""
    from .db import DatabaseError
    from .knowledge import KnowledgeError

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise
    delivery.protect_logs(settings.telegram_token)
    try:
        desk = Desk.from_settings(settings)
    except (KnowledgeError, DatabaseError) as exc:
        print(f"helpdesk-bot: {exc}", file=sys.stderr)
        return 2
    # Reach the Bot API once before starting: a wrong token or an unreachable server is then one
    # line, not python-telegram-bot's start-up traceback and the sessions it leaves open.
    username, problem = asyncio.run(_reach_bot_api(settings))
    if problem is not None:
        message, code = problem
        print(f"helpdesk-bot: {message}", file=sys.stderr)
        return code
    log.info(
        "starting as @%s; staff chat %s; database %s",
        username,
        settings.staff_chat_id
        if settings.staff_chat_id is not None
        else "none (tickets stay in the queue)",
        make_url(settings.database_url).render_as_string(hide_password=True),
    )
    application = build_application(settings, desk)
    intake = intake_of(application)
    stopped: list[str] = []
    watch_database_file(application, settings.database_url, stopped, intake.stop)
    updates = list(Update.ALL_TYPES)
    try:
        if webhook_url:
            assert settings.webhook_secret  # the command line refuses webhook mode without it
            serving = intake.serve_webhook(
                listen=listen,
                port=port,
                url_path=urllib.parse.urlsplit(webhook_url).path,
                webhook_url=webhook_url,
                secret=settings.webhook_secret,
                allowed_updates=updates,
            )
        else:
            serving = intake.serve_polling(allowed_updates=updates)
        asyncio.run(serving)
    except InvalidToken:
        print(
            "helpdesk-bot: Telegram rejected HELPDESK_TELEGRAM_TOKEN (check it with @BotFather)",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:
        print(
            f"helpdesk-bot: cannot reach the Bot API at {settings.telegram_api_url}: {exc}",
            file=sys.stderr,
        )
        return 1
    if stopped:
        print(f"helpdesk-bot: {stopped[0]}", file=sys.stderr)
        return 1
    return 0

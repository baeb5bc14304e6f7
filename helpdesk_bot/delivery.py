"""Sending to Telegram reliably: retries, flood control per chat, and an honest failure.

Every message the help desk sends goes through :func:`send` (or :func:`attempt` for other Bot API
calls). Network errors, time-outs and 5xx answers are retried with exponential back-off; Telegram's
flood control (``RetryAfter``) makes only the chat it concerns wait; a message that finally fails
(blocked bot, bad request, retries exhausted) comes back as ``None`` so the caller records it as
undelivered, where staff see it. Nothing here raises into a handler.

python-telegram-bot's ``AIORateLimiter`` is not used: on a ``RetryAfter`` it halts *every*
request of the bot, so one throttled chat would freeze every official.

Example::

    sent = await delivery.send(context.bot, chat_id, reply.text, reply_markup=keyboard)
    await delivery.reply(context.bot, desk, chat_id, reply.text, query_id=reply.query_id)
"""

from __future__ import annotations

import asyncio
import html
import logging
import random
import re
import time
import warnings
import weakref
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from telegram import Bot, Message
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import BaseUpdateProcessor
from telegram.warnings import PTBDeprecationWarning

from .desk import Desk, SentFile
from .models import utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")
ChatKey = int | str | None
# Awaits a synchronous desk call from a coroutine: asyncio.to_thread, or
# bot.OfficialBot.run (the desk's own threads, or at once when SQLite's writer is free).
DeskRunner = Callable[..., Awaitable[Any]]

# Control characters Telegram rejects or shows as garbage; newlines and tabs are kept.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2028\u2029\ufeff]")
TAG = re.compile(r"<[^<>]+>")


@dataclass(frozen=True, kw_only=True)
class Policy:
    """How hard to try. The defaults give up on a dead network after about 8 seconds of waiting.

    Example: ``await send(bot, chat, text, policy=Policy(attempts=2, backoff=0.1))``
    """

    attempts: int = 4  # network errors, time-outs and 5xx: this many tries in all
    backoff: float = 0.5  # first wait; doubled after each failure, with +-25 % jitter
    max_backoff: float = 8.0
    flood_waits: int = 5  # RetryAfter answers accepted for one message
    max_flood_wait: float = 120.0  # a longer flood wait is a failure: staff are told instead


DEFAULT = Policy()


async def post_message(bot: Bot, chat_id: int | str, text: str, **options: Any) -> int:
    """``bot.send_message``, returning the new message's id.

    Example: ``await post_message(bot, 42, "Hi", reply_markup=keyboard)``
    """
    return (await bot.send_message(chat_id, text, **options)).message_id


class _Chats:
    """Per-chat send locks and flood-control deadlines, for one event loop."""

    def __init__(self) -> None:
        self.locks: dict[ChatKey, asyncio.Lock] = {}
        self.users: dict[ChatKey, int] = {}
        self.resume_at: dict[ChatKey, float] = {}

    @asynccontextmanager
    async def turn(self, chat: ChatKey):
        """One send at a time per chat: replies keep their order, and a flood wait holds only it."""
        lock = self.locks.setdefault(chat, asyncio.Lock())
        self.users[chat] = self.users.get(chat, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self.users[chat] -= 1
            if not self.users[chat]:  # forget idle chats: memory stays bounded
                del self.users[chat], self.locks[chat]
                if self.resume_at.get(chat, 0.0) <= time.monotonic():
                    self.resume_at.pop(chat, None)

    async def wait(self, chat: ChatKey) -> None:
        delay = self.resume_at.get(chat, 0.0) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def defer(self, chat: ChatKey, seconds: float) -> None:
        self.resume_at[chat] = max(self.resume_at.get(chat, 0.0), time.monotonic() + seconds)


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Chats] = weakref.WeakKeyDictionary()


def _chats() -> _Chats:
    loop = asyncio.get_running_loop()
    if loop not in _by_loop:
        _by_loop[loop] = _Chats()
    return _by_loop[loop]


def flood_deadline(chat: ChatKey) -> float:
    """Seconds until ``chat`` may be written to again (0 when it is not throttled)."""
    return max(0.0, _chats().resume_at.get(chat, 0.0) - time.monotonic())


def _seconds(retry_after: int | float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


def _retry_after(exc: RetryAfter) -> float:
    # PTB 22 warns that the attribute becomes a timedelta; both forms are handled.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return _seconds(exc.retry_after)


def _retryable(exc: TelegramError) -> bool:
    """Network trouble and server errors are worth another try; refusals are not."""
    if isinstance(exc, BadRequest | Forbidden | InvalidToken | ChatMigrated):
        return False
    return isinstance(exc, NetworkError)


async def attempt(
    call: Callable[[], Awaitable[T]], *, chat_id: ChatKey = None, policy: Policy = DEFAULT
) -> T:
    """Run one Bot API call for ``chat_id`` with retries; the last error is raised if all fail.

    Example: ``await attempt(lambda: bot.send_message(42, "hi"), chat_id=42)``
    """
    chats = _chats()
    failures = floods = 0
    async with chats.turn(chat_id):
        while True:
            await chats.wait(chat_id)
            try:
                return await call()
            except RetryAfter as exc:
                wait = _retry_after(exc)
                floods += 1
                if floods > policy.flood_waits or wait > policy.max_flood_wait:
                    raise
                log.info("flood control on chat %s: waiting %.1f s", chat_id, wait)
                chats.defer(chat_id, wait)
            except TelegramError as exc:
                failures += 1
                if not _retryable(exc) or failures >= policy.attempts:
                    raise
                delay = min(policy.max_backoff, policy.backoff * 2 ** (failures - 1))
                delay *= random.uniform(0.75, 1.25)
                log.info("sending to chat %s failed (%s); retry in %.1f s", chat_id, exc, delay)
                await asyncio.sleep(delay)


def clean(text: str) -> str:
    """Outgoing text without the control characters Telegram refuses; newlines and tabs stay."""
    return CONTROL.sub("", text)


def split(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut plain text into Telegram-sized parts, at a paragraph, line or word end when possible.

    Example: ``split("a" * 5000)`` gives two parts of 4,096 and 904 characters.
    """
    parts = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:  # no good break point: a hard cut beats a tiny part
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text.strip():
        parts.append(text)
    return parts


def plain(text: str) -> str:
    """HTML parse-mode text as the official would read it (tags dropped, entities decoded)."""
    return html.unescape(TAG.sub("", text))


def describe(exc: TelegramError) -> str:
    """A short reason for the delivery log and for staff (never the token: PTB messages hold none)."""
    if isinstance(exc, Forbidden):
        return f"the official has blocked the bot ({exc.message})"[:200]
    if isinstance(exc, RetryAfter):
        return f"flood control: Telegram asked to wait {_retry_after(exc):.0f} s"
    return f"{type(exc).__name__}: {exc.message}"[:200]


async def send_or_error(
    bot: Bot,
    chat_id: int | str,
    text: str,
    *,
    policy: Policy = DEFAULT,
    **kwargs: Any,
) -> tuple[Message | None, str | None]:
    """:func:`send`, also returning why it failed (``(message, None)`` or ``(None, reason)``)."""
    text = clean(text)
    parse_mode = kwargs.get("parse_mode")
    if parse_mode and len(plain(text)) > MessageLimit.MAX_TEXT_LENGTH:
        # Cutting HTML could split a tag; the whole text as plain parts loses only the formatting.
        text, parse_mode = plain(text), None
        kwargs.pop("parse_mode")
    parts = [text] if parse_mode else split(text)
    if not parts:
        return None, "empty message"
    markup = kwargs.pop("reply_markup", None)
    sent: Message | None = None
    for number, part in enumerate(parts, 1):
        extra = dict(kwargs, reply_markup=markup) if number == len(parts) else kwargs
        try:
            sent = await attempt(
                lambda part=part, extra=extra: bot.send_message(chat_id, part, **extra),
                chat_id=chat_id,
                policy=policy,
            )
        except BadRequest as exc:
            if not parse_mode or "parse" not in exc.message.lower():
                log.warning("message to chat %s not delivered: %s", chat_id, describe(exc))
                return None, describe(exc)
            # Broken markup must not cost the official the answer: send it as plain text.
            log.warning("chat %s: %s; sent as plain text", chat_id, exc.message)
            plain_kwargs = {k: v for k, v in extra.items() if k != "parse_mode"}
            return await send_or_error(bot, chat_id, plain(part), policy=policy, **plain_kwargs)
        except TelegramError as exc:
            log.warning("message to chat %s not delivered: %s", chat_id, describe(exc))
            return None, describe(exc)
    return sent, None


async def send_file_or_error(
    bot: Bot,
    chat_id: int | str,
    kind: str,
    file_id: str,
    caption: str = "",
    *,
    policy: Policy = DEFAULT,
    **kwargs: Any,
) -> tuple[Message | None, str | None]:
    """Send a file Telegram already holds (by its file id: nothing is downloaded, and unlike a
    forward the sender's account is not shown), with ``caption``; a caption over Telegram's 1,024
    characters follows as a message of its own. Returns ``(message, None)`` or ``(None, reason)``.

    Example: ``await send_file_or_error(bot, 42, "document", "BQAC...", "The draft, annotated.")``
    """
    senders = {
        "document": bot.send_document,
        "photo": bot.send_photo,
        "voice": bot.send_voice,
        "audio": bot.send_audio,
        "video": bot.send_video,
    }
    caption = clean(caption)
    fits = len(caption) <= MessageLimit.CAPTION_LENGTH
    try:
        sent = await attempt(
            lambda: senders[kind](chat_id, file_id, caption=caption if fits else None, **kwargs),
            chat_id=chat_id,
            policy=policy,
        )
    except TelegramError as exc:
        log.warning("file to chat %s not delivered: %s", chat_id, describe(exc))
        return None, describe(exc)
    if not fits:
        return await send_or_error(bot, chat_id, caption, policy=policy)
    return sent, None


async def send(
    bot: Bot, chat_id: int | str, text: str, *, policy: Policy = DEFAULT, **kwargs: Any
) -> Message | None:
    """Send ``text`` (split if over 4,096 characters); the last message, or None if it failed.

    Keyword arguments go to ``bot.send_message`` (``parse_mode``, ``reply_markup`` on the last
    part, ...). Failures are logged, never raised.

    Example: ``if await send(bot, 42, "Hello") is None: ...``
    """
    message, _ = await send_or_error(bot, chat_id, text, policy=policy, **kwargs)
    return message


async def reply(
    bot: Bot,
    desk: Desk,
    chat_id: int | str,
    text: str,
    *,
    query_id: int | None = None,
    message_id: int | None = None,
    policy: Policy = DEFAULT,
    **kwargs: Any,
) -> Message | None:
    """:func:`send`, then record on the query row (``query_id``) or ticket message (``message_id``)
    whether it reached the official. An undelivered reply shows in the staff's /queue.

    Example: ``await reply(bot, desk, chat_id, answer.text, query_id=answer.query_id)``
    """
    message, error = await send_or_error(bot, chat_id, text, policy=policy, **kwargs)
    await record(desk, query_id=query_id, message_id=message_id, error=error)
    return message


async def record(
    desk: Desk, *, query_id: int | None = None, message_id: int | None = None, error: str | None
) -> None:
    """Write the delivery outcome; off the event loop, as every database call."""
    if query_id is not None:
        await asyncio.to_thread(desk.mark_delivery, query_id, delivered=error is None, error=error)
    if message_id is not None:
        await asyncio.to_thread(
            desk.mark_message_delivery, message_id, delivered=error is None, error=error
        )


class DeliveredMarks:
    """Delivered replies recorded in batches: one UPDATE for every reply sent meanwhile.

    Marking each reply on its own costs a worker-thread hop and a transaction per question. Here
    a reply's mark is queued and written at once if no write is running; marks that arrive while
    one runs go together in the next. The query row itself is committed before the reply is sent,
    so a crash loses at most the "delivered" marks of the last moment, never a query. Failures
    are not queued: callers write them at once with ``desk.mark_delivery``.

    Example::

        marks = DeliveredMarks(desk)
        marks.add(reply.query_id)      # after a successful send
        await marks.flush()            # on shutdown
    """

    def __init__(self, desk: Desk, *, run: DeskRunner = asyncio.to_thread) -> None:
        self.desk = desk
        self.run = run
        self.pending: list[tuple[int, datetime]] = []
        self.writer: asyncio.Task[None] | None = None

    def add(self, query_id: int) -> None:
        self.pending.append((query_id, utcnow()))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                await self.run(self.desk.mark_delivered, batch)
            except Exception:  # the replies went out; only their marks are missing
                log.exception("could not mark %d delivered replies", len(batch))

    async def flush(self) -> None:
        """Wait for the marks queued so far to be written (at shutdown)."""
        if self.writer is not None:
            await self.writer
        await self._write()


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently, those of one chat in arrival order.

    With python-telegram-bot's default (one update at a time) a flood wait or a slow send for one
    official would hold up every other official.

    Example: ``Application.builder().concurrent_updates(ChatOrderedProcessor(64))``
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = getattr(getattr(update, "effective_chat", None), "id", None)
        if chat is None:  # jobs, errors: nothing to keep in order
            await coroutine
            return
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._users[chat] = self._users.get(chat, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[chat] -= 1
            if not self._users[chat]:
                del self._users[chat], self._locks[chat]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: the Application waits for running updates before shutting down."""


class RedactToken(logging.Filter):
    """Replace the bot token in every log record (messages, arguments, tracebacks).

    httpx and python-telegram-bot put request URLs, which contain the token, in some messages.

    Example: ``protect_logs(settings.telegram_token)``
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def protect_logs(token: str | None) -> None:
    """Install :class:`RedactToken` on every handler of the root logger (idempotent)."""
    if not token:
        return
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) and f.token == token for f in handler.filters):
            handler.addFilter(RedactToken(token))


__all__ = [
    "DEFAULT",
    "ChatOrderedProcessor",
    "DeliveredMarks",
    "Policy",
    "attempt",
    "clean",
    "post_message",
    "protect_logs",
    "record",
    "reply",
    "send",
    "send_or_error",
    "split",
]


def sent_file(message: Message) -> SentFile | None:
    """The file a Telegram message carries (its largest photo size), or None."""
    if message.document is not None:
        return SentFile("document", message.document.file_id, name=message.document.file_name)
    if message.photo:
        return SentFile("photo", message.photo[-1].file_id)
    for media, kind in (
        (message.voice, "voice"),
        (message.audio, "audio"),
        (message.video, "video"),
    ):
        if media is not None:
            return SentFile(kind, media.file_id)
    return None

"""Sending to Telegram reliably: retries, flood control per chat, and an honest failure.

Every message the help desk sends goes through :func:`send` (or :func:`attempt` for other Bot API
calls). Network errors, time-outs and 5xx answers are retried with exponential back-off; Telegram's
flood control (``RetryAfter``) makes only the chat it concerns wait; a message that finally fails
(blocked bot, bad request, retries exhausted) comes back as ``None`` with a :class:`Failure`: its
``kind`` is what code decides on (a blocked official is not written to again), its ``detail`` the
text recorded as undelivered, where staff see it. Nothing here raises into a handler.

Telegram's limits and flood control are the :class:`Pacer`'s, the rate limiter every Bot API call
of the bot passes through: python-telegram-bot's stock ``AIORateLimiter`` halts *every* request of
the bot on a ``RetryAfter``, so one throttled chat would freeze every official.

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
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar, get_args

from aiolimiter import AsyncLimiter
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
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from ..desk import Desk, SentFile

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


DEFAULT = Policy()


async def post_message(bot: Bot, chat_id: int | str, text: str, **options: Any) -> int:
    """``bot.send_message``, returning the new message's id.

    Example: ``await post_message(bot, 42, "Hi", reply_markup=keyboard)``
    """
    return (await bot.send_message(chat_id, text, **options)).message_id


# Telegram's published limits (core.telegram.org/bots/faq, "My bot is hitting limits"): about
# 30 messages a second in all, and about 20 messages a minute in one group.
BOT_WIDE_PER_SECOND = 30
GROUP_PER_MINUTE = 20
# Of the bot-wide budget's burst, what a post to a group (a card in the staff chat) leaves free
# for officials: an official is waiting for the answer, staff read the card minutes later.
OFFICIALS_RESERVE = 5
# Calls that post a new message into a chat: what the group limit counts.
POSTING = re.compile(r"^(send|copy|forward)", re.IGNORECASE)


class Pacer(BaseRateLimiter[None]):
    """Every Bot API call of the bot passes here (python-telegram-bot's public rate-limiter hook).

    It keeps the bot within Telegram's bot-wide budget and each group's pace, and on a flood-control
    answer (429) it makes only *that chat* wait ``retry_after`` seconds and tries again: the other
    officials are not held up. A wait longer than ``max_flood_wait``, or more than ``flood_waits``
    of them for one call, is raised as the ``RetryAfter`` it is, so the caller can tell staff.
    PTB's stock ``AIORateLimiter`` would pause every chat of the bot on any 429. Posts to groups
    give way to officials: they take the bot-wide budget only while ``officials_reserve`` of its
    burst stays free, so a busy staff chat never delays an answer.

    Example: ``ExtBot(token, rate_limiter=Pacer())``
    """

    def __init__(
        self,
        *,
        per_second: float = BOT_WIDE_PER_SECOND,
        group_per_minute: float = GROUP_PER_MINUTE,
        flood_waits: int = 5,
        max_flood_wait: float = 120.0,
        officials_reserve: int = OFFICIALS_RESERVE,
    ) -> None:
        self.per_second = per_second
        self.officials_reserve = officials_reserve
        self.group_per_minute = group_per_minute
        self.flood_waits = flood_waits
        self.max_flood_wait = max_flood_wait
        self.bot_wide = AsyncLimiter(per_second, 1)
        self.groups: dict[ChatKey, AsyncLimiter] = {}
        self.resume_at: dict[ChatKey, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up: limiters are made on first use."""

    async def shutdown(self) -> None:
        """Forget flood deadlines: a restarted bot learns them again from Telegram."""
        self.resume_at.clear()

    def flood_deadline(self, chat: ChatKey) -> float:
        """Seconds until ``chat`` may be written to again (0 when it is not throttled)."""
        return max(0.0, self.resume_at.get(chat, 0.0) - time.monotonic())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Any:
        """Wait for the chat's flood deadline and the budgets, call, and wait again on a 429."""
        chat: ChatKey = data.get("chat_id")
        floods = 0
        while True:
            delay = self.flood_deadline(chat)
            if delay > 0:
                await asyncio.sleep(delay)
            if POSTING.match(endpoint) and _is_group(chat):
                await self._group(chat).acquire()
                await self._give_way()
            await self.bot_wide.acquire()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _retry_after(exc)
                floods += 1
                if floods > self.flood_waits or wait > self.max_flood_wait:
                    raise
                log.info("flood control on chat %s: waiting %.1f s", chat, wait)
                self.resume_at[chat] = max(self.resume_at.get(chat, 0.0), time.monotonic() + wait)
            finally:
                if self.resume_at.get(chat, 0.0) <= time.monotonic():
                    self.resume_at.pop(chat, None)  # memory stays bounded by throttled chats

    async def _give_way(self) -> None:
        """Wait until the bot-wide budget has room for one post and the officials' reserve."""
        # aiolimiter has no priorities: a short poll, only while the budget is nearly spent.
        while not self.bot_wide.has_capacity(1 + self.officials_reserve):
            await asyncio.sleep(1 / self.per_second)

    def _group(self, chat: ChatKey) -> AsyncLimiter:
        if chat not in self.groups:
            self.groups[chat] = AsyncLimiter(self.group_per_minute, 60)
        return self.groups[chat]


def _is_group(chat: ChatKey) -> bool:
    """Groups, supergroups and channels have negative ids (or an @username); officials' chats not."""
    return isinstance(chat, str) or (isinstance(chat, int) and chat < 0)


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
    """Run one Bot API call with retries on network trouble; the last error is raised if all fail.

    Flood control (429) is the :class:`Pacer`'s: a ``RetryAfter`` reaching here is final.

    Example: ``await attempt(lambda: bot.send_message(42, "hi"), chat_id=42)``
    """
    failures = 0
    while True:
        try:
            return await call()
        except RetryAfter:
            raise
        except TelegramError as exc:
            failures += 1
            if not _retryable(exc) or failures >= policy.attempts:
                raise
            delay = min(policy.max_backoff, policy.backoff * 2 ** (failures - 1))
            delay *= random.uniform(0.75, 1.25)
            log.info("sending to chat %s failed (%s); retry in %.1f s", chat_id, exc, delay)
            await asyncio.sleep(delay)


def esc(text: object) -> str:
    """Text (an official's, staff's or the knowledge base's) made safe for Telegram's HTML parse
    mode: the one escaping helper of the help desk.

    Example: ``esc("<b> & co")`` -> ``"&lt;b&gt; &amp; co"``
    """
    return html.escape(str(text), quote=False)


def clean(text: str) -> str:
    """Outgoing text without the control characters Telegram refuses; newlines and tabs stay."""
    return CONTROL.sub("", text)


def split(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut plain text into Telegram-sized parts: at a paragraph end if one falls in the second
    half of the part, else at a line end, else at a word end, else (one very long word) hard.
    An answer's paragraphs, a list's lines (tickets, entries) stay whole wherever they fit.
    The one splitter of the help desk: answers, relays and staff lists all use it.

    Example: ``split("a" * 5000)`` gives two parts of 4,096 and 904 characters.
    """
    parts = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for mark in ("\n\n", "\n", " "):
            cut = window.rfind(mark)
            if cut >= limit // 2:
                break
        if cut < limit // 2:  # no good break point: a hard cut beats a tiny part
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
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


FailureKind = Literal["blocked", "gone", "flood", "bad_request", "network", "other", "empty"]
FAILURE_KINDS: tuple[FailureKind, ...] = get_args(FailureKind)
# Telegram's description of a chat that does not exist (any more) for the bot.
CHAT_GONE = ("chat not found", "user not found")


@dataclass(frozen=True)
class Failure:
    """Why a message did not reach its chat: ``kind`` for code to decide on, ``detail`` for people.

    - ``blocked``: the official blocked the bot (Telegram's 403 Forbidden); final.
    - ``gone``: the chat does not exist for the bot any more (400 "chat not found", a group
      migrated to a supergroup); final.
    - ``flood``: Telegram's flood control asked for a longer wait than the :class:`Pacer` allows.
    - ``bad_request``: Telegram refused this message (400: too long, bad markup, ...).
    - ``network``: network trouble, time-outs or 5xx answers, retries exhausted.
    - ``other``: any other refusal (an invalid token, a conflict).
    - ``empty``: nothing to send.

    ``detail`` is the short reason stored with an undelivered message and shown to staff.

    Example::

        sent, failure = await send_or_failure(bot, chat_id, text)
        if failure is not None and failure.final:
            ...  # do not try this chat again
    """

    kind: FailureKind
    detail: str

    @property
    def final(self) -> bool:
        """The chat cannot be reached: trying again later would fail the same way."""
        return self.kind in ("blocked", "gone")

    def __str__(self) -> str:
        return self.detail

    @classmethod
    def of(cls, exc: TelegramError) -> Failure:
        """The failure python-telegram-bot's exception stands for (its class decides the kind).

        Example: ``Failure.of(Forbidden("Forbidden: bot was blocked by the user")).kind`` is
        ``"blocked"``.
        """
        return cls(_kind(exc), describe(exc))


def _kind(exc: TelegramError) -> FailureKind:
    if isinstance(exc, Forbidden):
        return "blocked"
    if isinstance(exc, ChatMigrated):
        return "gone"
    if isinstance(exc, RetryAfter):
        return "flood"
    if isinstance(exc, BadRequest):  # before NetworkError: PTB derives BadRequest from it
        # Telegram tells a vanished chat from a refused message only by its description.
        return "gone" if any(gone in exc.message.lower() for gone in CHAT_GONE) else "bad_request"
    if isinstance(exc, NetworkError):  # TimedOut, connection errors, 5xx answers
        return "network"
    return "other"


async def send_or_failure(
    bot: Bot,
    chat_id: int | str,
    text: str,
    *,
    policy: Policy = DEFAULT,
    **kwargs: Any,
) -> tuple[Message | None, Failure | None]:
    """:func:`send`, also returning why it failed: ``(message, None)`` or ``(None, failure)``.

    Example: ``sent, failure = await send_or_failure(bot, 42, "Hello")``
    """
    text = clean(text)
    parse_mode = kwargs.get("parse_mode")
    if parse_mode and len(plain(text)) > MessageLimit.MAX_TEXT_LENGTH:
        # Cutting HTML could split a tag; the whole text as plain parts loses only the formatting.
        text, parse_mode = plain(text), None
        kwargs.pop("parse_mode")
    parts = [text] if parse_mode else split(text)
    if not parts:
        return None, Failure("empty", "empty message")
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
                return None, Failure.of(exc)
            # Broken markup must not cost the official the answer: send it as plain text.
            log.warning("chat %s: %s; sent as plain text", chat_id, exc.message)
            plain_kwargs = {k: v for k, v in extra.items() if k != "parse_mode"}
            return await send_or_failure(bot, chat_id, plain(part), policy=policy, **plain_kwargs)
        except TelegramError as exc:
            log.warning("message to chat %s not delivered: %s", chat_id, describe(exc))
            return None, Failure.of(exc)
    return sent, None


async def reply_to(message: Message, text: str, **kwargs: Any) -> Message | None:
    """Send ``text`` in ``message``'s chat (its forum topic, if any) the way every message goes:
    cleaned, split, retried, plain text if the HTML is refused; None if it failed (logged).
    What handlers use instead of ``message.reply_text``, which has none of that.

    Example: ``await reply_to(update.effective_message, "No open tickets.")``
    """
    if message.is_topic_message and message.message_thread_id is not None:
        kwargs.setdefault("message_thread_id", message.message_thread_id)
    sent, _ = await send_or_failure(message.get_bot(), message.chat_id, text, **kwargs)
    return sent


async def send_file_or_failure(
    bot: Bot,
    chat_id: int | str,
    kind: str,
    file_id: str,
    caption: str = "",
    *,
    policy: Policy = DEFAULT,
    **kwargs: Any,
) -> tuple[Message | None, Failure | None]:
    """Send a file Telegram already holds (by its file id: nothing is downloaded, and unlike a
    forward the sender's account is not shown), with ``caption``; a caption over Telegram's 1,024
    characters follows as a message of its own. Returns ``(message, None)`` or
    ``(None, failure)``.

    Example: ``await send_file_or_failure(bot, 42, "document", "BQAC...", "The draft, annotated.")``
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
        return None, Failure.of(exc)
    if not fits:
        return await send_or_failure(bot, chat_id, caption, policy=policy)
    return sent, None


async def send(
    bot: Bot, chat_id: int | str, text: str, *, policy: Policy = DEFAULT, **kwargs: Any
) -> Message | None:
    """Send ``text`` (split if over 4,096 characters); the last message, or None if it failed.

    Keyword arguments go to ``bot.send_message`` (``parse_mode``, ``reply_markup`` on the last
    part, ...). Failures are logged, never raised.

    Example: ``if await send(bot, 42, "Hello") is None: ...``
    """
    message, _ = await send_or_failure(bot, chat_id, text, policy=policy, **kwargs)
    return message


class DeliveredMarks:
    """Delivered replies recorded in batches: one UPDATE for every reply sent meanwhile.

    Marking each reply on its own costs a worker-thread hop and a transaction per question. Here
    a reply's mark is queued and written at once if no write is running; marks that arrive while
    one runs go together in the next. The query row itself is committed before the reply is sent,
    so a crash loses at most the "delivered" marks of the last moment, never a query. Failures
    are not queued: callers write them at once with ``desk.mark_delivery``.

    Example::

        marks = DeliveredMarks(desk, run=runner)
        marks.add(reply.query_id)      # after a successful send
        await marks.flush()            # on shutdown
    """

    def __init__(self, desk: Desk, *, run: DeskRunner) -> None:
        self.desk = desk
        self.run = run
        self.pending: list[tuple[int, datetime]] = []
        self.writer: asyncio.Task[None] | None = None

    def add(self, query_id: int) -> None:
        self.pending.append((query_id, datetime.now(UTC)))
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
    "FAILURE_KINDS",
    "DeliveredMarks",
    "Failure",
    "FailureKind",
    "Pacer",
    "Policy",
    "attempt",
    "clean",
    "post_message",
    "protect_logs",
    "send",
    "send_file_or_failure",
    "send_or_failure",
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

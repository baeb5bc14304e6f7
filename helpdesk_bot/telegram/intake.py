"""Durable intake: every Telegram update is in the database before Telegram is told it arrived.

Telegram forgets an update once the bot confirms it: in long polling by asking for the next
offset, in webhook mode by answering the POST with 200. A bot killed between that confirmation
and logging the question would lose it for good. So here:

- **Polling**: a batch from ``getUpdates`` is stored in the inbox (``Desk.take_in``, one
  transaction) and only then is its offset confirmed, by the next ``getUpdates``.
- **Webhook**: a small aiohttp server checks Telegram's secret token, stores the update and only
  then answers 200 (python-telegram-bot's own server answers before the update is handled).
- Each stored update goes to the python-telegram-bot Application and is marked handled once its
  handlers finish. One chat's updates are handled one at a time, in order, and an update waits for
  its chat *before* it takes one of the Application's slots: a chat held up (a flood wait, a
  burst) keeps its own updates waiting, never another official's. At start, and every ``retry_every`` seconds, the updates a crash or a database
  error left unhandled are handled again: at least once. A question already logged is not logged
  again (``Desk.ask(update_id=...)``); only a reply sent but not yet marked delivered can go out
  twice.
- If the database cannot store an update, the update is not confirmed: Telegram keeps it (and
  sends it again: the next ``getUpdates``, or its webhook retries). Telegram's queue is the spool;
  nothing is written to disk beside the database.

Example::

    intake = intake_of(build_application(settings, desk))
    asyncio.run(intake.serve_polling())          # until SIGTERM or intake.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import socket
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from ..desk import Arrival, DatabaseFailure, Desk
from .sending import DeskRunner

log = logging.getLogger(__name__)

# Where build_application keeps the intake (Application.bot_data is python-telegram-bot's public
# store for application-wide objects).
INTAKE = "helpdesk.intake"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POLL_TIMEOUT = 10  # seconds a long poll waits for updates
# Updates taken in but not yet handled, at most: polling pauses beyond this (the rest wait,
# unconfirmed, at Telegram).
BACKLOG = 1000
# How often unhandled updates (a database error) are tried again, and how long an update must
# have been untouched first: in webhook mode several processes may share the database, and a
# row another process is still handling is not taken from it.
RETRY_EVERY = 30.0
LEASE = timedelta(minutes=2)
MAX_BACKOFF = 30.0


class ChatTurns:
    """One turn at a time per chat, in arrival order (asyncio's locks are fair); idle chats are
    forgotten, so memory stays bounded by the chats with work in hand.

    Example: ``async with turns.turn(chat_id): ...``
    """

    def __init__(self) -> None:
        self.locks: dict[int | None, asyncio.Lock] = {}
        self.users: dict[int | None, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, chat: int | None) -> AsyncIterator[None]:
        """Wait for ``chat``'s turn (no wait for updates without a chat)."""
        if chat is None:
            yield
            return
        lock = self.locks.setdefault(chat, asyncio.Lock())
        self.users[chat] = self.users.get(chat, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self.users[chat] -= 1
            if not self.users[chat]:
                del self.users[chat], self.locks[chat]


def _chat_of(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None else None


class Intake:
    """Takes Telegram updates into the inbox and hands them to the Application."""

    def __init__(
        self,
        application: Application,
        desk: Desk,
        *,
        run: DeskRunner,
        flush_first: Callable[[], Awaitable[None]] | None = None,
        retry_every: float = RETRY_EVERY,
        lease: timedelta = LEASE,
    ) -> None:
        """``flush_first``: written before updates are marked handled (the delivered marks)."""
        self.application = application
        self.desk = desk
        self.run = run
        self.flush_first = flush_first
        self.retry_every = retry_every
        self.lease = lease
        self.taker: str | None = None  # this process, as the inbox names it
        self.in_flight: set[int] = set()
        self.retried: set[int] = set()  # taken back from the inbox: the official was told once
        self.database_failed: set[int] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.handled: list[int] = []
        self.marker: asyncio.Task[None] | None = None
        self.chats = ChatTurns()
        self._stop: asyncio.Event | None = None

    # -- handling ------------------------------------------------------------------------------
    async def note_failure(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Error handler: a database failure keeps the update to be tried again."""
        if not isinstance(update, Update) or not isinstance(context.error, DatabaseFailure):
            return
        self.database_failed.add(update.update_id)
        if update.update_id in self.retried:
            # The official was told after the first failure; the next error handlers are not run.
            log.warning("update %s failed again: %r", update.update_id, context.error)
            raise ApplicationHandlerStop

    def dispatch(self, update: Update) -> None:
        """Hand a stored update to the Application (its chat's updates keep their order)."""
        self.in_flight.add(update.update_id)  # at once: a retry must not take it meanwhile
        task = asyncio.get_running_loop().create_task(self._handle(update))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _handle(self, update: Update) -> None:
        app = self.application
        try:
            async with self.chats.turn(_chat_of(update)):
                await app.update_processor.process_update(update, app.process_update(update))
        finally:
            self.in_flight.discard(update.update_id)
        if update.update_id in self.database_failed:
            self.database_failed.discard(update.update_id)
            return  # stays unhandled in the inbox: tried again when the database answers
        self.retried.discard(update.update_id)
        self.handled.append(update.update_id)
        if self.marker is None or self.marker.done():
            self.marker = asyncio.get_running_loop().create_task(self._mark_handled())

    async def _mark_handled(self) -> None:
        """Mark finished updates handled, in batches (one UPDATE for all finished meanwhile)."""
        while self.handled:
            batch, self.handled = self.handled, []
            try:
                if self.flush_first is not None:
                    await self.flush_first()  # "delivered" is on the query before "handled"
                await self.run(self.desk.mark_handled, batch)
            except Exception:  # they stay unhandled: taken back later, not logged twice
                log.exception("could not mark %d updates handled", len(batch))

    async def take_back(self, *, untouched_for: timedelta, own: bool = False) -> int:
        """Handle again the unhandled updates untouched for that long (``own``: and those this
        process's name last took, at start); how many."""
        taken = await self.run(
            self.desk.take_back,
            untouched_for=untouched_for,
            leave=frozenset(self.in_flight),
            taker=self.taker if own else None,
        )
        for update_id, raw in taken:
            try:
                update = Update.de_json(json.loads(raw), self.application.bot)
            except (ValueError, TypeError, KeyError) as exc:
                log.error("inbox update %s cannot be read (%s); dropped", update_id, exc)
                await self.run(self.desk.mark_handled, [update_id])
                continue
            self.retried.add(update_id)
            self.dispatch(update)
        if taken:
            log.info("handling %d updates again that were stored but not handled", len(taken))
        return len(taken)

    async def _retry(self) -> None:
        """Every ``retry_every`` seconds: updates left by a database error; old handled rows."""
        while True:
            await asyncio.sleep(self.retry_every)
            try:
                await self.take_back(untouched_for=self.lease)
                await self.run(self.desk.purge_inbox)
            except DatabaseFailure as exc:
                log.warning("inbox: the database is still unavailable (%s)", exc)

    async def _admit(self, updates: list[Update]) -> bool:
        """Store updates; hand over those not stored before. False if the database failed."""
        try:
            arrivals = [arrival(u) for u in updates]
            fresh = set(await self.run(self.desk.take_in, arrivals, taker=self.taker))
        except DatabaseFailure as exc:
            log.warning(
                "could not store %d updates (%s); not confirmed to Telegram, which sends them "
                "again",
                len(updates),
                exc,
            )
            return False
        for update in updates:
            if update.update_id in fresh:
                self.dispatch(update)
        return True

    # -- polling -------------------------------------------------------------------------------
    async def _poll(self, allowed_updates: list[str] | None, timeout: int) -> None:
        """Long polling; an offset is confirmed only after its updates are stored."""
        bot = self.application.bot
        offset: int | None = None
        failures = 0
        while True:
            while len(self.tasks) >= BACKLOG:
                await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=timeout, allowed_updates=allowed_updates
                )
            except InvalidToken:
                raise
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc))
                continue
            except TelegramError as exc:
                failures += 1
                delay = min(MAX_BACKOFF, 0.5 * 2**failures)
                log.warning("getUpdates failed (%s); again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            if not updates:
                failures = 0
                continue
            if await self._admit(list(updates)):
                failures = 0
                offset = updates[-1].update_id + 1
            else:
                failures += 1
                await asyncio.sleep(min(MAX_BACKOFF, 0.5 * 2**failures))

    async def serve_polling(
        self,
        *,
        allowed_updates: list[str] | None = None,
        poll_timeout: int = POLL_TIMEOUT,
        handle_signals: bool = True,
        started: Callable[[], None] | None = None,
    ) -> None:
        """Run the bot with long polling until :meth:`stop` (or SIGTERM/SIGINT)."""
        # One process polls a bot (Telegram refuses a second): every unhandled row is ours.
        self.taker = "polling"
        await self._serve(
            lambda: self._poll(allowed_updates, poll_timeout),
            take_back_after=timedelta(0),
            handle_signals=handle_signals,
            started=started,
        )

    # -- webhook -------------------------------------------------------------------------------
    async def serve_webhook(
        self,
        *,
        listen: str,
        port: int,
        url_path: str,
        webhook_url: str,
        secret: str,
        allowed_updates: list[str] | None = None,
    ) -> None:
        """Run the webhook server until :meth:`stop` (or SIGTERM/SIGINT)."""
        # Other processes may serve the same URL from the same database: at start this one takes
        # back the rows it took itself in its last life, and others' only once stale.
        self.taker = f"{socket.gethostname()}:{port}"[:100]
        await self._serve(
            lambda: self._listen(listen, port, url_path, webhook_url, secret, allowed_updates),
            take_back_after=self.lease,
        )

    async def _listen(
        self,
        listen: str,
        port: int,
        url_path: str,
        webhook_url: str,
        secret: str,
        allowed_updates: list[str] | None,
    ) -> None:
        server = web.Application()
        server.router.add_post("/" + url_path.lstrip("/"), self._receiver(secret))
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, listen, port).start()
            # Listening first: Telegram may post as soon as the webhook is set.
            await self.application.bot.set_webhook(
                webhook_url, secret_token=secret, allowed_updates=allowed_updates
            )
            await asyncio.Event().wait()  # until cancelled by stop
        finally:
            await runner.cleanup()

    def _receiver(self, secret: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        expected = secret.encode()

        async def receive(request: web.Request) -> web.Response:
            """Telegram's POST: refused without the secret; 200 only once the update is stored."""
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, expected):
                return web.Response(status=403)
            try:
                update = Update.de_json(await request.json(), self.application.bot)
            except (ValueError, TypeError, KeyError):
                return web.Response(status=400)
            if not isinstance(update, Update):
                return web.Response(status=400)
            if not await self._admit([update]):
                return web.Response(status=503)  # Telegram delivers it again later
            return web.Response(status=200)

        return receive

    # -- the lifecycle -------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop receiving, finish the updates in hand, and return from ``serve_*``."""
        if self._stop is not None:
            self._stop.set()

    async def _serve(
        self,
        receive: Callable[[], Awaitable[None]],
        *,
        take_back_after: timedelta,
        handle_signals: bool = True,
        started: Callable[[], None] | None = None,
    ) -> None:
        """python-telegram-bot's run_polling/run_webhook sequence, with the intake as the source."""
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        if handle_signals:
            for number in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(number, self.stop)
        app = self.application
        await app.initialize()
        try:
            if app.post_init:
                await app.post_init(app)
            await app.start()
            await self.take_back(untouched_for=take_back_after, own=True)  # a crash's, first
            receiving = loop.create_task(receive())
            retrying = loop.create_task(self._retry())
            if started is not None:
                started()
            stopping = loop.create_task(self._stop.wait())
            await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in (receiving, retrying, stopping):
                task.cancel()
            await asyncio.gather(receiving, retrying, stopping, return_exceptions=True)
            await self._finish()
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        finally:
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)
            if handle_signals:
                for number in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(number)
        if not receiving.cancelled() and receiving.exception() is not None:
            raise receiving.exception()  # type: ignore[misc]

    async def _finish(self) -> None:
        """Let the updates in hand finish, then write their marks."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        if self.marker is not None:
            await self.marker
        await self._mark_handled()


def arrival(update: Update) -> Arrival:
    """An update as the inbox stores it: its id, its sender, its JSON."""
    user = update.effective_user
    return Arrival(update.update_id, user.id if user else None, update.to_json())


def intake_of(application: Application) -> Intake:
    """The intake ``build_application`` made for this Application."""
    return application.bot_data[INTAKE]


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)

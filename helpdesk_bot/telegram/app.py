"""The python-telegram-bot Application of the help desk, and `helpdesk-bot run`.

Example::

    application = build_application(settings, Desk.from_settings(settings))
    asyncio.run(intake_of(application).serve_polling())
    # or, from the command line: HELPDESK_TELEGRAM_TOKEN=... helpdesk-bot run
"""

from __future__ import annotations

import asyncio
import logging
import sys
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from telegram import (
    Update,
)
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from .. import status, texts
from ..config import Settings
from ..desk import DatabaseError, Desk
from ..register import format_date
from . import sending, staff
from .common import Context
from .intake import INTAKE, Intake, intake_of
from .officials import BUTTONS, OfficialBot

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 16


# How often the bot checks that its SQLite file is still the one it opened.
DATABASE_CHECK_SECONDS = 10


PRIVATE = filters.ChatType.PRIVATE


# What an official may send the Secretariat besides text (a draft bill, a photo, a voice note).
OFFICIALS_FILES = (
    filters.Document.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO
)


async def apply_retention(context: Context) -> None:
    """Erase question text older than HELPDESK_RETENTION_MONTHS (the counts stay)."""
    officials: OfficialBot = context.job.data  # type: ignore[assignment, union-attr]
    erased = await officials.run(officials.desk.apply_retention)
    if erased:
        log.info("retention: erased the text of %d old queries", erased)


async def send_deadline_reminders(context: Context) -> None:
    """Send the deadline reminders whose day has come (daily, and at start-up: none is missed
    by a restart); each is marked sent once Telegram took it, or cancelled when its chat cannot
    be reached any more (a :attr:`sending.Failure.final` failure); any other failure is tried
    again at the next run."""
    officials: OfficialBot = context.job.data  # type: ignore[assignment, union-attr]
    desk, run = officials.desk, officials.run
    for reminder in await run(desk.due_deadline_reminders):
        state = desk.base.states.get(reminder.state_code)
        if state is None:  # the register lost the State: nothing true to say
            await run(desk.mark_deadline_reminder, reminder.id, sent=False)
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
        _, failure = await sending.send_or_failure(context.bot, reminder.chat_id, text)
        if failure is None or failure.final:  # sent, or the official blocked the bot (or left)
            await run(desk.mark_deadline_reminder, reminder.id, sent=failure is None)
        else:
            log.warning("deadline reminder %s not sent (%s); tried again", reminder.id, failure)


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
        rate_limiter=sending.Pacer(),
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
    staff.register(application, desk, settings, officials.run)
    if application.job_queue is not None:  # retention: at start-up, then daily
        # APScheduler cannot start a repeating job "now": a one-off run, then every day.
        jobs = application.job_queue
        jobs.run_once(
            apply_retention, when=1, data=officials, job_kwargs={"misfire_grace_time": None}
        )
        jobs.run_repeating(
            apply_retention, interval=timedelta(days=1), data=officials, name="retention"
        )
        # Deadline reminders: at start-up (what a stopped bot missed), then hourly.
        jobs.run_repeating(
            send_deadline_reminders,
            interval=timedelta(hours=1),
            first=2,
            data=officials,
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
    application: Application, path: Path | None, stopped: list[str], stop: Callable[[], None]
) -> None:
    """Stop the bot if its SQLite file (``path``: ``Desk.database_file``, None for PostgreSQL)
    is deleted or replaced while it runs.

    SQLite keeps writing into a deleted file it has open, and everything written then is gone at
    the next start: better to stop (``stop``) with one line saying why (appended to ``stopped``).
    """
    if path is None or application.job_queue is None:
        return
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
    from ..knowledge import KnowledgeError

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise
    sending.protect_logs(settings.telegram_token)
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
        desk.shown_database_url,
    )
    application = build_application(settings, desk)
    intake = intake_of(application)
    stopped: list[str] = []
    watch_database_file(application, desk.database_file, stopped, intake.stop)
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

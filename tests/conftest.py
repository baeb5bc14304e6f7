"""Shared fixtures: databases (SQLite, and PostgreSQL when HELPDESK_TEST_DATABASE_URL is set),
settings, a desk over the shipped knowledge base.

The PostgreSQL pass uses a scratch database created for this test run and dropped after it, so
concurrent runs never see each other's rows.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from helpdesk_bot.answering import Answerer
from helpdesk_bot.config import Settings
from helpdesk_bot.db import check_schema, connect, make_sessionmaker, upgrade
from helpdesk_bot.desk import Desk, load_base
from helpdesk_bot.knowledge import KnowledgeBase
from helpdesk_bot.referrals import ReferralDirectory
from helpdesk_bot.scope import Scope
from tests.scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
REFERRALS = ROOT / "referrals"
# What staff make in a working tree (FAQ drafts) is not the shipped base: copies leave it out, so
# the tests pass in a checkout where "Turn into FAQ" has been used.
NOT_SHIPPED = shutil.ignore_patterns("drafts")


def knowledge_view(folder: Path) -> Path:
    """The shipped knowledge base seen from ``folder``: a link to each shipped file, and a drafts
    folder of its own, so a test's "Turn into FAQ" or /forget never touches the working tree's
    knowledge/drafts/ (nor sees what staff left there)."""
    view = folder / "shipped-knowledge"
    view.mkdir(exist_ok=True)
    for item in KNOWLEDGE.iterdir():
        if item.name != "drafts" and not (view / item.name).exists():
            (view / item.name).symlink_to(item)
    return view


PG_URL = os.environ.get("HELPDESK_TEST_DATABASE_URL", "").strip()


def pytest_report_header(config):
    if PG_URL:
        return f"PostgreSQL pass: on ({make_url(PG_URL).render_as_string(hide_password=True)})"
    return "PostgreSQL pass: skipped (HELPDESK_TEST_DATABASE_URL is not set)"


@pytest.fixture(scope="session")
def postgres_url():
    """A scratch PostgreSQL database for this run, dropped at the end."""
    if not PG_URL:
        pytest.skip("HELPDESK_TEST_DATABASE_URL is not set")
    with scratch_database(PG_URL) as url:
        yield url


@functools.lru_cache(maxsize=1)
def _migrated_template() -> Path:
    """One SQLite file with the current schema per test run: migrating costs ~0.5 s a test."""
    folder = Path(tempfile.mkdtemp(prefix="helpdesk-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "helpdesk.sqlite3"
    engine = connect(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def migrated_sqlite_url(folder: Path) -> str:
    """A new SQLite file in ``folder`` with the current schema (a copy of the migrated template)."""
    path = folder / "helpdesk.sqlite3"
    shutil.copyfile(_migrated_template(), path)
    return f"sqlite:///{path}"


def _shipped_settings() -> Settings:
    return Settings.from_values(
        {"HELPDESK_KNOWLEDGE_DIR": str(KNOWLEDGE), "HELPDESK_REFERRALS_DIR": str(REFERRALS)}
    )


@functools.lru_cache(maxsize=1)
def shipped_knowledge() -> tuple[KnowledgeBase, ReferralDirectory, Scope]:
    """The shipped knowledge, referrals and scope list, read once per test run."""
    return load_base(_shipped_settings())


def shipped_answerer(**bands: float) -> Answerer:
    """The answerer over ``shipped_knowledge()``, built once per run and bands (~0.3 s a build,
    three times that with the three workers on two cores): it holds no state, desks share it.
    ``bands``: those of ``Settings.bands``, the defaults for any left out."""
    return _answerer(tuple(sorted((_shipped_settings().bands | bands).items())))


@functools.lru_cache(maxsize=4)
def _answerer(bands: tuple[tuple[str, float], ...]) -> Answerer:
    return Answerer(*shipped_knowledge(), **dict(bands))


def is_shipped(folder: Path) -> bool:
    """``folder`` holds the shipped knowledge: it is knowledge/, or a ``knowledge_view`` of it
    with nothing added or replaced (drafts aside, which the base does not read)."""
    if folder == KNOWLEDGE:
        return True
    shipped = {item.name for item in KNOWLEDGE.iterdir() if item.name != "drafts"}
    try:
        seen = [item for item in folder.iterdir() if item.name != "drafts"]
    except OSError:
        return False
    return {item.name for item in seen} == shipped and all(
        item.is_symlink() and item.readlink() == KNOWLEDGE / item.name for item in seen
    )


def open_desk(settings: Settings) -> Desk:
    """``Desk.from_settings(settings)`` over the shipped base, without reading the YAML again
    (and, over the shipped knowledge or a view of it, without indexing it again)."""
    engine = connect(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    check_schema(engine)
    base, referrals, scope = shipped_knowledge()
    return Desk(
        settings,
        base=base,
        referrals=referrals,
        scope=scope,
        sessions=make_sessionmaker(engine),
        answerer=shipped_answerer(**settings.bands) if is_shipped(settings.knowledge_dir) else None,
    )


def _backends():
    return (
        ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)] if PG_URL else ["sqlite"]
    )


@pytest.fixture(params=_backends())
def database_url(request, tmp_path):
    """An empty, migrated database: a SQLite file, then (if configured) PostgreSQL."""
    if request.param == "sqlite":
        yield migrated_sqlite_url(tmp_path)
        return
    url = request.getfixturevalue("postgres_url")
    engine = connect(url)
    upgrade(engine)
    truncate_all(engine)
    engine.dispose()
    yield url


def truncate_all(engine) -> None:
    """Empty every table of the help desk (PostgreSQL), numbering from 1 again."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "TRUNCATE feedback, referrals, ticket_messages, queries, tickets, officials, inbox, "
                "deadline_reminders "
                "RESTART IDENTITY CASCADE"
            )
        )


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings.from_values(
        {
            "HELPDESK_DATABASE_URL": database_url,
            "HELPDESK_KNOWLEDGE_DIR": str(knowledge_view(tmp_path)),
            "HELPDESK_REFERRALS_DIR": str(REFERRALS),
            "HELPDESK_STAFF_IDS": "9001,9002",
            "HELPDESK_STAFF_CHAT_ID": "-100500",
            "HELPDESK_PSEUDONYM_SECRET": "test-secret",
        }
    )


@pytest.fixture
def desk(settings) -> Desk:
    desk = open_desk(settings)
    yield desk
    desk.sessions.kw["bind"].dispose()


@pytest.fixture
def sessions(desk):
    return desk.sessions


@pytest.fixture(scope="session")
def shipped_desk() -> Desk:
    """The shipped knowledge base and referrals, no database (matching only)."""
    answerer = shipped_answerer()
    return Desk(
        _shipped_settings(),
        base=answerer.base,
        referrals=answerer.referrals,
        scope=answerer.scope,
        answerer=answerer,
    )


__all__ = ["KNOWLEDGE", "REFERRALS", "ROOT", "make_sessionmaker"]


# --- Telegram: the loopback Bot API stand-in and the running bot (tests/botapi.py) ---------------


@pytest.fixture(scope="session")
def botapi_server():
    """One stand-in Bot API server for the whole run (a real HTTP server on 127.0.0.1)."""
    from tests.botapi import BotApiServer

    server = BotApiServer().start()
    yield server
    server.stop()


@pytest.fixture
def botapi(botapi_server):
    """The stand-in, emptied of the previous test's calls, updates and faults."""
    botapi_server.reset()
    yield botapi_server
    botapi_server.reset()


@pytest.fixture
def bot_settings(settings, botapi) -> Settings:
    """The test settings pointed at the stand-in (HELPDESK_TELEGRAM_API_URL)."""
    import dataclasses

    return dataclasses.replace(
        settings, telegram_token=botapi.token, telegram_api_url=botapi.base_url
    )


@pytest.fixture
def running_bot(bot_settings, desk, botapi):
    """The real Application of ``build_application`` polling the stand-in from a thread.

    The test fails if any handler raised (the errors reach the application's error handlers).
    """
    yield from running_application(bot_settings, desk)


def running_application(settings: Settings, desk: Desk):
    """Run ``build_application`` on the stand-in for one test; fail it if any handler raised."""
    from helpdesk_bot.telegram.app import build_application
    from tests.botapi import RunningBot

    running = RunningBot(build_application(settings, desk)).start()
    try:
        yield running
    finally:
        running.stop()
    if running.errors:
        pytest.fail(f"a handler raised: {running.errors!r}")


def pytest_collection_modifyitems(config, items):
    """The ``slow`` tests first: with ``--maxschedchunk=1`` (pyproject's addopts) xdist deals the
    tests out one at a time, so the long ones start early on different workers, and no worker is
    left ending the run alone with one of them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: order kept

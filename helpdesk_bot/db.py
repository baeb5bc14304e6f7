"""The database: engine, sessions and schema migrations (Alembic).

Example::

    engine = connect(settings.database_url)
    upgrade(engine)                       # helpdesk-bot db upgrade
    with session_scope(make_sessionmaker(engine)) as session:
        session.add(Official(telegram_id=42))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .errors import DatabaseFailure
from .files import private_file, private_folder

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be used: unreachable, wrong URL, or a schema of another version."""


def connect(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    """Create an engine for ``url``, creating the SQLite file's folder if needed."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"HELPDESK_DATABASE_URL is not a database URL: {shown_url(url)!r}"
        ) from None
    # Errors and logs never carry what officials and staff wrote (SQL parameters).
    kwargs: dict = {"future": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if (path := sqlite_file(parsed)) is not None:
            # Owner-only: the file holds officials' questions (SQLite's -wal and -shm files
            # take the database file's permissions).
            try:
                private_file(private_folder(path.parent) / path.name)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot create the SQLite database {path}: {exc.strerror}"
                ) from None
        # Concurrent bot tasks share one file: wait for locks rather than fail at once.
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseError(
            f"HELPDESK_DATABASE_URL needs a driver that is not installed ({exc}); "
            "for PostgreSQL install the [postgres] extra"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the bot's writes
    cursor.execute("PRAGMA synchronous=NORMAL")
    # /forget and retention must not leave erased text readable in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def shown_url(url: str) -> str:
    """The URL as people may see it (logs, error messages): any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: Callable[[], Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def as_database_failure() -> Iterator[None]:
    """Raise SQLAlchemy's errors inside as :class:`~.errors.DatabaseFailure`, chained from them.

    Around each of the desk's units of work: what leaves the desk is its own exception type,
    and the channels never depend on SQLAlchemy to recognise a database failure.
    """
    try:
        yield
    except SQLAlchemyError as exc:
        raise DatabaseFailure(_first_line(exc)) from exc


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    return script.get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database, or None for an empty database."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot reach the database {shown_url(str(engine.url))}: {_first_line(exc)}"
        ) from None


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or migrate the schema to the newest revision; returns (before, after)."""
    before = current_revision(engine)
    _refuse_newer(before)
    try:
        command.upgrade(alembic_config(engine), "head")
    except SQLAlchemyError as exc:
        raise DatabaseError(f"migration failed: {_first_line(exc)}") from None
    return before, head_revision()


def check_schema(engine: Engine) -> None:
    """Refuse to run on a database that is empty, behind, or from a newer program."""
    revision = current_revision(engine)
    _refuse_newer(revision)
    if revision != head_revision():
        state = "empty" if revision is None else "out of date"
        raise DatabaseError(
            f"the database schema is {state}: run `helpdesk-bot db upgrade` (or `make run`)"
        )


def _refuse_newer(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory(str(MIGRATIONS))
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise DatabaseError(
            f"the database schema (revision {revision}) is newer than this helpdesk-bot; "
            "upgrade the program before using this database"
        )


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

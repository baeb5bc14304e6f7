import pytest
from sqlalchemy import text

from helpdesk_bot.db import (
    DatabaseError,
    check_schema,
    connect,
    current_revision,
    head_revision,
    upgrade,
)


def test_upgrade_creates_schema_and_is_idempotent(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'sub' / 'h.sqlite3'}")
    assert current_revision(engine) is None
    with pytest.raises(DatabaseError, match="empty"):
        check_schema(engine)
    before, after = upgrade(engine)
    assert before is None and after == head_revision()
    assert upgrade(engine) == (head_revision(), head_revision())
    check_schema(engine)


def test_migrated_schema_on_every_backend(database_url):
    engine = connect(database_url)
    check_schema(engine)
    with engine.connect() as connection:
        for table in (
            "officials",
            "queries",
            "tickets",
            "ticket_messages",
            "referrals",
            "feedback",
        ):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
    engine.dispose()


def test_newer_schema_is_refused(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(DatabaseError, match="newer than this helpdesk-bot"):
        check_schema(engine)
    with pytest.raises(DatabaseError, match="newer"):
        upgrade(engine)


def test_unreachable_database_is_one_line():
    engine = connect("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseError) as error:
        check_schema(engine)
    assert "cannot reach the database" in str(error.value)
    assert "\n" not in str(error.value)


def test_bad_url():
    with pytest.raises(DatabaseError, match="not a database URL"):
        connect("not a url at all")

"""A scratch PostgreSQL database: created for one run on a server, dropped after it, so runs
never see each other's rows (the test suite's PostgreSQL pass, benchmarks/bot_throughput.py).

Example::

    with scratch_database("postgresql+psycopg://postgres@127.0.0.1:5432/test") as url:
        engine = connect(url)
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def scratch_database(server_url: str, *, prefix: str = "helpdesk_test") -> Iterator[str]:
    """The URL of a new database on ``server_url``'s server, dropped (its sessions ended) after."""
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

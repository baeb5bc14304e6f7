"""kill -9 in a burst: how many questions are answered, lost and answered twice.

200 officials (one question each) are queued at the loopback Bot API stand-in (tests/botapi.py);
``python -m helpdesk_bot run`` is started, killed with SIGKILL ``--at`` seconds after its first
getUpdates, and started again. Once it is idle, each official is counted:

- answered: got at least one reply; lost: got none; duplicated: replies beyond the first;
- rows: questions in the query log (one per official expected).

    .venv/bin/python benchmarks/kill9.py                       # at 0.05, 0.3 and 1.0 s, SQLite
    .venv/bin/python benchmarks/kill9.py --at 0.3 --officials 500
    .venv/bin/python benchmarks/kill9.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/kill9
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from helpdesk_bot.db import connect, make_sessionmaker, upgrade  # noqa: E402
from helpdesk_bot.models import Official, Query  # noqa: E402
from tests.botapi import BotApiServer, user  # noqa: E402
from tests.process import TOKEN, BotProcess, env_for  # noqa: E402

QUESTION = "How do we ratify the Convention against Torture?"


def replies(api: BotApiServer) -> Counter:
    return Counter(
        c.chat_id
        for c in api.calls_to("sendMessage")
        if c.token == TOKEN and c.status == 200 and (c.chat_id or 0) > 0
    )


def fresh_database(url: str | None, folder: Path, n: int) -> str:
    """A new, migrated database: a SQLite file, or a scratch database on the given server."""
    if url is None:
        url = f"sqlite:///{folder / f'kill9-{n}.sqlite3'}"
    else:
        server = make_url(url)
        name = f"{server.database}_{n}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server.set(database=name).render_as_string(hide_password=False)
    engine = connect(url)
    upgrade(engine)
    engine.dispose()
    return url


def measure(api: BotApiServer, url: str, at: float, officials: int, folder: Path) -> dict:
    env = env_for(api, url, HELPDESK_LOG_LEVEL="WARNING", HELPDESK_RATE_LIMIT="0")
    ids = list(range(30_001, 30_001 + officials))
    for official in ids:
        api.push_message(user(official), text=QUESTION, token=TOKEN)
    bot = BotProcess(api, env, folder / f"kill9-{at}.log").start()
    time.sleep(at)  # the point of the measurement: when the kill lands
    bot.kill()
    before = sum(replies(api).values())
    bot = BotProcess(api, env, folder / f"kill9-{at}.log").start()
    deadline = time.monotonic() + 120
    while set(replies(api)) < set(ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    api.wait_idle(quiet=2.0, timeout=120)
    bot.terminate()
    got = replies(api)
    engine = connect(url)
    with make_sessionmaker(engine)() as session:
        owners = {o.id: o.telegram_id for o in session.scalars(select(Official))}
        rows = Counter(owners.get(q.official_id) for q in session.scalars(select(Query)))
    engine.dispose()
    return {
        "replies before the kill": before,
        "answered": sum(1 for o in ids if got[o]),
        "lost": sum(1 for o in ids if not got[o]),
        "duplicated": sum(max(0, got[o] - 1) for o in ids),
        "rows": sum(rows[o] for o in ids),
        "rows missing": sum(1 for o in ids if not rows[o]),
        "rows twice": sum(max(0, rows[o] - 1) for o in ids),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", type=float, nargs="+", default=[0.05, 0.3, 1.0])
    parser.add_argument("--officials", type=int, default=200)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite files)")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        for n, at in enumerate(args.at):
            url = fresh_database(args.database_url, Path(scratch), n)
            # A stand-in of its own: a long poll the last bot left open would answer the next.
            with BotApiServer() as api:
                figures = measure(api, url, at, args.officials, Path(scratch))
            shown = ", ".join(f"{k} {v}" for k, v in figures.items())
            print(f"kill -9 at {at:.2f} s: {shown}", flush=True)
            failed |= bool(figures["lost"] or figures["rows missing"])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

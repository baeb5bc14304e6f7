"""``helpdesk-bot export queries``: the query log, pseudonymised, streamed as CSV or JSON.

Officials appear only as a keyed hash (HMAC-SHA256 of their random reference with
HELPDESK_PSEUDONYM_SECRET): stable across exports made with the same secret, and not reversible
or linkable without it. Rows are streamed from the database, so memory stays flat for any size.

Example::

    with open("queries.csv", "w", newline="") as out:
        write_csv(iter_queries(session, secret="s3cret"), out)
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import Settings
from .db import check_schema, connect, make_sessionmaker, session_scope
from .files import open_private
from .models import Query

COLUMNS = (
    "id",
    "asked_at",
    "official",
    "language",
    "outcome",
    "entry",
    "score",
    "topic",
    "partner",
    "declined_by",
    "ticket",
    "channel",
    "via",
    "state",
    "region",
    "source",
    "delivery",
    "replied_at",
    "text",
)
BATCH = 10_000
PROGRESS_EVERY = 100_000


def pseudonymiser(secret: str) -> Callable[[str | None], str | None]:
    """A function from an official's reference to their pseudonym (16 hex digits).

    >>> pseudonymiser("s3cret")("4f1c") == pseudonymiser("s3cret")("4f1c")
    True
    """
    key = secret.encode("utf-8")

    # Officials ask many questions: caching the few thousand hashes saves most of the work,
    # and the bounded cache keeps memory flat on any export.
    @lru_cache(maxsize=65_536)
    def pseudonym(ref: str | None) -> str | None:
        if ref is None:
            return None
        return hmac.new(key, ref.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    return pseudonym


def iter_queries(
    session: Session,
    *,
    secret: str,
    text: bool = True,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Iterator[tuple[Any, ...]]:
    """The query log in ``COLUMNS`` order (without ``text`` when ``text=False``), oldest first."""
    pseudonym = pseudonymiser(secret)
    statement = select(
        Query.id,
        Query.asked_at,
        Query.official_ref,
        Query.language,
        Query.outcome,
        Query.entry_id,
        Query.score,
        Query.topic,
        Query.partner_id,
        Query.declined_by,
        Query.ticket_id,
        Query.channel,
        Query.via,
        Query.state_code,
        Query.region,
        Query.source,
        Query.delivery,
        Query.replied_at,
        *([Query.text] if text else []),
    ).order_by(Query.id)
    if date_from is not None:
        statement = statement.where(
            Query.asked_at >= datetime.combine(date_from, time(), tzinfo=UTC)
        )
    if date_to is not None:
        after = datetime.combine(date_to + timedelta(days=1), time(), tzinfo=UTC)
        statement = statement.where(Query.asked_at < after)
    # yield_per streams: a server-side cursor on PostgreSQL, batches of BATCH rows on SQLite.
    result = session.execute(statement.execution_options(yield_per=BATCH))
    for row in result:
        yield (
            row[0],
            _iso(row[1]),
            pseudonym(row[2]),
            *row[3:6],
            round(row[6], 1) if row[6] is not None else None,
            *row[7:17],
            _iso(row[17]),
            *row[18:],
        )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


def _progress(count: int) -> None:
    if count % PROGRESS_EVERY == 0:
        print(f"exported {count:,} queries", file=sys.stderr, flush=True)


def write_csv(rows: Iterator[tuple[Any, ...]], out: TextIO, *, text: bool = True) -> int:
    """Write a header and the rows; returns how many rows were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS if text else COLUMNS[:-1])
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        _progress(count)
    return count


def write_json(rows: Iterator[tuple[Any, ...]], out: TextIO, *, text: bool = True) -> int:
    """A JSON array, one query object a line, written as it is read."""
    columns = COLUMNS if text else COLUMNS[:-1]
    out.write("[")
    count = 0
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False))
        count += 1
        _progress(count)
    out.write("\n]\n" if count else "]\n")
    return count


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    """The file to write, or standard output (left open) when there is none."""
    if path is None:
        yield sys.stdout
        return
    with open_private(path, "w", encoding="utf-8", newline="") as handle:
        yield handle


def _error(message: str) -> int:
    print(f"helpdesk-bot export: {message}", file=sys.stderr)
    return 2


def run_export(settings: Settings, args: Any) -> int:
    """``helpdesk-bot export queries [--format csv|json] [--out FILE] [--no-text]``."""
    if args.what != "queries":
        return _error(f"nothing called {args.what!r} to export; try `export queries`")
    if not settings.pseudonym_secret:
        return _error(
            "HELPDESK_PSEUDONYM_SECRET is not set: it keys the pseudonyms of officials, "
            "so the export refuses to run without it"
        )
    fmt = args.format or "csv"
    if fmt not in ("csv", "json"):
        return _error(f"unknown format {fmt!r}; choose csv or json")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        return _error(f"--from {args.date_from} is after --to {args.date_to}")
    text = not args.no_text
    writer = write_csv if fmt == "csv" else write_json
    out_path: Path | None = args.out
    engine = connect(settings.database_url)
    try:
        check_schema(engine)
        with _output(out_path) as out, session_scope(make_sessionmaker(engine)) as session:
            rows = iter_queries(
                session,
                secret=settings.pseudonym_secret,
                text=text,
                date_from=args.date_from,
                date_to=args.date_to,
            )
            count = writer(rows, out, text=text)
    except OSError as exc:
        return _error(f"cannot write {exc.filename or out_path}: {exc.strerror or exc}")
    finally:
        engine.dispose()
    if out_path is not None:
        print(f"exported {count:,} queries to {out_path}", file=sys.stderr)
    return 0

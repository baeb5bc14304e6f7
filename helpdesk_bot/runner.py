"""Where the synchronous desk's calls run, so the event loop never waits for the database.

SQLite lets one writer in at a time: the desk's calls go to one thread fed by a queue. Under load
the thread takes what has queued up into one transaction, each call in a savepoint of its own (one
call's failure spoils no other) and one commit for all, which costs one fsync instead of many; a
call's result is handed back only after that commit, so a reply never goes out before its log row
is kept. PostgreSQL serves a pool's worth of connections at once: calls go to as many threads,
each its own unit of work.

Example::

    runner = DeskRunner(desk)
    reply = await runner(desk.ask, asker, "How do we ratify?")
    await runner.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from .db import as_database_failure, session_scope
from .errors import DeskError

if TYPE_CHECKING:
    from .desk import Desk

T = TypeVar("T")
log = logging.getLogger(__name__)

BATCH = 32  # calls at most in one SQLite transaction: a burst, not a backlog, shares a commit
_STOP = object()  # queued by close(): the writer ends once what came before it is done


def alone(function: Callable[..., T]) -> Callable[..., T]:
    """Mark a desk method that must commit on its own before it goes on (an erasure that then
    empties SQLite's write-ahead log): the writer never puts it in a batch."""
    function.alone = True  # type: ignore[attr-defined]
    return function


class UnitsOfWork:
    """The desk's units of work: one session per call, in line behind other threads on SQLite
    (``_writer``), or a savepoint of the writer's batch when there is one. The question path
    runs Core statements in it (a row, not an ORM object, where every question pays); the rest
    ORM objects: one style of access, the session.

    A database error inside any of them leaves as ``errors.DatabaseFailure`` (chained from
    SQLAlchemy's): the one type channels catch, whichever thread ran the call.
    """

    sessions: sessionmaker[Session] | None
    _writer: contextlib.AbstractContextManager[Any]
    _batch: threading.local

    @contextlib.contextmanager
    def _session(self) -> Iterator[Session]:
        """One unit of work (in line behind other threads' on SQLite)."""
        if self.sessions is None:
            raise DeskError("this desk has no database")
        batch: Connection | None = getattr(self._batch, "connection", None)
        if batch is None:
            with as_database_failure(), self._writer, session_scope(self.sessions) as session:
                yield session
            return
        # In a batch: the session's commit releases its own savepoint, its rollback returns to it.
        joining = functools.partial(
            Session, bind=batch, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        with as_database_failure(), session_scope(joining) as session:
            yield session

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """One SQLite transaction for the desk calls this thread makes inside it (the writer of
        runner.DeskRunner): each call's unit of work is a savepoint in it; one commit at the end."""
        if self.sessions is None:
            raise DeskError("this desk has no database")
        engine = self.sessions.kw["bind"]
        with (
            as_database_failure(),
            self._writer,
            engine.connect() as connection,
            connection.begin(),
        ):
            # pysqlite opens a transaction only before a write, and a savepoint outside one
            # would commit when released: open it here, taking the write lock at once.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            self._batch.connection = connection
            try:
                yield
            finally:
                self._batch.connection = None


@dataclass
class _Call:
    function: Callable[[], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    alone: bool = False  # a desk method marked @alone: never in a batch
    outcome: tuple[bool, Any] = (False, None)  # (succeeded, result or exception)

    def run(self) -> None:
        try:
            self.outcome = (True, self.function())
        except Exception as exc:  # handed to the caller, who knows what it means
            self.outcome = (False, exc)

    def settle(self) -> None:
        self.loop.call_soon_threadsafe(self._settle)

    def _settle(self) -> None:
        if self.future.done():  # the caller gave up waiting (cancelled at shutdown)
            return
        succeeded, value = self.outcome
        if succeeded:
            self.future.set_result(value)
        else:
            self.future.set_exception(value)


class DeskRunner:
    """Runs the desk's calls off the event loop: ``await runner(function, *args, **kwargs)``."""

    def __init__(self, desk: Desk, *, batch: int = BATCH) -> None:
        self.desk = desk
        self.batch = batch
        self._pool: ThreadPoolExecutor | None = None
        self._queue: queue.SimpleQueue[_Call | object] | None = None
        self._writer: threading.Thread | None = None
        self.batches = 0  # transactions that carried more than one call (the tests read it)
        if desk.single_writer:
            self._queue = queue.SimpleQueue()
            self._writer = threading.Thread(target=self._write, name="desk-writer", daemon=True)
            self._writer.start()
        else:
            self._pool = ThreadPoolExecutor(max_workers=desk.threads, thread_name_prefix="desk")

    async def __call__(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        call = functools.partial(function, *args, **kwargs)
        loop = asyncio.get_running_loop()
        if self._pool is not None:
            return await loop.run_in_executor(self._pool, call)
        assert self._queue is not None
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Call(call, future, loop, alone=getattr(function, "alone", False)))
        return await future

    async def close(self) -> None:
        """Let queued calls finish, then end the threads (after the bot stopped taking updates)."""
        if self._queue is not None and self._writer is not None:
            self._queue.put(_STOP)
            await asyncio.to_thread(self._writer.join)
        if self._pool is not None:
            await asyncio.to_thread(self._pool.shutdown)

    # --- the SQLite writer -------------------------------------------------------------------
    def _write(self) -> None:
        assert self._queue is not None
        held: _Call | object | None = None  # taken from the queue, for the next transaction
        while True:
            first, held = held or self._queue.get(), None
            if first is _STOP:
                return
            assert isinstance(first, _Call)
            calls = [first]
            while not first.alone and len(calls) < self.batch:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if not isinstance(following, _Call) or following.alone:  # _STOP, or @alone
                    held = following
                    break
                calls.append(following)
            self._run_together(calls)

    def _run_together(self, calls: list[_Call]) -> None:
        if len(calls) == 1:
            calls[0].run()
        else:
            try:
                with self.desk.batch():
                    for call in calls:
                        call.run()
                self.batches += 1
            except Exception:  # the commit itself failed: nothing of the batch was kept
                log.exception(
                    "a batch of %d desk calls failed to commit; running each alone", len(calls)
                )
                for call in calls:
                    call.run()
        for call in calls:
            call.settle()

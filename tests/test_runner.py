"""The desk runner: one SQLite writer batching a burst with a savepoint per call; a pool on
PostgreSQL; results only after the commit; one failure spoils no other call."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from sqlalchemy import insert, select

from helpdesk_bot.models import Query
from helpdesk_bot.officials import Asker
from helpdesk_bot.runner import DeskRunner

QUESTIONS = [
    "How do we ratify the Convention against Torture?",
    "When is our initial report due?",
    "What is a national preventive mechanism?",
    "Can we make a reservation to article 20?",
]


def official(n: int) -> Asker:
    return Asker(telegram_id=1000 + n, chat_id=1000 + n, name=f"Official {n}")


def logged(desk) -> list[tuple[int | None, str]]:
    with desk.sessions() as session:
        return [(q.official_id, q.text) for q in session.scalars(select(Query).order_by(Query.id))]


async def behind_a_busy_writer(runner: DeskRunner, *calls) -> list:
    """Queue ``calls`` ((function, *args) each) while the runner is busy with another call, so
    they wait together as a burst would; their results (or exceptions), in order."""
    hold = threading.Event()
    busy = asyncio.ensure_future(runner(hold.wait, 10))
    await asyncio.sleep(0)
    queued = []
    for function, *args in calls:
        queued.append(asyncio.ensure_future(runner(function, *args)))
        if not runner.desk.single_writer:  # a pool runs calls side by side: keep their order
            await asyncio.gather(queued[-1], return_exceptions=True)
    await asyncio.sleep(0)
    hold.set()
    await busy
    return await asyncio.gather(*queued, return_exceptions=True)


def test_a_burst_shares_transactions_and_every_question_is_kept(desk):
    async def main():
        runner = DeskRunner(desk)
        try:
            asked = [(desk.ask, official(n), QUESTIONS[n % len(QUESTIONS)]) for n in range(40)]
            return runner, await behind_a_busy_writer(runner, *asked)
        finally:
            await runner.close()

    runner, replies = asyncio.run(main())
    assert all(reply.outcome for reply in replies)
    assert len(logged(desk)) == 40
    if desk.single_writer:
        assert runner.batches >= 1  # the 40 queued while the writer was busy: not 40 commits
    else:
        assert runner.batches == 0


def test_one_failing_call_spoils_no_other_in_its_batch(desk):
    def fails(asker: Asker) -> None:
        # A desk unit of work that writes, then fails: its savepoint (and only it) rolls back.
        with desk._session() as session:
            session.execute(
                insert(Query).values(text="How do we ratify?", language="en", outcome="answer")
            )
            raise ValueError("refused")

    async def main():
        runner = DeskRunner(desk)
        try:
            return await behind_a_busy_writer(
                runner,
                (desk.ask, official(1), QUESTIONS[0]),
                (fails, official(2)),
                (desk.ask, official(3), QUESTIONS[1]),
            )
        finally:
            await runner.close()

    before, failed, after = asyncio.run(main())
    assert isinstance(failed, ValueError) and str(failed) == "refused"
    assert before.outcome and after.outcome
    texts = [text for _, text in logged(desk)]
    assert texts == [QUESTIONS[0], QUESTIONS[1]]


def test_a_result_comes_back_only_after_its_commit(desk, tmp_path):
    if not desk.single_writer:
        pytest.skip("SQLite's writer only: PostgreSQL commits each call in its own thread")
    path = desk.sessions.kw["bind"].url.database
    seen: list[int] = []

    async def main():
        runner = DeskRunner(desk)
        try:
            for n in range(3):
                await runner(desk.ask, official(n), QUESTIONS[n])
                # Another connection (another process, say) sees the row as soon as we do.
                with sqlite3.connect(path) as other:
                    seen.append(other.execute("SELECT count(*) FROM queries").fetchone()[0])
        finally:
            await runner.close()

    asyncio.run(main())
    assert seen == [1, 2, 3]


def test_an_erasure_runs_alone_and_empties_the_write_ahead_log(desk):
    async def main():
        runner = DeskRunner(desk)
        try:
            return await behind_a_busy_writer(
                runner, (desk.ask, official(1), "secret words here"), (desk.forget, official(1))
            )
        finally:
            await runner.close()

    _, erasure = asyncio.run(main())
    assert erasure is not None
    assert all(text != "secret words here" for _, text in logged(desk))
    if desk.single_writer:
        wal = desk.sessions.kw["bind"].url.database + "-wal"
        with open(wal, "rb") as log:
            assert b"secret words here" not in log.read()

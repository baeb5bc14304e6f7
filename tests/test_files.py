"""Files the desk writes are owner-only: the SQLite database, exports, statistics, FAQ drafts."""

from __future__ import annotations

import stat
from types import SimpleNamespace

from helpdesk_bot import export, stats
from helpdesk_bot.db import connect, upgrade
from helpdesk_bot.desk import Asker


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_new_folder_are_owner_only(tmp_path):
    folder = tmp_path / "var" / "desk"
    engine = connect(f"sqlite:///{folder / 'helpdesk.sqlite3'}")
    upgrade(engine)
    engine.dispose()
    assert mode(folder) == 0o700 and mode(folder.parent) == 0o700
    assert mode(folder / "helpdesk.sqlite3") == 0o600


def test_exports_statistics_and_drafts_are_owner_only(settings, desk, tmp_path):
    asker = Asker(telegram_id=71, chat_id=71)
    opened = desk.to_secretariat(asker, "Could someone call me about our initial report?")
    desk.staff_reply(opened.ticket_id, "We will call you tomorrow.", staff_id=9001)
    desk.close(opened.ticket_id, resolution="answered", staff_id=9001)
    draft = desk.draft_faq(opened.ticket_id, drafts_dir=tmp_path / "drafts")
    assert mode(draft) == 0o600 and mode(draft.parent) == 0o700

    out = tmp_path / "queries.csv"
    args = SimpleNamespace(
        what="queries", format="csv", out=out, no_text=False, date_from=None, date_to=None
    )
    assert export.run_export(settings, args) == 0
    assert mode(out) == 0o600

    for fmt in ("csv", "xlsx"):
        target = tmp_path / f"figures.{fmt}"
        chart = tmp_path / f"chart-{fmt}.png"
        options = {
            "date_from": None, "date_to": None, "format": fmt, "out": target, "chart": chart,
            "exact": False, "gaps": False,
        }  # fmt: skip
        assert stats.run_stats(settings, SimpleNamespace(**options)) == 0
        assert mode(target) == 0o600 and mode(chart) == 0o600

"""The State register drives every count an answer quotes; review dates are honest."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from helpdesk_bot import register, texts
from helpdesk_bot.answering import entry_text
from helpdesk_bot.cli import main
from helpdesk_bot.knowledge import due_for_review, load_knowledge
from tests.conftest import KNOWLEDGE, NOT_SHIPPED


@pytest.fixture(scope="module")
def shipped():
    base, problems = load_knowledge(KNOWLEDGE)
    assert not [p for p in problems if p.is_error], problems
    return base


def counted(base, treaty: str) -> int:
    marked = sum(getattr(s, treaty) == "party" for s in base.states.values())
    unidentified = base.unidentified.get(treaty)
    return marked + (unidentified.parties if unidentified else 0)


def test_the_register_counts_what_the_facts_say(shipped):
    # 174 counted by the Committee in May 2024, Dominica in December 2024, Saint Lucia in 2026.
    assert counted(shipped, "uncat") == 176
    assert shipped.states["LCA"].uncat == "party"
    (accession,) = shipped.states["LCA"].actions["uncat"]
    assert (accession.action, accession.date) == ("accession", "2026-02")  # month only: sourced
    assert "OECS" in accession.source
    assert (
        shipped.unidentified["uncat"].parties == 1
        and "A/79/44" in shipped.unidentified["uncat"].source
    )
    assert (
        register.figures(shipped, "en")["uncat_latest_accession"] == "Saint Lucia (February 2026)"
    )
    assert register.figures(shipped, "fr")["register_date"] == "1er mars 2026"


@pytest.mark.parametrize(
    ("value", "language", "shown"),
    [
        (date(2026, 3, 1), "en", "1 March 2026"),
        (date(2026, 3, 1), "fr", "1er mars 2026"),
        (date(2026, 3, 2), "fr", "2 mars 2026"),
        (date(2024, 12, 5), "es", "5 de diciembre de 2024"),
        ("2026-02", "en", "February 2026"),
        ("2026-02", "fr", "février 2026"),
        ("2026-02", "es", "febrero de 2026"),
        ("2024-12-05", "en", "5 December 2024"),
    ],
)
def test_dates_read_as_each_language_writes_them(value, language, shown):
    assert register.format_date(value, language) == shown


def count_answers(base):
    """Every (entry, language) whose answer quotes a figure of the register."""
    return [
        (entry, lang)
        for entry in base.entries.values()
        for lang, answer in entry.answers.items()
        if register.placeholders_in(answer)
    ]


def test_no_answer_types_a_count_and_every_count_is_a_placeholder(shipped):
    assert len(count_answers(shipped)) >= 9  # parties to UNCAT and OPCAT, in three languages
    for entry in shipped.entries.values():
        for lang, answer in entry.answers.items():
            assert register.typed_counts(answer) == [], (entry.id, lang)
            assert not re.search(r"\{[a-z_]+\}", entry_text(entry, lang, shipped)), entry.id


def test_a_new_ratification_changes_every_answer_that_counts(tmp_path, shipped):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder, ignore=NOT_SHIPPED)
    states = folder / "states.yaml"
    text = states.read_text(encoding="utf-8")
    # Tuvalu joins both treaties on 15 June 2026 (a made-up event for the test only).
    item = text.index("  - code: TUV")
    end = text.index("  - code:", item + 5)
    block = text[item:end]
    changed = re.sub(r"\n    uncat: \S+\n", "\n    uncat: party\n", block)
    changed = re.sub(r"\n    opcat: \S+\n", "\n    opcat: party\n", changed)
    assert changed != block
    text = text[:item] + changed + text[end:]
    text = text.replace("as_of: 2026-03-01", "as_of: 2026-06-15")
    states.write_text(text, encoding="utf-8")
    base, problems = load_knowledge(folder)
    assert not [p for p in problems if p.is_error], problems
    before, after = register.figures(shipped, "en"), register.figures(base, "en")
    assert int(after["uncat_parties"]) == int(before["uncat_parties"]) + 1
    assert int(after["opcat_parties"]) == int(before["opcat_parties"]) + 1
    for entry, lang in count_answers(base):
        old = entry_text(shipped.entries[entry.id], lang, shipped)
        new = entry_text(entry, lang, base)
        assert new != old, (entry.id, lang)
        now = register.figures(base, lang)
        used = register.placeholders_in(entry.answers[lang])
        for name in used:
            assert now[name] in new, (entry.id, lang, name)


@pytest.mark.parametrize(
    ("answer", "flagged"),
    [
        ("The Convention has 175 States parties.", True),
        ("La Convention compte 175 États parties.", True),
        ("La Convención tiene 175 Estados partes.", True),
        ("The parties numbered 171 in October 2020.", True),
        ("As of {register_date}, {uncat_parties} States are parties.", False),
        (
            "General Assembly resolution 39/46 of 1984; A/RES/57/199 created the parties' duties.",
            False,
        ),
        ("The Committee has 10 members; 26 parties had overdue reports.", False),
    ],
)
def test_validate_flags_a_count_typed_into_an_answer(answer, flagged):
    assert bool(register.typed_counts(answer)) is flagged


def write_entry(folder, answer: str, **extra: str) -> None:
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    (folder / "extra.yaml").write_text(
        "topic: ratification\nentries:\n  - id: extra-entry\n    source: UNCAT art. 25\n"
        f"    reviewed: 2026-01-05\n{lines}"
        + "".join(
            f"    {lang}:\n      questions: [q1 {lang} x, q2 {lang} y, q3 {lang} z, q4 {lang} w]\n"
            f"      answer: {answer}\n"
            for lang in ("en", "fr", "es")
        ),
        encoding="utf-8",
    )


def test_validate_reports_typed_counts_and_unknown_placeholders_with_file_and_line(
    tmp_path, capsys, monkeypatch
):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder, ignore=NOT_SHIPPED)
    write_entry(folder, '"We have 175 States parties and {uncat_partys} more."')
    monkeypatch.setenv("HELPDESK_KNOWLEDGE_DIR", str(folder))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"extra\.yaml:\d+: extra-entry: en answer types a count of parties", out)
    assert re.search(
        r"extra\.yaml:\d+: extra-entry: fr answer: unknown placeholder \{uncat_partys\}", out
    )


def test_an_answer_past_its_review_by_says_when_it_was_checked(tmp_path):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder, ignore=NOT_SHIPPED)
    write_entry(folder, "Plain text.", review_by="2026-06-30")
    base, problems = load_knowledge(folder)
    assert any("extra-entry: due for review since 2026-06-30" in str(p) for p in problems)
    assert all(not p.is_error for p in problems if "extra-entry" in str(p))
    entry = base.entries["extra-entry"]
    note = texts.say("checked_on", "fr", date="5 janvier 2026")
    assert entry_text(entry, "fr", base, today=date(2026, 7, 1)).endswith(note)
    assert note not in entry_text(entry, "fr", base, today=date(2026, 6, 1))
    due = due_for_review(base, today=date(2026, 7, 1))
    assert [e.id for _, e in due][:1] == ["extra-entry"]


def test_validate_stale_lists_what_is_due_oldest_first(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder, ignore=NOT_SHIPPED)
    write_entry(folder, "Plain text.", review_by="2026-06-30")
    monkeypatch.setenv("HELPDESK_KNOWLEDGE_DIR", str(folder))
    assert main(["validate", "--stale"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("due for review, oldest first:")
    assert lines[1].startswith("2026-06-30  extra-entry  ")
    dates = [line.split()[0] for line in lines[1:]]
    assert dates == sorted(dates)

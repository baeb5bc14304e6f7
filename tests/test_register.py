"""The State register drives every count an answer quotes; review dates are honest."""

from __future__ import annotations

import re
import shutil
import textwrap
from datetime import date

import pytest

from helpdesk_bot import register, texts
from helpdesk_bot.answering import entry_text
from helpdesk_bot.cli import main
from helpdesk_bot.knowledge import due_for_review, load_knowledge, load_register
from tests.conftest import KNOWLEDGE, NOT_SHIPPED


@pytest.fixture(scope="module")
def shipped():
    base, problems = load_knowledge(KNOWLEDGE)
    assert not [p for p in problems if p.is_error], problems
    return base


@pytest.fixture
def knowledge(tmp_path):
    """A copy of the shipped knowledge base, for a test to change."""
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder, ignore=NOT_SHIPPED)
    return folder


def validate(folder, monkeypatch, *options: str) -> int:
    """``helpdesk-bot validate`` on ``folder``; its exit status (the output goes to capsys)."""
    monkeypatch.setenv("HELPDESK_KNOWLEDGE_DIR", str(folder))
    return main(["validate", *options])


def edit_state(folder, code: str, change) -> str:
    """Rewrite State ``code``'s item of ``folder``'s states.yaml with ``change`` (the item's
    text -> the new text); the file's new text."""
    states = folder / "states.yaml"
    text = states.read_text(encoding="utf-8")
    item = text.index(f"  - code: {code}")
    end = text.index("  - code:", item + 5)
    block = text[item:end]
    changed = change(block)
    assert changed != block
    text = text[:item] + changed + text[end:]
    states.write_text(text, encoding="utf-8")
    return text


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


def test_a_new_ratification_changes_every_answer_that_counts(knowledge, shipped):
    # Tuvalu joins both treaties on 15 June 2026 (a made-up event for the test only).
    def joins_both(block: str) -> str:
        changed = re.sub(r"\n    uncat: \S+\n", "\n    uncat: party\n", block)
        changed = re.sub(r"\n    opcat: \S+\n", "\n    opcat: party\n", changed)
        assert "\n    uncat: party\n" in changed and "\n    opcat: party\n" in changed
        return changed

    text = edit_state(knowledge, "TUV", joins_both)
    states = knowledge / "states.yaml"
    states.write_text(text.replace("as_of: 2026-03-01", "as_of: 2026-06-15"), encoding="utf-8")
    base, problems = load_knowledge(knowledge)
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
    knowledge, capsys, monkeypatch
):
    write_entry(knowledge, '"We have 175 States parties and {uncat_partys} more."')
    assert validate(knowledge, monkeypatch) == 1
    out = capsys.readouterr().out
    assert re.search(r"extra\.yaml:\d+: extra-entry: en answer types a count of parties", out)
    assert re.search(
        r"extra\.yaml:\d+: extra-entry: fr answer: unknown placeholder \{uncat_partys\}", out
    )


def test_an_answer_past_its_review_by_says_when_it_was_checked(knowledge):
    write_entry(knowledge, "Plain text.", review_by="2026-06-30")
    base, problems = load_knowledge(knowledge)
    assert any("extra-entry: due for review since 2026-06-30" in str(p) for p in problems)
    assert all(not p.is_error for p in problems if "extra-entry" in str(p))
    entry = base.entries["extra-entry"]
    note = texts.say("checked_on", "fr", date="5 janvier 2026")
    assert entry_text(entry, "fr", base, today=date(2026, 7, 1)).endswith(note)
    assert note not in entry_text(entry, "fr", base, today=date(2026, 6, 1))
    due = due_for_review(base, today=date(2026, 7, 1))
    assert [e.id for _, e in due][:1] == ["extra-entry"]


def test_validate_stale_lists_what_is_due_oldest_first(knowledge, capsys, monkeypatch):
    write_entry(knowledge, "Plain text.", review_by="2026-06-30")
    assert validate(knowledge, monkeypatch, "--stale") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("due for review, oldest first:")
    assert lines[1].startswith("2026-06-30  extra-entry  ")
    dates = [line.split()[0] for line in lines[1:]]
    assert dates == sorted(dates)


# --- the treaty facts of each State, checked where they are written -----------------------------

REGISTER_HEAD = "as_of: 2026-03-01\nsource: test\nstates:\n"


def state_item(code: str, uncat: str = "party", opcat: str = "none") -> str:
    """One State of a test register; ``uncat`` and ``opcat`` are a status or an indented block."""

    def block(value: str) -> str:
        value = textwrap.dedent(value).strip("\n")
        if "\n" not in value and ":" not in value:
            return f" {value}\n"
        return "\n" + textwrap.indent(value, "      ") + "\n"

    return (
        f"  - code: {code}\n"
        f"    names: {{en: [{code} land], fr: [{code} fr], es: [{code} es]}}\n"
        "    region: oceania\n"
        f"    uncat:{block(uncat)}"
        f"    opcat:{block(opcat)}"
    )


def treaty(status: str, *actions: str) -> str:
    """A treaty's block of a test register: ``status`` and ``actions``, each the inside of a
    flow mapping, one a line (``'action: accession, date: 2011-07-12, source: "a"'``)."""
    return "\n".join([f"status: {status}", "actions:", *(f"  - {{{a}}}" for a in actions)])


def check_register(tmp_path, *items: str, as_of: str = "2026-03-01"):
    """(base, problems as text, the file's text) of a register made of ``items``."""
    text = REGISTER_HEAD.replace("2026-03-01", as_of) + "".join(items)
    (tmp_path / "states.yaml").write_text(text, encoding="utf-8")
    base, problems = load_register(tmp_path, today=date(2026, 3, 1))
    return base, [str(p) for p in problems], text


def line_of(text: str, needle: str, after: str = "") -> int:
    """The first line holding ``needle`` (after the first line holding ``after``)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines[start:], start + 1) if needle in line)


def reported(problems: list[str], text: str, needle: str, message: str, after: str = "") -> bool:
    """Whether ``message`` is reported at the line of ``needle`` (``file:line: message``)."""
    where = f"states.yaml:{line_of(text, needle, after)}: "
    return any(where in p and message in p for p in problems)


VANUATU = """
status: party
actions:
  - {action: accession, date: 2011-07-12, in_force: 2011-08-11, source: "OHCHR Pacific, 11 Aug 2011"}
"""


def test_a_consistent_state_has_no_problem_and_answers_from_its_facts(tmp_path):
    base, problems, _ = check_register(tmp_path, state_item("VUT", VANUATU))
    assert problems == []
    vanuatu = base.states["VUT"]
    assert vanuatu.uncat_deposit() == ("accession", "2011-07-12")
    assert vanuatu.uncat_in_force() == date(2011, 8, 11)
    assert vanuatu.initial_report_due() == date(2012, 8, 10)
    assert vanuatu.declarations_in_force() == ()
    assert vanuatu.opcat_art24_part is None
    assert vanuatu.reports == () and vanuatu.overdue_report() is None


def test_the_status_alone_still_works_and_knows_nothing_more(tmp_path):
    base, problems, _ = check_register(tmp_path, state_item("AAA", "party", "signatory"))
    assert problems == []
    state = base.states["AAA"]
    assert (state.uncat, state.opcat, state.actions) == ("party", "signatory", {})
    assert state.uncat_deposit() is None and state.uncat_in_force() is None
    assert state.initial_report_due() is None


def test_a_party_has_exactly_one_deposit(tmp_path):
    two = treaty(
        "party",
        'action: ratification, date: 1990-01-10, source: "a"',
        'action: accession, date: 1991-01-10, source: "b"',
    )
    none = treaty("party", 'action: declaration_art22, date: 1990-01-10, source: "a"')
    _, problems, text = check_register(tmp_path, state_item("AAA", two), state_item("BBB", none))
    assert reported(problems, text, "status: party", "AAA: a uncat party has exactly one")
    assert any("BBB: a uncat party has exactly one" in p and "(0 recorded)" in p for p in problems)


@pytest.mark.parametrize(
    "actions",
    [
        pytest.param(
            [
                'action: signature, date: 2011-09-20, source: "a"',
                'action: ratification, date: 2012-01-10, source: "b"',
            ],
            id="ratified",
        ),
        pytest.param(['action: reservation_art28, date: 2011-09-20, source: "a"'], id="unsigned"),
    ],
)
def test_a_signatory_has_a_signature_and_no_deposit(tmp_path, actions):
    _, problems, _ = check_register(tmp_path, state_item("AAA", treaty("signatory", *actions)))
    assert any("AAA: a uncat signatory has a signature and no ratification" in p for p in problems)


def test_a_state_marked_none_has_no_action(tmp_path):
    acted = treaty("none", 'action: signature, date: 2013-08-16, source: "a"')
    _, problems, text = check_register(tmp_path, state_item("AAA", acted))
    assert reported(problems, text, "action: signature", "AAA: uncat is 'none' but actions")


def test_opcat_needs_uncat_and_its_deposit_comes_after_the_uncat_one(tmp_path):
    uncat = treaty("party", 'action: accession, date: 2010-05-01, source: "a"')
    early = treaty(
        "party",
        'action: signature, date: 2009-01-01, source: "a signature before UNCAT: allowed"',
        'action: ratification, date: 2010-04-30, source: "b"',
    )
    _, problems, text = check_register(
        tmp_path,
        state_item("AAA", uncat, early),
        state_item("BBB", "signatory", "party"),
        state_item("CCC", "none", "signatory"),
        state_item("DDD", "signatory", "signatory"),  # OPCAT art. 27(1): UNCAT signed is enough
    )
    assert reported(
        problems, text, "date: 2010-04-30", "AAA: OPCAT ratification on 2010-04-30 comes before"
    )
    assert not any("AAA" in p and "signature" in p for p in problems)
    assert any("BBB: OPCAT party needs UNCAT party, not 'signatory'" in p for p in problems)
    assert any("CCC: OPCAT signatory needs UNCAT party or signatory" in p for p in problems)
    assert not any("DDD" in p for p in problems)


def test_declarations_need_party_status_but_a_reservation_may_come_at_signature(tmp_path):
    signed = treaty(
        "signatory",
        'action: signature, date: 2015-09-22, source: "a"',
        'action: reservation_art28, date: 2015-09-22, source: "made on signing (art. 28(1))"',
        'action: declaration_art22, date: 2016-01-05, source: "b"',
    )
    _, problems, text = check_register(tmp_path, state_item("AAA", signed))
    assert reported(
        problems, text, "declaration_art22", "AAA: uncat declaration_art22 needs party status"
    )
    assert not any("reservation_art28" in p for p in problems)


def test_a_reservation_is_made_with_an_instrument_and_a_withdrawal_withdraws_something(tmp_path):
    late = treaty(
        "party",
        'action: ratification, date: 2016-03-14, source: "a"',
        'action: reservation_art28, date: 2017-01-01, source: "b"',
        'action: withdrawal_art22, date: 2018-01-01, source: "c"',
    )
    _, problems, text = check_register(tmp_path, state_item("AAA", late))
    assert reported(problems, text, "date: 2017-01-01", "reservation_art28 is made at signature")
    assert reported(
        problems, text, "withdrawal_art22", "withdrawal_art22 without an earlier declaration_art22"
    )


def test_declarations_in_force_leave_out_what_was_withdrawn(tmp_path):
    chile_like = treaty(
        "party",
        'action: signature, date: 1987-09-23, source: "a"',
        'action: ratification, date: 1988-09-30, source: "b"',
        'action: reservation_art28, date: 1988-09-30, source: "c"',
        'action: withdrawal_art28, date: 1990-09-03, source: "d"',
        'action: declaration_art22, date: 2004-03-15, source: "e"',
    )
    base, problems, _ = check_register(tmp_path, state_item("AAA", chile_like))
    assert problems == []
    kinds = [a.action for a in base.states["AAA"].declarations_in_force()]
    assert kinds == ["declaration_art22"]


def test_an_art24_declaration_names_part_three_or_four_of_an_opcat_party(tmp_path):
    uncat = treaty("party", 'action: ratification, date: 1989-08-08, source: "a"')
    ratified = 'action: ratification, date: 2017-12-21, source: "a"'
    good = treaty(
        "party", ratified, 'action: declaration_art24, part: IV, date: 2017-12-21, source: "b"'
    )
    no_part = treaty("party", ratified, 'action: declaration_art24, date: 2017-12-21, source: "b"')
    signed_only = treaty(
        "signatory",
        'action: signature, date: 2009-05-19, source: "a"',
        'action: declaration_art24, part: III, date: 2009-05-19, source: "b"',
    )
    before = treaty(
        "party", ratified, 'action: declaration_art24, part: III, date: 2017-11-01, source: "b"'
    )
    base, problems, text = check_register(
        tmp_path,
        state_item("AUS", uncat, good),
        state_item("BBB", uncat, no_part),
        state_item("CCC", uncat, signed_only),
        state_item("DDD", uncat, before),
    )
    assert base.states["AUS"].opcat_art24_part == "IV"
    assert not any("AUS" in p for p in problems)
    assert any("BBB: an art. 24 declaration names its 'part'" in p for p in problems)
    assert any("CCC: opcat declaration_art24 needs party status" in p for p in problems)
    assert reported(problems, text, "date: 2017-11-01", "DDD: the art. 24 declaration comes before")


def test_no_date_after_the_registers_as_of(tmp_path):
    future = treaty("party", 'action: accession, date: 2026-03-02, source: "a"')
    month = treaty("party", 'action: accession, date: 2026-04, source: "a"')
    same_month = treaty("party", 'action: accession, date: 2026-03, source: "a"')
    _, problems, text = check_register(
        tmp_path, state_item("AAA", future), state_item("BBB", month), state_item("CCC", same_month)
    )
    assert reported(problems, text, "2026-03-02", "AAA: uncat accession on 2026-03-02 is after")
    assert reported(problems, text, "2026-04", "BBB: uncat accession on 2026-04 is after")
    assert not any("CCC" in p for p in problems)


CHILE_UNCAT = """
status: party
actions:
  - {action: ratification, date: 1988-09-30, source: "APT OPCAT database"}
"""


def test_a_written_entry_into_force_is_the_thirtieth_day_after_the_deposit(tmp_path):
    wrong = treaty(
        "party", 'action: accession, date: 2011-07-12, in_force: 2011-08-12, source: "a"'
    )
    first_twenty = treaty(
        "party",
        'action: signature, date: 1985-02-04, source: "UK FCO Treaty Record"',
        'action: ratification, date: 1986-09-24, in_force: 1987-06-26, source: "UK FCO"',
    )
    on_signature = treaty(
        "party",
        'action: signature, date: 1985-02-04, in_force: 1985-03-06, source: "a"',
        'action: ratification, date: 1986-09-24, source: "b"',
    )
    chile_opcat = treaty(
        "party",
        'action: ratification, date: 2008-12, in_force: 2009-01-11, source: "a month and a day"',
    )
    month_wrong = treaty(
        "party", 'action: ratification, date: 2008-11, in_force: 2009-01-11, source: "a"'
    )
    base, problems, text = check_register(
        tmp_path,
        state_item("AAA", wrong),
        state_item("ARG", first_twenty),
        state_item("BBB", on_signature),
        state_item("CHL", CHILE_UNCAT, chile_opcat),
        state_item("DDD", CHILE_UNCAT, month_wrong),
    )
    assert reported(
        problems, text, "in_force: 2011-08-12", "AAA: uncat in force on 2011-08-12 does not follow"
    )
    assert "expected 2011-08-11" in next(p for p in problems if "AAA" in p)
    assert not any("ARG" in p or "CHL" in p for p in problems)
    assert base.states["ARG"].uncat_in_force() == date(1987, 6, 26)
    assert base.states["CHL"].in_force("opcat") == date(2009, 1, 11)
    assert any("BBB: 'in_force' (YYYY-MM-DD) belongs to a ratification" in p for p in problems)
    assert any("DDD: opcat in force on 2009-01-11 does not follow" in p for p in problems)


def test_a_month_alone_gives_no_computed_date(tmp_path):
    base, problems, _ = check_register(
        tmp_path,
        state_item(
            "LCA", '{status: party, actions: [{action: accession, date: 2026-02, source: "OECS"}]}'
        ),
    )
    assert problems == []
    assert base.states["LCA"].uncat_deposit() == ("accession", "2026-02")
    assert base.states["LCA"].uncat_in_force() is None  # never a guess from a month


def test_impossible_dates_and_unknown_keys_are_reported(tmp_path):
    odd = """
    status: party
    ratified_on: 2020-01-01
    actions:
      - {action: accession, date: "2023-02-30", source: "a"}
    """
    _, problems, text = check_register(tmp_path, state_item("AAA", odd))
    assert reported(problems, text, "ratified_on", "AAA: unknown key 'ratified_on' under uncat")
    assert reported(problems, text, "2023-02-30", "AAA: uncat accession date must be YYYY-MM-DD")


GHANA = """
status: party
actions:
  - {action: ratification, date: 2000-09-07, source: "APT OPCAT database"}
reports:
  - {kind: initial, symbol: CAT/C/GHA/1, submitted: 2009-11-26, considered: 2011-05-16, source: "CAT/C/GHA/1"}
"""


def test_reports_belong_to_a_party_after_its_deposit(tmp_path):
    early = """
    status: party
    actions:
      - {action: ratification, date: 2000-09-07, source: "a"}
    reports:
      - {kind: initial, symbol: CAT/C/AAA/1, submitted: 1999-01-05, source: "b"}
      - {kind: periodic, symbol: CAT/C/AAA/2, source: "no number"}
      - {kind: periodic, number: 2, symbol: "A/79/44", source: "not a CAT symbol"}
      - {kind: periodic, number: 3, submitted: 2026-05-01, source: "after as_of"}
      - {kind: initial, symbol: CAT/C/AAA/1/Rev.1, source: "a second initial report"}
    """
    not_party = """
    status: signatory
    actions:
      - {action: signature, date: 2011-09-20, source: "a"}
    reports:
      - {kind: initial, symbol: CAT/C/BBB/1, source: "b"}
    """
    base, problems, text = check_register(
        tmp_path, state_item("GHA", GHANA), state_item("AAA", early), state_item("BBB", not_party)
    )
    assert not any("GHA" in p for p in problems)
    (report,) = base.states["GHA"].reports
    assert (report.symbol, report.submitted) == ("CAT/C/GHA/1", "2009-11-26")
    assert reported(problems, text, "1999-01-05", "AAA: report date 1999-01-05 comes before")
    assert reported(problems, text, "no number", "AAA: a periodic report has a 'number'")
    assert reported(problems, text, "A/79/44", "AAA: a report's symbol starts with CAT/C/")
    assert reported(problems, text, "2026-05-01", "AAA: report date 2026-05-01 is after as_of")
    assert reported(problems, text, "Rev.1", "AAA: one initial report at most")
    assert reported(
        problems, text, "reports:", "BBB: reports to the Committee need UNCAT party", after="BBB"
    )


def test_a_report_is_overdue_only_when_a_source_says_it_was_not_received(tmp_path):
    overdue = VANUATU + (
        "next_report_due: {kind: initial, date: 2012-08-10, not_received: 2019-05-17,"
        ' source: "a report of the Committee listing it as not received"}\n'
    )
    silent = (
        VANUATU + 'next_report_due: {kind: initial, date: 2012-08-10, source: "due date only"}\n'
    )
    base, problems, _ = check_register(
        tmp_path, state_item("VUT", overdue), state_item("AAA", silent)
    )
    assert problems == []
    assert base.states["VUT"].overdue_report().not_received == "2019-05-17"
    assert base.states["AAA"].overdue_report() is None  # a due date alone says nothing more


def test_the_initial_report_due_date_follows_entry_into_force(tmp_path):
    wrong_due = VANUATU + 'next_report_due: {kind: initial, date: 2012-07-12, source: "a"}\n'
    received = (
        VANUATU
        + "reports:\n  - {kind: initial, symbol: CAT/C/AAA/1, submitted: 2014-01-10, source: a}\n"
        + "next_report_due: {kind: initial, date: 2012-08-10, not_received: 2015-01-01,"
        + " source: b}\n"
    )
    too_soon = (
        VANUATU + "next_report_due: {kind: initial, date: 2012-08-10, not_received: 2012-08-01,"
        " source: b}\n"
    )
    _, problems, text = check_register(
        tmp_path,
        state_item("VUT", wrong_due),
        state_item("AAA", received),
        state_item("BBB", too_soon),
    )
    assert reported(problems, text, "2012-07-12", "VUT: the initial report is due on 2012-08-10")
    assert any(
        "AAA: the report due on 2012-08-10 is recorded as submitted on 2014-01-10" in p
        for p in problems
    )
    assert any("BBB: 'not_received' is a date after the due date" in p for p in problems)


def test_validate_reports_register_problems_with_file_and_line(knowledge, capsys, monkeypatch):
    text = edit_state(
        knowledge,
        "TUV",
        lambda block: block.replace(
            "    uncat: none\n",
            "    uncat:\n      status: none\n      actions:\n"
            '        - {action: signature, date: 2025-01-10, source: "made up for the test"}\n',
        ),
    )
    assert validate(knowledge, monkeypatch) == 1
    line = line_of(text, "made up for the test")
    assert (
        f"states.yaml:{line}: TUV: uncat is 'none' but actions are recorded"
        in capsys.readouterr().out
    )

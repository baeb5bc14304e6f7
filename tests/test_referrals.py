"""Referrals: routing decisions and their precedence, the reply text, validation at the right line,
and the tracked referral record (closing it, due follow-ups)."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk_bot.db import connect, make_sessionmaker, session_scope
from helpdesk_bot.knowledge import (
    LANGUAGES,
    Entry,
    KnowledgeBase,
    State,
    Topic,
    fold,
    load_knowledge,
)
from helpdesk_bot.matcher import Candidate, Match, Matcher
from helpdesk_bot.models import Official, Referral
from helpdesk_bot.referral_records import (
    ReferralError,
    close_referral,
    due_followups,
    mark_followup_sent,
)
from helpdesk_bot.referrals import SHORT_NAME_CHARS, Keyword, load_referrals, short_name

from .conftest import KNOWLEDGE, REFERRALS

# --- a small base of our own: fixed ids that no edit of knowledge/ can break -------------------


def _entry(entry_id: str, topic: str) -> Entry:
    return Entry(
        id=entry_id,
        topic=topic,
        source="test",
        reviewed=date(2026, 1, 1),
        questions={lang: [f"{entry_id} {lang}"] for lang in LANGUAGES},
        answers={lang: f"answer {lang}" for lang in LANGUAGES},
    )


def _state(code: str, region: str, *, commonwealth: bool = False) -> State:
    return State(
        code,
        {lang: [code] for lang in LANGUAGES},
        region,
        "",
        True,
        False,
        commonwealth,
        "party",
        "none",
    )


BASE = KnowledgeBase(
    topics={t: Topic(t, {lang: t for lang in LANGUAGES}) for t in ("opcat", "reporting")},
    entries={
        e.id: e
        for e in (
            _entry("npm-basics", "opcat"),
            _entry("npm-other", "opcat"),
            _entry("report-late", "reporting"),
        )
    },
    states={
        s.code: s
        for s in (
            _state("GHA", "africa", commonwealth=True),
            _state("FRA", "europe"),
            _state("FJI", "oceania", commonwealth=True),
        )
    },
)

PARTNERS = """\
partners:
  - id: world
    name: {en: World Partner, fr: Partenaire mondial, es: Socio mundial}
    description:
      en: Helps everywhere.
      fr: Aide partout.
      es: Ayuda en todas partes.
    helps_with: [opcat]
    regions: []
    website: https://world.example.org
    contact: desk@world.example.org
    introduction: warm
  - id: africa
    name: {en: Africa Partner, fr: Partenaire africain, es: Socio africano}
    description: {en: Helps in Africa., fr: Aide en Afrique., es: Ayuda en África.}
    helps_with: [opcat]
    regions: [africa]
    website: https://africa.example.org
    introduction: direct
  - id: club
    name: {en: Club Partner, fr: Partenaire du club, es: Socio del club}
    description: {en: Helps the club., fr: Aide le club., es: Ayuda al club.}
    helps_with: [reporting]
    regions: [club, commonwealth]
    website: https://club.example.org
    introduction: warm
"""

GROUPS = """\
groups:
  - id: club
    states: [FJI]
"""

REASON = "    reason: {en: Reason in English., fr: Raison en français., es: Razón en español.}\n"


def rules(*blocks: str) -> str:
    """rules.yaml from rule blocks, each given the same three-language reason."""
    return "rules:\n" + "".join(textwrap.indent(textwrap.dedent(b), "  ") + REASON for b in blocks)


PRECEDENCE = rules(
    """\
    - id: by-topic
      partner: world
      topics: [opcat]
    """,
    """\
    - id: by-topic-africa
      partner: africa
      topics: [opcat]
      regions: [africa]
    """,
    """\
    - id: by-keyword
      partner: africa
      keywords: {en: ["inspect* + prison*"], fr: ["inspection* + prison*"], es: ["inspecci* + carcel*"]}
    """,
    """\
    - id: by-entry
      partner: club
      entries: [npm-basics]
    """,
    """\
    - id: by-keyword-later
      partner: world
      keywords: {en: ["prison*"], fr: ["prisons"], es: ["carceles"]}
    """,
    """\
    - id: by-region-group
      partner: club
      entries: [report-late]
      regions: [club]
    """,
    """\
    - id: report-late-everyone
      partner: world
      entries: [report-late]
    """,
)


def write(
    folder: Path,
    *,
    partners: str = PARTNERS,
    rules_text: str = PRECEDENCE,
    groups: str | None = GROUPS,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "partners.yaml").write_text(partners, encoding="utf-8")
    (folder / "rules.yaml").write_text(rules_text, encoding="utf-8")
    if groups is not None:
        (folder / "groups.yaml").write_text(groups, encoding="utf-8")
    return folder


@pytest.fixture
def directory(tmp_path):
    loaded, problems = load_referrals(write(tmp_path / "referrals"), BASE)
    assert [str(p) for p in problems] == []
    return loaded


def suggest(entry_id: str, language: str = "en") -> Match:
    entry = BASE.entries[entry_id]
    return Match("suggest", language, None, 60.0, [Candidate(entry, 60.0)])


def answer(entry_id: str, language: str = "en") -> Match:
    entry = BASE.entries[entry_id]
    return Match("answer", language, entry, 95.0, [Candidate(entry, 95.0)])


NOTHING = Match("escalate", "en")


# --- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match", "where", "expected"),
    [
        # a topic rule for everyone
        ("something about the optional protocol", suggest("npm-other"), {}, "by-topic"),
        # ... loses to a topic rule for the official's region, given as a region or by the State
        (
            "something about the optional protocol",
            suggest("npm-other"),
            {"region": "africa"},
            "by-topic-africa",
        ),
        (
            "something about the optional protocol",
            suggest("npm-other"),
            {"state": "GHA"},
            "by-topic-africa",
        ),
        (
            "something about the optional protocol",
            suggest("npm-other"),
            {"state": "FRA"},
            "by-topic",
        ),
        # a keyword rule beats topic rules, even the regional one
        ("who can inspect our prisons?", suggest("npm-other"), {"region": "africa"}, "by-keyword"),
        ("Qui peut faire une inspection des prisons ?", NOTHING, {}, "by-keyword"),
        ("¿Quién hace la inspección de las cárceles?", NOTHING, {}, "by-keyword"),
        # two keyword rules for everyone: the one higher in the file wins
        ("our prisons", NOTHING, {}, "by-keyword-later"),
        # an entry rule beats a keyword rule
        ("who can inspect our prisons?", suggest("npm-basics"), {"region": "africa"}, "by-entry"),
        # entry rules: the regional one (a group of rules.yaml) beats the one for everyone
        ("late report", suggest("report-late"), {"state": "FJI"}, "by-region-group"),
        ("late report", suggest("report-late"), {"state": "GHA"}, "report-late-everyone"),
        ("late report", suggest("report-late"), {}, "report-late-everyone"),
    ],
)
def test_routing_precedence(directory, text, match, where, expected):
    state = BASE.states[where["state"]] if "state" in where else None
    routing = directory.route(text, match, region=where.get("region"), state=state)
    assert routing is not None
    assert routing.rule == expected
    assert routing.partner.id == next(r.partner for r in directory.rules if r.id == expected)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "something about the optional protocol",
            answer("npm-other"),
        ),  # answered: unanswered rules wait
        ("a question nobody foresaw", NOTHING),  # no entry, hence no topic, and no keyword
        ("imprisonment", NOTHING),  # "prison*" matches words that start with prison, not inside
    ],
)
def test_no_routing(directory, text, match):
    assert directory.route(text, match) is None


def test_always_rules_refer_even_answered_questions(tmp_path):
    text = rules(
        """\
        - id: grants
          partner: world
          when: always
          keywords: {en: ["grant*"], fr: ["subvention*"], es: ["subvenci*"]}
        """,
        """\
        - id: opcat-unanswered
          partner: africa
          topics: [opcat]
        """,
    )
    loaded, problems = load_referrals(write(tmp_path, rules_text=text), BASE)
    assert problems == []
    assert loaded.route("a grant please", answer("npm-other")).rule == "grants"
    assert loaded.route("what is it?", answer("npm-other")) is None
    assert loaded.route("what is it?", suggest("npm-other")).rule == "opcat-unanswered"


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("grant*|fund* + rehabilit*", "Can our NGO get a grant for a rehabilitation centre?", True),
        ("grant*|fund* + rehabilit*", "Funding for rehabilitation", True),
        ("grant*|fund* + rehabilit*", "A grant for our office", False),  # both parts needed
        ("mécanisme* nationa* de prévention", "nos mécanismes nationaux de prévention", True),
        ("mécanisme* national* de prévention", "nos mecanismes nationaux de prevention", False),
        ("diseñ*", "DISEÑAR", True),  # case and accents ignored on both sides
        ("npm", "the npms", False),  # whole words unless "*"
        ("set up + npm", "how to set   up an NPM", True),  # any spacing
    ],
)
def test_keyword_syntax(keyword, text, found):
    assert Keyword.parse(keyword).found_in(fold(text)) is found


def test_a_keyword_finds_and_strips_the_words_it_matched():
    keyword = Keyword.parse("cpt|european committee for the prevention of torture")
    text = fold("Does the European Committee for the Prevention of Torture visit prisons?")
    assert keyword.found(text) == ["european committee for the prevention of torture"]
    assert keyword.strip(text) == "does the visit prisons?"


def test_unknown_official_region_only_gets_rules_for_everyone(directory):
    routing = directory.route("optional protocol", suggest("npm-other"), region=None)
    assert routing.rule == "by-topic"


# --- the reply ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "name", "reason", "how", "contact"),
    [
        (
            "en",
            "World Partner",
            "Reason in English.",
            "The CTI Secretariat can introduce you",
            "Contact: desk@world.example.org",
        ),
        (
            "fr",
            "Partenaire mondial",
            "Raison en français.",
            "Le Secrétariat de la CTI peut vous mettre",
            "Contact: desk@world.example.org",
        ),
        (
            "es",
            "Socio mundial",
            "Razón en español.",
            "La Secretaría de la CTI puede ponerle",
            "Contacto: desk@world.example.org",
        ),
    ],
)
def test_reply_text_in_each_language(directory, language, name, reason, how, contact):
    routing = directory.route("optional protocol", suggest("npm-other", language))
    reply = directory.reply_text(routing, language)
    assert name in reply
    assert reason in reply
    assert how in reply
    assert contact in reply
    assert "https://world.example.org" in reply
    others = [
        r for r in ("Reason in English.", "Raison en français.", "Razón en español.") if r != reason
    ]
    assert not any(other in reply for other in others)


@pytest.mark.parametrize(
    ("language", "direct", "no_contact"),
    [
        ("en", "You can contact them directly", "Their contact details are on their website."),
        (
            "fr",
            "Vous pouvez les contacter directement",
            "Leurs coordonnées figurent sur leur site web.",
        ),
        (
            "es",
            "Puede dirigirse a ellos directamente",
            "Sus datos de contacto figuran en su sitio web.",
        ),
    ],
)
def test_reply_for_a_direct_partner_without_contact(directory, language, direct, no_contact):
    routing = directory.route("inspection des prisons", NOTHING, region="africa")
    assert routing.partner.id == "africa"
    reply = directory.reply_text(routing, language)
    assert direct in reply
    assert no_contact in reply
    assert "https://africa.example.org" in reply


def test_reply_in_an_unknown_language_falls_back_to_english(directory):
    routing = directory.route("optional protocol", suggest("npm-other"))
    assert directory.reply_text(routing, "de") == directory.reply_text(routing, "en")


# --- the shipped referrals --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    base, _ = load_knowledge(KNOWLEDGE)
    loaded, problems = load_referrals(REFERRALS, base)
    return base, loaded, problems, Matcher(base)


def test_shipped_referrals_validate(shipped):
    _, loaded, problems, _ = shipped
    assert [str(p) for p in problems if p.is_error] == []
    assert len(loaded.partners) >= 13
    for partner in loaded.partners.values():
        assert partner.website.startswith("https://")
        assert all(partner.names.get(lang) and partner.descriptions.get(lang) for lang in LANGUAGES)


@pytest.mark.parametrize(
    ("question", "partner"),
    [
        ("We need help to design our national preventive mechanism", "apt"),
        ("Nous avons besoin d'aide pour concevoir notre mécanisme national de prévention", "apt"),
        ("Necesitamos ayuda para diseñar nuestro mecanismo nacional de prevención", "apt"),
        ("Can our NGO get a grant for a rehabilitation centre?", "unvfvt"),
        ("Notre ONG peut-elle obtenir une subvention pour un centre de réhabilitation ?", "unvfvt"),
        ("¿Puede nuestra ONG obtener una subvención para un centro de rehabilitación?", "unvfvt"),
    ],
)
def test_shipped_rules_refer_the_core_questions(shipped, question, partner):
    _, loaded, _, matcher = shipped
    match = matcher.match(question)
    routing = loaded.route(question, match)
    assert routing is not None and routing.partner.id == partner
    reply = loaded.reply_text(routing, match.language)
    assert routing.partner.names[match.language] in reply
    assert routing.reason[match.language] in reply


def test_shipped_rules_leave_ordinary_questions_to_the_knowledge_base(shipped):
    _, loaded, _, matcher = shipped
    question = "When is our initial report to the Committee against Torture due?"
    assert loaded.route(question, matcher.match(question)) is None


# --- validation ---------------------------------------------------------------------------------

CONFLICT = """\
  - id: by-topic-again
    partner: africa
    topics: [opcat]
"""


@pytest.mark.parametrize(
    ("file", "old", "new", "marker", "message"),
    [
        (
            "rules",
            "partner: world",
            "partner: nobody",
            "partner: nobody",
            "unknown partner 'nobody'",
        ),
        (
            "rules",
            "topics: [opcat]\n    regions",
            "topics: [torture-tourism]\n    regions",
            "torture-tourism",
            "unknown topic 'torture-tourism'",
        ),
        (
            "rules",
            "entries: [npm-basics]",
            "entries: [npm-nothing]",
            "npm-nothing",
            "unknown knowledge entry 'npm-nothing'",
        ),
        (
            "rules",
            "regions: [africa]",
            "regions: [atlantis]",
            "atlantis",
            "unknown region 'atlantis'",
        ),
        (
            "rules",
            "regions: [africa]",
            "regions: [europe]",
            "regions: [europe]",
            "partner 'africa' does not cover europe",
        ),
        (
            "rules",
            "partner: club\n    entries: [npm-basics]",
            "partner: club\n    when: sometimes\n    entries: [npm-basics]",
            "when: sometimes",
            "'when' must be unanswered or always",
        ),
        (
            "rules",
            'es: ["carceles"]}',
            'de: ["gefaengnis"]}',
            "gefaengnis",
            "keywords for unknown language 'de'",
        ),
        (
            "rules",
            'es: ["inspecci* + carcel*"]',
            'es: ["inspecci* + "]',
            'inspecci* + "',
            "empty es keyword",
        ),
        (
            "rules",
            "- id: by-keyword-later",
            "- id: by-keyword  # again",
            "# again",
            "duplicate rule id 'by-keyword'",
        ),
        (
            "rules",
            "  - id: by-entry\n",
            CONFLICT + REASON + "  - id: by-entry\n",
            "by-topic-again",
            "conflicts with rule 'by-topic'",
        ),
        ("partners", "regions: [africa]", "regions: [mars]", "mars", "unknown region 'mars'"),
        (
            "partners",
            "helps_with: [reporting]",
            "helps_with: [gardening]",
            "gardening",
            "unknown topic 'gardening'",
        ),
        (
            "partners",
            "fr: Partenaire africain, ",
            "",
            "name: {en: Africa Partner",
            "'name' is missing its fr text",
        ),
        (
            "partners",
            "introduction: direct",
            "introduction: lukewarm",
            "lukewarm",
            "'introduction' must be warm or direct",
        ),
        (
            "partners",
            "https://africa.example.org",
            "http://africa.example.org",
            "http://africa",
            "'website' must be an https:// address",
        ),
        (
            "partners",
            "contact: desk@world.example.org",
            "contact: call us",
            "call us",
            "'contact' must be an e-mail address",
        ),
        (
            "partners",
            "  - id: club\n",
            "  - id: world  # again\n",
            "# again",
            "duplicate partner id 'world'",
        ),
        (
            "partners",
            "helps_with: [opcat]\n    regions: []",
            "helps_with: [opcat\n    regions: []",
            "regions: []",
            "invalid YAML",
        ),
        ("groups", "[FJI]", "[FJI, XXX]", "XXX", "unknown State 'XXX'"),
        (
            "partners",
            "introduction: direct",
            "introduction: direct\n    short: The Partner Organisation For Africa",
            "short:",
            "'short' must be a name of at most 24 characters",
        ),
    ],
)
def test_validation_reports_the_line(tmp_path, file, old, new, marker, message):
    texts = {"partners": PARTNERS, "rules": PRECEDENCE, "groups": GROUPS}
    assert old in texts[file], "the case must change the file"
    texts[file] = texts[file].replace(old, new, 1)
    folder = write(
        tmp_path, partners=texts["partners"], rules_text=texts["rules"], groups=texts["groups"]
    )
    _, problems = load_referrals(folder, BASE)
    line = next(i for i, text in enumerate(texts[file].splitlines(), 1) if marker in text)
    found = [p for p in problems if message in p.message]
    assert found, [str(p) for p in problems]
    assert found[0].line == line
    assert found[0].file.endswith(f"{file}.yaml")
    assert str(found[0]).startswith(f"{found[0].file}:{line}: ")


def test_missing_languages_in_a_rule(tmp_path):
    text = PRECEDENCE.replace(REASON, "    reason: {en: Only English.}\n", 1)
    text = text.replace(
        'keywords: {en: ["prison*"], fr: ["prisons"], es: ["carceles"]}',
        'keywords: {en: ["prison*"]}',
    )
    _, problems = load_referrals(write(tmp_path, rules_text=text), BASE)
    messages = sorted(p.message for p in problems)
    assert messages == [
        "by-keyword-later: keywords are missing their es list",
        "by-keyword-later: keywords are missing their fr list",
        "by-topic: 'reason' is missing its es text",
        "by-topic: 'reason' is missing its fr text",
    ]


@pytest.mark.parametrize("name", ["partners.yaml", "rules.yaml"])
def test_missing_file(tmp_path, name):
    folder = write(tmp_path)
    (folder / name).unlink()
    _, problems = load_referrals(folder, BASE)
    assert any(p.message == f"missing {name}" and p.line == 1 for p in problems)


def test_a_rule_with_an_unknown_partner_never_routes(tmp_path):
    text = PRECEDENCE.replace(
        "  - id: by-keyword\n    partner: africa", "  - id: by-keyword\n    partner: gone"
    )
    loaded, problems = load_referrals(write(tmp_path, rules_text=text), BASE)
    assert any("unknown partner 'gone'" in p.message for p in problems)
    assert loaded.route("who can inspect our prisons?", NOTHING).rule == "by-keyword-later"


# --- the tracked record ---------------------------------------------------------------------------


@pytest.fixture
def db(database_url):
    engine = connect(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _referrals(db) -> dict[str, int]:
    """Four referrals: due, due later, not yet due, and due but the official used /forget."""
    with session_scope(db) as session:
        official = Official(telegram_id=1)
        session.add(official)
        session.flush()
        made = {
            "due-first": Referral(
                partner_id="apt", official_id=official.id, followup_due_at=NOW - timedelta(days=2)
            ),
            "due-second": Referral(
                partner_id="irct", official_id=official.id, followup_due_at=NOW - timedelta(hours=1)
            ),
            "not-yet": Referral(
                partner_id="apt", official_id=official.id, followup_due_at=NOW + timedelta(days=1)
            ),
            "forgotten": Referral(
                partner_id="apt", official_id=None, followup_due_at=NOW - timedelta(days=5)
            ),
        }
        session.add_all(made.values())
        session.flush()
        return {name: referral.id for name, referral in made.items()}


def test_due_followups_survive_in_the_database_and_are_sent_once(db):
    ids = _referrals(db)
    with session_scope(db) as session:
        assert [r.id for r in due_followups(session, now=NOW)] == [
            ids["due-first"],
            ids["due-second"],
        ]
        mark_followup_sent(session, ids["due-first"], now=NOW)
    with session_scope(db) as session:  # a new unit of work, as after a restart
        assert [r.id for r in due_followups(session, now=NOW)] == [ids["due-second"]]
        later = NOW + timedelta(days=2)
        assert [r.id for r in due_followups(session, now=later)] == [
            ids["due-second"],
            ids["not-yet"],
        ]
        assert len(due_followups(session, now=later, limit=1)) == 1


def test_close_referral_with_an_outcome(db):
    ids = _referrals(db)
    with session_scope(db) as session:
        close_referral(session, ids["due-first"], outcome="taken_up", now=NOW)
    with session_scope(db) as session:
        referral = session.get(Referral, ids["due-first"])
        assert (referral.status, referral.outcome, referral.closed_at) == (
            "closed",
            "taken_up",
            NOW,
        )
        counts = session.execute(
            select(Referral.partner_id, Referral.status).order_by(Referral.id)
        ).all()
        assert ("apt", "closed") in counts


@pytest.mark.parametrize(
    ("which", "outcome", "message"),
    [
        ("due-first", "maybe", "outcome must be one of taken_up, not_needed, no_answer"),
        (None, "taken_up", "no referral #"),
        ("closed", "no_answer", "already closed (not_needed)"),
    ],
)
def test_close_referral_refuses(db, which, outcome, message):
    ids = _referrals(db)
    with session_scope(db) as session:
        close_referral(session, ids["not-yet"], outcome="not_needed", now=NOW)
    ids["closed"] = ids["not-yet"]
    with (
        session_scope(db) as session,
        pytest.raises(ReferralError, match=message.replace("(", r"\(").replace(")", r"\)")),
    ):
        close_referral(session, ids.get(which, 9999), outcome=outcome)


@pytest.mark.parametrize(
    ("state", "partner"), [("FJI", "commonwealth"), ("FRA", "ohchr-tbcbp"), (None, "ohchr-tbcbp")]
)
def test_shipped_reporting_help_goes_to_the_commonwealth_for_its_members(shipped, state, partner):
    base, loaded, _, _ = shipped
    entry = base.entries["reporting-drafting-help"]
    match = Match("suggest", "en", None, 60.0, [Candidate(entry, 60.0)])
    routing = loaded.route("we need support", match, state=base.states[state] if state else None)
    assert routing is not None and routing.partner.id == partner


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Association for the Prevention of Torture (APT)", "APT"),
        ("European Committee for the Prevention of Torture (CPT), Council of Europe", "CPT"),
        ("REDRESS", "REDRESS"),
        ("OHCHR Treaty Body Capacity-Building Programme", "some-id"),
    ],
)
def test_a_partner_without_a_short_name_gets_one_that_fits_a_button(name, expected):
    assert short_name(name, "some-id") == expected


def test_every_shipped_partner_fits_a_button(shipped):
    _, directory, _, _ = shipped
    assert all(0 < len(p.short) <= SHORT_NAME_CHARS for p in directory.partners.values())

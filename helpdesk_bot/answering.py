"""Answering: an official's text -> the reply they read, with no database and no Telegram.

The order of the checks is the order of trust: small talk is never a question; a question naming
another instrument is declined before the matcher can answer it with UNCAT facts; a message too
vague to match gets the topics; then the matcher's answer, with a partner after it when a referral
rule applies (a referral never hides an answer the base has).

Example::

    answerer = Answerer(base, referrals, scope)
    reply = answerer.answer("How many States have ratified the ICCPR?", language="en")
    reply.outcome, reply.declined_by           # -> ("decline", "iccpr")
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from rapidfuzz import fuzz, process

from . import register, status, texts
from .config import (
    ANSWER_MARGIN,
    ANSWER_THRESHOLD,
    MIN_CONTENT_SHARE,
    SUGGEST_THRESHOLD,
    UNRELATED_FLOOR,
)
from .knowledge import LANGUAGES, Entry, KnowledgeBase, State, Tool, fold
from .matcher import Match, Matcher
from .referrals import Partner, ReferralDirectory, Routing
from .scope import Outside, Scope
from .text import is_intent, phrase_pattern, simplify, stem

MAX_QUESTION_CHARS = 4096
# Outcomes that are questions in the statistics; small talk is counted apart.
QUESTION_OUTCOMES = ("answer", "suggest", "refer", "decline", "clarify", "escalate")
# Why a question was declined when no listed instrument was named.
GENERAL_RULE = "general"  # it names an instrument the matched entry never mentions
UNRELATED = "unrelated"  # none of its words belongs to the desk's subject
# A word this long may differ from a subject word by a typo ("torure").
DOMAIN_TYPO_LENGTH = 5
DOMAIN_TYPO_SIMILARITY = 85.0
SECRETARIAT_COMMAND = "/secretariat"


@dataclass
class Reply:
    """What the official reads, and what was recorded."""

    question: str
    # answer | suggest | refer | decline | clarify | smalltalk | escalate | limited | empty
    outcome: str
    language: str
    text: str
    entry: Entry | None = None
    score: float = 0.0
    suggestions: list[Entry] = field(default_factory=list)
    partner: Partner | None = None
    partner_note: str = ""  # the partner's lines after an answer (part of text)
    tools: list[Tool] = field(default_factory=list)
    # After an answer: the entries the Secretariat marked as worth reading next (``related``).
    related: list[Entry] = field(default_factory=list)
    declined_by: str | None = None  # the scope item (or rule) that declined the question
    small_talk: str | None = None  # greeting | thanks | ok | bye | test
    state: State | None = None
    ticket_id: int | None = None
    ticket_is_new: bool = False
    ticket_card_id: int | None = None  # the ticket's card in the staff chat, once posted
    ticket_message_id: int | None = None  # the message's row in the ticket's thread
    query_id: int | None = None
    referral_id: int | None = None
    referral_is_new: bool = False  # a new referral record: staff get a card for it
    candidates: list[tuple[str, float]] = field(default_factory=list)

    @property
    def offers_secretariat(self) -> bool:
        """An answer that tells the official the Secretariat can advise them directly: it carries
        the button that does it, rather than asking them to type the question again."""
        return self.outcome == "answer" and SECRETARIAT_COMMAND in self.text

    def to_json(self) -> dict:
        """The ``ask --json`` line of DESIGN.md."""
        return {
            "question": self.question,
            "outcome": self.outcome,
            "entry": self.entry.id if self.entry else None,
            "score": round(self.score),
            "language": self.language,
            "text": self.text,
            "suggestions": [
                {"entry": e.id, "question": e.question(self.language)} for e in self.suggestions
            ],
            "partner": self.partner.id if self.partner else None,
            "state": self.state.code if self.state else None,
        }


def clean_text(text: str) -> str:
    """Control characters out, whitespace collapsed, cut to Telegram's 4,096 characters."""
    if not text.isprintable():  # checked in C first: most questions have nothing to replace
        text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())[:MAX_QUESTION_CHARS]


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_message(text: str) -> str:
    """Control characters out (NUL included: PostgreSQL refuses it), lines kept: a staff reply as
    the official will read it. ``clean_message("Yes\x00,\nsee you")`` -> ``"Yes,\nsee you"``"""
    return _CONTROLS.sub("", text).strip()


def entry_text(
    entry: Entry, language: str, base: KnowledgeBase, *, today: date | None = None
) -> str:
    """The entry's answer in ``language``, its figures filled from the State register, then its
    source, as the official reads it; past its ``review_by`` date it says when it was checked."""
    lang = language if language in entry.answers else "en"
    answer = register.fill(entry.answers[lang], base, lang)
    parts = [answer, texts.say("source", language, source=entry.source)]
    if entry.review_by is not None and entry.review_by < (today or date.today()):
        checked = register.format_date(entry.reviewed, language) if entry.reviewed else "?"
        parts.append(texts.say("checked_on", language, date=checked))
    return "\n\n".join(parts)


def state_text(
    entry: Entry,
    language: str,
    base: KnowledgeBase,
    state: State | None,
    *,
    today: date | None = None,
    named: bool = False,
) -> str:
    """What follows an answer that depends on the asker's State (the entry's ``state_aspect``):
    the paragraph for ``state`` (``named``: one the question names, not the asker's own), or,
    with no State, the one-line offer to set it; "" otherwise."""
    if entry.state_aspect is None:
        return ""
    if state is None:
        return status.offer_line(language)
    paragraph = status.state_paragraph(
        state, entry.state_aspect, base, language, today=today or date.today(), named=named
    )
    return paragraph or ""


class Answerer:
    """The knowledge base, referrals, scope list and matcher of one load; immutable."""

    def __init__(
        self,
        base: KnowledgeBase,
        referrals: ReferralDirectory,
        scope: Scope,
        *,
        answer_threshold: float = ANSWER_THRESHOLD,
        suggest_threshold: float = SUGGEST_THRESHOLD,
        answer_margin: float = ANSWER_MARGIN,
        min_content_share: float = MIN_CONTENT_SHARE,
    ):
        self.base = base
        self.referrals = referrals
        self.scope = scope
        self.matcher = Matcher(
            base,
            answer_threshold=answer_threshold,
            suggest_threshold=suggest_threshold,
            answer_margin=answer_margin,
            min_content_share=min_content_share,
        )
        normaliser = self.matcher.normaliser
        # A vague word's term, and its stem even where the word is a stop word ("need" says
        # nothing to the matcher, yet "needed" is a plea the matcher would read as "need").
        self._vague = frozenset(
            t for w in scope.vague_words() for t in [*normaliser.terms(w), stem(simplify(w))]
        )
        self._domain = sorted({t for w in scope.domain_words() for t in normaliser.terms(w)})
        # The base's own concepts (synonym groups: OPCAT, the Committee, the NPM...).
        self._concepts = frozenset(normaliser.canonical.values())
        self.vocabulary = lru_cache(maxsize=1024)(self._vocabulary)
        self.asked = lru_cache(maxsize=1024)(self._asked)
        # Every State's names in the three languages, as an official writes them: "Has Fiji
        # ratified?" is about Fiji whatever the asker's profile says. A name two States share is
        # left out (it tells neither apart); codes too ("CAN", "PER" are words).
        owners: dict[str, set[str]] = {}
        for code, known in base.states.items():
            for name in known.all_names:
                owners.setdefault(simplify(name), set()).add(code)
        self._state_of_name = {n: codes.pop() for n, codes in owners.items() if len(codes) == 1}
        self._state_names = phrase_pattern(self._state_of_name)

    def answer(
        self, question: str, *, language: str | None = None, state: State | None = None
    ) -> Reply:
        """The reply to ``question``; ``language`` is the official's (or their app's) language,
        a hint the question's own words overrule when there are enough of them."""
        text = clean_text(question)
        hint = language if language in LANGUAGES else "en"
        if not text:
            return Reply(question, "escalate", hint, texts.say("empty_question", hint), state=state)
        talk = self.scope.small_talk(text, aside=self._asks_nothing)
        if talk is not None:
            lang = talk.language or hint
            return Reply(
                question,
                "smalltalk",
                lang,
                texts.say(f"smalltalk_{talk.kind}", lang),
                small_talk=talk.kind,
                state=state,
            )
        match = self.matcher.match(text, language=hint)
        lang = match.language
        reply = Reply(
            question=question,
            outcome=match.outcome,
            language=lang,
            text="",
            score=match.score,
            candidates=[(c.entry.id, c.score) for c in match.candidates[:3]],
            state=state,
        )
        named = self.scope.outside_named(text)
        if named is None and self.is_vague(text):
            reply.outcome = "clarify"
            reply.text = texts.say("clarify", lang)
            return reply
        routing = self.referrals.route(
            text, match, region=state.region if state else None, state=state
        )
        # A partner the official names by a rule's keyword ("the OMCT", "the CPT") is a subject
        # the desk refers, however few of its own words the question uses.
        referred = routing is not None and routing.keyword is not None
        declined_by = (
            named.id if named is not None else self._outside_unlisted(text, match, referred)
        )
        if declined_by is not None:
            return self._decline(reply, declined_by, named, text)
        if routing is not None and self._about_the_partner(text, match, routing, hint):
            match = replace(match, outcome="escalate", entry=None)
            reply.outcome = "escalate"
        if match.outcome == "answer" and match.entry is not None:
            reply.entry = match.entry
            reply.tools = [self.base.tools[t] for t in match.entry.tools if t in self.base.tools]
            reply.related = self.base.read_next(match.entry)
            reply.text = entry_text(match.entry, lang, self.base)
            if match.entry.state_aspect:  # only then does the State named matter
                named = self.state_named(text)
                about = named or state
                about_state = state_text(
                    match.entry, lang, self.base, about, named=about is not state
                )
                if about_state:  # a State with nothing recorded on this aspect adds nothing
                    reply.text += "\n\n" + about_state
        elif match.outcome == "suggest":
            reply.suggestions = match.suggestions
            lines = [texts.say("suggest_intro", lang)]
            lines += [f"{i}. {e.question(lang)}" for i, e in enumerate(reply.suggestions, 1)]
            lines.append(texts.say("suggest_none", lang))
            reply.text = "\n".join(lines)
        elif routing is not None:
            reply.outcome = "refer"
            reply.partner = routing.partner
            reply.text = self.referrals.reply_text(routing, lang)
        else:
            reply.outcome = "escalate"
            reply.text = texts.say("escalate_offline", lang)
        if routing is not None and reply.outcome in ("answer", "suggest"):
            # The base has (or may have) the answer: it comes first, the partner after it in
            # two lines, never instead of it.
            reply.partner = routing.partner
            reply.partner_note = self.referrals.brief_text(routing, lang)
            reply.text += "\n\n" + reply.partner_note
        return reply

    def _about_the_partner(self, text: str, match: Match, routing: Routing, hint: str) -> bool:
        """Whether an answer gives way to the partner the official named: the entry never uses the
        name ("What is the Inter-American Convention to Prevent and Punish Torture?" is not the
        entry on article 2), and the question without the name is not that entry's question
        ("Does a CPT visit replace an SPT visit?" still is the entry on SPT visits)."""
        keyword = routing.keyword
        # A keyword of one part names something ("cpt|european committee..."); one of several
        # parts ("grant* + rehabilit*") names a topic the entry may well answer.
        if match.outcome != "answer" or match.entry is None or keyword is None:
            return False
        if len(keyword.parts) > 1:
            return False
        folded = fold(text)
        terms = self.matcher.normaliser.terms
        # What the entry is asked about: its phrasings, not its answer or keywords, which may name
        # partners in passing.
        asked = self.asked(match.entry.id)
        named = [t for words in keyword.found(folded) for t in terms(words)]
        if all(t in asked or is_intent(t) for t in named):
            return False
        without = self.matcher.match(keyword.strip(folded), language=hint)
        return without.outcome != "answer" or without.entry != match.entry

    def state_named(self, text: str) -> State | None:
        """The one State ``text`` names (any language, accents aside), or None for none or several:
        ``state_named("Has Fiji ratified the Convention?")`` -> Fiji."""
        if self._state_names is None:
            return None
        codes = {self._state_of_name[m] for m in self._state_names.findall(simplify(text))}
        return self.base.states[codes.pop()] if len(codes) == 1 else None

    # --- scope ---------------------------------------------------------------------------------
    def _outside_unlisted(self, text: str, match: Match, referred: bool = False) -> str | None:
        """The rule by which ``text``, naming nothing the scope list declines, is still outside
        the desk's scope (GENERAL_RULE, UNRELATED), or None; ``referred``: a referral rule's
        keyword names the question's subject."""
        if referred or self.scope.covered(text):
            return None
        if self._names_what_the_answer_does_not(text, match):
            return GENERAL_RULE
        # A confident answer may use words the domain list lacks ("NMIRF", "aut dedere"); a weak
        # one to a question with no word of the subject is a coincidence of common words.
        weak = match.outcome != "answer" or match.score < UNRELATED_FLOOR
        if weak and self._unrelated(text):
            return UNRELATED
        return None

    def _names_what_the_answer_does_not(self, text: str, match: Match) -> bool:
        """The general rule: the question names an instrument or body ("the Minamata Convention")
        whose words the entry the matcher found (or, short of an answer, its candidates) never uses."""
        # A listed name was settled by the list (outside_named): declined, or excused by the words
        # beside it ("the Human Rights Council" next to "the special rapporteur on torture").
        mentions = [m for m in self.scope.mentions(text) if not self.scope.listed(m)]
        if not mentions:
            return False
        if match.outcome == "answer" and match.entry is not None:
            known = self.vocabulary(match.entry.id)
        else:
            known = frozenset().union(*(self.vocabulary(c.entry.id) for c in match.candidates[:3]))
        terms = self.matcher.normaliser.terms
        return any(
            term not in known and term not in self._concepts
            for mention in mentions
            for term in terms(mention)
        )

    def _unrelated(self, text: str) -> bool:
        """Not one word of ``text`` belongs to the desk's subject (scope.yaml ``domain``; typos
        forgiven): the weather, a hotel, a printer."""
        if not self._domain:
            return False
        content = [t for t in self.matcher.normaliser.terms(text) if not is_intent(t)]
        return bool(content) and not any(self._in_domain(t) for t in content)

    def _in_domain(self, term: str) -> bool:
        if "_" in term:  # a synonym group's term: UNCAT, NPM, LOIPR...
            return True
        found = process.extractOne(
            term,
            self._domain,
            scorer=fuzz.ratio,
            score_cutoff=100 if len(term) < DOMAIN_TYPO_LENGTH else DOMAIN_TYPO_SIMILARITY,
        )
        return found is not None

    def _asks_nothing(self, words: list[str], thanked: bool) -> bool:
        """Words beside a greeting or thanks that ask nothing of the desk: no word of its subject,
        and, beside a greeting, no plea for help ("hi, we need help" asks; "thanks, that answers my
        question" and "thanks, very helpful" do not)."""
        terms = self.matcher.normaliser.terms(" ".join(words))
        if any(self._in_domain(t) for t in terms):
            return False
        # "substantial grounds test": words the base answers beside a "test" (two at least: one
        # word alone, "hi team", is no question even when an entry uses it).
        if (
            not thanked
            and len(terms) > 1
            and self.matcher.match(" ".join(words)).outcome == "answer"
        ):
            return False
        return thanked or not (any(t in self._vague for t in terms) or self._pleads(words))

    def is_vague(self, text: str) -> bool:
        """Nothing in ``text`` but words like help, question, information (or bare numbers), or
        such a plea and one word more, of no subject of the desk ("I have a quick question",
        "info needed asap"): nothing to match, and nothing to decline either."""
        content = [t for t in self.matcher.normaliser.terms(text) if not is_intent(t)]
        others = [t for t in content if t not in self._vague and not t.isdigit()]
        if not others:
            return True
        if len(others) > 1 or any(self._in_domain(t) for t in content):
            return False
        return self._pleads(simplify(text).split())

    def _pleads(self, words: list[str]) -> bool:
        """Whether one of the folded ``words`` is a vague word, stop words included ("need")."""
        return any(stem(word) in self._vague for word in words)

    def _vocabulary(self, entry_id: str) -> frozenset[str]:
        """Every term an entry uses anywhere: phrasings, answers, keywords, source, tools."""
        entry = self.base.entries[entry_id]
        parts = [entry.source]
        for language in LANGUAGES:
            parts += entry.questions.get(language, [])
            parts += entry.keywords.get(language, [])
            parts.append(entry.answers.get(language, ""))
        for tool_id in entry.tools:
            tool = self.base.tools.get(tool_id)
            if tool is not None:
                parts += tool.titles.values()
        terms = self.matcher.normaliser.terms
        return frozenset(t for part in parts for t in terms(part))

    def _asked(self, entry_id: str) -> frozenset[str]:
        """Every term of an entry's phrasings, in every language."""
        entry = self.base.entries[entry_id]
        terms = self.matcher.normaliser.terms
        return frozenset(t for question in entry.phrasings() for t in terms(question))

    def _decline(self, reply: Reply, declined_by: str, named: Outside | None, text: str) -> Reply:
        """``named``: the listed instrument that declined it (None for the general rules)."""
        lang = reply.language
        lines = [texts.say("decline", lang)]
        pointer = self.scope.pointer(named, text, lang)
        if pointer:
            lines.append(pointer)
        lines.append(texts.say("decline_secretariat", lang))
        reply.outcome = "decline"
        reply.declined_by = declined_by
        reply.text = "\n\n".join(lines)
        return reply

"""The referral service: partner organisations and the rules that route questions to them (the
tracked hand-offs are the database's: referral_records.py).

The Secretariat edits ``referrals/partners.yaml`` (who), ``referrals/rules.yaml`` (when) and
optionally ``referrals/groups.yaml`` (named groups of States). The loader never raises on bad YAML:
it returns the problems, each as ``file:line: message``.

Example::

    directory, problems = load_referrals(Path("referrals"), base)
    routing = directory.route("we need help to design our NPM", match, region="africa")
    routing.partner.id, routing.rule          # -> ("apt", "npm-design")
    print(directory.reply_text(routing, "fr"))
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .knowledge import LANGUAGES, REGIONS, KnowledgeBase, State, fold
from .matcher import Match
from .yamlfile import LineDict, LineList, Problem, display_path, language_texts, read_yaml

INTRODUCTIONS = ("warm", "direct")
SHORT_NAME_CHARS = 24  # a staff button on a phone shows about this many characters
WHEN = ("unanswered", "always")
# Groups every State belongs to or not from its flags in knowledge/states.yaml.
FLAG_GROUPS = {"commonwealth": "commonwealth", "sids": "sids"}
_CONTACT = re.compile(r"[^@\s]+@[^@\s]+\.\w+|https://\S+")
# Trigger kinds, strongest first: a rule naming the very entry beats one naming the official's
# words, which beats one naming only the topic.
KINDS = ("entry", "keyword", "topic")


@dataclass(frozen=True)
class Partner:
    """An organisation the Secretariat refers officials to."""

    id: str
    names: dict[str, str]
    descriptions: dict[str, str]
    helps_with: list[str]
    regions: list[str]
    website: str
    contact: str
    introduction: str  # warm: the Secretariat introduces | direct: the official writes
    short: str = ""  # the name on a staff button, short enough for a phone screen

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.id


def short_name(name: str, partner_id: str) -> str:
    """A button-sized name when partners.yaml gives no ``short``: the abbreviation in brackets,
    else the name if it fits, else the id.

    >>> short_name("Association for the Prevention of Torture (APT)", "apt")
    'APT'
    """
    if found := re.search(rf"\(([^()]{{2,{SHORT_NAME_CHARS}}})\)", name):
        return found[1]
    return name if 0 < len(name) <= SHORT_NAME_CHARS else partner_id


@dataclass(frozen=True)
class Routing:
    """The decision to refer a question: to whom, by which rule, and why."""

    partner: Partner
    rule: str
    reason: dict[str, str]
    # The keyword that fired the rule, when a keyword did: the words the official used to name
    # the partner's subject ("the CPT", "the Inter-American Convention").
    keyword: Keyword | None = None


@dataclass(frozen=True)
class Keyword:
    """One keyword of a rule, matched on whole words, ignoring case and accents.

    ``+`` joins parts that must all appear (in any order), ``|`` separates alternatives within a
    part, and a word ending in ``*`` also matches longer words::

        Keyword.parse("grant*|fund* + rehabilit*").found_in(fold("A grant for a rehabilitation centre"))
    """

    text: str
    parts: tuple[re.Pattern[str], ...]
    # Per part, the words one of its alternatives must contain: a plain substring test rules most
    # questions out before a regex scans a long e-mail position by position.
    needles: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Keyword:
        parts = text.split("+")
        needles = tuple(
            tuple(max(fold(raw).split(), key=len).rstrip("*") for raw in part.split("|"))
            for part in parts
        )
        return cls(text, tuple(_alternatives(part) for part in parts), needles)

    def found_in(self, folded: str) -> bool:
        # A loop, not all(generator): about a dozen keywords are searched for every question.
        for at, part in enumerate(self.parts):
            if self.needles and not any(needle in folded for needle in self.needles[at]):
                return False
            if part.search(folded) is None:
                return False
        return True

    def found(self, folded: str) -> list[str]:
        """The words of ``folded`` this keyword matches:
        ``Keyword.parse("cpt|european committee").found("does a cpt visit")`` -> ``["cpt"]``."""
        return [m.group(0) for part in self.parts for m in part.finditer(folded)]

    def strip(self, folded: str) -> str:
        """``folded`` without the words this keyword matches."""
        for part in self.parts:
            folded = part.sub(" ", folded)
        return " ".join(folded.split())


def _alternatives(part: str) -> re.Pattern[str]:
    options = []
    for raw in part.split("|"):
        words = [
            re.escape(word.rstrip("*")) + (r"\w*" if word.endswith("*") else "")
            for word in fold(raw).split()
        ]
        options.append(r"\s+".join(words))
    return re.compile(rf"(?<!\w)(?:{'|'.join(options)})(?!\w)")


def _keyword_is_valid(text: str) -> bool:
    """Every alternative of every part has at least one letter or digit."""
    return all(
        re.search(r"\w", fold(option)) for part in text.split("+") for option in part.split("|")
    )


@dataclass(frozen=True)
class Rule:
    """When to refer: a trigger (entries, keywords or topics), a region scope, and a partner."""

    id: str
    partner: str
    when: str
    entries: frozenset[str] = frozenset()
    keywords: tuple[Keyword, ...] = ()
    topics: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()  # empty: whatever the official's region
    reason: dict[str, str] = field(default_factory=dict)
    order: int = 0
    file: str = ""
    line: int = 0

    def trigger(self, folded: str, entry: str | None, topic: str | None) -> str | None:
        """The strongest kind of trigger this rule finds in the question, or None."""
        if entry is not None and entry in self.entries:
            return "entry"
        if self.keyword_in(folded) is not None:
            return "keyword"
        if topic is not None and topic in self.topics:
            return "topic"
        return None

    def keyword_in(self, folded: str) -> Keyword | None:
        """The first of this rule's keywords found in the question, or None."""
        for keyword in self.keywords:
            if keyword.found_in(folded):
                return keyword
        return None


class ReferralDirectory:
    """The partners and the routing rules, immutable once built, replaced whole on reload."""

    def __init__(
        self,
        partners: dict[str, Partner] | None = None,
        rules: Iterable[Rule] = (),
        groups: dict[str, frozenset[str]] | None = None,
    ):
        self.partners: dict[str, Partner] = dict(partners or {})
        self.rules: list[Rule] = list(rules)
        self.groups: dict[str, frozenset[str]] = dict(groups or {})

    def regions_of(self, *, region: str | None = None, state: State | None = None) -> set[str]:
        """Every region id and group the official belongs to."""
        found = {region} if region else set()
        if state is not None:
            found.add(state.region)
            found.update(group for group, flag in FLAG_GROUPS.items() if getattr(state, flag))
            found.update(group for group, codes in self.groups.items() if state.code in codes)
        return found

    def route(
        self,
        text: str,
        match: Match,
        *,
        region: str | None = None,
        state: State | None = None,
    ) -> Routing | None:
        """The partner to refer ``text`` to, or None when the desk should answer or escalate.

        Precedence when several rules fit: an entry rule beats a keyword rule beats a topic rule;
        then a rule limited to the official's region beats a rule for everyone; then the rule
        higher in rules.yaml wins.
        """
        folded = fold(text)
        entry = match.entry
        if entry is None and match.outcome == "suggest" and match.candidates:
            entry = match.candidates[0].entry
        official = self.regions_of(region=region, state=state)
        answered = match.outcome == "answer"
        best: tuple[tuple[int, int, int], Rule, str] | None = None
        for rule in self.rules:
            if answered and rule.when == "unanswered":
                continue
            if rule.regions and not rule.regions & official:
                continue
            kind = rule.trigger(folded, entry.id if entry else None, entry.topic if entry else None)
            if kind is None or rule.partner not in self.partners:
                continue
            rank = (len(KINDS) - KINDS.index(kind), 1 if rule.regions else 0, -rule.order)
            if best is None or rank > best[0]:
                best = (rank, rule, kind)
        if best is None:
            return None
        _, rule, kind = best
        keyword = rule.keyword_in(folded) if kind == "keyword" else None
        return Routing(self.partners[rule.partner], rule.id, rule.reason, keyword)

    def reply_text(self, routing: Routing, language: str, *, by_staff: bool = False) -> str:
        """What the official reads: who the partner is, why, and how to reach them.

        ``by_staff``: the Secretariat referred the official's request itself, so the official is
        told what happens next, not to write to the Secretariat they have just written to.
        """
        partner = routing.partner
        lang = language if language in LANGUAGES else "en"
        words = _REPLY[lang]
        description = partner.descriptions.get(lang) or partner.descriptions.get("en", "")
        reason = routing.reason.get(lang) or routing.reason.get("en", "")
        lines = [words["intro"].format(name=partner.name(lang))]
        if reason:
            lines.append(reason)
        if description:
            lines.append(description)
        lines.append("")
        lines.append(words[f"staff_{partner.introduction}" if by_staff else partner.introduction])
        lines.append(f"{words['website']}: {partner.website}")
        if partner.contact:
            lines.append(f"{words['contact']}: {partner.contact}")
        else:
            lines.append(words["no_contact"])
        return "\n".join(lines)

    def brief_text(self, routing: Routing, language: str) -> str:
        """The partner in two lines, after an answer: who, and how to reach them."""
        partner = routing.partner
        lang = language if language in LANGUAGES else "en"
        words = _REPLY[lang]
        how = words["brief_warm"] if partner.introduction == "warm" else partner.website
        return words["brief"].format(name=partner.name(lang)) + "\n" + how

    @staticmethod
    def reminder_text(partner: Partner, language: str) -> str:
        """One line for an official already shown this partner today."""
        lang = language if language in LANGUAGES else "en"
        return _REPLY[lang]["again"].format(name=partner.name(lang), website=partner.website)


_REPLY = {
    "en": {
        "staff_warm": "The CTI Secretariat will now introduce you to them and tell you here when "
        "they have your request; nothing more is needed from you for now.",
        "staff_direct": "Please contact them directly and mention that the CTI Secretariat referred "
        "you. If they cannot help, tell us with /secretariat.",
        "intro": "This is best handled by a partner of the CTI: {name}.",
        "warm": "The CTI Secretariat can introduce you to them: write /secretariat with a line "
        "about what you need and we will put you in touch.",
        "direct": "You can contact them directly; you may mention that the CTI help desk "
        "referred you.",
        "website": "Website",
        "contact": "Contact",
        "no_contact": "Their contact details are on their website.",
        "brief": "For further support on this, a CTI partner can help: {name}.",
        "brief_warm": "The Secretariat can introduce you: write /secretariat with a line about "
        "what you need.",
        "again": "As mentioned earlier, {name} is best placed to help with this: {website}",
    },
    "fr": {
        "staff_warm": "Le Secrétariat de la CTI va maintenant vous mettre en relation avec eux et "
        "vous dira ici quand ils auront votre demande ; vous n'avez rien d'autre à faire pour "
        "l'instant.",
        "staff_direct": "Veuillez les contacter directement en précisant que le Secrétariat de la "
        "CTI vous a orienté vers eux. S'ils ne peuvent pas vous aider, dites-le-nous avec "
        "/secretariat.",
        "intro": "Cette question relève plutôt d'un partenaire de la CTI : {name}.",
        "warm": "Le Secrétariat de la CTI peut vous mettre en relation : écrivez /secretariat en "
        "indiquant en une ligne ce dont vous avez besoin.",
        "direct": "Vous pouvez les contacter directement, en précisant que le service "
        "d'assistance de la CTI vous a orienté vers eux.",
        "website": "Site web",
        "contact": "Contact",
        "no_contact": "Leurs coordonnées figurent sur leur site web.",
        "brief": "Pour aller plus loin, un partenaire de la CTI peut vous aider : {name}.",
        "brief_warm": "Le Secrétariat peut vous mettre en relation : écrivez /secretariat en "
        "indiquant en une ligne ce dont vous avez besoin.",
        "again": "Comme indiqué plus tôt, {name} est le mieux placé pour vous aider sur ce "
        "point : {website}",
    },
    "es": {
        "staff_warm": "La Secretaría de la CTI le pondrá ahora en contacto con ellos y le avisará "
        "aquí cuando tengan su solicitud; por ahora no necesita hacer nada más.",
        "staff_direct": "Diríjase a ellos directamente e indique que la Secretaría de la CTI le "
        "remitió. Si no pueden ayudarle, avísenos con /secretariat.",
        "intro": "Esta consulta la atiende mejor un socio de la CTI: {name}.",
        "warm": "La Secretaría de la CTI puede ponerle en contacto: escriba /secretariat "
        "indicando en una línea lo que necesita.",
        "direct": "Puede dirigirse a ellos directamente e indicar que el servicio de asistencia "
        "de la CTI le remitió.",
        "website": "Sitio web",
        "contact": "Contacto",
        "no_contact": "Sus datos de contacto figuran en su sitio web.",
        "brief": "Para ir más allá, un socio de la CTI puede ayudarle: {name}.",
        "brief_warm": "La Secretaría puede ponerle en contacto: escriba /secretariat indicando "
        "en una línea lo que necesita.",
        "again": "Como se indicó antes, {name} es quien mejor puede ayudarle en esto: {website}",
    },
}


# --- loading --------------------------------------------------------------------------------


def load_referrals(directory: Path, base: KnowledgeBase) -> tuple[ReferralDirectory, list[Problem]]:
    """Load and check ``directory`` against ``base``; returns the directory and every problem."""
    loader = _Loader(directory, base)
    return loader.load(), sorted(loader.problems)


class _Loader:
    def __init__(self, directory: Path, base: KnowledgeBase):
        self.directory = directory
        self.base = base
        self.problems: list[Problem] = []
        self.partners: dict[str, Partner] = {}
        self.partner_lines: dict[str, tuple[str, int]] = {}
        self.groups: dict[str, frozenset[str]] = {}
        self.rules: list[Rule] = []

    def problem(self, file: str, line: int, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(file, line, message, severity))

    def read(self, path: Path, key: str, *, required: bool = True) -> tuple[str, LineList | None]:
        name = display_path(path)
        if not path.exists():
            if required:
                self.problem(name, 1, f"missing {path.name}")
            return name, None
        data, problems = read_yaml(path)
        self.problems.extend(problems)
        if problems:
            return name, None
        if not isinstance(data, LineDict):
            self.problem(name, 1, "expected a mapping at the top of the file")
            return name, None
        items = data.get(key)
        if not isinstance(items, LineList):
            self.problem(name, data.key_line(key), f"expected a list under '{key}'")
            return name, None
        return name, items

    def load(self) -> ReferralDirectory:
        if not self.directory.is_dir():
            self.problem(display_path(self.directory), 1, "the referrals folder does not exist")
            return ReferralDirectory()
        self.load_groups()
        self.load_partners()
        self.load_rules()
        self.check_conflicts()
        return ReferralDirectory(self.partners, self.rules, self.groups)

    def known_regions(self) -> set[str]:
        return set(REGIONS) | set(FLAG_GROUPS) | set(self.groups)

    def texts(self, name: str, item: LineDict, key: str, owner: str) -> dict[str, str]:
        texts, problems = language_texts(name, item, key, LANGUAGES, owner=owner)
        self.problems.extend(problems)
        return texts

    def id_list(self, name: str, item: LineDict, key: str, owner: str) -> LineList:
        value = item.get(key)
        if value is None:
            return LineList()
        if not isinstance(value, LineList) or not all(isinstance(v, str) for v in value):
            self.problem(name, item.key_line(key), f"{owner}: '{key}' must be a list of ids")
            return LineList()
        return value

    def check_regions(self, name: str, item: LineDict, owner: str) -> frozenset[str]:
        regions = self.id_list(name, item, "regions", owner)
        known = self.known_regions()
        for index, region in enumerate(regions):
            if region not in known:
                self.problem(
                    name,
                    regions.item_line(index),
                    f"{owner}: unknown region {region!r} (one of {', '.join(sorted(known))})",
                )
        return frozenset(r for r in regions if r in known)

    # --- groups.yaml ------------------------------------------------------------------------
    def load_groups(self) -> None:
        name, items = self.read(self.directory / "groups.yaml", "groups", required=False)
        for item in items or []:
            if not isinstance(item, LineDict) or not isinstance(item.get("id"), str):
                self.problem(name, getattr(item, "line", items.line), "a group needs an 'id'")
                continue
            group = item["id"]
            if group in self.groups or group in REGIONS or group in FLAG_GROUPS:
                self.problem(name, item.key_line("id"), f"group {group!r} is already defined")
                continue
            states = self.id_list(name, item, "states", group)
            if not states:
                self.problem(name, item.line, f"{group}: a group needs a list of State codes")
            for index, code in enumerate(states):
                if self.base.states and code not in self.base.states:
                    self.problem(
                        name,
                        states.item_line(index),
                        f"{group}: unknown State {code!r} (see knowledge/states.yaml)",
                    )
            self.groups[group] = frozenset(states)

    # --- partners.yaml ----------------------------------------------------------------------
    def load_partners(self) -> None:
        name, items = self.read(self.directory / "partners.yaml", "partners")
        for item in items or []:
            if not isinstance(item, LineDict) or not isinstance(item.get("id"), str):
                self.problem(name, getattr(item, "line", items.line), "a partner needs an 'id'")
                continue
            partner_id = item["id"]
            if partner_id in self.partners:
                first = self.partner_lines[partner_id]
                self.problem(
                    name,
                    item.key_line("id"),
                    f"duplicate partner id {partner_id!r} (first at {first[0]}:{first[1]})",
                )
                continue
            helps_with = self.id_list(name, item, "helps_with", partner_id)
            if not helps_with:
                self.problem(name, item.line, f"{partner_id}: 'helps_with' lists no topic")
            for index, topic in enumerate(helps_with):
                if topic not in self.base.topics:
                    self.problem(
                        name,
                        helps_with.item_line(index),
                        f"{partner_id}: unknown topic {topic!r} (see knowledge/topics.yaml)",
                    )
            website = item.get("website")
            if not isinstance(website, str) or not website.startswith("https://"):
                self.problem(
                    name,
                    item.key_line("website"),
                    f"{partner_id}: 'website' must be an https:// address",
                )
                website = ""
            contact = item.get("contact", "")
            if not isinstance(contact, str) or (
                contact.strip() and not _CONTACT.fullmatch(contact.strip())
            ):
                self.problem(
                    name,
                    item.key_line("contact"),
                    f"{partner_id}: 'contact' must be an e-mail address or an https:// address",
                )
                contact = ""
            introduction = item.get("introduction")
            if introduction not in INTRODUCTIONS:
                self.problem(
                    name,
                    item.key_line("introduction"),
                    f"{partner_id}: 'introduction' must be warm or direct",
                )
                introduction = "warm"
            names = self.texts(name, item, "name", partner_id)
            short = item.get("short")
            if short is not None and (
                not isinstance(short, str) or not short.strip() or len(short) > SHORT_NAME_CHARS
            ):
                self.problem(
                    name,
                    item.key_line("short"),
                    f"{partner_id}: 'short' must be a name of at most {SHORT_NAME_CHARS} characters",
                )
                short = None
            self.partners[partner_id] = Partner(
                id=partner_id,
                names=names,
                short=short.strip() if short else short_name(names.get("en", ""), partner_id),
                descriptions=self.texts(name, item, "description", partner_id),
                helps_with=list(helps_with),
                regions=sorted(self.check_regions(name, item, partner_id)),
                website=website,
                contact=contact.strip(),
                introduction=introduction,
            )
            self.partner_lines[partner_id] = (name, item.line)

    # --- rules.yaml -------------------------------------------------------------------------
    def load_rules(self) -> None:
        name, items = self.read(self.directory / "rules.yaml", "rules")
        seen: dict[str, int] = {}
        for item in items or []:
            if not isinstance(item, LineDict) or not isinstance(item.get("id"), str):
                self.problem(name, getattr(item, "line", items.line), "a rule needs an 'id'")
                continue
            rule_id = item["id"]
            if rule_id in seen:
                self.problem(
                    name,
                    item.key_line("id"),
                    f"duplicate rule id {rule_id!r} (first at line {seen[rule_id]})",
                )
                continue
            seen[rule_id] = item.line
            rule = self.load_rule(name, item, rule_id, len(self.rules))
            if rule is not None:
                self.rules.append(rule)

    def load_rule(self, name: str, item: LineDict, rule_id: str, order: int) -> Rule | None:
        partner = item.get("partner")
        ok = True
        if partner not in self.partners:
            self.problem(
                name,
                item.key_line("partner"),
                f"{rule_id}: unknown partner {partner!r} (see partners.yaml)",
            )
            ok = False
        when = item.get("when", "unanswered")
        if when not in WHEN:
            self.problem(
                name, item.key_line("when"), f"{rule_id}: 'when' must be unanswered or always"
            )
            ok = False
        topics = self.id_list(name, item, "topics", rule_id)
        for index, topic in enumerate(topics):
            if topic not in self.base.topics:
                self.problem(
                    name,
                    topics.item_line(index),
                    f"{rule_id}: unknown topic {topic!r} (see knowledge/topics.yaml)",
                )
        entries = self.id_list(name, item, "entries", rule_id)
        for index, entry in enumerate(entries):
            if entry not in self.base.entries:
                self.problem(
                    name, entries.item_line(index), f"{rule_id}: unknown knowledge entry {entry!r}"
                )
        keywords = self.load_keywords(name, item, rule_id)
        if not (topics or entries or item.get("keywords")):
            self.problem(name, item.line, f"{rule_id}: a rule needs topics, entries or keywords")
            ok = False
        regions = self.check_regions(name, item, rule_id)
        target = self.partners.get(partner)
        if target is not None and target.regions and regions - set(target.regions):
            outside = ", ".join(sorted(regions - set(target.regions)))
            self.problem(
                name,
                item.key_line("regions"),
                f"{rule_id}: partner {partner!r} does not cover {outside}",
            )
        reason = self.texts(name, item, "reason", rule_id)
        if not ok:
            return None
        return Rule(
            id=rule_id,
            partner=str(partner),
            when=str(when),
            entries=frozenset(e for e in entries if e in self.base.entries),
            keywords=keywords,
            topics=frozenset(t for t in topics if t in self.base.topics),
            regions=regions,
            reason=reason,
            order=order,
            file=name,
            line=item.line,
        )

    def load_keywords(self, name: str, item: LineDict, rule_id: str) -> tuple[Keyword, ...]:
        value = item.get("keywords")
        if value is None:
            return ()
        if not isinstance(value, LineDict):
            self.problem(
                name,
                item.key_line("keywords"),
                f"{rule_id}: 'keywords' must map en, fr and es to lists",
            )
            return ()
        found: list[Keyword] = []
        for language in value:
            if language not in LANGUAGES:
                self.problem(
                    name,
                    value.key_line(language),
                    f"{rule_id}: keywords for unknown language {language!r}",
                )
        for language in LANGUAGES:
            words = value.get(language)
            if not isinstance(words, LineList) or not words:
                self.problem(
                    name, value.line, f"{rule_id}: keywords are missing their {language} list"
                )
                continue
            for index, word in enumerate(words):
                if not isinstance(word, str) or not all(
                    fold(p).strip("* ") for p in word.split("+")
                ):
                    self.problem(
                        name, words.item_line(index), f"{rule_id}: empty {language} keyword"
                    )
                    continue
                found.append(Keyword.parse(word))
        return tuple(found)

    def check_conflicts(self) -> None:
        """Two rules with the same trigger, scope and timing but different partners: the later
        one can never win, which is never what the Secretariat meant."""
        claimed: dict[tuple, Rule] = {}
        for rule in self.rules:
            keys = [("entry", e) for e in rule.entries]
            keys += [("keyword", k.text.casefold().strip()) for k in rule.keywords]
            keys += [("topic", t) for t in rule.topics]
            for kind, value in keys:
                key = (kind, value, rule.regions, rule.when)
                first = claimed.get(key)
                if first is None:
                    claimed[key] = rule
                elif first.partner != rule.partner:
                    self.problem(
                        rule.file,
                        rule.line,
                        f"{rule.id}: conflicts with rule {first.id!r} (line {first.line}): both refer "
                        f"{kind} {value!r} to different partners, so {first.id!r} always wins",
                    )
                    break

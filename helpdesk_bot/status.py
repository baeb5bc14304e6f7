"""What the register says of one State, as an official reads it: pure functions, no database,
no Telegram.

An FAQ entry whose answer depends on the asker's State carries a ``state_aspect`` (deadlines,
party, declarations, opcat, route); the answer then ends with :func:`state_paragraph` for the
official's State, or, when the official has not named one, :func:`offer_line`. :func:`status_card`
is the State at a glance (``/profile``, ``/state``).

Every date shown is one the register holds, or one the treaty computes from a day the register
holds (entry into force, art. 27(2); initial report, art. 19(1); NPM, OPCAT art. 17). Nothing is
computed from a month alone, and a report is called overdue only where a source says it had not
been received. Sentences put the State's name after a label ("État : Côte d'Ivoire"), so French
and Spanish need no grammatical gender. Example, Vanuatu::

    state_paragraph(base.states["VUT"], "deadlines", base, "en", today=date(2026, 3, 1))
    # "Your State: Vanuatu (our register, as of 1 March 2026).
    #  Instrument of accession deposited: 12 July 2011. In force for this State: 11 August 2011 ..."
"""

from __future__ import annotations

from datetime import date

from . import deadlines
from .knowledge import (
    STATE_ASPECTS,
    WITHDRAWS,
    KnowledgeBase,
    Report,
    ReportDue,
    State,
    TreatyAction,
)
from .register import format_date

__all__ = ["STATE_ASPECTS", "offer_line", "state_paragraph", "status_card"]

# Each text in en, fr, es; {placeholders} filled by _say.
T: dict[str, dict[str, str]] = {
    "header": {
        "en": "Your State: {name} (our register, as of {as_of}).",
        "fr": "Votre État : {name} (selon notre registre, à jour au {as_of}).",
        "es": "Su Estado: {name} (según nuestro registro, actualizado al {as_of}).",
    },
    "check_uncat": {
        "en": "Please check the UN Treaty Collection (treaties.un.org, chapter IV.9) before "
        "relying on these facts.",
        "fr": "Vérifiez ces informations dans la Collection des traités des Nations Unies "
        "(treaties.un.org, chapitre IV.9) avant de vous y fier.",
        "es": "Verifique estos datos en la Colección de Tratados de las Naciones Unidas "
        "(treaties.un.org, capítulo IV.9) antes de basarse en ellos.",
    },
    "check_opcat": {
        "en": "Please check the UN Treaty Collection (treaties.un.org, chapter IV.9.b) before "
        "relying on these facts.",
        "fr": "Vérifiez ces informations dans la Collection des traités des Nations Unies "
        "(treaties.un.org, chapitre IV.9.b) avant de vous y fier.",
        "es": "Verifique estos datos en la Colección de Tratados de las Naciones Unidas "
        "(treaties.un.org, capítulo IV.9.b) antes de basarse en ellos.",
    },
    "check_both": {
        "en": "Please check the UN Treaty Collection (treaties.un.org, chapters IV.9 and IV.9.b) "
        "before relying on these facts.",
        "fr": "Vérifiez ces informations dans la Collection des traités des Nations Unies "
        "(treaties.un.org, chapitres IV.9 et IV.9.b) avant de vous y fier.",
        "es": "Verifique estos datos en la Colección de Tratados de las Naciones Unidas "
        "(treaties.un.org, capítulos IV.9 y IV.9.b) antes de basarse en ellos.",
    },
    # --- instruments ---------------------------------------------------------------------------
    "kind_ratification": {
        "en": "of ratification",
        "fr": "de ratification",
        "es": "de ratificación",
    },
    "kind_accession": {"en": "of accession", "fr": "d'adhésion", "es": "de adhesión"},
    "kind_succession": {"en": "of succession", "fr": "de succession", "es": "de sucesión"},
    "deposited": {
        "en": "Instrument {kind} deposited: {date}.",
        "fr": "Instrument {kind} déposé : {date}.",
        "es": "Instrumento {kind} depositado: {date}.",
    },
    "signed": {
        "en": "Signature: {date}.",
        "fr": "Signature : {date}.",
        "es": "Firma: {date}.",
    },
    "in_force": {
        "en": "In force for this State: {date} (art. 27).",
        "fr": "Entrée en vigueur pour cet État : {date} (art. 27).",
        "es": "Entrada en vigor para este Estado: {date} (art. 27).",
    },
    "month_only": {
        "en": "The register has only the month of deposit, so it gives no date of entry into "
        "force and no reporting deadline.",
        "fr": "Le registre n'indique que le mois du dépôt : il ne donne donc ni date d'entrée en "
        "vigueur ni échéance de rapport.",
        "es": "El registro solo indica el mes del depósito, por lo que no da fecha de entrada en "
        "vigor ni plazo de informe.",
    },
    "no_deposit": {
        "en": "The register does not have the date of the instrument, so it gives no date of "
        "entry into force and no reporting deadline.",
        "fr": "Le registre n'a pas la date de l'instrument : il ne donne donc ni date d'entrée en "
        "vigueur ni échéance de rapport.",
        "es": "El registro no tiene la fecha del instrumento, por lo que no da fecha de entrada "
        "en vigor ni plazo de informe.",
    },
    # --- reporting -----------------------------------------------------------------------------
    "initial_due": {
        "en": "Initial report due: {date} (within one year after entry into force, art. 19(1)).",
        "fr": "Rapport initial attendu : {date} (dans l'année qui suit l'entrée en vigueur, "
        "art. 19(1)).",
        "es": "Informe inicial previsto: {date} (dentro del año siguiente a la entrada en vigor, "
        "art. 19(1)).",
    },
    "reports": {
        "en": "Reports our register shows: {reports}.",
        "fr": "Rapports que montre notre registre : {reports}.",
        "es": "Informes que muestra nuestro registro: {reports}.",
    },
    "no_reports": {
        "en": "Our register records no report from this State (it may not know them all).",
        "fr": "Notre registre ne mentionne aucun rapport de cet État (il peut ne pas tous les "
        "connaître).",
        "es": "Nuestro registro no recoge ningún informe de este Estado (puede que no los "
        "conozca todos).",
    },
    "report_initial": {"en": "initial report", "fr": "rapport initial", "es": "informe inicial"},
    "report_periodic": {
        "en": "periodic report {number}",
        "fr": "rapport périodique n° {number}",
        "es": "informe periódico n.º {number}",
    },
    "received": {"en": "received {date}", "fr": "reçu le {date}", "es": "recibido el {date}"},
    "received_month": {"en": "received {date}", "fr": "reçu en {date}", "es": "recibido en {date}"},
    "considered": {
        "en": "dialogue {date}",
        "fr": "dialogue le {date}",
        "es": "diálogo el {date}",
    },
    "next_due": {
        "en": "Next report the Committee expects: {report}, due {date}.",
        "fr": "Prochain rapport attendu par le Comité : {report}, pour le {date}.",
        "es": "Próximo informe que espera el Comité: {report}, para el {date}.",
    },
    "no_next_due": {
        "en": "The register does not have the date the Committee set for the next report: it "
        "is in the Committee's concluding observations.",
        "fr": "Le registre n'a pas la date fixée par le Comité pour le prochain rapport : elle "
        "figure dans ses observations finales.",
        "es": "El registro no tiene la fecha que fijó el Comité para el próximo informe: figura "
        "en sus observaciones finales.",
    },
    "overdue": {
        "en": "On {date} the Committee had not yet received it. It is never too late: CTI and "
        "OHCHR's Treaty Body Capacity-Building Programme help States with their reports, "
        "confidentially; write /secretariat to start.",
        "fr": "Au {date}, le Comité ne l'avait pas encore reçu. Il n'est jamais trop tard : la "
        "CTI et le Programme de renforcement des capacités relatif aux organes conventionnels du "
        "HCDH aident les États à préparer leurs rapports, en toute confidentialité ; écrivez "
        "/secretariat pour commencer.",
        "es": "Al {date}, el Comité aún no lo había recibido. Nunca es tarde: la CTI y el "
        "Programa de Fortalecimiento de Capacidades sobre los Órganos de Tratados del ACNUDH "
        "ayudan a los Estados con sus informes, de forma confidencial; escriba /secretariat "
        "para empezar.",
    },
    "not_party_deadlines": {
        "en": "This State is not yet party to the Convention, so no reporting deadline runs yet; "
        "here is the way to become party.",
        "fr": "Cet État n'est pas encore partie à la Convention : aucune échéance de rapport ne "
        "court encore. Voici comment devenir partie.",
        "es": "Este Estado aún no es parte en la Convención, así que todavía no corre ningún "
        "plazo de informe. Así puede pasar a ser parte.",
    },
    # --- status --------------------------------------------------------------------------------
    "uncat_party": {
        "en": "Convention against Torture: party.",
        "fr": "Convention contre la torture : État partie.",
        "es": "Convención contra la Tortura: Estado parte.",
    },
    "uncat_signatory": {
        "en": "Convention against Torture: signatory, not yet party.",
        "fr": "Convention contre la torture : État signataire, pas encore partie.",
        "es": "Convención contra la Tortura: Estado signatario, aún no es parte.",
    },
    "uncat_none": {
        "en": "Convention against Torture: not party, and no signature recorded.",
        "fr": "Convention contre la torture : pas partie, aucune signature enregistrée.",
        "es": "Convención contra la Tortura: no es parte, sin firma registrada.",
    },
    "opcat_party": {
        "en": "Optional Protocol (OPCAT): party.",
        "fr": "Protocole facultatif (OPCAT) : État partie.",
        "es": "Protocolo Facultativo (OPCAT): Estado parte.",
    },
    "opcat_signatory": {
        "en": "Optional Protocol (OPCAT): signatory, not yet party.",
        "fr": "Protocole facultatif (OPCAT) : État signataire, pas encore partie.",
        "es": "Protocolo Facultativo (OPCAT): Estado signatario, aún no es parte.",
    },
    "opcat_none": {
        "en": "Optional Protocol (OPCAT): not party.",
        "fr": "Protocole facultatif (OPCAT) : pas partie.",
        "es": "Protocolo Facultativo (OPCAT): no es parte.",
    },
    # --- declarations ------------------------------------------------------------------------
    "reservation_art28": {
        "en": "reservation under art. 28(1): the Committee's inquiry competence (art. 20) not "
        "recognised",
        "fr": "réserve de l'art. 28(1) : compétence d'enquête du Comité (art. 20) non reconnue",
        "es": "reserva del art. 28(1): no se reconoce la competencia de investigación del "
        "Comité (art. 20)",
    },
    "declaration_art30": {
        "en": "declaration under art. 30(2): not bound by art. 30(1) (disputes between States)",
        "fr": "déclaration de l'art. 30(2) : non lié par l'art. 30(1) (différends entre États)",
        "es": "declaración del art. 30(2): no obligado por el art. 30(1) (controversias entre "
        "Estados)",
    },
    "declaration_art21": {
        "en": "declaration under art. 21 (communications from other States parties)",
        "fr": "déclaration de l'art. 21 (communications d'autres États parties)",
        "es": "declaración del art. 21 (comunicaciones de otros Estados partes)",
    },
    "declaration_art22": {
        "en": "declaration under art. 22 (individual communications)",
        "fr": "déclaration de l'art. 22 (communications individuelles)",
        "es": "declaración del art. 22 (comunicaciones individuales)",
    },
    "made_on": {"en": "{what} ({date})", "fr": "{what} ({date})", "es": "{what} ({date})"},
    "declarations": {
        "en": "Reservations and declarations our register records: {items}.",
        "fr": "Réserves et déclarations que mentionne notre registre : {items}.",
        "es": "Reservas y declaraciones que recoge nuestro registro: {items}.",
    },
    "no_declarations": {
        "en": "Our register records no reservation or declaration under arts. 21, 22, 28 or 30 "
        "(it may not know them all).",
        "fr": "Notre registre ne mentionne aucune réserve ni déclaration au titre des art. 21, "
        "22, 28 ou 30 (il peut ne pas toutes les connaître).",
        "es": "Nuestro registro no recoge ninguna reserva ni declaración en virtud de los "
        "arts. 21, 22, 28 o 30 (puede que no las conozca todas).",
    },
    "withdrawn": {
        "en": "Withdrawn since, as the register records: {items}.",
        "fr": "Retirées depuis, selon le registre : {items}.",
        "es": "Retiradas desde entonces, según el registro: {items}.",
    },
    "declarations_not_party": {
        "en": "The art. 28(1) reservation and the art. 30(2) declaration can be made only at "
        "signature, ratification or accession; the art. 21 and 22 declarations at any time "
        "once party.",
        "fr": "La réserve de l'art. 28(1) et la déclaration de l'art. 30(2) ne peuvent être "
        "faites qu'à la signature, à la ratification ou à l'adhésion ; les déclarations des "
        "art. 21 et 22, à tout moment une fois partie.",
        "es": "La reserva del art. 28(1) y la declaración del art. 30(2) solo pueden hacerse en "
        "la firma, la ratificación o la adhesión; las declaraciones de los arts. 21 y 22, en "
        "cualquier momento una vez que se es parte.",
    },
    # --- OPCAT ----------------------------------------------------------------------------------
    "opcat_in_force": {
        "en": "OPCAT in force for this State: {date} (art. 28).",
        "fr": "Entrée en vigueur de l'OPCAT pour cet État : {date} (art. 28).",
        "es": "Entrada en vigor del OPCAT para este Estado: {date} (art. 28).",
    },
    "npm_due": {
        "en": "National preventive mechanism due: {date} (one year after entry into force, "
        "art. 17).",
        "fr": "Mécanisme national de prévention attendu : {date} (un an après l'entrée en "
        "vigueur, art. 17).",
        "es": "Mecanismo nacional de prevención previsto: {date} (un año después de la entrada "
        "en vigor, art. 17).",
    },
    "art24_IV": {
        "en": "Art. 24 declaration postponing Part IV (the national preventive mechanism): its "
        "terms (up to three years, which the Committee against Torture may extend by two) "
        "decide when the mechanism is due, so the register computes no date.",
        "fr": "Déclaration de l'art. 24 ajournant la partie IV (le mécanisme national de "
        "prévention) : ses termes (jusqu'à trois ans, que le Comité contre la torture peut "
        "prolonger de deux) fixent l'échéance du mécanisme ; le registre ne calcule donc pas de "
        "date.",
        "es": "Declaración del art. 24 que aplaza la parte IV (el mecanismo nacional de "
        "prevención): sus términos (hasta tres años, que el Comité contra la Tortura puede "
        "prorrogar dos más) fijan el plazo del mecanismo, por lo que el registro no calcula "
        "fecha.",
    },
    "art24_III": {
        "en": "Art. 24 declaration postponing Part III (visits by the Subcommittee on "
        "Prevention of Torture).",
        "fr": "Déclaration de l'art. 24 ajournant la partie III (visites du Sous-comité pour la "
        "prévention de la torture).",
        "es": "Declaración del art. 24 que aplaza la parte III (visitas del Subcomité para la "
        "Prevención de la Tortura).",
    },
    "opcat_no_date": {
        "en": "The register does not have the day of the OPCAT instrument, so it gives no "
        "date of entry into force and no NPM deadline.",
        "fr": "Le registre n'a pas le jour de l'instrument de l'OPCAT : il ne donne donc ni "
        "date d'entrée en vigueur ni échéance pour le mécanisme national de prévention.",
        "es": "El registro no tiene el día del instrumento del OPCAT, por lo que no da fecha de "
        "entrada en vigor ni plazo para el mecanismo nacional de prevención.",
    },
    "opcat_join": {
        "en": "As a party to the Convention, this State can join the Optional Protocol; it "
        "would then have a national preventive mechanism within one year of entry into force "
        "(art. 17). APT, CTI's strategic partner, advises on it.",
        "fr": "Partie à la Convention, cet État peut adhérer au Protocole facultatif ; il "
        "disposerait alors d'un mécanisme national de prévention dans l'année suivant l'entrée "
        "en vigueur (art. 17). L'APT, partenaire stratégique de la CTI, conseille sur ce point.",
        "es": "Como parte en la Convención, este Estado puede incorporarse al Protocolo "
        "Facultativo; tendría entonces un mecanismo nacional de prevención dentro del año "
        "siguiente a la entrada en vigor (art. 17). La APT, socia estratégica de la CTI, asesora "
        "al respecto.",
    },
    "opcat_needs_uncat": {
        "en": "Only States parties to the Convention can join the Optional Protocol: the "
        "Convention comes first.",
        "fr": "Seuls les États parties à la Convention peuvent adhérer au Protocole facultatif : "
        "la Convention vient d'abord.",
        "es": "Solo los Estados partes en la Convención pueden incorporarse al Protocolo "
        "Facultativo: primero la Convención.",
    },
    # --- route ---------------------------------------------------------------------------------
    "route_party": {
        "en": "This State is already party to the Convention.",
        "fr": "Cet État est déjà partie à la Convention.",
        "es": "Este Estado ya es parte en la Convención.",
    },
    "route_signatory": {
        "en": "Having signed, this State becomes party by depositing an instrument of "
        "ratification with the UN Secretary-General (art. 25).",
        "fr": "Ayant signé, cet État devient partie en déposant un instrument de ratification "
        "auprès du Secrétaire général de l'ONU (art. 25).",
        "es": "Tras la firma, este Estado pasa a ser parte depositando un instrumento de "
        "ratificación ante el Secretario General de la ONU (art. 25).",
    },
    "route_none": {
        "en": "This State can accede in one step, by depositing an instrument of accession "
        "with the UN Secretary-General (art. 26), or sign and then ratify (art. 25): both have "
        "the same legal effect.",
        "fr": "Cet État peut adhérer en une seule étape, en déposant un instrument d'adhésion "
        "auprès du Secrétaire général de l'ONU (art. 26), ou signer puis ratifier (art. 25) : "
        "les deux voies ont le même effet juridique.",
        "es": "Este Estado puede adherirse en un solo paso, depositando un instrumento de "
        "adhesión ante el Secretario General de la ONU (art. 26), o firmar y luego ratificar "
        "(art. 25): ambas vías tienen el mismo efecto jurídico.",
    },
    "route_then": {
        "en": "The Convention then enters into force for it on the thirtieth day after deposit "
        "(art. 27(2)), and the initial report is due one year later (art. 19(1)). CTI's UNCAT "
        "Ratification Tool and the Secretariat (/secretariat) can help.",
        "fr": "La Convention entre alors en vigueur à son égard le trentième jour après le dépôt "
        "(art. 27(2)), et le rapport initial est attendu un an plus tard (art. 19(1)). L'Outil "
        "de ratification de la CTI et le Secrétariat (/secretariat) peuvent vous aider.",
        "es": "La Convención entra entonces en vigor para él el trigésimo día después del "
        "depósito (art. 27(2)), y el informe inicial se espera un año más tarde (art. 19(1)). La "
        "Herramienta de ratificación de la CTI y la Secretaría (/secretariat) pueden ayudarle.",
    },
    # --- the card and the offer ----------------------------------------------------------------
    "card_title": {
        "en": "State: {name}. Treaty status in our register, as of {as_of}.",
        "fr": "État : {name}. Statut au regard des traités selon notre registre, à jour au "
        "{as_of}.",
        "es": "Estado: {name}. Situación respecto de los tratados según nuestro registro, "
        "actualizado al {as_of}.",
    },
    "next_deadline": {
        "en": "Next deadline: {what}, {date}.",
        "fr": "Prochaine échéance : {what}, le {date}.",
        "es": "Próximo plazo: {what}, el {date}.",
    },
    "no_next_deadline": {
        "en": "Next deadline: none that the register can give.",
        "fr": "Prochaine échéance : aucune que le registre puisse indiquer.",
        "es": "Próximo plazo: ninguno que el registro pueda indicar.",
    },
    "what_npm": {
        "en": "the national preventive mechanism",
        "fr": "le mécanisme national de prévention",
        "es": "el mecanismo nacional de prevención",
    },
    "offer_title": {
        "en": "What CTI can offer next:",
        "fr": "Ce que la CTI peut proposer ensuite :",
        "es": "Lo que la CTI puede ofrecer a continuación:",
    },
    "offer_tool": {"en": "- {title}: {url}", "fr": "- {title} : {url}", "es": "- {title}: {url}"},
    "offer_reporting": {
        "en": "- CTI's reporting page: "
        "https://cti2024.org/un-convention-against-torture-initiative/reporting/ ; OHCHR's "
        "Treaty Body Capacity-Building Programme supports States with their reports",
        "fr": "- La page de la CTI sur les rapports : "
        "https://cti2024.org/un-convention-against-torture-initiative/reporting/ ; le "
        "Programme de renforcement des capacités relatif aux organes conventionnels du HCDH "
        "accompagne les États dans leurs rapports",
        "es": "- La página de la CTI sobre informes: "
        "https://cti2024.org/un-convention-against-torture-initiative/reporting/ ; el Programa "
        "de Fortalecimiento de Capacidades sobre los Órganos de Tratados del ACNUDH acompaña a "
        "los Estados en sus informes",
    },
    "offer_apt": {
        "en": "- The Association for the Prevention of Torture (APT), CTI's strategic partner, "
        "on the Optional Protocol and the national preventive mechanism",
        "fr": "- L'Association pour la prévention de la torture (APT), partenaire stratégique de "
        "la CTI, sur le Protocole facultatif et le mécanisme national de prévention",
        "es": "- La Asociación para la Prevención de la Tortura (APT), socia estratégica de la "
        "CTI, sobre el Protocolo Facultativo y el mecanismo nacional de prevención",
    },
    "offer_secretariat": {
        "en": "- The CTI Secretariat, confidentially: write /secretariat followed by your question",
        "fr": "- Le Secrétariat de la CTI, en toute confidentialité : écrivez /secretariat suivi "
        "de votre question",
        "es": "- La Secretaría de la CTI, de forma confidencial: escriba /secretariat seguido de "
        "su pregunta",
    },
    "offer_profile": {
        "en": "Tell me your State with /profile and I will add its own status and dates to "
        "answers like this one.",
        "fr": "Indiquez votre État avec /profile et j'ajouterai à ce type de réponse son statut "
        "et ses dates.",
        "es": "Indique su Estado con /profile y añadiré a respuestas como esta su situación y "
        "sus fechas.",
    },
}


def _say(key: str, language: str, **values: str) -> str:
    texts = T[key]
    return texts.get(language, texts["en"]).format(**values)


def _list(items: list[str], language: str) -> str:
    """Items of a sentence: "a; b", in French "a ; b"."""
    return (" ; " if language == "fr" else "; ").join(items)


def _date(value: date | str, language: str) -> str:
    return format_date(value, language)


def _lang(language: str) -> str:
    return language if language in ("en", "fr", "es") else "en"


# --- the facts, one sentence each ---------------------------------------------------------------
def _header(state: State, base: KnowledgeBase, language: str, key: str = "header") -> str:
    as_of = _date(base.states_as_of, language) if base.states_as_of else "?"
    return _say(key, language, name=state.name(language), as_of=as_of)


def _signature(state: State, treaty: str) -> TreatyAction | None:
    return next((a for a in state.actions.get(treaty, ()) if a.action == "signature"), None)


def _instrument(state: State, treaty: str, language: str) -> list[str]:
    """Signature and deposit as the register records them, with the entry into force."""
    lines = []
    signature = _signature(state, treaty)
    if signature is not None:
        lines.append(_say("signed", language, date=_date(signature.date, language)))
    deposit = state.deposit(treaty)
    if deposit is not None:
        kind = _say(f"kind_{deposit.action}", language)
        lines.append(_say("deposited", language, kind=kind, date=_date(deposit.date, language)))
        in_force = state.in_force(treaty)
        if in_force is not None:
            key = "in_force" if treaty == "uncat" else "opcat_in_force"
            lines.append(_say(key, language, date=_date(in_force, language)))
    return lines


def _uncat_dates(state: State, language: str) -> list[str]:
    """Deposit, entry into force, initial report due, or why the register gives none."""
    lines = _instrument(state, "uncat", language)
    if state.uncat != "party":
        return lines
    if state.deposit("uncat") is None:
        lines.append(_say("no_deposit", language))
    elif state.uncat_in_force() is None:
        lines.append(_say("month_only", language))
    else:
        due = state.initial_report_due()
        if due is not None:
            lines.append(_say("initial_due", language, date=_date(due, language)))
    return lines


def _report_name(report: Report | ReportDue, language: str) -> str:
    if report.kind == "initial":
        return _say("report_initial", language)
    return _say("report_periodic", language, number=str(report.number))


def _report(report: Report, language: str) -> str:
    details = []
    if report.symbol:
        details.append(report.symbol)
    if report.submitted:
        key = "received" if len(report.submitted) == 10 else "received_month"
        details.append(_say(key, language, date=_date(report.submitted, language)))
    if report.considered:
        details.append(_say("considered", language, date=_date(report.considered, language)))
    return f"{_report_name(report, language)} ({', '.join(details)})"


def _reports(state: State, language: str) -> list[str]:
    """The reports the register knows, the next due date only where the Committee's is recorded,
    and "not yet received" only where a source says so."""
    lines = []
    if state.reports:
        listed = _list([_report(r, language) for r in state.reports], language)
        lines.append(_say("reports", language, reports=listed))
    else:
        lines.append(_say("no_reports", language))
    due = state.next_report_due
    if due is None:
        if state.reports:  # past the initial report: the Committee sets the next date
            lines.append(_say("no_next_due", language))
        return lines
    lines.append(
        _say(
            "next_due",
            language,
            report=_report_name(due, language),
            date=_date(due.date, language),
        )
    )
    overdue = state.overdue_report()
    if overdue is not None and overdue.not_received:
        lines.append(_say("overdue", language, date=_date(overdue.not_received, language)))
    return lines


def _status_lines(state: State, language: str) -> list[str]:
    return [_say(f"uncat_{state.uncat}", language), _say(f"opcat_{state.opcat}", language)]


def _declarations(state: State, language: str) -> list[str]:
    made = state.declarations_in_force()
    lines = []
    if made:
        items = _list(
            [
                _say(
                    "made_on", language, what=_say(a.action, language), date=_date(a.date, language)
                )
                for a in made
            ],
            language,
        )
        lines.append(_say("declarations", language, items=items))
    else:
        lines.append(_say("no_declarations", language))
    withdrawn = [a for a in state.actions.get("uncat", ()) if a.action in WITHDRAWS]
    if withdrawn:
        items = _list(
            [
                _say(
                    "made_on",
                    language,
                    what=_say(WITHDRAWS[a.action], language),
                    date=_date(a.date, language),
                )
                for a in withdrawn
            ],
            language,
        )
        lines.append(_say("withdrawn", language, items=items))
    if state.uncat != "party":
        lines.append(_say("declarations_not_party", language))
    return lines


def _npm_due(state: State) -> date | None:
    """OPCAT art. 17, shifted by an art. 24 Part IV declaration (then no date: its terms decide)."""
    in_force = state.in_force("opcat")
    if state.opcat != "party" or in_force is None:
        return None
    return deadlines.npm_due(in_force, postponed=state.opcat_art24_part == "IV")


def _opcat(state: State, language: str) -> list[str]:
    lines = [_say(f"opcat_{state.opcat}", language)]
    if state.uncat != "party":
        return [*lines, _say("opcat_needs_uncat", language)]
    lines += _instrument(state, "opcat", language)
    if state.opcat == "party":
        part = state.opcat_art24_part
        if part in ("III", "IV"):
            lines.append(_say(f"art24_{part}", language))
        if state.in_force("opcat") is None:
            lines.append(_say("opcat_no_date", language))
        npm = _npm_due(state)
        if npm is not None:
            lines.append(_say("npm_due", language, date=_date(npm, language)))
    else:
        lines.append(_say("opcat_join", language))
    return lines


def _route(state: State, language: str) -> list[str]:
    if state.uncat == "party":
        return [_say("route_party", language), *_uncat_dates(state, language)]
    lines = _instrument(state, "uncat", language)
    lines.append(_say(f"route_{state.uncat}", language))
    lines.append(_say("route_then", language))
    return lines


def state_paragraph(
    state: State, aspect: str, base: KnowledgeBase, language: str, *, today: date
) -> str | None:
    """A short paragraph for the official's ``state`` on ``aspect`` (one of STATE_ASPECTS), in
    ``language``, with the register's as-of date and the UN Treaty Collection to check; None for
    an unknown aspect. A State not yet party asked about deadlines gets the way to join.

    ``today`` decides nothing the register does not hold: it is there so that a date can be
    compared with today (for now only the status card's next deadline uses it).
    """
    del today  # the paragraph states dates; the card says which is next
    language = _lang(language)
    if aspect not in STATE_ASPECTS:
        return None
    lines = [_header(state, base, language)]
    check = "check_uncat"
    if aspect == "deadlines":
        if state.uncat == "party":
            lines += _uncat_dates(state, language)
            lines += _reports(state, language)
        else:
            lines.append(_say("not_party_deadlines", language))
            lines += _route(state, language)
    elif aspect == "party":
        lines.append(_say(f"uncat_{state.uncat}", language))
        lines += _uncat_dates(state, language)
        lines.append(_say(f"opcat_{state.opcat}", language))
        if state.opcat != "none":
            lines += _instrument(state, "opcat", language)
    elif aspect == "declarations":
        lines.append(_say(f"uncat_{state.uncat}", language))
        lines += _declarations(state, language)
    elif aspect == "opcat":
        lines += _opcat(state, language)
        check = "check_opcat"
    elif aspect == "route":
        lines += _route(state, language)
    lines.append(_say(check, language))
    return " ".join(lines)


def upcoming(state: State, *, today: date) -> list[tuple[str, date]]:
    """The deadlines still ahead, nearest first, among those the register holds or the treaty
    computes from its dates: ``("next_report" | "initial_report" | "npm", due)``.

    Example: ``upcoming(base.states["LCA"], today=date(2026, 12, 1))`` -> ``[]`` (month only)
    """
    found: list[tuple[str, date]] = []
    due = state.next_report_due
    if due is not None:
        found.append(("next_report", date.fromisoformat(due.date)))
    initial = state.initial_report_due()
    if due is None and initial is not None and not any(r.kind == "initial" for r in state.reports):
        found.append(("initial_report", initial))
    npm = _npm_due(state)
    if npm is not None:
        found.append(("npm", npm))
    ahead = [pair for pair in found if not deadlines.has_passed(pair[1], today=today)]
    return sorted(ahead, key=lambda pair: pair[1])


def deadline_name(state: State, kind: str, language: str) -> str:
    """What falls due, in words: "the initial report", "the 2nd periodic report", "the NPM"."""
    if kind == "next_report" and state.next_report_due is not None:
        return _report_name(state.next_report_due, language)
    if kind == "initial_report":
        return _say("report_initial", language)
    return _say("what_npm", language)


def _next_deadline(state: State, language: str, today: date) -> tuple[date, str] | None:
    """The nearest deadline ahead, with its name."""
    ahead = upcoming(state, today=today)
    if not ahead:
        return None
    kind, day = ahead[0]
    return day, deadline_name(state, kind, language)


def _offers(state: State, base: KnowledgeBase, language: str) -> list[str]:
    """What CTI can offer next, from where the State stands: a tool, a partner, the Secretariat."""
    lines = [_say("offer_title", language)]
    tool_ids: list[str] = []
    if state.uncat != "party":
        tool_ids.append("ratification-tool")
    else:
        lines.append(_say("offer_reporting", language))
        tool_ids.append("article-by-article")
    for tool_id in tool_ids:
        tool = base.tools.get(tool_id)
        if tool is not None:
            title = tool.titles.get(language) or tool.titles.get("en", tool_id)
            lines.append(_say("offer_tool", language, title=title, url=tool.link(language)))
    if (state.uncat == "party" and state.opcat != "party") or state.opcat_art24_part == "IV":
        lines.append(_say("offer_apt", language))
    lines.append(_say("offer_secretariat", language))
    return lines


def status_card(state: State, base: KnowledgeBase, language: str, *, today: date) -> str:
    """The State at a glance: UNCAT and OPCAT status with dates, reservations and declarations,
    reports, the next deadline, and what CTI can offer next; plain text, one fact a line."""
    language = _lang(language)
    lines = [_header(state, base, language, "card_title"), ""]
    lines.append(_say(f"uncat_{state.uncat}", language))
    lines += _uncat_dates(state, language)
    if state.uncat == "party":
        lines += _reports(state, language)
    if state.uncat != "none":
        lines += _declarations(state, language)
    lines += _opcat(state, language)
    nearest = _next_deadline(state, language, today)
    if nearest is None:
        lines.append(_say("no_next_deadline", language))
    else:
        day, what = nearest
        lines.append(_say("next_deadline", language, what=what, date=_date(day, language)))
    lines.append(_say("check_both", language))
    lines.append("")
    lines += _offers(state, base, language)
    return "\n".join(lines)


def offer_line(language: str) -> str:
    """One line offering to set the official's State, for answers that depend on it."""
    return _say("offer_profile", _lang(language))


def staff_line(state: State, *, today: date) -> str:
    """The State's treaty status in one line of English for the staff's ticket card: triage sees
    where the State stands without looking it up. A report is called not received only where the
    register's source says so.

    Example: ``staff_line(base.states["VUT"], today=date(2026, 12, 1))``
    -> "UNCAT: party (accession 12 July 2011) · OPCAT: not party · next: initial report, ..."
    """
    names = {"party": "party", "signatory": "signatory", "none": "not party"}
    parts = []
    for treaty, label in (("uncat", "UNCAT"), ("opcat", "OPCAT")):
        status = state.uncat if treaty == "uncat" else state.opcat
        part = f"{label}: {names.get(status, status)}"
        deposit = state.deposit(treaty)
        if deposit is not None:
            part += f" ({deposit.action} {_date(deposit.date, 'en')})"
        if treaty == "opcat" and state.opcat_art24_part:
            part += f", art. 24 declaration (Part {state.opcat_art24_part})"
        parts.append(part)
    overdue = state.overdue_report()
    if overdue is not None and overdue.not_received:
        parts.append(
            f"{_report_name(overdue, 'en')} due {_date(overdue.date, 'en')}: not received as of "
            f"{_date(overdue.not_received, 'en')}"
        )
    else:
        nearest = _next_deadline(state, "en", today)
        if nearest is not None:
            parts.append(f"next: {nearest[1]}, {_date(nearest[0], 'en')}")
    return " · ".join(parts)

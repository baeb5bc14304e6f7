"""What the help desk says, in English, French and Spanish.

Plain text with ``{placeholders}``; the Telegram layer escapes and formats. Example::

    say("ticket_opened", "fr", number=12)
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "source": {
        "en": "Source: {source}",
        "fr": "Source : {source}",
        "es": "Fuente: {source}",
    },
    "suggest_intro": {
        "en": "I am not sure I understood. Did you mean one of these?",
        "fr": "Je ne suis pas certain d’avoir bien compris. Vouliez-vous dire l’une de ces questions ?",
        "es": "No estoy seguro de haber entendido bien. ¿Quería preguntar alguna de estas cuestiones?",
    },
    "suggest_none": {
        "en": "None of these: ask the Secretariat",
        "fr": "Aucune : demander au Secrétariat",
        "es": "Ninguna: consultar a la Secretaría",
    },
    "escalate_offline": {
        "en": "I have no answer to this in my knowledge base. On Telegram this question goes to the "
        "CTI Secretariat, and a member of staff replies in the chat.",
        "fr": "Ma base de connaissances ne contient pas de réponse à cette question. Sur Telegram, elle "
        "est transmise au Secrétariat de la CTI et un membre de l’équipe vous répond dans la conversation.",
        "es": "No tengo respuesta para esta pregunta en mi base de conocimientos. En Telegram, la pregunta "
        "se transmite a la Secretaría de la CTI y un miembro del equipo responde en el chat.",
    },
    "ticket_opened": {
        "en": "I have passed your question to the CTI Secretariat (ticket #{number}). A member of staff "
        "will reply here, usually within two working days.",
        "fr": "J’ai transmis votre question au Secrétariat de la CTI (demande n° {number}). Un membre de "
        "l’équipe vous répondra ici, en général sous deux jours ouvrables.",
        "es": "He transmitido su pregunta a la Secretaría de la CTI (solicitud n.º {number}). Un miembro "
        "del equipo le responderá aquí, normalmente en un plazo de dos días hábiles.",
    },
    "ticket_joined": {
        "en": "I have added this to your open request #{number} with the CTI Secretariat; staff will "
        "reply here.",
        "fr": "J’ai ajouté ce message à votre demande n° {number}, déjà ouverte auprès du Secrétariat de "
        "la CTI ; l’équipe vous répondra ici.",
        "es": "He añadido este mensaje a su solicitud n.º {number}, ya abierta ante la Secretaría de la "
        "CTI; el equipo le responderá aquí.",
    },
    "secretariat_empty": {
        "en": "Please write your message after the command, for example: /secretariat We would like "
        "advice on our initial report.",
        "fr": "Veuillez écrire votre message après la commande, par exemple : /secretariat Nous "
        "souhaiterions un conseil sur notre rapport initial.",
        "es": "Escriba su mensaje después del comando, por ejemplo: /secretariat Quisiéramos "
        "asesoramiento sobre nuestro informe inicial.",
    },
    "staff_reply": {
        "en": "Reply from the CTI Secretariat (request #{number}):\n\n{text}",
        "fr": "Réponse du Secrétariat de la CTI (demande n° {number}) :\n\n{text}",
        "es": "Respuesta de la Secretaría de la CTI (solicitud n.º {number}):\n\n{text}",
    },
    "ticket_closed": {
        "en": "Your request #{number} with the CTI Secretariat is now closed. You can ask a new question "
        "at any time.",
        "fr": "Votre demande n° {number} auprès du Secrétariat de la CTI est close. Vous pouvez poser une "
        "nouvelle question à tout moment.",
        "es": "Su solicitud n.º {number} ante la Secretaría de la CTI se ha cerrado. Puede hacer una nueva "
        "pregunta en cualquier momento.",
    },
    "rate_limited": {
        "en": "You have sent many questions in a short time. Please wait a minute and try again; "
        "nothing you sent before is lost.",
        "fr": "Vous avez envoyé beaucoup de questions en peu de temps. Merci de patienter une minute "
        "avant de réessayer ; vos messages précédents sont bien enregistrés.",
        "es": "Ha enviado muchas preguntas en poco tiempo. Espere un minuto y vuelva a intentarlo; "
        "sus mensajes anteriores están registrados.",
    },
    "empty_question": {
        "en": "Please type your question in a few words, for example: How do we ratify the Convention?",
        "fr": "Veuillez écrire votre question en quelques mots, par exemple : Comment ratifier la "
        "Convention ?",
        "es": "Escriba su pregunta en pocas palabras, por ejemplo: ¿Cómo ratificamos la Convención?",
    },
    "passed_on": {
        "en": "Thank you. I have passed your question to the CTI Secretariat (request #{number}); a "
        "member of staff will reply here.",
        "fr": "Merci. J’ai transmis votre question au Secrétariat de la CTI (demande n° {number}) ; un "
        "membre de l’équipe vous répondra ici.",
        "es": "Gracias. He transmitido su pregunta a la Secretaría de la CTI (solicitud n.º {number}); "
        "un miembro del equipo le responderá aquí.",
    },
    "staff_only": {
        "en": "This command is for CTI Secretariat staff only.",
        "fr": "Cette commande est réservée au personnel du Secrétariat de la CTI.",
        "es": "Este comando está reservado al personal de la Secretaría de la CTI.",
    },
    "followup_question": {
        "en": "On {date} we referred you to {partner}. Did the referral help?",
        "fr": "Le {date}, nous vous avons orienté vers {partner}. Cette orientation vous a-t-elle "
        "été utile ?",
        "es": "El {date} le remitimos a {partner}. ¿Le resultó útil esta remisión?",
    },
    "followup_yes": {"en": "Yes, it helped", "fr": "Oui, utile", "es": "Sí, fue útil"},
    "followup_no": {"en": "No", "fr": "Non", "es": "No"},
    "followup_thanks": {
        "en": "Thank you, your answer helps us improve the referral service.",
        "fr": "Merci, votre réponse nous aide à améliorer le service d’orientation.",
        "es": "Gracias, su respuesta nos ayuda a mejorar el servicio de remisión.",
    },
}


def say(key: str, language: str, /, **values: object) -> str:
    """The text ``key`` in ``language`` (English if missing), with ``values`` filled in."""
    variants = TEXTS[key]
    return (variants.get(language) or variants["en"]).format(**values)

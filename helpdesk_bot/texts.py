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
    "tool_line": {
        "en": "Tool: {title} - {url}",
        "fr": "Outil : {title} - {url}",
        "es": "Herramienta: {title} - {url}",
    },
    "checked_on": {
        "en": "This answer was last checked on {date}; facts like these change, so please check "
        "the source for anything more recent.",
        "fr": "Cette réponse a été vérifiée pour la dernière fois le {date} ; ces informations "
        "évoluent : vérifiez la source pour toute mise à jour.",
        "es": "Esta respuesta se verificó por última vez el {date}; estos datos cambian, así que "
        "consulte la fuente por si hay novedades.",
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
    "decline": {
        "en": "This question is outside what the CTI help desk covers. I can help with the UN "
        "Convention against Torture and its Optional Protocol: ratification, implementation, and "
        "reporting to the Committee against Torture.",
        "fr": "Cette question sort du champ du service d’assistance de la CTI. Je peux vous aider "
        "sur la Convention des Nations Unies contre la torture et son Protocole facultatif : "
        "ratification, mise en œuvre et rapports au Comité contre la torture.",
        "es": "Esta pregunta está fuera del ámbito del servicio de asistencia de la CTI. Puedo "
        "ayudarle con la Convención de las Naciones Unidas contra la Tortura y su Protocolo "
        "Facultativo: ratificación, aplicación e informes al Comité contra la Tortura.",
    },
    "decline_secretariat": {
        "en": "You can still ask the CTI Secretariat: write /secretariat followed by your question.",
        "fr": "Vous pouvez tout de même interroger le Secrétariat de la CTI : écrivez /secretariat "
        "suivi de votre question.",
        "es": "Aun así, puede consultar a la Secretaría de la CTI: escriba /secretariat seguido de "
        "su pregunta.",
    },
    "clarify": {
        "en": "Could you tell me a little more about what you need? I answer questions on "
        "ratifying the Convention against Torture, implementing it and reporting to the Committee "
        "against Torture. You can browse the topics with /topics, or ask the CTI Secretariat "
        "directly with /secretariat.",
        "fr": "Pourriez-vous préciser un peu votre besoin ? Je réponds aux questions sur la "
        "ratification de la Convention contre la torture, sa mise en œuvre et les rapports au "
        "Comité contre la torture. Vous pouvez parcourir les thèmes avec /topics, ou écrire "
        "directement au Secrétariat de la CTI avec /secretariat.",
        "es": "¿Podría precisar un poco lo que necesita? Respondo a preguntas sobre la ratificación "
        "de la Convención contra la Tortura, su aplicación y los informes al Comité contra la "
        "Tortura. Puede consultar los temas con /topics o escribir directamente a la Secretaría "
        "de la CTI con /secretariat.",
    },
    "smalltalk_greeting": {
        "en": "Hello! Type your question about the Convention against Torture in a few words, or "
        "browse the topics with /topics.",
        "fr": "Bonjour ! Écrivez votre question sur la Convention contre la torture en quelques "
        "mots, ou parcourez les thèmes avec /topics.",
        "es": "¡Hola! Escriba su pregunta sobre la Convención contra la Tortura en pocas palabras, "
        "o consulte los temas con /topics.",
    },
    "smalltalk_thanks": {
        "en": "You are welcome. Ask another question whenever you need to.",
        "fr": "Je vous en prie. N’hésitez pas à poser une autre question quand vous le souhaitez.",
        "es": "De nada. Puede hacer otra pregunta cuando lo necesite.",
    },
    "smalltalk_after_ticket": {
        "en": "Glad we could help. Write any time.",
        "fr": "Ravis d’avoir pu vous aider. Écrivez-nous quand vous voulez.",
        "es": "Nos alegra haber podido ayudarle. Escríbanos cuando quiera.",
    },
    "smalltalk_ok": {
        "en": "Noted. Ask me anything about the Convention against Torture whenever you need.",
        "fr": "C’est noté. Posez-moi vos questions sur la Convention contre la torture quand vous "
        "le souhaitez.",
        "es": "Entendido. Pregúnteme lo que necesite sobre la Convención contra la Tortura cuando "
        "quiera.",
    },
    "smalltalk_bye": {
        "en": "Goodbye, and thank you for writing. The help desk is here whenever you need it.",
        "fr": "Au revoir et merci de votre message. Le service d’assistance reste à votre "
        "disposition.",
        "es": "Adiós y gracias por escribir. El servicio de asistencia queda a su disposición.",
    },
    "smalltalk_test": {
        "en": "The help desk is working. Type your question whenever you are ready.",
        "fr": "Le service d’assistance fonctionne. Écrivez votre question quand vous êtes prêt.",
        "es": "El servicio de asistencia funciona. Escriba su pregunta cuando quiera.",
    },
    "ticket_opened": {
        "en": "I have passed your question to the CTI Secretariat (request #{number}). A member of staff "
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
    "satisfaction_ask": {
        "en": "Did the Secretariat's reply help you?",
        "fr": "La réponse du Secrétariat vous a-t-elle aidé ?",
        "es": "¿Le resultó útil la respuesta de la Secretaría?",
    },
    "file_received": {
        "en": "Thank you: your file reached the CTI Secretariat (request #{number}). A member of "
        "staff will reply here.",
        "fr": "Merci : votre fichier est parvenu au Secrétariat de la CTI (demande n° {number}). Un "
        "membre de l’équipe vous répondra ici.",
        "es": "Gracias: su archivo llegó a la Secretaría de la CTI (solicitud n.º {number}). Un "
        "miembro del equipo le responderá aquí.",
    },
    "staff_file": {
        "en": "File from the CTI Secretariat (request #{number}).",
        "fr": "Fichier du Secrétariat de la CTI (demande n° {number}).",
        "es": "Archivo de la Secretaría de la CTI (solicitud n.º {number}).",
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
        "en": "You have sent many messages in a short time. Please wait a minute, then ask again: "
        "what you send meanwhile is kept but not answered, and nothing you sent before is lost.",
        "fr": "Vous avez envoyé beaucoup de messages en peu de temps. Merci de patienter une minute "
        "avant de reposer votre question : ce que vous envoyez entre-temps est conservé mais reste "
        "sans réponse, et vos messages précédents sont bien enregistrés.",
        "es": "Ha enviado muchos mensajes en poco tiempo. Espere un minuto y vuelva a preguntar: lo "
        "que envíe mientras tanto se conserva pero no recibe respuesta, y sus mensajes anteriores "
        "están registrados.",
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
    "staff_chat_only": {
        "en": "Staff commands work only in the Secretariat's staff chat or in a private chat with "
        "me: case data stays with staff.",
        "fr": "Les commandes du personnel ne fonctionnent que dans le groupe du Secrétariat ou en "
        "conversation privée avec moi : les données des dossiers restent au personnel.",
        "es": "Los comandos del personal solo funcionan en el grupo de la Secretaría o en un chat "
        "privado conmigo: los datos de los casos quedan con el personal.",
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


# --- the official-facing Telegram bot (helpdesk_bot/telegram/) --------------------------------------
TEXTS.update(
    {
        "welcome": {
            "en": "Welcome to the help desk of the Convention against Torture Initiative (CTI), {name}.\n\n"
            "Ask me about ratifying the UN Convention against Torture, implementing it, or reporting "
            "to the Committee against Torture: just type your question, in English, French or Spanish. "
            "/topics lets you browse the questions I can answer, /help lists everything I can do.",
            "fr": "Bienvenue au service d’assistance de l’Initiative sur la Convention contre la torture "
            "(CTI), {name}.\n\nInterrogez-moi sur la ratification de la Convention des Nations Unies "
            "contre la torture, sa mise en œuvre ou l’établissement des rapports au Comité contre la "
            "torture : écrivez simplement votre question, en français, en anglais ou en espagnol. "
            "/topics permet de parcourir les questions auxquelles je sais répondre, /help présente "
            "tout ce que je peux faire.",
            "es": "Bienvenido/a al servicio de asistencia de la Iniciativa sobre la Convención contra la "
            "Tortura (CTI), {name}.\n\nPregúnteme sobre la ratificación de la Convención de las "
            "Naciones Unidas contra la Tortura, su aplicación o la presentación de informes al Comité "
            "contra la Tortura: escriba su pregunta, en español, inglés o francés. Con /topics puede "
            "consultar las preguntas que sé responder; /help muestra todo lo que puedo hacer.",
        },
        "privacy": {
            "en": "Privacy: I record each question you ask, the reply you received, the date and your "
            "language, and, if you give them, your State and your ministry or role. The CTI "
            "Secretariat uses this to follow up your questions and to count, anonymously, how the "
            "help desk is used in its annual report. Questions passed to the Secretariat are read by "
            "its staff. Send /forget at any time to erase your profile and the text of your "
            "messages; only anonymous counts remain.",
            "fr": "Confidentialité : j’enregistre chaque question que vous posez, la réponse reçue, la "
            "date et votre langue, ainsi que, si vous les indiquez, votre État et votre ministère ou "
            "fonction. Le Secrétariat de la CTI s’en sert pour assurer le suivi de vos questions et "
            "pour mesurer, de manière anonyme, l’utilisation du service dans son rapport annuel. Les "
            "questions transmises au Secrétariat sont lues par son équipe. Envoyez /forget à tout "
            "moment pour effacer votre profil et le texte de vos messages ; seuls des décomptes "
            "anonymes sont conservés.",
            "es": "Privacidad: registro cada pregunta que hace, la respuesta recibida, la fecha y su "
            "idioma y, si los indica, su Estado y su ministerio o cargo. La Secretaría de la CTI "
            "utiliza estos datos para dar seguimiento a sus preguntas y para medir, de forma anónima, "
            "el uso del servicio en su informe anual. Las preguntas transmitidas a la Secretaría las "
            "lee su equipo. Envíe /forget en cualquier momento para borrar su perfil y el texto de "
            "sus mensajes; solo se conservan recuentos anónimos.",
        },
        "button_profile": {
            "en": "Add my State and role (optional)",
            "fr": "Indiquer mon État et ma fonction (facultatif)",
            "es": "Indicar mi Estado y mi cargo (opcional)",
        },
        "button_language": {"en": "Language", "fr": "Langue", "es": "Idioma"},
        "ask_state": {
            "en": "Which State do you work for? Reply to this message with its name (in English, French "
            "or Spanish). This is optional: you can also just ask your question.",
            "fr": "Pour quel État travaillez-vous ? Répondez à ce message en indiquant son nom (en "
            "français, en anglais ou en espagnol). C’est facultatif : vous pouvez aussi poser "
            "directement votre question.",
            "es": "¿Para qué Estado trabaja? Responda a este mensaje con su nombre (en español, inglés o "
            "francés). Es opcional: también puede hacer directamente su pregunta.",
        },
        "state_placeholder": {"en": "Your State", "fr": "Votre État", "es": "Su Estado"},
        "state_choose": {
            "en": "Is it one of these?",
            "fr": "S’agit-il de l’un de ces États ?",
            "es": "¿Se trata de alguno de estos Estados?",
        },
        "state_none": {"en": "None of these", "fr": "Aucun de ceux-ci", "es": "Ninguno de estos"},
        "state_not_found": {
            "en": "I could not find a State called “{text}”. Reply to this message with another "
            "spelling, or just ask your question.",
            "fr": "Je ne trouve aucun État nommé « {text} ». Répondez à ce message avec une autre "
            "orthographe, ou posez directement votre question.",
            "es": "No encuentro ningún Estado llamado «{text}». Responda a este mensaje con otra "
            "grafía, o haga directamente su pregunta.",
        },
        "state_saved": {
            "en": "Thank you. State saved in your profile: {state}.",
            "fr": "Merci. État enregistré dans votre profil : {state}.",
            "es": "Gracias. Estado registrado en su perfil: {state}.",
        },
        "ask_role": {
            "en": "Which ministry or institution do you work for, and what is your role? Reply to this "
            "message (optional).",
            "fr": "Pour quel ministère ou quelle institution travaillez-vous, et quelle est votre "
            "fonction ? Répondez à ce message (facultatif).",
            "es": "¿En qué ministerio o institución trabaja y cuál es su cargo? Responda a este mensaje "
            "(opcional).",
        },
        "role_placeholder": {
            "en": "Ministry or role",
            "fr": "Ministère ou fonction",
            "es": "Ministerio o cargo",
        },
        "role_saved": {
            "en": "Thank you, your profile is saved. Ask your question whenever you are ready.",
            "fr": "Merci, votre profil est enregistré. Posez votre question quand vous le souhaitez.",
            "es": "Gracias, su perfil queda guardado. Haga su pregunta cuando lo desee.",
        },
        "helpful_ask": {
            "en": "Was this helpful?",
            "fr": "Cette réponse vous a-t-elle été utile ?",
            "es": "¿Le ha resultado útil esta respuesta?",
        },
        "referral_helpful_ask": {
            "en": "Is this the help you need?",
            "fr": "Est-ce l’aide dont vous avez besoin ?",
            "es": "¿Es esta la ayuda que necesita?",
        },
        "button_yes": {"en": "👍 Yes", "fr": "👍 Oui", "es": "👍 Sí"},
        "button_no": {"en": "👎 No", "fr": "👎 Non", "es": "👎 No"},
        "feedback_thanks": {
            "en": "Thank you for your feedback.",
            "fr": "Merci pour votre retour.",
            "es": "Gracias por su opinión.",
        },
        "not_helpful_offer": {
            "en": "I am sorry this did not help. Shall I pass your question to the CTI Secretariat? A "
            "member of staff will reply here.",
            "fr": "Je suis désolé que cette réponse ne vous ait pas aidé. Voulez-vous que je transmette "
            "votre question au Secrétariat de la CTI ? Un membre de l’équipe vous répondra ici.",
            "es": "Lamento que esta respuesta no le haya ayudado. ¿Quiere que transmita su pregunta a la "
            "Secretaría de la CTI? Un miembro del equipo le responderá aquí.",
        },
        "satisfaction_sorry": {
            "en": "I am sorry the Secretariat's reply did not help. Write /secretariat followed by "
            "what is still missing, and a member of staff will pick it up.",
            "fr": "Je suis désolé que la réponse du Secrétariat ne vous ait pas aidé. Écrivez "
            "/secretariat suivi de ce qui manque encore, un membre de l’équipe s’en chargera.",
            "es": "Lamento que la respuesta de la Secretaría no le haya ayudado. Escriba /secretariat "
            "seguido de lo que aún falta y un miembro del equipo se ocupará.",
        },
        "referral_not_helpful_offer": {
            "en": "I am sorry the referral did not help. Shall I pass your question to the CTI "
            "Secretariat? A member of staff will reply here.",
            "fr": "Je suis désolé que cette orientation ne vous ait pas aidé. Voulez-vous que je "
            "transmette votre question au Secrétariat de la CTI ? Un membre de l’équipe vous "
            "répondra ici.",
            "es": "Lamento que esta remisión no le haya ayudado. ¿Quiere que transmita su pregunta a "
            "la Secretaría de la CTI? Un miembro del equipo le responderá aquí.",
        },
        "referral_not_helpful": {
            "en": "I am sorry the referral did not help. Write /secretariat followed by what you "
            "still need, and a member of staff will reply here.",
            "fr": "Je suis désolé que cette orientation ne vous ait pas aidé. Écrivez /secretariat "
            "suivi de ce dont vous avez encore besoin, un membre de l’équipe vous répondra ici.",
            "es": "Lamento que esta remisión no le haya ayudado. Escriba /secretariat seguido de lo "
            "que aún necesita y un miembro del equipo le responderá aquí.",
        },
        "button_pass_on": {
            "en": "Yes, ask the Secretariat",
            "fr": "Oui, demander au Secrétariat",
            "es": "Sí, consultar a la Secretaría",
        },
        "button_ask_anyway": {
            "en": "Ask the Secretariat anyway",
            "fr": "Demander quand même au Secrétariat",
            "es": "Consultar igualmente a la Secretaría",
        },
        "button_ask_secretariat": {
            "en": "Ask the Secretariat",
            "fr": "Demander au Secrétariat",
            "es": "Consultar a la Secretaría",
        },
        "button_browse_topics": {
            "en": "Browse the topics",
            "fr": "Parcourir les thèmes",
            "es": "Consultar los temas",
        },
        "button_no_thanks": {"en": "No, thank you", "fr": "Non, merci", "es": "No, gracias"},
        "no_thanks": {
            "en": "Understood. You can rephrase your question or browse /topics.",
            "fr": "Entendu. Vous pouvez reformuler votre question ou parcourir les /topics.",
            "es": "Entendido. Puede reformular su pregunta o consultar los /topics.",
        },
        "related_tools": {
            "en": "Related CTI tools (linked below): {titles}.",
            "fr": "Outils de la CTI sur ce sujet (liens ci-dessous) : {titles}.",
            "es": "Herramientas de la CTI sobre este tema (enlaces abajo): {titles}.",
        },
        "button_tools_page": {
            "en": "CTI tools page",
            "fr": "Page des outils de la CTI",
            "es": "Página de herramientas de la CTI",
        },
        "topics_intro": {
            "en": "Choose a topic:",
            "fr": "Choisissez un thème :",
            "es": "Elija un tema:",
        },
        "topic_entries": {
            "en": "{topic}: choose a question.",
            "fr": "{topic} : choisissez une question.",
            "es": "{topic}: elija una pregunta.",
        },
        "button_previous": {"en": "‹ Previous", "fr": "‹ Précédent", "es": "‹ Anterior"},
        "button_next": {"en": "Next ›", "fr": "Suivant ›", "es": "Siguiente ›"},
        "button_topics": {"en": "« Topics", "fr": "« Thèmes", "es": "« Temas"},
        "button_all_tools": {
            "en": "« All tools",
            "fr": "« Tous les outils",
            "es": "« Todas las herramientas",
        },
        "tools_intro": {
            "en": "The CTI tools for officials: choose one to read what it covers.",
            "fr": "Les outils de la CTI à l’intention des responsables publics : choisissez-en un "
            "pour voir ce qu’il couvre.",
            "es": "Las herramientas de la CTI para funcionarios y funcionarias: elija una para ver "
            "lo que cubre.",
        },
        "language_choose": {
            "en": "Choose the language I should use:",
            "fr": "Choisissez la langue que je dois utiliser :",
            "es": "Elija el idioma que debo utilizar:",
        },
        "language_set": {
            "en": "From now on I will reply in English.",
            "fr": "Je vous répondrai désormais en français.",
            "es": "A partir de ahora le responderé en español.",
        },
        "profile": {
            "en": "Your profile\nLanguage: {language}\nState: {state}\nMinistry or role: {role}",
            "fr": "Votre profil\nLangue : {language}\nÉtat : {state}\nMinistère ou fonction : {role}",
            "es": "Su perfil\nIdioma: {language}\nEstado: {state}\nMinisterio o cargo: {role}",
        },
        "not_given": {"en": "not given", "fr": "non indiqué", "es": "no indicado"},
        "button_change_state": {
            "en": "Change State",
            "fr": "Modifier l’État",
            "es": "Cambiar el Estado",
        },
        "button_change_role": {
            "en": "Change role",
            "fr": "Modifier la fonction",
            "es": "Cambiar el cargo",
        },
        "button_forget": {
            "en": "Erase my data",
            "fr": "Effacer mes données",
            "es": "Borrar mis datos",
        },
        "help": {
            "en": "Type your question in your own words, in English, French or Spanish. I answer from "
            "the CTI knowledge base, point you to a partner organisation, or pass your question to "
            "the CTI Secretariat, whose staff reply here.\n\n"
            "/topics browse the questions by topic\n/tools the CTI tools\n"
            "/secretariat message: write straight to the Secretariat\n/language change language\n"
            "/profile your State and role\n/state your State's treaty status and deadlines\n/forget erase your data\n/start welcome and privacy notice",
            "fr": "Écrivez votre question avec vos propres mots, en français, en anglais ou en espagnol. "
            "Je réponds à partir de la base de connaissances de la CTI, je vous oriente vers une "
            "organisation partenaire ou je transmets votre question au Secrétariat de la CTI, dont "
            "l’équipe vous répond ici.\n\n"
            "/topics parcourir les questions par thème\n/tools les outils de la CTI\n"
            "/secretariat message : écrire directement au Secrétariat\n/language changer de langue\n"
            "/profile votre État et votre fonction\n/state statut de votre État et échéances\n"
            "/forget effacer vos données\n"
            "/start accueil et confidentialité",
            "es": "Escriba su pregunta con sus propias palabras, en español, inglés o francés. Respondo "
            "con la base de conocimientos de la CTI, le remito a una organización asociada o "
            "transmito su pregunta a la Secretaría de la CTI, cuyo equipo le responde aquí.\n\n"
            "/topics consultar las preguntas por tema\n/tools las herramientas de la CTI\n"
            "/secretariat mensaje: escribir directamente a la Secretaría\n/language cambiar de idioma\n"
            "/profile su Estado y su cargo\n/state situación de su Estado y plazos\n"
            "/forget borrar sus datos\n/start bienvenida y privacidad",
        },
        "forget_confirm": {
            "en": "This erases your profile (language, State, role) and the text of every message you "
            "sent to the help desk. Anonymous counts stay in the statistics. Erase now?",
            "fr": "Cette action efface votre profil (langue, État, fonction) et le texte de tous les "
            "messages envoyés au service d’assistance. Les décomptes anonymes restent dans les "
            "statistiques. Effacer maintenant ?",
            "es": "Esta acción borra su perfil (idioma, Estado, cargo) y el texto de todos los mensajes "
            "enviados al servicio de asistencia. Los recuentos anónimos se mantienen en las "
            "estadísticas. ¿Borrar ahora?",
        },
        "button_forget_yes": {
            "en": "Yes, erase my data",
            "fr": "Oui, effacer mes données",
            "es": "Sí, borrar mis datos",
        },
        "button_cancel": {"en": "Cancel", "fr": "Annuler", "es": "Cancelar"},
        "forgotten": {
            "en": "Done: your profile and the text of your messages are erased. If you write again, I "
            "will start afresh.",
            "fr": "C’est fait : votre profil et le texte de vos messages sont effacés. Si vous m’écrivez "
            "de nouveau, je repartirai de zéro.",
            "es": "Hecho: su perfil y el texto de sus mensajes se han borrado. Si vuelve a escribirme, "
            "empezaré de cero.",
        },
        "forget_nothing": {
            "en": "I hold no data about you.",
            "fr": "Je ne détiens aucune donnée vous concernant.",
            "es": "No conservo ningún dato sobre usted.",
        },
        "forget_cancelled": {
            "en": "Nothing was erased.",
            "fr": "Rien n’a été effacé.",
            "es": "No se ha borrado nada.",
        },
        "type_please": {
            "en": "I can read text and files (documents, photos, voice notes). Please type your question.",
            "fr": "Je lis les textes et les fichiers (documents, photos, messages vocaux). Veuillez taper votre question.",
            "es": "Leo textos y archivos (documentos, fotos, notas de voz). Escriba su pregunta, por favor.",
        },
        "unknown_command": {
            "en": "I do not know this command. /help lists what I can do.",
            "fr": "Je ne connais pas cette commande. /help présente ce que je peux faire.",
            "es": "No conozco este comando. /help muestra lo que puedo hacer.",
        },
        "choice_gone": {
            "en": "This choice is no longer available. Please type your question again.",
            "fr": "Ce choix n’est plus disponible. Veuillez écrire de nouveau votre question.",
            "es": "Esta opción ya no está disponible. Escriba de nuevo su pregunta, por favor.",
        },
        "something_wrong": {
            "en": "Sorry, something went wrong on my side. Please try again in a moment.",
            "fr": "Désolé, un problème est survenu de mon côté. Veuillez réessayer dans un instant.",
            "es": "Lo siento, se ha producido un problema por mi parte. Inténtelo de nuevo en un "
            "momento.",
        },
        "not_recorded": {
            "en": "Sorry, I could not record your message just now (a problem on our side). I have "
            "kept it and will try again in a few minutes: no need to send it again.",
            "fr": "Désolé, je n’ai pas pu enregistrer votre message pour l’instant (un problème de "
            "notre côté). Je l’ai gardé et réessaierai dans quelques minutes : inutile de le "
            "renvoyer.",
            "es": "Lo siento, no he podido registrar su mensaje en este momento (un problema por "
            "nuestra parte). Lo he guardado y volveré a intentarlo dentro de unos minutos: no "
            "hace falta que lo envíe de nuevo.",
        },
        "command_start": {
            "en": "Welcome and privacy notice",
            "fr": "Accueil et confidentialité",
            "es": "Bienvenida y privacidad",
        },
        "command_help": {
            "en": "What I can do",
            "fr": "Ce que je peux faire",
            "es": "Lo que puedo hacer",
        },
        "command_topics": {
            "en": "Browse questions by topic",
            "fr": "Parcourir les questions par thème",
            "es": "Consultar las preguntas por tema",
        },
        "command_tools": {
            "en": "The CTI tools",
            "fr": "Les outils de la CTI",
            "es": "Las herramientas de la CTI",
        },
        "command_secretariat": {
            "en": "Write to the CTI Secretariat",
            "fr": "Écrire au Secrétariat de la CTI",
            "es": "Escribir a la Secretaría de la CTI",
        },
        "command_language": {
            "en": "Change language",
            "fr": "Changer de langue",
            "es": "Cambiar de idioma",
        },
        "command_state": {
            "en": "Your State's treaty status and deadlines",
            "fr": "Statut de votre État et échéances",
            "es": "Situación de su Estado y plazos",
        },
        "state_not_set": {
            "en": "Tell me which State you work for and I will show its treaty status, dates "
            "and deadlines from our register.",
            "fr": "Indiquez-moi l’État pour lequel vous travaillez et je vous montrerai son "
            "statut, ses dates et ses échéances selon notre registre.",
            "es": "Indíqueme para qué Estado trabaja y le mostraré su situación, sus fechas y sus "
            "plazos según nuestro registro.",
        },
        "button_reminders_set": {
            "en": "Remind me 90 and 30 days before",
            "fr": "Me le rappeler 90 et 30 jours avant",
            "es": "Recordármelo 90 y 30 días antes",
        },
        "button_reminders_stop": {
            "en": "Stop these reminders",
            "fr": "Arrêter ces rappels",
            "es": "Detener estos recordatorios",
        },
        "reminders_set": {
            "en": "I will remind you here:",
            "fr": "Je vous le rappellerai ici :",
            "es": "Se lo recordaré aquí:",
        },
        "reminder_line": {
            "en": "- on {day}: {what}, due on {due}",
            "fr": "- le {day} : {what}, échéance le {due}",
            "es": "- el {day}: {what}, plazo el {due}",
        },
        "reminders_none_ahead": {
            "en": "Our register shows no deadline of your State still ahead, so there is nothing "
            "to remind you of. /state shows what it holds.",
            "fr": "Notre registre n’indique aucune échéance à venir pour votre État : il n’y a "
            "rien à vous rappeler. /state montre ce qu’il contient.",
            "es": "Nuestro registro no muestra ningún plazo pendiente de su Estado, así que no hay "
            "nada que recordarle. /state muestra lo que contiene.",
        },
        "reminders_stopped": {
            "en": "Reminders stopped. You can set them again from /state.",
            "fr": "Rappels arrêtés. Vous pouvez les réactiver depuis /state.",
            "es": "Recordatorios detenidos. Puede activarlos de nuevo desde /state.",
        },
        "deadline_reminder": {
            "en": "Reminder: {what} for {state} is due on {due}, as our register computes it "
            "(register as of {as_of}; please check the UN Treaty Collection). /state shows the "
            "details; /secretariat if you would like help from the CTI Secretariat.",
            "fr": "Rappel : {what} (État : {state}) est attendu le {due}, selon notre registre "
            "(à jour au {as_of} ; vérifiez dans la Collection des traités des Nations Unies). "
            "/state donne le détail ; /secretariat si vous souhaitez l’aide du Secrétariat de "
            "la CTI.",
            "es": "Recordatorio: {what} (Estado: {state}) vence el {due}, según nuestro registro "
            "(actualizado al {as_of}; verifíquelo en la Colección de Tratados de las Naciones "
            "Unidas). /state muestra el detalle; /secretariat si desea ayuda de la Secretaría de "
            "la CTI.",
        },
        "button_status": {
            "en": "Treaty status and deadlines",
            "fr": "Statut et échéances",
            "es": "Situación y plazos",
        },
        "command_profile": {
            "en": "Your State and role",
            "fr": "Votre État et votre fonction",
            "es": "Su Estado y su cargo",
        },
        "command_forget": {
            "en": "Erase my data",
            "fr": "Effacer mes données",
            "es": "Borrar mis datos",
        },
    }
)

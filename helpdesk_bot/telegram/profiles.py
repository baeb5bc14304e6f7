"""Who the official is: /start, the State and role prompts, /profile, /state with the status
card and deadline reminders, /language and /forget.

Example: ``fits_prompt("Fiji", "state")`` -> True
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    Update,
)

from .. import status, texts
from ..config import Settings
from ..desk import Asker, Desk
from ..knowledge import LANGUAGES
from ..register import format_date
from . import cards
from .common import (
    LANGUAGE_NAMES,
    Context,
    Press,
    button,
    official_button,
    shorten,
)
from .sending import esc

log = logging.getLogger(__name__)

# Deep-link payloads Telegram accepts: t.me/<bot>?start=<source>
DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# A State is a few words ("Saint Vincent and the Grenadines"), a role a short line; a longer
# message, or one that asks something, is a question typed while the prompt was waiting.
PROMPT_WORDS = {"state": 6, "role": 14}


def fits_prompt(text: str, kind: str) -> bool:
    """Whether ``text``, sent without Telegram's Reply, answers the profile prompt ``kind``.

    >>> fits_prompt("Kiribati", "state"), fits_prompt("How do we ratify the Convention?", "state")
    (True, False)
    """
    return "?" not in text and "\n" not in text.strip() and len(text.split()) <= PROMPT_WORDS[kind]


class Profiles:
    """The official's profile: a part of :class:`OfficialBot` (it uses the bot's ``desk``,
    ``run`` and ``send``)."""

    desk: Desk
    settings: Settings

    # -- /start and the profile ----------------------------------------------------------------
    async def start(self, update: Update, context: Context) -> None:
        """Welcome, privacy notice, optional profile; ``/start <source>`` records the source."""
        asker = self.asker(update)
        official = await self.run(self.desk.profile, asker)
        payload = context.args[0] if context.args else ""
        if payload and DEEP_LINK.match(payload) and official.source is None:
            await self.run(self.desk.update_profile, asker, source=payload)
        lang = official.language
        if context.user_data is not None:
            context.user_data["language"] = lang
        user = update.effective_user
        name = user.first_name if user else ""
        text = (
            esc(texts.say("welcome", lang, name=name))
            + "\n\n<i>"
            + esc(texts.say("privacy", lang))
            + "</i>"
        )
        markup = InlineKeyboardMarkup(
            [
                [button(texts.say("button_profile", lang), "o:ps")],
                [button(texts.say("button_language", lang), "o:l")],
            ]
        )
        await self.send(context.bot, update.effective_chat.id, text, markup=markup, formatted=True)  # type: ignore[union-attr]

    async def prompt(
        self, bot: Bot, chat_id: int, context: Context, kind: str, lang: str, text: str
    ) -> None:
        """Ask for a profile field with a ForceReply: only a reply to it is taken as the answer."""
        placeholder = texts.say(f"{kind}_placeholder", lang)
        sent = await self.send(
            bot,
            chat_id,
            text,
            markup=ForceReply(selective=True, input_field_placeholder=placeholder),
        )
        if context.user_data is not None:
            context.user_data["prompt"] = (kind, sent)

    async def state_answer(self, update: Update, context: Context, text: str) -> None:
        lang = await self.language(update, context)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        exact = self.desk.base.exact_state(text)
        if exact is not None:  # "Kiribati": no one-option "Is it one of these?"
            await self.save_state(update, context, exact.code, lang)
            return
        found = self.desk.base.find_state(text)
        if not found:
            shown = shorten(text, 80)
            await self.prompt(
                context.bot,
                chat_id,
                context,
                "state",
                lang,
                texts.say("state_not_found", lang, text=shown),
            )
            return
        rows = [[button(state.name(lang), f"o:s:{state.code}")] for state in found]
        rows.append([button(texts.say("state_none", lang), "o:s:-")])
        await self.send(
            context.bot, chat_id, texts.say("state_choose", lang), markup=InlineKeyboardMarkup(rows)
        )

    async def save_state(self, update: Update, context: Context, code: str, lang: str) -> None:
        """Record the official's State ("-": none of those offered), then ask for the role."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        state = self.desk.base.states.get(code)
        if state is not None:
            await self.run(self.desk.update_profile, self.asker(update), state_code=code)
            await self.send(
                context.bot, chat_id, texts.say("state_saved", lang, state=state.name(lang))
            )
        await self.prompt(context.bot, chat_id, context, "role", lang, texts.say("ask_role", lang))

    async def role_answer(self, update: Update, context: Context, text: str) -> None:
        lang = await self.language(update, context)
        await self.run(self.desk.update_profile, self.asker(update), role=text)
        await self.send(context.bot, update.effective_chat.id, texts.say("role_saved", lang))  # type: ignore[union-attr]

    async def profile(self, update: Update, context: Context) -> None:
        """/profile: what the desk holds about the official, with ways to change or erase it."""
        official = await self.run(self.desk.profile, self.asker(update))
        lang = official.language
        state = self.desk.base.states.get(official.state_code or "")
        none = texts.say("not_given", lang)
        text = texts.say(
            "profile",
            lang,
            language=LANGUAGE_NAMES.get(lang, lang),
            state=state.name(lang) if state else none,
            role=official.role or none,
        )
        status_row = [button(texts.say("button_status", lang), "o:st")] if state else []
        markup = InlineKeyboardMarkup(
            [
                *([status_row] if status_row else []),
                [
                    button(texts.say("button_change_state", lang), "o:ps"),
                    button(texts.say("button_change_role", lang), "o:pr"),
                ],
                [button(texts.say("button_language", lang), "o:l")],
                [button(texts.say("button_forget", lang), "o:f")],
            ]
        )
        await self.send(context.bot, update.effective_chat.id, text, markup=markup)  # type: ignore[union-attr]

    async def state_status(self, update: Update, context: Context) -> None:
        """/state: the official's State at a glance (status, dates, deadlines, what CTI offers)."""
        await self.show_status(context.bot, update.effective_chat.id, self.asker(update))  # type: ignore[union-attr]

    async def show_status(self, bot: Bot, chat_id: int, asker: Asker) -> None:
        """The status card of the official's State (with reminders to set or stop), or how to
        set a State."""
        official = await self.run(self.desk.profile, asker)
        lang = official.language
        state = self.desk.base.states.get(official.state_code or "")
        if state is None:
            markup = InlineKeyboardMarkup(
                [[button(texts.say("button_change_state", lang), "o:ps")]]
            )
            await self.send(bot, chat_id, texts.say("state_not_set", lang), markup=markup)
            return
        today = datetime.now(UTC).date()
        card = status.status_card(state, self.desk.base, lang, today=today)
        rows = []
        if status.upcoming(state, today=today):
            pending = await self.run(self.desk.pending_deadline_reminders, asker)
            if pending:
                rows.append([button(texts.say("button_reminders_stop", lang), "o:rx")])
            else:
                rows.append([button(texts.say("button_reminders_set", lang), "o:rm")])
        rows.append([button(texts.say("button_change_state", lang), "o:ps")])
        await self.send(bot, chat_id, card, markup=InlineKeyboardMarkup(rows))

    @official_button
    async def on_reminders_button(self, update: Update, context: Context, press: Press) -> None:
        """Remind me before my State's deadlines ("o:rm"), or stop ("o:rx")."""
        await self.drop_buttons(press.message, keep_lasting=True)
        lang = press.lang
        if press.kind == "rx":
            await self.run(self.desk.stop_deadline_reminders, press.asker)
            await self.send(context.bot, press.chat_id, texts.say("reminders_stopped", lang))
            return
        planned = await self.run(self.desk.set_deadline_reminders, press.asker)
        if not planned:
            await self.send(context.bot, press.chat_id, texts.say("reminders_none_ahead", lang))
            return
        official = await self.run(self.desk.profile, press.asker)
        state = self.desk.base.states[official.state_code or ""]
        lines = [texts.say("reminders_set", lang)]
        for reminder in planned:
            lines.append(
                texts.say(
                    "reminder_line",
                    lang,
                    day=format_date(reminder.remind_on, lang),
                    what=status.deadline_name(state, reminder.deadline, lang),
                    due=format_date(reminder.due, lang),
                )
            )
        button_stop = button(texts.say("button_reminders_stop", lang), "o:rx")
        await self.send(
            context.bot,
            press.chat_id,
            "\n".join(lines),
            markup=InlineKeyboardMarkup([[button_stop]]),
        )

    @official_button
    async def on_status_button(self, update: Update, context: Context, press: Press) -> None:
        """ "Treaty status and deadlines" under /profile ("o:st")."""
        await self.show_status(context.bot, press.chat_id, press.asker)

    # -- language, help, forget ----------------------------------------------------------------
    @staticmethod
    def language_markup() -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            [[button(name, f"o:l:{code}") for code, name in LANGUAGE_NAMES.items()]]
        )

    async def choose_language(self, update: Update, context: Context) -> None:
        """/language: en, fr or es as buttons (or ``/language fr``)."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        wanted = (context.args or [""])[0].lower()[:2]
        if wanted in LANGUAGES:
            await self.set_language(update, context, wanted)
            await self.send(context.bot, chat_id, texts.say("language_set", wanted))
            return
        lang = await self.language(update, context)
        await self.send(
            context.bot, chat_id, texts.say("language_choose", lang), markup=self.language_markup()
        )

    async def set_language(self, update: Update, context: Context, lang: str) -> None:
        await self.run(self.desk.update_profile, self.asker(update), language=lang)
        if context.user_data is not None:
            context.user_data["language"] = lang

    async def forget(self, update: Update, context: Context) -> None:
        """/forget: asks for confirmation with a button before erasing anything."""
        lang = await self.language(update, context)
        markup = InlineKeyboardMarkup(
            [
                [button(texts.say("button_forget_yes", lang), "o:f:y")],
                [button(texts.say("button_cancel", lang), "o:f:n")],
            ]
        )
        await self.send(
            context.bot,
            update.effective_chat.id,
            texts.say("forget_confirm", lang),
            markup=markup,  # type: ignore[union-attr]
        )

    @official_button
    async def on_language_button(self, update: Update, context: Context, press: Press) -> None:
        """The language menu ("o:l") or a language chosen from it ("o:l:fr")."""
        if press.args:
            await self.set_language(update, context, press.args[0])
            await self.drop_buttons(press.message)
            await self.send(context.bot, press.chat_id, texts.say("language_set", press.args[0]))
            return
        await self.send(
            context.bot,
            press.chat_id,
            texts.say("language_choose", press.lang),
            markup=self.language_markup(),
        )

    @official_button
    async def on_profile_button(self, update: Update, context: Context, press: Press) -> None:
        """Set my State ("o:ps") or role ("o:pr"): consent, then the prompt."""
        await self.run(self.desk.update_profile, press.asker, consent=True)
        field = "state" if press.kind == "ps" else "role"
        await self.prompt(
            context.bot,
            press.chat_id,
            context,
            field,
            press.lang,
            texts.say(f"ask_{field}", press.lang),
        )

    @official_button
    async def on_state_button(self, update: Update, context: Context, press: Press) -> None:
        """A State chosen from "Is it one of these?" ("o:s:FJI", or "o:s:-" for none)."""
        await self.drop_buttons(press.message)
        await self.save_state(update, context, press.args[0], press.lang)

    @official_button
    async def on_forget_button(self, update: Update, context: Context, press: Press) -> None:
        """/forget from a button ("o:f"), then its confirmation ("o:f:y") or cancel ("o:f:n")."""
        if not press.args:
            await self.forget(update, context)
            return
        bot, lang = context.bot, press.lang
        await self.drop_buttons(press.message)
        if press.args[0] != "y":
            await self.send(bot, press.chat_id, texts.say("forget_cancelled", lang))
            return
        erasure = await self.run(self.desk.forget, press.asker)
        if context.user_data is not None:
            context.user_data.clear()
        if erasure is not None:
            # Before "erased": the staff chat's copies are part of what the official is told is
            # gone. A card that cannot be edited is logged, never fatal.
            await cards.erase_cards(bot, self.desk, erasure.cards, run=self.run)
        key = "forgotten" if erasure is not None else "forget_nothing"
        await self.send(bot, press.chat_id, texts.say(key, lang))

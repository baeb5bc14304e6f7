"""What the officials' handlers share: escaping and splitting text, buttons and their data,
and the decorator every officials' button handler wears.

Example: ``button("Yes", "o:h:12:1")``
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import (
    ContextTypes,
)

from .. import texts
from ..desk import Asker, Desk, DeskError
from ..knowledge import Entry, Tool

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


T = TypeVar("T")


LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


# Telegram limits callback data to 64 bytes; "o:" marks the officials' buttons (staff use "staff:").
CALLBACK_BYTES = 64


BUTTON_CHARS = 60


def entry_key(entry_id: str) -> str:
    """A callback-data key for an entry: its id, or a short digest when the id is too long."""
    if len(entry_id.encode()) <= 40:
        return entry_id
    return "#" + hashlib.sha1(entry_id.encode()).hexdigest()[:12]


def find_entry(desk: Desk, key: str) -> Entry | None:
    if not key.startswith("#"):
        return desk.base.entries.get(key)
    return next((e for e in desk.base.entries.values() if entry_key(e.id) == key), None)


def shorten(text: str, limit: int = BUTTON_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shared_pages(tools: list[Tool], lang: str) -> set[str]:
    """Pages several tools link to (the catalogue): said once, not once per tool."""
    pages = [tool.link(lang) for tool in tools]
    return {page for page in pages if pages.count(page) > 1}


def tool_links(tools: list[Tool], lang: str) -> list[tuple[str, str]]:
    """(label, page) per distinct page: a tool's own page under its title, a page several tools
    share once, as the tools page."""
    shared = shared_pages(tools, lang)
    links: dict[str, str] = {}
    for tool in tools:
        page = tool.link(lang)
        title = tool.titles.get(lang) or tool.titles["en"]
        links.setdefault(page, texts.say("button_tools_page", lang) if page in shared else title)
    return [(label, page) for page, label in links.items()]


def button(label: str, data: str) -> InlineKeyboardButton:
    assert len(data.encode()) <= CALLBACK_BYTES, data
    return InlineKeyboardButton(label, callback_data=data)


def lasting(pressable: InlineKeyboardButton) -> bool:
    """A link, or an entry to read ("o:b:"): buttons that stay when a choice's buttons go."""
    return bool(pressable.url) or str(pressable.callback_data or "").startswith("o:b:")


@dataclass(frozen=True)
class Press:
    """An official's press on one of the bot's buttons, as its handler needs it."""

    query: CallbackQuery
    kind: str  # "c" in "o:c:ratification-routes"
    args: list[str]  # ["ratification-routes"]
    lang: str
    asker: Asker
    chat_id: int

    @property
    def message(self) -> Any:
        return self.query.message


def official_button(
    method: Callable[[Any, Update, Context, Press], Awaitable[None]],
) -> Callable[[Any, Update, Context], Awaitable[None]]:
    """Make ``method`` a button handler: in private chats only, the press answered at once (no
    spinning button), a stale button (DeskError) explained to the official."""

    @functools.wraps(method)
    async def handler(self: Any, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        message = query.message
        await query.answer()
        if message is None or message.chat.type != ChatType.PRIVATE:
            return
        kind, *args = query.data.split(":")[1:]
        lang = await self.language(update, context)
        press = Press(query, kind, args, lang, self.asker(update), message.chat.id)
        try:
            await method(self, update, context, press)
        except DeskError as exc:
            log.info("button %r refused: %s", query.data, exc)
            await self.send(context.bot, press.chat_id, texts.say("choice_gone", lang))

    return handler

"""Browsing without asking: /topics and its questions, /tools and a card per tool, page by page.

Example: ``OfficialBot(desk, settings).topics_page("fr", 0)``
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)

from .. import texts
from ..desk import Desk
from ..knowledge import Tool
from .common import (
    Context,
    Press,
    button,
    entry_key,
    official_button,
    shared_pages,
    shorten,
    tool_links,
)
from .sending import esc

log = logging.getLogger(__name__)

TOPICS_PER_PAGE = 6


ENTRIES_PER_PAGE = 6


TOOLS_PER_PAGE = 6


class Browsing:
    """The officials' catalogue: a part of :class:`OfficialBot` (it uses the bot's ``desk`` and
    ``send``)."""

    desk: Desk

    # -- browsing ------------------------------------------------------------------------------
    def topics_page(self, lang: str, page: int) -> tuple[str, InlineKeyboardMarkup]:
        topics = [
            t for t in self.desk.base.topics.values() if self.desk.base.entries_by_topic(t.id)
        ]
        pages = max(1, -(-len(topics) // TOPICS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
        rows = [
            [button(shorten(t.titles.get(lang) or t.titles["en"]), f"o:t:{t.id}:0")] for t in shown
        ]
        rows += self.pager("o:tp:{}", page, pages, lang)
        return esc(texts.say("topics_intro", lang)), InlineKeyboardMarkup(rows)

    def entries_page(self, lang: str, topic_id: str, page: int) -> tuple[str, InlineKeyboardMarkup]:
        topic = self.desk.base.topics[topic_id]
        entries = self.desk.base.entries_by_topic(topic_id)
        pages = max(1, -(-len(entries) // ENTRIES_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = entries[page * ENTRIES_PER_PAGE : (page + 1) * ENTRIES_PER_PAGE]
        rows = [[button(shorten(e.question(lang)), f"o:b:{entry_key(e.id)}")] for e in shown]
        rows += self.pager(f"o:t:{topic_id}:{{}}", page, pages, lang)
        rows.append([button(texts.say("button_topics", lang), "o:tp:0")])
        title = topic.titles.get(lang) or topic.titles["en"]
        return esc(texts.say("topic_entries", lang, topic=title)), InlineKeyboardMarkup(rows)

    @staticmethod
    def pager(pattern: str, page: int, pages: int, lang: str) -> list[list[InlineKeyboardButton]]:
        row = []
        if page > 0:
            row.append(button(texts.say("button_previous", lang), pattern.format(page - 1)))
        if page < pages - 1:
            row.append(button(texts.say("button_next", lang), pattern.format(page + 1)))
        return [row] if row else []

    async def topics(self, update: Update, context: Context) -> None:
        """/topics: the knowledge base by topic, as buttons."""
        lang = await self.language(update, context)
        text, markup = self.topics_page(lang, 0)
        await self.send(context.bot, update.effective_chat.id, text, markup=markup, formatted=True)  # type: ignore[union-attr]

    async def tools(self, update: Update, context: Context) -> None:
        """/tools: the CTI tool catalogue as buttons, a page at a time, like /topics."""
        lang = await self.language(update, context)
        text, markup = self.tools_page(lang, 0)
        await self.send(context.bot, update.effective_chat.id, text, markup=markup, formatted=True)  # type: ignore[union-attr]

    def tools_page(self, lang: str, page: int) -> tuple[str, InlineKeyboardMarkup]:
        """One page of tool titles as buttons; the catalogue page, when the tools share one."""
        tools = list(self.desk.base.tools.values())
        pages = max(1, -(-len(tools) // TOOLS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = tools[page * TOOLS_PER_PAGE : (page + 1) * TOOLS_PER_PAGE]
        rows = [
            [button(shorten(t.titles.get(lang) or t.titles["en"]), f"o:to:{t.id}:{page}")]
            for t in shown
        ]
        rows += self.pager("o:tl:{}", page, pages, lang)
        rows += [
            [InlineKeyboardButton(texts.say("button_tools_page", lang), url=url)]
            for url in sorted(shared_pages(tools, lang))
        ]
        return esc(texts.say("tools_intro", lang)), InlineKeyboardMarkup(rows)

    def tool_card(self, lang: str, tool: Tool, page: int) -> tuple[str, InlineKeyboardMarkup]:
        """One tool: title, year and summary, a button to its page and one back to the list."""
        title = tool.titles.get(lang) or tool.titles["en"]
        summary = tool.summaries.get(lang) or tool.summaries.get("en", "")
        year = f" ({tool.year})" if tool.year else ""
        (label, url), *_ = tool_links([tool], lang)
        rows = [
            [InlineKeyboardButton(shorten(label), url=url)],
            [button(texts.say("button_all_tools", lang), f"o:tl:{page}")],
        ]
        return f"<b>{esc(title)}</b>{esc(year)}\n\n{esc(summary)}", InlineKeyboardMarkup(rows)

    @official_button
    async def on_browse(self, update: Update, context: Context, press: Press) -> None:
        """A page of tools ("o:tl:"), one tool ("o:to:"), a page of topics ("o:tp:") or one
        topic's entries ("o:t:"): the message is edited in place."""
        lang, args = press.lang, press.args
        if press.kind == "tl":
            text, markup = self.tools_page(lang, int(args[0]))
        elif press.kind == "tp":
            text, markup = self.topics_page(lang, int(args[0]))
        elif press.kind == "to" and args[0] in self.desk.base.tools:
            tool = self.desk.base.tools[args[0]]
            text, markup = self.tool_card(lang, tool, int(args[1]) if len(args) > 1 else 0)
        elif press.kind == "t" and args[0] in self.desk.base.topics:
            text, markup = self.entries_page(lang, args[0], int(args[1]))
        else:
            await self.send(context.bot, press.chat_id, texts.say("choice_gone", lang))
            return
        await self.edit(press.message, text, markup)

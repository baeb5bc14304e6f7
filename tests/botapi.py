"""A loopback stand-in for the Telegram Bot API, for end-to-end tests and benchmarks.

A real HTTP server (``ThreadingHTTPServer`` on 127.0.0.1, a free port) answers
``POST /bot<token>/<method>`` the way api.telegram.org does, records every call, and lets a
test play the part of officials (push updates) and of a flaky network (inject faults).

Example::

    api = BotApiServer().start()
    app = Application.builder().token(api.token).base_url(api.base_url).build()
    ...                                   # start polling
    since = api.mark()
    api.push_message(user(42, "fr"), text="Comment ratifier ?")
    call = api.wait_for("sendMessage", since=since)
    call.params["text"], call.params["chat_id"]
    api.fail("sendMessage", status=429, retry_after=1)       # the next sendMessage is throttled
    api.block(42)                                           # 403 "bot was blocked by the user"
    api.stop()
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import itertools
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_TOKEN = "123456789:TEST-token_for-the-loopback-stand-in"
# Parameters Telegram treats as strings even when they look like JSON ("123", "true").
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "language_code",
        "description",
        "short_description",
        "name",
        "title",
        "query",
    }
)
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "editMessageText",
        "editMessageReplyMarkup",
        "copyMessage",
        "forwardMessage",
        "sendChatAction",
        "pinChatMessage",
    }
)


Json = dict[str, Any]


def user(
    user_id: int,
    language_code: str | None = "en",
    *,
    first_name: str = "Official",
    last_name: str | None = None,
    username: str | None = None,
) -> Json:
    """A Telegram ``User`` object for an official (or a staff member)."""
    out: Json = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        out["language_code"] = language_code
    if last_name:
        out["last_name"] = last_name
    if username:
        out["username"] = username
    return out


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart call (sendDocument, sendPhoto)."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Call:
    """One request the bot made: method, parsed parameters, and what the stand-in answered."""

    token: str
    method: str
    params: Json
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return (
            int(value)
            if isinstance(value, int | str) and str(value).lstrip("-").isdigit()
            else None
        )

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def seen(self) -> str:
        """The text as the official sees it (HTML tags removed, entities decoded)."""
        if isinstance(self.result, dict):
            return str(self.result.get("text") or self.result.get("caption") or "")
        return _visible(self.text, self.params.get("parse_mode"))

    @property
    def buttons(self) -> list[Json]:
        """The inline keyboard buttons of this call's reply_markup, row after row."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class Fault:
    """A planned failure for the next ``times`` matching calls."""

    method: str
    status: int
    description: str
    retry_after: int | None = None
    hang: float | None = None
    chat_id: int | None = None
    times: int = 1
    migrate_to_chat_id: int | None = None  # a group that became a supergroup


def _decode_value(name: str, raw: str) -> Any:
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _parse_body(content_type: str, body: bytes) -> tuple[Json, dict[str, UploadedFile]]:
    """Parse a form-encoded, JSON or multipart request body as python-telegram-bot sends it."""
    if not body:
        return {}, {}
    if content_type.startswith("application/json"):
        # As the Bot API server does: a string value is read like a form field (PTB sends
        # chat_id "42" and reply_markup as a JSON string), any other value is taken as it is.
        fields = json.loads(body)
        return {
            name: _decode_value(name, value) if isinstance(value, str) else value
            for name, value in fields.items()
        }, {}
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        params: Json = {}
        files: dict[str, UploadedFile] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None or part.get_content_type() not in {"text/plain"}:
                files[str(name)] = UploadedFile(filename, part.get_content_type(), payload)
            else:
                params[str(name)] = _decode_value(str(name), payload.decode("utf-8"))
        return params, files
    fields = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
    return {name: _decode_value(name, values[-1]) for name, values in fields.items()}, {}


class _Bot:
    """What the stand-in knows about one bot token: its pending updates and sent messages."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.id = int(token.split(":", 1)[0])
        self.updates: list[Json] = []
        self.confirmed = 0  # update ids below this were acknowledged by an offset
        self.messages: dict[tuple[int, int], Json] = {}
        self.commands: dict[str, list[Json]] = {}
        self.webhook: Json = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    @property
    def me(self) -> Json:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": "CTI Help Desk",
            "username": "cti_helpdesk_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }


class BotApiServer:
    """The stand-in: start it, point ``base_url`` at it, push updates, read ``calls``."""

    def __init__(self, *, token: str = DEFAULT_TOKEN, max_poll_seconds: float = 5.0) -> None:
        self.token = token
        self.max_poll_seconds = max_poll_seconds
        self.calls: list[Call] = []
        # When each getUpdates arrived (token, time.monotonic()): ``calls`` has a long poll only
        # once it is answered, up to ``max_poll_seconds`` later.
        self._polls: list[tuple[str, float]] = []
        self._faults: list[Fault] = []
        self._blocked: set[int] = set()
        self._bots: dict[str, _Bot] = {}
        self._ids = itertools.count(1)  # update ids, callback ids, message ids: unique in the run
        self._cond = threading.Condition()
        self._last_push = 0
        # Counts reset(): a long poll a previous test's bot left open must not answer this one.
        self._generation = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> BotApiServer:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive: httpx reuses connections, as with Telegram.
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK stall every answer by 40 ms, which Telegram does not do.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                stand_in._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the calls are recorded instead

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="botapi", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> BotApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """The value for python-telegram-bot's ``base_url`` (and HELPDESK_TELEGRAM_API_URL)."""
        return f"{self.url}/bot"

    def reset(self) -> None:
        """Forget calls, updates, faults and blocks (between tests on a shared stand-in)."""
        with self._cond:
            self.calls.clear()
            self._polls.clear()
            self._faults.clear()
            self._blocked.clear()
            self._bots.clear()
            self._last_push = 0
            self._generation += 1
            self._cond.notify_all()

    # -- playing the officials ---------------------------------------------------------------
    def _bot(self, token: str) -> _Bot:
        if token not in self._bots:
            self._bots[token] = _Bot(token)
        return self._bots[token]

    def push_update(self, update: Json, *, token: str | None = None) -> Json:
        """Queue a raw update (``update_id`` is filled in) for the bot's next getUpdates."""
        with self._cond:
            update = {"update_id": next(self._ids), **update}
            self._bot(token or self.token).updates.append(update)
            self._last_push = len(self.calls)
            self._cond.notify_all()
        return update

    def _message(
        self,
        sender: Json | int,
        chat: int | Json | None,
        *,
        reply_to: Json | None = None,
        **content: Any,
    ) -> Json:
        sender = user(sender) if isinstance(sender, int) else sender
        if chat is None:
            chat = sender["id"]
        if isinstance(chat, int):
            chat = (
                {"id": chat, "type": "private", "first_name": sender.get("first_name", "")}
                if chat > 0
                else {"id": chat, "type": "supergroup", "title": "Group"}
            )
        message: Json = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

    def push_message(
        self,
        sender: Json | int,
        chat: int | Json | None = None,
        text: str = "",
        *,
        reply_to: Json | None = None,
        token: str | None = None,
    ) -> Json:
        """An official (``user(...)`` or an id) types ``text``; ``chat`` defaults to the private chat.

        A leading ``/command`` gets its ``bot_command`` entity, as Telegram adds it.
        """
        content: Json = {"text": text}
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0]) if text.strip() else 1
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message = self._message(sender, chat, reply_to=reply_to, **content)
        return self.push_update({"message": message}, token=token)

    def push_edited(
        self,
        sender: Json | int,
        chat: int | Json | None = None,
        text: str = "",
        *,
        message_id: int | None = None,
        token: str | None = None,
    ) -> Json:
        """The official edits an earlier message (``message_id``) to read ``text``."""
        message = self._message(sender, chat, text=text, edit_date=int(time.time()))
        if message_id is not None:
            message["message_id"] = message_id
        return self.push_update({"edited_message": message}, token=token)

    def push_photo(
        self,
        sender: Json | int,
        chat: int | Json | None = None,
        *,
        caption: str | None = None,
        token: str | None = None,
    ) -> Json:
        """The official sends a photo (optionally captioned)."""
        n = next(self._ids)
        photo = [{"file_id": f"photo-{n}", "file_unique_id": f"u{n}", "width": 90, "height": 90}]
        content: Json = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self.push_update({"message": self._message(sender, chat, **content)}, token=token)

    def push_content(
        self,
        sender: Json | int,
        chat: int | Json | None = None,
        *,
        token: str | None = None,
        **content: Any,
    ) -> Json:
        """Any other message content, e.g. ``sticker={...}``, ``voice={...}``, ``document={...}``."""
        return self.push_update({"message": self._message(sender, chat, **content)}, token=token)

    def push_callback(
        self,
        sender: Json | int,
        message: Json | Call,
        data: str,
        *,
        token: str | None = None,
    ) -> Json:
        """The official presses an inline button with ``data`` on ``message`` (a bot message or its Call)."""
        sender = user(sender) if isinstance(sender, int) else sender
        if isinstance(message, Call):
            message = message.result
        assert isinstance(message, dict) and "message_id" in message, (
            "press a button on a sent message"
        )
        query = {
            "id": str(next(self._ids)),
            "from": sender,
            "chat_instance": str(message["chat"]["id"]),
            "data": data,
            "message": message,
        }
        return self.push_update({"callback_query": query}, token=token)

    def press(
        self, sender: Json | int, call: Call, label: str, *, token: str | None = None
    ) -> Json:
        """Press the inline button whose text contains ``label`` on the message ``call`` sent."""
        for button in call.buttons:
            if label in button.get("text", "") and "callback_data" in button:
                return self.push_callback(sender, call, button["callback_data"], token=token)
        raise AssertionError(f"no button {label!r} among {[b.get('text') for b in call.buttons]}")

    # -- playing a flaky network ---------------------------------------------------------------
    def fail(
        self,
        method: str,
        *,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` if given) fail with ``status``.

        ``status=429`` with ``retry_after`` is Telegram's flood control; ``migrate_to_chat_id``
        answers as for a group that became a supergroup (400 with the new chat's id).
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after or 1}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request",
            }.get(status, "Internal Server Error")
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._cond:
            self._faults.append(
                Fault(
                    method,
                    status,
                    description,
                    retry_after,
                    None,
                    chat_id,
                    times,
                    migrate_to_chat_id,
                )
            )

    def hang(
        self, method: str, *, seconds: float = 30.0, times: int = 1, chat_id: int | None = None
    ) -> None:
        """The next ``times`` calls of ``method`` get no answer for ``seconds``, then the connection drops."""
        with self._cond:
            self._faults.append(Fault(method, 0, "hung", None, seconds, chat_id, times))

    def block(self, chat_id: int) -> None:
        """The official blocked the bot: every send to ``chat_id`` is a 403 until ``unblock``."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(chat_id)

    def _take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and (fault.chat_id is None or fault.chat_id == chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- reading what the bot did --------------------------------------------------------------
    def mark(self) -> int:
        """A position in ``calls``: pass it as ``since`` to look only at later calls."""
        with self._cond:
            return len(self.calls)

    def calls_to(self, method: str, *, since: int = 0, chat_id: int | None = None) -> list[Call]:
        with self._cond:
            return [
                c
                for c in self.calls[since:]
                if c.method == method and (chat_id is None or c.chat_id == chat_id)
            ]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int | None = None,
        count: int = 1,
    ) -> Call:
        """Block until ``count`` calls of ``method`` matching ``predicate`` happened; return the last.

        ``since`` defaults to the position at the last push, so this waits for the bot's answer
        to what the test just did. Raises AssertionError listing the calls seen on timeout.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            start = self._last_push if since is None else since
            while True:
                found = [
                    c
                    for c in self.calls[start:]
                    if c.method == method
                    and c.status == 200
                    and (predicate is None or predicate(c))
                ]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.text[:60]) for c in self.calls[start:]]
                    raise AssertionError(f"no {method} within {timeout}s; calls since: {seen}")
                self._cond.wait(left)

    def polling(self, *, after: float, token: str | None = None) -> bool:
        """Whether a getUpdates of ``token`` (any token: None) arrived at ``after`` (a
        ``time.monotonic()``) or later, answered or not: the bot is polling."""
        with self._cond:
            return any(
                at >= after and (token is None or token == polled) for polled, at in self._polls
            )

    def wait_polling(
        self, *, after: float, token: str | None = None, timeout: float = 30.0
    ) -> None:
        """Block until ``polling(after=after, token=token)``: a bot started at ``after`` polls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.polling(after=after, token=token):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no getUpdates within {timeout}s")
                self._cond.wait(left)

    def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until no call arrived for ``quiet`` seconds (ignoring getUpdates long polls)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                busy = [c for c in self.calls if c.method != "getUpdates"]
                last = busy[-1].at if busy else 0.0
            if time.monotonic() - last >= quiet:
                return
            time.sleep(quiet / 3)
        raise AssertionError("the bot kept calling the API")

    def pending_updates(self, token: str | None = None) -> int:
        with self._cond:
            bot = self._bot(token or self.token)
            return sum(1 for u in bot.updates if u["update_id"] >= bot.confirmed)

    def commands(
        self, *, language_code: str = "", scope: str = "default", token: str | None = None
    ) -> list[Json]:
        """The command list the bot registered with setMyCommands for a scope and language."""
        with self._cond:
            return list(self._bot(token or self.token).commands.get(f"{scope}/{language_code}", []))

    # -- the HTTP side -------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(request.path).path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            self._respond(
                request, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        token, method = parts[0][3:], parts[1]
        try:
            params, files = _parse_body(request.headers.get("Content-Type", ""), body)
        except ValueError as exc:
            self._respond(
                request, 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            )
            return
        call = Call(token=token, method=method, params=params, files=files)
        with self._cond:
            if method == "getUpdates":
                self._polls.append((token, time.monotonic()))
                self._cond.notify_all()
            fault = self._take_fault(method, call.chat_id)
            if fault is None and method in SEND_METHODS and call.chat_id in self._blocked:
                fault = Fault(method, 403, "Forbidden: bot was blocked by the user")
        if fault is not None and fault.hang is not None:
            self._record(call, status=0)
            time.sleep(fault.hang)
            request.close_connection = True
            return
        if fault is not None:
            payload: Json = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                payload["parameters"] = {"retry_after": fault.retry_after}
            if fault.migrate_to_chat_id is not None:
                payload["parameters"] = {"migrate_to_chat_id": fault.migrate_to_chat_id}
            self._record(call, status=fault.status)
            self._respond(request, fault.status, payload)
            return
        if method == "getUpdates":
            generation = self._generation
            result = self._get_updates(token, params)
            if generation != self._generation:  # left open by a bot of a test before reset()
                self._respond(request, 200, {"ok": True, "result": []})
                return
            self._record(call, result=result)
            self._respond(request, 200, {"ok": True, "result": result})
            return
        with self._cond:
            status, payload = self._answer(token, method, params, files)
            call.status = status
            call.result = payload.get("result")
            self.calls.append(call)
            self._cond.notify_all()
        self._respond(request, status, payload)

    def _record(self, call: Call, *, status: int = 200, result: Any = None) -> None:
        with self._cond:
            call.status, call.result = status, result
            self.calls.append(call)
            self._cond.notify_all()

    @staticmethod
    def _respond(request: BaseHTTPRequestHandler, status: int, payload: Json) -> None:
        data = json.dumps(payload).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the bot gave up on this request (e.g. it is shutting down)

    def _get_updates(self, token: str, params: Json) -> list[Json]:
        """Long poll: answer as soon as an update is queued, or after ``timeout`` with nothing."""
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), self.max_poll_seconds)
        deadline = time.monotonic() + timeout
        with self._cond:
            generation = self._generation
            bot = self._bot(token)
            if offset:
                # As in Telegram: an offset confirms every update below it, which is then forgotten.
                bot.confirmed = max(bot.confirmed, offset)
                bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
            while True:
                if self._closing or generation != self._generation:
                    return []
                bot = self._bot(token)
                ready = [u for u in bot.updates if u["update_id"] >= bot.confirmed][:limit]
                if ready:
                    return ready
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)

    def _new_message(self, bot: _Bot, params: Json, **content: Any) -> Json:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise _BadRequest("chat not found")
        chat: Json = (
            {"id": chat_id, "type": "private", "first_name": "Official"}
            if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Group"}
        )
        message: Json = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": bot.me,
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Telegram echoes inline keyboards only (not ForceReply or reply keyboards).
            message["reply_markup"] = markup
        if isinstance(params.get("reply_parameters"), dict):
            target = bot.messages.get((chat_id, params["reply_parameters"].get("message_id")))
            if target is not None:
                message["reply_to_message"] = target
        bot.messages[(chat_id, message["message_id"])] = message
        return message

    def _answer(
        self, token: str, method: str, params: Json, files: dict[str, UploadedFile]
    ) -> tuple[int, Json]:
        bot = self._bot(token)
        try:
            result = self._result(bot, method, params, files)
        except _BadRequest as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        if result is NotImplemented:
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        return 200, {"ok": True, "result": result}

    def _result(self, bot: _Bot, method: str, params: Json, files: dict[str, UploadedFile]) -> Any:
        if method == "getMe":
            return bot.me
        if method in {"deleteWebhook", "close", "logOut", "sendChatAction", "answerCallbackQuery"}:
            if method == "deleteWebhook":
                bot.webhook["url"] = ""
            return True
        if method == "setWebhook":
            bot.webhook["url"] = str(params.get("url", ""))
            return True
        if method == "getWebhookInfo":
            return dict(bot.webhook)
        if method in {"setMyCommands", "getMyCommands", "deleteMyCommands"}:
            scope = (params.get("scope") or {}).get("type", "default")
            key = f"{scope}/{params.get('language_code', '')}"
            if method == "getMyCommands":
                return bot.commands.get(key, [])
            if method == "deleteMyCommands":
                bot.commands.pop(key, None)
                return True
            commands = params.get("commands")
            if not isinstance(commands, list) or not commands:
                raise _BadRequest("commands must be a non-empty list")
            for command in commands:
                name = str(command.get("command", ""))
                if not (
                    1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.islower()
                ):
                    raise _BadRequest(f"invalid command {name!r}")
                if not 1 <= len(str(command.get("description", ""))) <= 256:
                    raise _BadRequest(f"invalid description for {name!r}")
            bot.commands[key] = commands
            return True
        if method == "sendMessage":
            text = str(params.get("text", ""))
            _check_text(text, params.get("parse_mode"))
            return self._new_message(bot, params, text=_visible(text, params.get("parse_mode")))
        if method in {"sendVoice", "sendAudio", "sendVideo"}:
            kind = method.removeprefix("send").lower()
            ref = params.get(kind)
            if not ref and not files:
                raise _BadRequest(f"there is no {kind} in the request")
            n = next(self._ids)
            content = {
                kind: {
                    "file_id": str(ref) if ref else f"{kind}-{n}",
                    "file_unique_id": f"m{n}",
                    "duration": 1,
                }
            }
            if params.get("caption"):
                _check_text(str(params["caption"]), params.get("parse_mode"), limit=1024)
                content["caption"] = _visible(str(params["caption"]), params.get("parse_mode"))
            return self._new_message(bot, params, **content)
        if method in {"sendDocument", "sendPhoto"}:
            kind = "document" if method == "sendDocument" else "photo"
            upload = files.get(kind) or next(iter(files.values()), None)
            ref = params.get(kind)
            if upload is None and isinstance(ref, str) and ref.startswith("attach://"):
                upload = files.get(ref.removeprefix("attach://"))
            if upload is None and not ref:
                raise _BadRequest(f"there is no {kind} in the request")
            n = next(self._ids)
            size = len(upload.data) if upload else 0
            content: Json
            if kind == "document":
                name = upload.filename if upload else None
                content = {
                    "document": {
                        "file_id": f"doc-{n}",
                        "file_unique_id": f"d{n}",
                        "file_name": name,
                        "file_size": size,
                    }
                }
            else:
                content = {
                    "photo": [
                        {
                            "file_id": f"photo-{n}",
                            "file_unique_id": f"p{n}",
                            "width": 1,
                            "height": 1,
                            "file_size": size,
                        }
                    ]
                }
            if params.get("caption"):
                _check_text(str(params["caption"]), params.get("parse_mode"), limit=1024)
                content["caption"] = _visible(str(params["caption"]), params.get("parse_mode"))
            return self._new_message(bot, params, **content)
        if method in {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}:
            if params.get("inline_message_id"):
                return True
            key = (params.get("chat_id"), params.get("message_id"))
            message = bot.messages.get(key)  # type: ignore[arg-type]
            if message is None:
                raise _BadRequest("message to edit not found")
            updated = dict(message, edit_date=int(time.time()))
            if method == "editMessageText":
                text = str(params.get("text", ""))
                _check_text(text, params.get("parse_mode"))
                updated["text"] = _visible(text, params.get("parse_mode"))
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                updated["reply_markup"] = markup
            else:
                updated.pop("reply_markup", None)
            if {k: v for k, v in updated.items() if k != "edit_date"} == {
                k: v for k, v in message.items() if k != "edit_date"
            }:
                # Telegram refuses edits that change nothing; bots must not rely on them.
                raise _BadRequest("message is not modified")
            bot.messages[key] = updated  # type: ignore[index]
            return updated
        if method == "deleteMessage":
            key = (params.get("chat_id"), params.get("message_id"))
            if bot.messages.pop(key, None) is None:  # type: ignore[arg-type]
                raise _BadRequest("message to delete not found")
            return True
        return NotImplemented


class _BadRequest(Exception):
    pass


def _check_text(text: str, parse_mode: Any, *, limit: int = 4096) -> None:
    """Refuse what Telegram refuses: empty or over-long text, and broken HTML."""
    visible = _visible(text, parse_mode)
    if not visible.strip():
        raise _BadRequest("message text is empty")
    if len(visible) > limit:
        raise _BadRequest("message is too long")
    if parse_mode == "HTML":
        _check_html(text)


ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z-]*)[^<>]*>")
BARE_AMPERSAND = re.compile(r"&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)")


def _check_html(text: str) -> None:
    """Telegram's HTML parser: only its tags, balanced, and '<' and '&' escaped elsewhere."""
    if BARE_AMPERSAND.search(text):
        raise _BadRequest("can't parse entities: unescaped '&'")
    stack: list[str] = []
    for match in TAG.finditer(text):
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag not in ALLOWED_TAGS:
            raise _BadRequest(f'can\'t parse entities: unsupported start tag "{tag}"')
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            raise _BadRequest(f'can\'t parse entities: unexpected end tag "{tag}"')
    if stack:
        raise _BadRequest(f"can't parse entities: can't find end tag for \"{stack[-1]}\"")
    if "<" in TAG.sub("", text):
        raise _BadRequest("can't parse entities: unescaped '<'")


def _visible(text: str, parse_mode: Any) -> str:
    """The text an official sees: with HTML parse mode, tags removed and entities decoded."""
    if parse_mode != "HTML":
        return text
    return html.unescape(TAG.sub("", text))


class RunningBot:
    """The help desk's ``Application`` polling the stand-in from its own thread and loop, through
    its durable intake (helpdesk_bot/intake.py), as ``helpdesk-bot run`` does.

    Tests stay synchronous: they push updates and wait for calls while the bot runs. Every
    exception that reaches the application's error handlers is kept in ``errors``.

    Example::

        with RunningBot(build_application(settings, desk)) as running:
            api.push_message(user(7), text="/start")
            api.wait_for("sendMessage")
        assert not running.errors
    """

    def __init__(self, application: Any, *, poll_timeout: int = 10) -> None:
        from helpdesk_bot.telegram.intake import intake_of

        self.application = application
        self.intake = intake_of(application)
        self.poll_timeout = poll_timeout
        self.errors: list[BaseException] = []
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._loop: Any = None
        self._thread = threading.Thread(target=self._main, name="bot", daemon=True)
        application.add_error_handler(self._record_error)

    async def _record_error(self, update: object, context: Any) -> None:
        self.errors.append(context.error)

    def _main(self) -> None:
        import asyncio

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            await self.intake.serve_polling(
                poll_timeout=self.poll_timeout, handle_signals=False, started=self._ready.set
            )

        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported by start() or stop()
            self._failed = self._failed or exc
        finally:
            self._ready.set()

    @property
    def loop(self) -> Any:
        """The bot's event loop (for ``call_soon_threadsafe`` from a test)."""
        return self._loop

    def start(self, timeout: float = 15.0) -> RunningBot:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise AssertionError("the bot did not start")
        if self._failed is not None:
            raise AssertionError(f"the bot did not start: {self._failed!r}") from self._failed
        return self

    def stop(self, timeout: float = 15.0) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.intake.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError("the bot did not stop")
        if self._failed is not None:
            raise AssertionError(f"the bot failed: {self._failed!r}") from self._failed

    def __enter__(self) -> RunningBot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def flatten(calls: Iterable[Call]) -> str:
    """What the official read in ``calls`` (text as displayed, markup removed), joined."""
    return "\n".join(c.seen for c in calls)

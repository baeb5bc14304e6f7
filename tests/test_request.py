"""AiohttpRequest (helpdesk_bot/request.py): python-telegram-bot's transport over aiohttp.

Every test runs against the loopback Bot API stand-in (tests/botapi.py) over real HTTP, most of
them side by side with PTB's own HTTPXRequest: the same answers, and the same PTB exception for
each fault, whichever transport carries the call.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from helpdesk_bot.models import Query
from helpdesk_bot.request import POOL_TIMEOUT_MESSAGE, AiohttpRequest
from tests.botapi import BotApiServer, user

OFFICIAL, OTHER = 4201, 4202
TRANSPORTS: dict[str, Callable[..., BaseRequest]] = {
    "aiohttp": AiohttpRequest,
    "httpx": HTTPXRequest,
}


@pytest.fixture(params=list(TRANSPORTS))
def transport(request) -> str:
    """The transport under test: ours, then PTB's own as the reference."""
    return request.param


def with_bot(
    botapi: BotApiServer, transport: str, work: Callable[[Bot], Awaitable[Any]], **options: Any
) -> Any:
    """Run ``await work(bot)`` with a real Bot whose calls go through ``transport``."""

    async def main() -> Any:
        request = TRANSPORTS[transport](**options)
        async with Bot(botapi.token, base_url=botapi.base_url, request=request) as bot:
            return await work(bot)

    return asyncio.run(main())


def closed_port() -> int:
    """A local port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- what goes through ---------------------------------------------------------------------------
def test_send_message_round_trip(botapi, transport):
    text = "Article 22 & 21: 100% = «ratification» + 漢字 ✓?a=b"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="o:yes")]])

    message = with_bot(
        botapi, transport, lambda bot: bot.send_message(OFFICIAL, text, reply_markup=keyboard)
    )

    assert message.text == text and message.chat.id == OFFICIAL
    (call,) = botapi.calls_to("sendMessage")
    assert call.params["text"] == text
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Oui", "callback_data": "o:yes"}]]
    }


@pytest.mark.parametrize(
    ("filename", "arrives_as"),
    [
        ("report.xlsx", "report.xlsx"),
        ("Rapport d'activité 2025.xlsx", "Rapport d'activité 2025.xlsx"),
        ('the "final" draft.pdf', "the %22final%22 draft.pdf"),  # browsers' and httpx's escaping
    ],
    ids=["ascii", "utf-8", "quotes"],
)
def test_send_document_uploads_its_bytes_and_filename(botapi, transport, filename, arrives_as):
    data = bytes(range(256)) * 40 + b"\r\n--boundary?\r\n"  # binary, with CR LF and dashes

    message = with_bot(
        botapi,
        transport,
        lambda bot: bot.send_document(OFFICIAL, data, filename=filename, caption="Our report"),
    )

    (call,) = botapi.calls_to("sendDocument")
    upload = call.files["document"]
    assert upload.data == data
    assert upload.filename == arrives_as
    assert call.params["caption"] == "Our report" and call.params["chat_id"] == OFFICIAL
    assert message.document.file_name == arrives_as
    assert message.document.file_size == len(data)


def test_a_session_can_be_opened_again_after_shutdown(botapi, transport):
    async def main() -> list[Any]:
        request = TRANSPORTS[transport]()
        answers = []
        for _ in range(2):
            async with request:
                answers.append(await request.post(f"{botapi.base_url}{botapi.token}/getMe"))
        return answers

    first, second = asyncio.run(main())
    assert first == second and first["username"] == "cti_helpdesk_test_bot"


@pytest.fixture
def https_getme(tmp_path) -> Iterator[tuple[str, Path]]:
    """A Bot API on HTTPS with a self-signed certificate for 127.0.0.1: (base URL, certificate)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"ok": True, "result": {"id": 1, "username": "tls"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/bot1:abc", cert
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("trusted", [True, False], ids=["SSL_CERT_FILE", "untrusted"])
def test_tls_trusts_what_httpx_trusts(https_getme, transport, trusted, monkeypatch):
    url, cert = https_getme
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    else:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # certifi's bundle: not this cert

    async def main() -> Any:
        async with TRANSPORTS[transport]() as request:
            return await request.post(f"{url}/getMe")

    if trusted:
        assert asyncio.run(main()) == {"id": 1, "username": "tls"}
    else:
        with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
            asyncio.run(main())


# --- faults: the PTB exception each one raises ------------------------------------------------------
FAULTS = {
    "flood control": (lambda api: api.fail("sendMessage", status=429, retry_after=7), RetryAfter),
    "server error": (lambda api: api.fail("sendMessage", status=500), NetworkError),
    "blocked": (lambda api: api.block(OFFICIAL), Forbidden),
    # No answer, then the stand-in closes the connection.
    "dropped": (lambda api: api.hang("sendMessage", seconds=0.2), NetworkError),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_raises_ptbs_exception(botapi, transport, fault):
    inject, expected = FAULTS[fault]
    inject(botapi)

    async def work(bot: Bot) -> None:
        await bot.send_message(OFFICIAL, "hello")

    with pytest.raises(expected) as caught:
        with_bot(botapi, transport, work)

    assert type(caught.value) is expected  # not a subclass: a drop is no timeout
    message = str(caught.value)
    assert botapi.token not in message
    if fault == "flood control":
        assert "Retry in 7" in message
    elif fault == "server error":
        assert "Internal Server Error" in message
    elif fault == "blocked":
        assert "blocked" in message
    else:  # the transport's own error, named as PTB names httpx's
        assert message.startswith(f"{transport}.")
    assert [c.status for c in botapi.calls_to("sendMessage")] == [
        {"flood control": 429, "server error": 500, "blocked": 403, "dropped": 0}[fault]
    ]


@pytest.mark.parametrize("where", ["default", "per call"])
def test_a_hang_times_out_within_the_read_timeout(botapi, transport, where):
    botapi.hang("sendMessage", seconds=4)
    options = {"read_timeout": 0.5} if where == "default" else {"read_timeout": 5.0}
    per_call = {} if where == "default" else {"read_timeout": 0.5}

    async def work(bot: Bot) -> float:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(OFFICIAL, "anyone there?", **per_call)
        return time.monotonic() - started

    waited = with_bot(botapi, transport, work, **options)

    assert 0.4 <= waited < 1.5
    assert [c.status for c in botapi.calls_to("sendMessage")] == [0]  # it did reach the server


def test_a_stalled_upload_times_out_after_the_media_write_timeout(transport):
    """A server that takes the connection but never reads: the upload stalls once the socket
    buffers are full. httpx times the stalled write out; aiohttp has no write timeout and caps
    the whole request at connect + media write + read instead (request.py)."""
    with socket.create_server(("127.0.0.1", 0)) as server:  # listening, never accepting
        connect, read, write, media_write = 0.5, 0.1, 0.1, 1.5
        options = {"connect_timeout": connect, "read_timeout": read, "write_timeout": write}

        async def main() -> float:
            async with TRANSPORTS[transport](media_write_timeout=media_write, **options) as request:
                url = f"http://127.0.0.1:{server.getsockname()[1]}/bot"
                # Not initialized (no getMe): this server never answers.
                bot = Bot("123:abc", base_url=url, request=request, get_updates_request=request)
                started = time.monotonic()
                # The outer 10 s turn "stalls for ever" into a failure (TimeoutError, not TimedOut).
                with pytest.raises(TimedOut):
                    async with asyncio.timeout(10):
                        await bot.send_document(OFFICIAL, b"x" * (32 << 20), filename="big.bin")
                return time.monotonic() - started

        waited = asyncio.run(main())

    # The upload's own write timeout, not the 0.1 s of other calls. At most aiohttp's cap for the
    # whole request (connect + media write + read), with 0.9 s for a loaded machine's scheduling:
    # a cap that never fired would have ended in the outer 10 s instead (not TimedOut).
    assert media_write <= waited < connect + media_write + read + 0.9


def test_a_refused_connection_is_a_network_error(transport):
    url = f"http://127.0.0.1:{closed_port()}/bot123:secret-token-of-the-test/getMe"

    async def main() -> None:
        async with TRANSPORTS[transport](connect_timeout=2.0) as request:
            await request.post(url)

    started = time.monotonic()
    with pytest.raises(NetworkError) as caught:
        asyncio.run(main())

    assert not isinstance(caught.value, TimedOut)
    assert str(caught.value).startswith(f"{transport}.")  # e.g. aiohttp.ClientConnectorError
    assert "secret-token" not in str(caught.value)
    assert time.monotonic() - started < 2.0  # refused at once, not timed out


def test_a_full_pool_times_out_without_sending(botapi, transport):
    botapi.hang("sendMessage", seconds=2, chat_id=OFFICIAL)

    async def work(bot: Bot) -> tuple[float, BaseException | None]:
        held = asyncio.create_task(bot.send_message(OFFICIAL, "holds the only connection"))
        while not botapi.calls_to("sendMessage"):
            await asyncio.sleep(0.01)
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(OTHER, "waits for a connection")
        assert str(caught.value) == POOL_TIMEOUT_MESSAGE
        waited = time.monotonic() - started
        (dropped,) = await asyncio.gather(held, return_exceptions=True)
        return waited, dropped

    waited, dropped = with_bot(botapi, transport, work, connection_pool_size=1, pool_timeout=0.3)

    assert 0.25 <= waited < 1.0
    assert isinstance(dropped, NetworkError)  # the hung call, dropped by the stand-in
    assert botapi.calls_to("sendMessage", chat_id=OTHER) == []  # never sent


def test_use_after_shutdown_is_a_runtime_error(transport):
    url = f"http://127.0.0.1:{closed_port()}/bot123:abc/getMe"

    async def main() -> tuple[BaseException, BaseException]:
        request = TRANSPORTS[transport]()
        await request.initialize()
        await request.shutdown()
        await request.shutdown()  # a second shutdown is harmless
        with pytest.raises(RuntimeError, match="is not initialized") as direct:
            await request.do_request(url, "POST")
        with pytest.raises(NetworkError) as through_ptb:  # PTB wraps it, as for httpx
            await request.post(url)
        return direct.value, through_ptb.value

    direct, through_ptb = asyncio.run(main())
    assert isinstance(through_ptb.__cause__, RuntimeError)
    assert str(through_ptb.__cause__) == str(direct)


def test_aiohttp_request_before_initialize_is_a_runtime_error():
    async def main() -> None:
        await AiohttpRequest().do_request("http://127.0.0.1:9/bot1:a/getMe", "POST")

    with pytest.raises(RuntimeError, match="AiohttpRequest is not initialized"):
        asyncio.run(main())


def test_pool_size_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        AiohttpRequest(connection_pool_size=0)


# --- the real Application ----------------------------------------------------------------------------
APPLICATION_FAULTS = {
    "none": lambda api: None,
    "flood control": lambda api: api.fail(
        "sendMessage", status=429, retry_after=1, chat_id=OFFICIAL
    ),
    "server errors": lambda api: api.fail("sendMessage", status=502, times=2, chat_id=OFFICIAL),
    "dropped": lambda api: api.hang("sendMessage", seconds=0.2, chat_id=OFFICIAL),
}


@pytest.mark.parametrize("fault", list(APPLICATION_FAULTS))
def test_the_application_polls_and_answers_through_aiohttp(running_bot, botapi, desk, fault):
    bot = running_bot.application.bot
    assert isinstance(bot.request, AiohttpRequest)
    assert isinstance(bot._request[0], AiohttpRequest)  # getUpdates' own (no public accessor)
    APPLICATION_FAULTS[fault](botapi)

    botapi.push_message(user(OFFICIAL), text="How do we ratify the Convention against Torture?")

    reply = botapi.wait_for("sendMessage", lambda c: c.chat_id == OFFICIAL, timeout=15)
    assert "ratif" in reply.text.lower()
    tries = botapi.calls_to("sendMessage", chat_id=OFFICIAL)
    assert [c.status for c in tries] == {
        "none": [200],
        "flood control": [429, 200],
        "server errors": [502, 502, 200],
        "dropped": [0, 200],
    }[fault]
    if fault == "flood control":  # PTB raised RetryAfter and the bot waited as told
        assert tries[1].at - tries[0].at >= 1.0
    botapi.wait_idle()
    with desk.sessions() as session:
        assert [row.delivery for row in session.scalars(select(Query))] == ["delivered"]

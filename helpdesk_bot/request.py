"""python-telegram-bot's HTTP transport over aiohttp: :class:`AiohttpRequest`.

PTB's own ``HTTPXRequest`` costs about 1 ms of CPU per Bot API call once updates run
concurrently: before every request httpcore checks each idle connection of its pool for expiry,
and each check is a ``getpeername`` and a ``poll`` system call. aiohttp's pool hands out an idle
connection without touching the socket (the event loop already knows which ones the server
closed), which takes most of that cost away.

Example::

    application = (
        Application.builder()
        .token(token)
        .request(AiohttpRequest(connection_pool_size=64))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .build()
    )
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import ssl
import urllib.parse
import urllib.request
from typing import Any

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

log = logging.getLogger(__name__)

# PTB marks "not passed" timeouts with DefaultValue instances; its module is private, its type is not.
_DEFAULT = type(BaseRequest.DEFAULT_NONE)
# A timeout argument: seconds, None for no limit, or BaseRequest.DEFAULT_NONE for "not passed".
Timeout = Any
POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* sent "
    "to Telegram. Consider adjusting the connection pool size or the pool timeout."
)
# Bot API URLs hold the token (…/bot<id>:<secret>/sendMessage) and some aiohttp messages quote
# the URL; these messages end up in the query log and the staff chat, not only in the logs.
_TOKEN_IN_URL = re.compile(r"bot\d+:[\w-]+")
# What httpx (and browsers, HTML5) do to multipart file names: quotes and control characters
# percent-encoded, UTF-8 kept as it is; aiohttp then escapes backslashes, as httpx does.
_FORM_ESCAPES = {'"': "%22", **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}}
_FORM_ESCAPE = re.compile("|".join(re.escape(c) for c in _FORM_ESCAPES))
_JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` over one ``aiohttp.ClientSession``.

    The options and their defaults are ``HTTPXRequest``'s: ``connection_pool_size`` connections
    at most, waiting ``pool_timeout`` seconds for a free one; ``connect_timeout`` to open one;
    ``read_timeout`` of silence while waiting for the answer; ``write_timeout`` to send the request
    (``media_write_timeout`` for uploads). Per-call timeouts passed by PTB override them.

    Proxies come from HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY, and trusted certificates
    from SSL_CERT_FILE, SSL_CERT_DIR or certifi, as with httpx.

    Example::

        async with AiohttpRequest(read_timeout=10) as request:
            async with Bot(token, request=request) as bot:
                await bot.send_message(chat_id, "Hello")
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_slots",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # Made in initialize(): a semaphore belongs to the event loop it first waits in.
        self._slots: asyncio.Semaphore | None = None
        self._proxies: dict[tuple[str, str], tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds (PTB adds getUpdates' long-poll time to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is not None and not self._session.closed:
            return
        self._session = aiohttp.ClientSession(
            # The connector's own limit is only a backstop: the semaphore in do_request is the
            # pool limit, so that a wait for a free connection is PTB's pool timeout and nothing else.
            connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=_ssl_context()),
            headers={"User-Agent": self.USER_AGENT},
            # Telegram sets no cookies: skip the cookie jar's filtering on every request.
            cookie_jar=aiohttp.DummyCookieJar(),
            # Not trust_env=True: aiohttp then looks up ~/.netrc and the proxy variables in a worker
            # thread on every request (two thread hops per call); _proxy() reads the same
            # variables once per host instead.
            trust_env=False,
        )
        self._slots = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is None or self._session.closed:
            log.debug("This AiohttpRequest is already shut down")
            return
        await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`telegram.request.BaseRequest.do_request`."""
        session, slots = self._session, self._slots
        if session is None or slots is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = request_data.multipart_data if request_data is not None else None
        if isinstance(read_timeout, _DEFAULT):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, _DEFAULT):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, _DEFAULT):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, _DEFAULT):
            write_timeout = self._media_write_timeout if files else self._write_timeout

        # aiohttp has no timeout per socket write (httpx's write timeout). Its read timeout starts
        # once the body is sent, so a stalled upload would wait for ever: instead the whole request
        # is capped at connect + write + read. That is stricter than httpx for a slow but steady
        # upload (httpx restarts its write timer at every chunk) and unbounded like httpx when any
        # of the three is None.
        total = (
            None
            if connect_timeout is None or write_timeout is None or read_timeout is None
            else connect_timeout + write_timeout + read_timeout
        )
        timeout = aiohttp.ClientTimeout(
            total=total, connect=connect_timeout, sock_read=read_timeout
        )
        data: Any = None
        headers = None
        if files:
            data = _form(request_data, files)  # type: ignore[arg-type]
        elif request_data is not None and request_data.parameters:
            # A JSON body, which the Bot API accepts for every method without files. httpx sends a
            # form, and URL-encoding a long answer character by character in Python cost more CPU
            # than the rest of the request (measured: ~0.5 ms per reply of ~1,000 characters).
            data = request_data.json_payload
            headers = _JSON_HEADERS
        proxy, proxy_auth = self._proxy(url)

        if slots.locked():
            try:
                async with asyncio.timeout(pool_timeout):
                    await slots.acquire()
            except TimeoutError as exc:
                raise TimedOut(message=POOL_TIMEOUT_MESSAGE) from exc
        else:
            await slots.acquire()  # returns at once: a slot is free
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's ServerTimeoutError and its total timeout
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class name helps when the message is empty (e.g. ServerDisconnectedError).
            message = _TOKEN_IN_URL.sub("bot<token>", str(exc))
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {message}") from exc
        finally:
            slots.release()

    def _proxy(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The proxy for ``url``'s host from the environment, looked up once per host."""
        parts = urllib.parse.urlsplit(url)
        key = (parts.scheme, parts.netloc)
        found = self._proxies.get(key)
        if found is None:
            found = self._proxies[key] = _env_proxy(parts.scheme, parts.hostname or "")
        return found


def _ssl_context() -> ssl.SSLContext:
    """The certificates httpx trusts: SSL_CERT_FILE or SSL_CERT_DIR, else certifi's bundle.

    aiohttp's default is the system store, which slim containers often lack: api.telegram.org
    would then fail where PTB's httpx worked.
    """
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def _env_proxy(scheme: str, host: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """httpx's rules: <SCHEME>_PROXY, else ALL_PROXY, unless NO_PROXY lists the host."""
    proxies = urllib.request.getproxies_environment()
    value = proxies.get(scheme) or proxies.get("all")
    if not value or urllib.request.proxy_bypass_environment(host, proxies):
        return None, None
    proxy = URL(value if "://" in value else f"http://{value}")
    # Credentials in the proxy URL become a Proxy-Authorization header.
    auth = aiohttp.BasicAuth.from_url(proxy)
    return proxy.with_user(None), auth


def _form(request_data: RequestData, files: dict[str, Any]) -> aiohttp.FormData:
    """A multipart body: the parameters as text fields, the files as file parts."""
    # quote_fields=False: file names as UTF-8 (Telegram shows them as sent), not percent-encoded.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        safe = _FORM_ESCAPE.sub(lambda m: _FORM_ESCAPES[m.group(0)], filename)
        form.add_field(name, content, filename=safe, content_type=mimetype)
    return form


__all__ = ["POOL_TIMEOUT_MESSAGE", "AiohttpRequest"]

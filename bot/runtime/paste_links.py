"""Fetch the text behind a link to a known paste site, safely.

`find_paste_links(text)` finds links to known paste sites (pastebin, GitHub gists, hastebin,
termbin, paste.debian.net, dpaste; not PrivateBin, whose pastes are encrypted in the browser).
`fetch_paste(url, settings)` downloads the raw form of one: HTTPS only, hosts on the allow-list
only (every redirect is followed by hand and checked again), and only to public addresses: the
name is resolved first, every address it resolves to is checked, and the connection goes to the
checked address while TLS and the Host header keep the name. The size and the time are bounded;
a fetch that fails says why in one line and never raises.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

from bot.base.settings import Settings

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_REDIRECTS: Final = 4
_LINK: Final = re.compile(r"https?://[^\s<>|\"'`]+", re.IGNORECASE)
_TRAILING: Final = ".,;:!?)]}*_~"
_ID: Final = r"[A-Za-z0-9_-]+"

# Hosts a paste link may name, and hosts their raw text may come from (gists redirect there).
PASTE_HOSTS: Final = frozenset(
    {
        "pastebin.com",
        "gist.github.com",
        "gist.githubusercontent.com",
        "hastebin.com",
        "www.toptal.com",
        "toptal.com",
        "termbin.com",
        "paste.debian.net",
        "dpaste.org",
        "dpaste.com",
    }
)
_RAW_ONLY_HOSTS: Final = frozenset({"gist.githubusercontent.com"})


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The text of one paste, or why it could not be fetched (`error`, one line)."""

    url: str
    text: str | None = None
    error: str | None = None
    raw_url: str | None = None
    size: int = 0

    @property
    def ok(self) -> bool:
        """True when the paste's text was fetched."""
        return self.text is not None


class _Refused(Exception):
    """A fetch stopped on purpose, with the one-line reason."""


def raw_url(url: str, test_host: str | None = None) -> str | None:
    """The URL of the plain text behind a paste link, or None when it is not a known paste."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    netloc = parts.netloc.lower()
    path = parts.path.rstrip("/")
    if test_host and netloc == test_host.lower():
        return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))
    if parts.scheme.lower() not in ("http", "https") or host not in PASTE_HOSTS:
        return None
    m = None
    if host == "pastebin.com":
        m = re.fullmatch(rf"/(?:raw/|dl/)?({_ID})", path)
        return f"https://pastebin.com/raw/{m.group(1)}" if m else None
    if host == "gist.github.com":
        m = re.fullmatch(rf"/({_ID}/)?([0-9a-f]+)(/raw.*)?", path)
        return f"https://gist.github.com/{m.group(1) or ''}{m.group(2)}/raw" if m else None
    if host == "gist.githubusercontent.com":
        return f"https://{host}{path}" if "/raw" in path else None
    if host == "hastebin.com":
        m = re.fullmatch(rf"/(?:raw/|share/)?({_ID})(?:\.\w+)?", path)
        return f"https://hastebin.com/raw/{m.group(1)}" if m else None
    if host in ("www.toptal.com", "toptal.com"):
        m = re.fullmatch(rf"/developers/hastebin/(?:raw/)?({_ID})(?:\.\w+)?", path)
        return f"https://www.toptal.com/developers/hastebin/raw/{m.group(1)}" if m else None
    if host == "termbin.com":
        m = re.fullmatch(rf"/({_ID})", path)
        return f"https://termbin.com/{m.group(1)}" if m else None
    if host == "paste.debian.net":
        m = re.fullmatch(r"/(?:plain/)?(\d+)", path)
        if m:
            return f"https://paste.debian.net/plain/{m.group(1)}"
        m = re.fullmatch(rf"/(?:hidden|plainh)/({_ID})", path)
        return f"https://paste.debian.net/plainh/{m.group(1)}" if m else None
    if host == "dpaste.org":
        m = re.fullmatch(rf"/({_ID})(?:/raw)?", path)
        return f"https://dpaste.org/{m.group(1)}/raw" if m else None
    m = re.fullmatch(rf"/({_ID})(?:\.txt)?", path)  # dpaste.com
    return f"https://dpaste.com/{m.group(1)}.txt" if m else None


def find_paste_links(text: str, settings: Settings | None = None) -> list[str]:
    """Links to known paste sites in a message, in order, each once (Slack's <url|label> too)."""
    test_host = settings.paste_test_host if settings is not None else None
    found: list[str] = []
    for m in _LINK.finditer(text):
        url = m.group(0).rstrip(_TRAILING)
        if url not in found and raw_url(url, test_host) is not None:
            found.append(url)
    return found


async def fetch_paste(
    url: str, settings: Settings, *, resolve: Resolver | None = None
) -> FetchResult:
    """Download the raw text of a paste link within the limits; never raises."""
    target = raw_url(url, settings.paste_test_host)
    if target is None:
        return FetchResult(url, error="this is not a link to a paste site I can read")
    backend = _CheckedBackend(resolve or _resolve, _test_netloc(settings))
    try:
        async with asyncio.timeout(settings.paste_timeout_s):
            text, size = await _fetch(target, settings, backend)
    except _Refused as exc:
        log.info("paste not fetched from %s: %s", _host(target), exc)
        return FetchResult(url, error=str(exc), raw_url=target)
    except TimeoutError:
        reason = f"the paste site did not answer within {settings.paste_timeout_s:g} s"
        return FetchResult(url, error=reason, raw_url=target)
    except httpx.HTTPError as exc:
        reason = f"could not fetch the paste from {_host(target)} ({_describe(exc)})"
        log.info("paste fetch failed: %s", reason)
        return FetchResult(url, error=reason, raw_url=target)
    log.info("fetched a %d-byte paste from %s", size, _host(target))
    return FetchResult(url, text=text, raw_url=target, size=size)


async def _fetch(target: str, settings: Settings, backend: _CheckedBackend) -> tuple[str, int]:
    limits = httpx.Timeout(settings.paste_timeout_s)
    transport = _CheckedTransport(backend)
    headers = {"User-Agent": "ztbot (paste reader)", "Accept": "text/plain, */*;q=0.1"}
    async with httpx.AsyncClient(
        transport=transport, timeout=limits, follow_redirects=False, trust_env=False
    ) as client:
        current = target
        for _hop in range(MAX_REDIRECTS + 1):
            _check_url(current, settings)
            request = client.build_request("GET", current, headers=headers)
            response = await client.send(request, stream=True)
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    current = str(response.url.join(location))
                    continue
                return await _body(response, settings)
            finally:
                await response.aclose()
    raise _Refused(f"the paste site redirected more than {MAX_REDIRECTS} times")


async def _body(response: httpx.Response, settings: Settings) -> tuple[str, int]:
    if response.status_code != 200:
        phrase = httpx.codes.get_reason_phrase(response.status_code) or "error"
        raise _Refused(f"the paste site answered {response.status_code} ({phrase.lower()})")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        raise _Refused("the link gives a web page, not the plain text of a paste")
    limit = settings.paste_max_bytes
    too_big = f"the paste is larger than {limit:,} bytes; paste the relevant part instead"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _Refused(too_big)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise _Refused(too_big)
        chunks.append(chunk)
    data = b"".join(chunks)
    if b"\x00" in data[:4096]:
        raise _Refused("the paste is not text")
    return data.decode(response.encoding or "utf-8", errors="replace"), size


def _check_url(url: str, settings: Settings) -> None:
    """Refuse a URL (the first or a redirect) that is not HTTPS to an allowed host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if _test_netloc(settings) and parts.netloc.lower() == _test_netloc(settings):
        return
    if parts.scheme.lower() != "https":
        raise _Refused(f"the link leads to a non-HTTPS address ({_short(url)})")
    if host not in PASTE_HOSTS:
        raise _Refused(f"the link leads off the paste sites I read (to {host or 'nowhere'})")
    if parts.port not in (None, 443):
        raise _Refused(f"the link leads to an unusual port ({parts.port})")


def _test_netloc(settings: Settings) -> str | None:
    return settings.paste_test_host.lower() if settings.paste_test_host else None


async def _resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise _Refused(f"{host} does not resolve") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (not private, loopback, link-local...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to checked addresses: the name is resolved here, not by the socket layer."""

    def __init__(self, resolve: Resolver, test_netloc: str | None) -> None:
        self._resolve = resolve
        self._test = test_netloc
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port)
        if not addresses:
            raise _Refused(f"{host} does not resolve")
        if f"{host}:{port}".lower() != self._test:
            for address in addresses:
                if not is_public(address):
                    raise _Refused(f"{host} resolves to a private or local address ({address})")
        return await self._inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise _Refused("paste links are fetched over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, with its connection pool built on the checking network backend."""

    def __init__(self, backend: _CheckedBackend) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend argument, so the pool it made is replaced by one that
        # connects through `backend`; TLS still verifies the certificate against the host name.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=4,
            network_backend=backend,
        )


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return type(exc).__name__

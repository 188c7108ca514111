"""Paste links: which links are read, their raw forms, and the fetch's limits and refusals.

The fetches go to a loopback stand-in (tests/fakes/paste_site.py) that the test-only setting
ZTBOT_PASTE_TEST_HOST lets through; name resolution is replaced where a test needs a public
paste host to resolve to a private address.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.base.settings import Settings
from bot.runtime.paste_links import (
    PASTE_HOSTS,
    fetch_paste,
    find_paste_links,
    is_public,
    raw_url,
)
from tests.fakes.paste_site import PEERS, paste_site


@pytest.mark.parametrize(
    ("link", "raw"),
    [
        ("https://pastebin.com/AbC123xy", "https://pastebin.com/raw/AbC123xy"),
        ("https://pastebin.com/raw/AbC123xy", "https://pastebin.com/raw/AbC123xy"),
        ("http://pastebin.com/AbC123xy", "https://pastebin.com/raw/AbC123xy"),
        (
            "https://gist.github.com/someone/0123abcd",
            "https://gist.github.com/someone/0123abcd/raw",
        ),
        (
            "https://gist.githubusercontent.com/someone/0123abcd/raw/f00/peers.txt",
            "https://gist.githubusercontent.com/someone/0123abcd/raw/f00/peers.txt",
        ),
        ("https://hastebin.com/share/ovazixaqeq.yaml", "https://hastebin.com/raw/ovazixaqeq"),
        (
            "https://www.toptal.com/developers/hastebin/ovazixaqeq.txt",
            "https://www.toptal.com/developers/hastebin/raw/ovazixaqeq",
        ),
        ("https://termbin.com/x2q9", "https://termbin.com/x2q9"),
        ("https://paste.debian.net/1312345/", "https://paste.debian.net/plain/1312345"),
        ("https://paste.debian.net/hidden/5c1d2e3f/", "https://paste.debian.net/plainh/5c1d2e3f"),
        ("https://dpaste.org/Qx7f", "https://dpaste.org/Qx7f/raw"),
        ("https://dpaste.com/8AB2CDEF3", "https://dpaste.com/8AB2CDEF3.txt"),
        ("https://privatebin.net/?abcd#key", None),  # encrypted in the browser
        ("https://example.com/raw/abc", None),
        ("https://pastebin.com/u/someone/favourites/x", None),
        ("ftp://pastebin.com/AbC123xy", None),
    ],
)
def test_raw_forms(link: str, raw: str | None) -> None:
    assert raw_url(link) == raw


def test_links_are_found_in_chat_text_in_order_once() -> None:
    text = (
        "here: <https://pastebin.com/AbC123xy|my paste>, and (https://termbin.com/x2q9). "
        "Also https://example.com/x and https://pastebin.com/AbC123xy again."
    )
    assert find_paste_links(text) == ["https://pastebin.com/AbC123xy", "https://termbin.com/x2q9"]


@given(st.text(max_size=300))
def test_finding_links_never_raises(text: str) -> None:
    for url in find_paste_links(text):
        assert raw_url(url) is not None


@given(
    st.sampled_from([*sorted(PASTE_HOSTS), "example.com", "privatebin.net", "127.0.0.1"]),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=60),
)
def test_raw_forms_are_https_on_the_allow_list(host: str, path: str) -> None:
    raw = raw_url(f"https://{host}/{path}")
    if raw is not None:
        parts = urlsplit(raw)
        assert parts.scheme == "https" and parts.hostname in PASTE_HOSTS and parts.port is None


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.10", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("not-an-ip", False),
    ],
)
def test_only_public_addresses_pass(address: str, public: bool) -> None:
    assert is_public(address) is public


def _settings(test_host: str | None = None, **kw: object) -> Settings:
    return Settings(paste_test_host=test_host, **kw)  # type: ignore[arg-type]


async def test_a_paste_is_fetched_from_the_stand_in() -> None:
    async with paste_site() as host:
        settings = _settings(host)
        links = find_paste_links(f"look: http://{host}/raw/peers thanks", settings)
        assert links == [f"http://{host}/raw/peers"]
        result = await fetch_paste(links[0], settings)
    assert result.ok and result.error is None
    assert result.text == PEERS


async def test_without_the_test_setting_loopback_and_http_are_refused() -> None:
    async with paste_site() as host:
        assert find_paste_links(f"http://{host}/raw/peers") == []
        result = await fetch_paste(f"http://{host}/raw/peers", _settings())
    assert not result.ok
    assert result.error == "this is not a link to a paste site I can read"


async def _loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def test_an_allowed_name_that_resolves_to_loopback_is_refused() -> None:
    # The resolved address is what counts: pastebin.com pointing at 127.0.0.1 is not fetched.
    result = await fetch_paste("https://pastebin.com/AbC123xy", _settings(), resolve=_loopback)
    assert not result.ok
    assert result.error == "pastebin.com resolves to a private or local address (127.0.0.1)"


async def test_a_redirect_to_a_private_address_is_refused() -> None:
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"] if host == "127.0.0.1" else ["93.184.216.34", "192.168.1.10"]

    redirects = {"private": "https://paste.debian.net/plain/1312345"}
    async with paste_site(redirects) as host:
        result = await fetch_paste(
            f"http://{host}/redirect/private", _settings(host), resolve=resolve
        )
    assert calls == ["127.0.0.1", "paste.debian.net"]
    assert result.error == (
        "paste.debian.net resolves to a private or local address (192.168.1.10)"
    )


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (
            "http://169.254.169.254/latest/meta-data/",
            "the link leads to a non-HTTPS address (http://169.254.169.254/latest/meta-data/)",
        ),
        ("https://10.0.0.7/raw/x", "the link leads off the paste sites I read (to 10.0.0.7)"),
        ("https://example.com/", "the link leads off the paste sites I read (to example.com)"),
        ("https://pastebin.com:8443/raw/x", "the link leads to an unusual port (8443)"),
    ],
)
async def test_redirects_off_the_allow_list_are_refused(target: str, reason: str) -> None:
    async with paste_site({"off": target}) as host:
        result = await fetch_paste(f"http://{host}/redirect/off", _settings(host))
    assert result.error == reason


async def test_redirect_loops_stop() -> None:
    async with paste_site({"loop": "/redirect/loop"}) as host:
        result = await fetch_paste(f"http://{host}/redirect/loop", _settings(host))
    assert result.error == "the paste site redirected more than 4 times"


@pytest.mark.parametrize("path", ["/raw/huge", "/raw/huge-declared"])
async def test_a_50_mb_paste_is_refused(path: str) -> None:
    async with paste_site() as host:
        result = await fetch_paste(f"http://{host}{path}", _settings(host))
    assert not result.ok
    assert (
        result.error == "the paste is larger than 1,000,000 bytes; paste the relevant part instead"
    )


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/raw/missing", "the paste site answered 404 (not found)"),
        ("/raw/html", "the link gives a web page, not the plain text of a paste"),
    ],
)
async def test_failures_say_why_in_one_line(path: str, reason: str) -> None:
    async with paste_site() as host:
        result = await fetch_paste(f"http://{host}{path}", _settings(host))
    assert result.error == reason
    assert "\n" not in reason


async def test_a_site_that_does_not_answer_times_out() -> None:
    done = asyncio.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await done.wait()
        finally:
            writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    host = f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        settings = _settings(host, paste_timeout_s=0.3)
        result = await fetch_paste(f"http://{host}/raw/x", settings)
    finally:
        done.set()
        await asyncio.sleep(0.05)
        server.close()
        await server.wait_closed()
    assert result.error == "the paste site did not answer within 0.3 s"


async def test_a_name_that_does_not_resolve_says_so() -> None:
    async def nothing(host: str, port: int) -> list[str]:
        return []

    result = await fetch_paste("https://termbin.com/x2q9", _settings(), resolve=nothing)
    assert result.error == "termbin.com does not resolve"

"""Every secret format users paste is found, warned about, masked before storage and never
repeated: one row per format, and rows that must not be taken for secrets."""

from __future__ import annotations

import pytest

from bot.base.secrets import find_secrets, mask_secrets
from bot.core.engine import Engine
from bot.core.handover import to_asked
from bot.core.models import Incoming
from bot.store.privacy import stored_text

ADDRESS = "8a3f19c2d7"
PUBLIC = "3f" * 64
PRIVATE = "9c8b7a6f5e4d3c2b" * 8
IDENTITY = f"{ADDRESS}:0:{PUBLIC}:{PRIVATE}"
ZW = "\u200b"


def _wrapped(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


# (name, message, the secret that must disappear, kind)
FOUND = [
    ("identity.secret", f"cat identity.secret\n{IDENTITY}", PRIVATE, "identity-secret"),
    (
        "identity.secret wrapped at 64 columns",
        f"here it is:\n{_wrapped(IDENTITY, 64)}\nthanks",
        PRIVATE,
        "identity-secret",
    ),
    (
        "identity.secret wrapped at 80 columns, indented",
        "    " + _wrapped(IDENTITY, 80).replace("\n", "\n    "),
        PRIVATE,
        "identity-secret",
    ),
    (
        "identity.secret with a zero-width space inside the private key",
        f"{ADDRESS}:0:{PUBLIC}:{PRIVATE[:50]}{ZW}{PRIVATE[50:]}",
        PRIVATE,
        "identity-secret",
    ),
    (
        "identity.secret with a zero-width joiner inside :0:",
        f"{ADDRESS}:\u200d0:{PUBLIC}:{PRIVATE}",
        PRIVATE,
        "identity-secret",
    ),
    (
        "authtoken.secret after cat",
        "$ sudo cat /var/lib/zerotier-one/authtoken.secret\nq8w7e6r5t4y3u2i1o0p9a8s7",
        "q8w7e6r5t4y3u2i1o0p9a8s7",
        "authtoken",
    ),
    (
        "X-ZT1-Auth header",
        "curl -H 'X-ZT1-Auth: q8w7e6r5t4y3u2i1o0p9a8s7' localhost:9993/status",
        "q8w7e6r5t4y3u2i1o0p9a8s7",
        "authtoken",
    ),
    (
        "authtoken.secret said in words",
        "my authtoken.secret is 3jd9s8fj2kd93ls0dkf83ldk",
        "3jd9s8fj2kd93ls0dkf83ldk",
        "authtoken",
    ),
    (
        "Authorization header",
        "curl -H 'Authorization: token Zx81kLmN0pQrStUvWxYz12345678abcd' https://api",
        "Zx81kLmN0pQrStUvWxYz12345678abcd",
        "api-token",
    ),
    (
        "JSON-quoted Authorization bearer",
        '{"headers": {"Authorization": "bearer eyJhbGciOi.J9eyJzdWIi.OiIxMjM0NTY3"}}',
        "eyJhbGciOi.J9eyJzdWIi.OiIxMjM0NTY3",
        "api-token",
    ),
    (
        "export TOKEN=",
        "export TOKEN=9f8e7d6c5b4a3f2e1d0c\ncurl -H ...",
        "9f8e7d6c5b4a3f2e1d0c",
        "api-token",
    ),
    (
        "export ZT_API_TOKEN quoted",
        "export ZT_API_TOKEN='kP3mX9qL2vB7nR4tW8yZ1cF6'",
        "kP3mX9qL2vB7nR4tW8yZ1cF6",
        "api-token",
    ),
    (
        "PowerShell $env: assignment",
        '$env:CENTRAL_TOKEN = "Qm4Tz8Wx2Lp6Rv0Ny5Kd3Hs7"',
        "Qm4Tz8Wx2Lp6Rv0Ny5Kd3Hs7",
        "api-token",
    ),
    (
        "my token is ...",
        "my token is Zx81kLmN0pQrStUvWxYz12 can you check it",
        "Zx81kLmN0pQrStUvWxYz12",
        "api-token",
    ),
    (
        "the API key: ...",
        "the API key: a1b2c3d4e5f6a7b8c9d0",
        "a1b2c3d4e5f6a7b8c9d0",
        "api-token",
    ),
]

NOT_SECRETS = [
    "my token is invalid, what do I do?",
    "export PATH=/usr/local/bin:$PATH",
    "TOKEN=$(sudo cat /var/lib/zerotier-one/authtoken.secret)",
    "the secret is out: zerotier is great",
    "my node id abcdefghijklmnopqrstuvwx is fine",
    f"200 info {ADDRESS} 1.14.1 ONLINE",
    "where is authtoken.secret stored on windows?",
]


@pytest.mark.parametrize(
    ("message", "secret", "kind"), [r[1:] for r in FOUND], ids=[r[0] for r in FOUND]
)
def test_found_masked_and_never_stored(message: str, secret: str, kind: str) -> None:
    """Found with its kind; masked in what is repeated and in every storage mode."""
    hits = find_secrets(message)
    assert kind in {h.kind for h in hits}
    for shown in (
        mask_secrets(message),
        stored_text(message, "full") or "",
        stored_text(message, "redacted") or "",
    ):
        visible = shown.replace(ZW, "").replace("\n", "").replace(" ", "")
        assert secret not in visible
        assert secret[:16] not in visible
        assert "[redacted" in shown
    assert mask_secrets(mask_secrets(message)) == mask_secrets(message)


@pytest.mark.parametrize(("message", "secret"), [r[1:3] for r in FOUND], ids=[r[0] for r in FOUND])
def test_warned_and_not_repeated_in_the_hand_over(
    engine: Engine, message: str, secret: str
) -> None:
    """The reply warns that a secret was pasted, and the hand-over line does not quote it."""
    reply = engine.respond(Incoming(message))
    assert "secret-exposed" in {f.code for f in reply.findings}
    asked = to_asked(message, reply).replace(ZW, "").replace(" ", "")
    assert secret[:16] not in asked


@pytest.mark.parametrize("message", NOT_SECRETS)
def test_not_secrets(message: str) -> None:
    """Words, paths, substitutions and node ids are left alone."""
    assert find_secrets(message) == []
    assert mask_secrets(message) == message


def test_invisible_characters_anywhere_keep_positions_exact() -> None:
    """Soft hyphens all over a paste (binary junk holds thousands) and a zero-width space
    inside the secret: exactly the secret is masked, everything around it kept as it was."""
    before = "junk\u00ad " * 2_000 + "\u200b\ufeff"
    after = " more\u00ad junk" * 500
    secret = f"{ADDRESS}:0:{PUBLIC}:{PRIVATE[:50]}{ZW}{PRIVATE[50:]}"
    masked = mask_secrets(before + secret + after)
    assert masked.startswith(before)
    assert masked.endswith(after)
    assert masked[len(before) : -len(after)].startswith(f"{ADDRESS}:0:")
    assert masked[len(before) : -len(after)].endswith("[redacted identity-secret]")


def test_many_secrets_get_their_own_line_numbers() -> None:
    """Line numbers stay right for hundreds of secrets in one paste."""
    text = "".join(f"export TOKEN=abc{n:04d}def\n" for n in range(500))
    hits = find_secrets(text)
    assert [h.line for h in hits] == list(range(1, 501))
    assert mask_secrets(text).count("[redacted api-token]") == 500

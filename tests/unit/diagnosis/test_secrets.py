"""Secrets in pastes are found and masked before anything repeats them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.base.secrets import find_secrets, mask_secrets

PUBLIC = "a" * 128
PRIVATE = "b1" * 64


def test_identity_secret_private_half_is_masked() -> None:
    """The private key half of identity.secret is masked; the public part stays readable."""
    text = f"deadbeef01:0:{PUBLIC}:{PRIVATE}"
    (hit,) = find_secrets(text)
    assert hit.kind == "identity-secret"
    masked = mask_secrets(text)
    assert PRIVATE not in masked and PUBLIC in masked


def test_authtoken_needs_context() -> None:
    """24 random characters are a token only next to an authtoken hint."""
    assert find_secrets("x-zt1-auth: abcdefghijklmnopqrstuvwx")[0].kind == "authtoken"
    assert find_secrets("my node id abcdefghijklmnopqrstuvwx is fine") == []


def test_api_token() -> None:
    """An Authorization header with a Central API token is masked."""
    text = "curl -H 'Authorization: token Zx81kLmN0pQrStUvWxYz12345678abcd' https://api"
    assert "Zx81kLmN0pQrStUvWxYz12345678abcd" not in mask_secrets(text)


@given(st.text(max_size=500))
def test_masking_never_raises_and_is_idempotent(text: str) -> None:
    """Masking any text twice gives the same result as masking it once."""
    once = mask_secrets(text)
    assert mask_secrets(once) == once

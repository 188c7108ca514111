"""What may be stored: full text, redacted text or none; user ids only as salted hashes."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Final

from bot.base.secrets import mask_secrets
from bot.base.settings import StoreText

# Linear-time by construction: every repetition is bounded, and a match may only start where a
# run of its characters starts (the look-behinds), so no position is scanned more than a
# bounded number of times, whatever the input.
_EMAIL: Final = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b")
_IPV4: Final = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Hex groups of 0-4 digits joined by 2-8 colons (so "::" shortening and MAC addresses count);
# at least one hex digit. Runs longer than an address are left alone rather than half-masked.
_IPV6: Final = re.compile(
    r"(?<![\w:])(?=[0-9a-f:]{0,44}[0-9a-f])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,8}(?![\w:])",
    re.IGNORECASE,
)
_NETWORK_ID: Final = re.compile(r"\b[0-9a-f]{16}\b", re.IGNORECASE)


def redact(text: str) -> str:
    """Mask secrets, e-mail addresses, IP addresses and network ids."""
    text = mask_secrets(text)
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    text = _NETWORK_ID.sub("[network-id]", text)
    if "." in text:
        text = _IPV4.sub("[ip]", text)
    return _IPV6.sub("[ip]", text) if ":" in text else text


def stored_text(text: str, mode: StoreText) -> str | None:
    """`text` as the privacy setting allows it to be stored (secrets are always masked)."""
    if mode == "none":
        return None
    if mode == "redacted":
        return redact(text)
    return mask_secrets(text)


def hash_user(user: str, salt: str) -> str:
    """A stable pseudonym for a platform user id (HMAC-SHA256 with the secret salt)."""
    return hmac.new(salt.encode(), user.encode(), hashlib.sha256).hexdigest()[:32]


def load_or_create_salt(data_dir: Path) -> str:
    """The salt kept in the data dir (created once, readable by the owner only)."""
    path = data_dir / "user-salt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(salt)
    return salt

"""Helpers of the account lifecycle tests: the token and code in an e-mailed message."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

PASSWORD = "correct horse battery staple"  # noqa: S105 (the factories' password)
NEW_PASSWORD = "a brand new passphrase"  # noqa: S105


def link_token(message) -> str:
    """The token of the link in the text part (the app would POST it)."""
    url = re.search(r"https?://\S+", message.text).group(0)
    return parse_qs(urlparse(url).query)["token"][0]


def link_path(message) -> str:
    return urlparse(re.search(r"https?://\S+", message.text).group(0)).path


def code(message) -> str:
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": "Bearer " + tokens["access_token"]}

"""What every part of a release shares: its secrets from configuration, public ids,
preferences as stored and as the lottery reads them, and the seed derivation.

The seed: ``HMAC-SHA256(LOTTERY_SEED_SECRET, "palm-lottery-seed-v1" US public id US nonce)``
(US = byte 0x1F). The nonce is drawn at random when the release is created and stored; the
secret stays in the server's configuration. The commitment, SHA-256 of the seed, is public
from that moment. So someone who can read the database during the window (a backup, a
replica, a curious officer) sees the nonce but cannot compute the seed, and so cannot pick
request ids with good draws; the seed itself is written to the database only at the draw.
Rotating the secret while a release is open breaks its commitment: the draw then refuses
to run (``release_seed_mismatch``) rather than use a seed nobody committed to.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import date, time
from typing import Any

from flask import current_app

from services.core.errors import InvalidInput
from services.releases.lottery import MAX_PREFERENCES, Preference, TimeBand

SEED_SCHEME = b"palm-lottery-seed-v1"
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/1/I/L/O/U: read aloud, typed back
DEV_SECRET = "dev-only-lottery-seed-secret-change-me-0123456789"  # noqa: S105
DEV_PEPPER = "dev-only-lottery-person-pepper-change-me-0123456789"
DEFAULT_OFFER_HOLD_MINUTES = 120


def public_id(prefix: str, length: int = 10) -> str:
    """A random public id (prefix + ~49 bits), drawn by the server: a traveller cannot
    choose it, so cannot choose their draw."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _secret(name: str, default: str) -> bytes:
    value = current_app.config.get(name) or default
    return value.encode("utf-8")


def person_pepper() -> bytes:
    return _secret("LOTTERY_PERSON_KEY_PEPPER", DEV_PEPPER)


def offer_hold_minutes() -> int:
    return int(current_app.config.get("WAITLIST_OFFER_HOLD_MINUTES", DEFAULT_OFFER_HOLD_MINUTES))


def new_nonce() -> str:
    return secrets.token_hex(32)


def derive_seed(release_public_id: str, nonce: str) -> bytes:
    """The release's seed, from the server secret and the stored nonce (module docstring)."""
    message = b"\x1f".join((SEED_SCHEME, release_public_id.encode("ascii"), nonce.encode("ascii")))
    return hmac.new(_secret("LOTTERY_SEED_SECRET", DEV_SECRET), message, hashlib.sha256).digest()


# --- preferences --------------------------------------------------------------------------
def _clock(value: time) -> str:
    return value.isoformat(timespec="minutes")


def store_preferences(
    preferences: list[dict[str, Any]], first_day: date | None = None, last_day: date | None = None
) -> list[dict[str, str]]:
    """Check ranked preferences (1 to 3, distinct, days within first..last when given, a band
    that ends after it starts) and give them in their stored JSON form."""
    if not 0 < len(preferences) <= MAX_PREFERENCES:
        raise InvalidInput("invalid_preferences", max=MAX_PREFERENCES)
    stored: list[dict[str, str]] = []
    for item in preferences:
        day, start, end = item["day"], item.get("from"), item.get("until")
        if (first_day and day < first_day) or (last_day and day > last_day):
            raise InvalidInput("invalid_preferences", max=MAX_PREFERENCES)
        if end is not None and (start is None or end <= start):
            raise InvalidInput("invalid_preferences", max=MAX_PREFERENCES)
        document = {"day": day.isoformat()}
        if start is not None:
            document["from"] = _clock(start)
        if end is not None:
            document["until"] = _clock(end)
        if document in stored:
            raise InvalidInput("invalid_preferences", max=MAX_PREFERENCES)
        stored.append(document)
    return stored


def lottery_preference(document: dict[str, str]) -> Preference:
    """A stored preference as the lottery reads it."""
    day = date.fromisoformat(document["day"])
    if "from" not in document:
        return Preference(day)
    until = document.get("until")
    return Preference(
        day,
        TimeBand(
            time.fromisoformat(document["from"]), time.fromisoformat(until) if until else None
        ),
    )


def preference_rows(preferences: Sequence[Preference]) -> list[dict[str, Any]]:
    """Preferences, best first, as waitlist_preference rows (without the entry id)."""
    rows = []
    for rank, preference in enumerate(preferences, 1):
        rows.append(
            {
                "rank": rank,
                "day": preference.day,
                "band_from": preference.band.start if preference.band else None,
                "band_until": preference.band.end if preference.band else None,
            }
        )
    return rows

"""The person key behind "one request per person" in a release, across accounts.

A release accepts one live request per person, where a person is a passport number and a date
of birth: the same traveller entered as an applicant in two accounts (their own and a
relative's) still counts once. The request row stores only

    person_key = HMAC-SHA256(pepper, "palm-lottery-person-v1" US scope US passport US dob)

(US is the byte 0x1F, ``scope`` the release's public id, ``passport`` the normalised number,
``dob`` the ISO date), with a unique index on (release, person_key) over live requests. Why
this shape:

- The passport number stays on the applicant only; a second copy on every request would
  multiply what a leak exposes.
- A plain SHA-256 would not hide it: passport numbers follow a few short formats and dates of
  birth span some 40,000 days, so every combination can be hashed in hours. The HMAC key (the
  *pepper*) is a server secret kept out of the database, so a copied table reveals nothing.
- The release in the message makes keys of different releases unrelated: nobody can follow a
  traveller from one release to the next by their key, and a pepper can be rotated between
  releases without breaking a release in progress.
- Normalisation makes trivial variants count as one: case, spaces, hyphens and other
  punctuation, full-width characters, and the letters O and I typed for the digits 0 and 1.
  Two different people would have to share a date of birth and passport numbers differing
  only by those confusions to collide, which the counter's passport check would sort out.

It cannot catch one person holding two valid passports (two nationalities, or an old and a new
number): the counter's check of the passport against the applicant is the backstop.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import date, datetime

from services.releases.lottery import check_public_id

PERSON_KEY_VERSION = b"palm-lottery-person-v1"
MIN_PEPPER_BYTES = 32
_SEPARATOR = b"\x1f"
# Letters read or typed for digits; folding them means "AB0123" and "ABO123" are one person.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1"})


def normalise_passport_number(text: str) -> str:
    """The canonical form of a typed passport number: NFKC, capitals, spaces and punctuation
    dropped, O folded to 0 and I to 1. Raises ValueError for letters outside ASCII and when
    fewer than 5 or more than 20 characters remain."""
    folded = unicodedata.normalize("NFKC", text).upper()
    kept = "".join(char for char in folded if char.isalnum())
    # Refused rather than dropped: a Cyrillic "А" dropped from "АB1234567" would make a
    # second person out of "AB1234567".
    if not kept.isascii():
        raise ValueError("a passport number is written in Latin letters and digits")
    if not 5 <= len(kept) <= 20:
        raise ValueError("a passport number has 5 to 20 letters or digits")
    return kept.translate(_CONFUSABLE)


def person_key(passport_number: str, date_of_birth: date, *, pepper: bytes, scope: str) -> str:
    """The person key (64 hex characters) of a traveller in one release (``scope``)."""
    if len(pepper) < MIN_PEPPER_BYTES:
        raise ValueError(f"the person-key pepper is at least {MIN_PEPPER_BYTES} bytes")
    if isinstance(date_of_birth, datetime) or not isinstance(date_of_birth, date):
        raise ValueError("a date of birth is a date")
    check_public_id(scope)  # printable ASCII: it cannot contain the separator
    message = _SEPARATOR.join(
        (
            PERSON_KEY_VERSION,
            scope.encode("ascii"),
            normalise_passport_number(passport_number).encode("ascii"),
            date_of_birth.isoformat().encode("ascii"),
        )
    )
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()

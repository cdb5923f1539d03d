"""The offline verifier of sealed QR payloads behind ``flask verify-seal``: give it the text of
the QR code (a bare ``PSH1:`` payload or a sticker's link) and our published key set (a JSON
file saved while online), and it prints what the payload says, or why it is refused. No
network and no database.

Exit codes: 0 genuine, 1 refused (malformed, unknown key, bad signature, key not valid for
that post or date), 2 the key set is unusable, 3 genuine but past its expiry.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO

from services.appointments.sealed_passes import KIND_PASS, PASS_LABELS
from services.core.seal_keys import KeySet, KeySetError
from services.core.seals import SealError, Value, VerifiedSeal, verify
from services.legalizations.sealed_stickers import KIND_LEGALIZATION, LEGALIZATION_LABELS

KINDS = {
    KIND_LEGALIZATION: ("consular legalization", LEGALIZATION_LABELS),
    KIND_PASS: ("appointment pass", PASS_LABELS),
}
EXIT_VALID, EXIT_REFUSED, EXIT_BAD_KEY_SET, EXIT_EXPIRED = 0, 1, 2, 3
REVOCATION_NOTE = (
    "Revocation cannot be checked offline: when connected, check the record on the "
    "ministry's verification page."
)


def describe(seal: VerifiedSeal) -> tuple[str, list[tuple[str, Value]]]:
    """The document's name and its fields with readable labels (unknown ones as they are)."""
    name, labels = KINDS.get(seal.kind, (f"document of kind {seal.kind!r}", {}))
    known = [(labels[key], seal.fields[key]) for key in labels if key in seal.fields]
    unknown = [(key, value) for key, value in sorted(seal.fields.items()) if key not in labels]
    return name, known + unknown


def verify_cli(
    payload_text: str,
    keyset_json: str | bytes,
    *,
    now: datetime | None = None,
    out: TextIO | None = None,
) -> int:
    """Verify one payload against a key set, print the outcome, return the exit code."""
    out = out or sys.stdout
    try:
        key_set = KeySet.from_json(keyset_json)
    except KeySetError as error:
        print(f"UNUSABLE KEY SET: {error}", file=out)
        return EXIT_BAD_KEY_SET
    try:
        seal = verify(payload_text, key_set)
    except SealError as error:
        print(f"REFUSED ({error.code}): {error}", file=out)
        return EXIT_REFUSED
    now = now or datetime.now(UTC)
    expired = seal.expired(now)
    name, fields = describe(seal)
    print(f"{'GENUINE BUT EXPIRED' if expired else 'GENUINE'}: {name}", file=out)
    print(f"issuing post: {seal.post}", file=out)
    print(f"signed on: {seal.issued_at.isoformat()}", file=out)
    if seal.expires_at is not None:
        print(f"expires: {seal.expires_at.isoformat()}", file=out)
    print(f"key: {seal.kid}", file=out)
    for label, value in fields:
        print(f"{label}: {value}", file=out)
    print(REVOCATION_NOTE, file=out)
    return EXIT_EXPIRED if expired else EXIT_VALID

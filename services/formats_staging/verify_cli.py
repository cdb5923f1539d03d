"""An offline verifier for sealed QR payloads: give it the text of the QR code and our
published key set (a JSON file saved while online), and it prints what the payload says,
or why it is refused. No network, no database, no application.

    python -m services.formats_staging.verify_cli 'PSH1:...' --keys keys.json
    echo 'PSH1:...' | python -m services.formats_staging.verify_cli - --keys keys.json

Exit codes: 0 genuine, 1 refused (malformed, unknown key, bad signature, key not valid for
that post or date), 2 the key set is unusable, 3 genuine but past its expiry.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

from services.formats_staging.seal import SealError, verify
from services.formats_staging.seal_keys import KeySet, KeySetError
from services.formats_staging.sealed_documents import describe

EXIT_VALID, EXIT_REFUSED, EXIT_BAD_KEY_SET, EXIT_EXPIRED = 0, 1, 2, 3
REVOCATION_NOTE = (
    "Revocation cannot be checked offline: when connected, check the record on the "
    "ministry's verification page."
)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a sealed QR payload offline.")
    parser.add_argument("payload", help="the QR code's text, or - to read it from stdin")
    parser.add_argument("--keys", required=True, help="the published key set (JSON file)")
    args = parser.parse_args(argv)
    payload = sys.stdin.read() if args.payload == "-" else args.payload
    try:
        with open(args.keys, "rb") as file:
            keyset_json = file.read()
    except OSError as error:
        print(f"UNUSABLE KEY SET: {error}", file=sys.stdout)
        return EXIT_BAD_KEY_SET
    return verify_cli(payload, keyset_json)


if __name__ == "__main__":
    sys.exit(main())

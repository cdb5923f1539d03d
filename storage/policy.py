"""S3 POST policy documents: build, encode, decode and evaluate them.

The S3 adapter only needs :func:`decode_policy` (to read back what botocore signed); the local
store uses everything here to enforce the very same policy S3 would enforce, so the phone's
upload code is identical for both backends. Semantics follow the AWS documentation for
browser-based POST uploads: conditions are ``{"field": "exact"}``, ``["eq", "$field", v]``,
``["starts-with", "$field", prefix]`` and ``["content-length-range", min, max]``; form field
names are case-insensitive; every form field except ``policy``, the signature, ``file`` and
``x-ignore-*`` must be named by some condition.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from storage.base import SSE_ALGORITHM, UploadPolicyViolation

__all__ = [
    "SSE_FIELD",
    "build_policy",
    "decode_policy",
    "encode_policy",
    "evaluate_policy",
    "format_expiration",
    "parse_expiration",
]

SSE_FIELD = "x-amz-server-side-encryption"
_EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # the format botocore writes
# Fields S3 never requires a condition for.
_EXEMPT_FIELDS = frozenset({"policy", "x-amz-signature", "file"})
# A failed exact-match condition on these fields gets a specific reason code, so the API can
# tell the app what it did wrong instead of a generic "policy failed".
_REASON_BY_FIELD = {
    "key": "key_mismatch",
    "content-type": "content_type_mismatch",
    SSE_FIELD: "encryption_required",
}


def format_expiration(moment: datetime) -> str:
    """Render an aware datetime the way S3 policies spell expirations (UTC, seconds)."""
    return moment.astimezone(UTC).strftime(_EXPIRATION_FORMAT)


def parse_expiration(value: str) -> datetime:
    """Parse a policy ``expiration`` (ISO 8601, with or without fractional seconds)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def build_policy(
    *, key: str, content_type: str, min_size: int, max_size: int, expiration: datetime
) -> dict[str, Any]:
    """The policy the local store signs: same conditions as the S3 adapter's."""
    return {
        "expiration": format_expiration(expiration),
        "conditions": [
            {"key": key},
            {"Content-Type": content_type},
            ["content-length-range", min_size, max_size],
            {SSE_FIELD: SSE_ALGORITHM},
        ],
    }


def encode_policy(policy: Mapping[str, Any]) -> str:
    """Base64 of compact JSON, as sent in the ``policy`` form field."""
    raw = json.dumps(policy, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def decode_policy(encoded: str) -> dict[str, Any]:
    """Decode a ``policy`` form field; raise :class:`ValueError` if it is not a policy."""
    try:
        document = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError("policy is not base64 JSON") from exc
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("expiration"), str)
        or not isinstance(document.get("conditions"), list)
    ):
        raise ValueError("policy lacks expiration or conditions")
    return document


def evaluate_policy(
    policy: Mapping[str, Any],
    fields: Mapping[str, str],
    *,
    size: int,
    signature_field: str = "x-amz-signature",
) -> None:
    """Raise :class:`UploadPolicyViolation` unless ``fields`` and ``size`` satisfy ``policy``.

    Expiry is the caller's business (it owns the clock). Conditions are checked in policy
    order, then the "no unlisted field" rule.
    """
    lowered = {name.lower(): value for name, value in fields.items()}
    covered: set[str] = set()
    for condition in policy["conditions"]:
        if isinstance(condition, dict) and len(condition) == 1:
            ((name, expected),) = condition.items()
            covered.add(name.lower())
            _require_equal(name.lower(), lowered.get(name.lower()), expected)
        elif isinstance(condition, list) and len(condition) == 3:
            op = str(condition[0]).lower()
            if op == "content-length-range":
                _require_size(size, int(condition[1]), int(condition[2]))
            elif op in ("eq", "starts-with") and str(condition[1]).startswith("$"):
                name = str(condition[1])[1:].lower()
                covered.add(name)
                actual = lowered.get(name)
                if op == "eq":
                    _require_equal(name, actual, condition[2])
                elif actual is None or not actual.startswith(str(condition[2])):
                    raise UploadPolicyViolation(
                        _REASON_BY_FIELD.get(name, "condition_failed"),
                        f"field {name!r} does not start with {condition[2]!r}",
                    )
            else:
                raise UploadPolicyViolation("malformed_policy", f"unknown condition {condition!r}")
        else:
            # Fail closed: a condition we do not understand must not be skipped silently.
            raise UploadPolicyViolation("malformed_policy", f"unknown condition {condition!r}")

    exempt = _EXEMPT_FIELDS | {signature_field.lower()}
    for name in lowered:
        if name not in covered and name not in exempt and not name.startswith("x-ignore-"):
            raise UploadPolicyViolation("unexpected_field", f"field {name!r} is not in the policy")


def _require_equal(name: str, actual: str | None, expected: object) -> None:
    if actual is None or actual != str(expected):
        raise UploadPolicyViolation(
            _REASON_BY_FIELD.get(name, "condition_failed"),
            f"field {name!r} must be {expected!r}, got {actual!r}",
        )


def _require_size(size: int, minimum: int, maximum: int) -> None:
    if size < minimum:
        raise UploadPolicyViolation("too_small", f"{size} bytes is below the {minimum} minimum")
    if size > maximum:
        raise UploadPolicyViolation("too_large", f"{size} bytes is above the {maximum} maximum")

"""The published record of a lottery allocation, as JSON, and its public check.

After the allocation a release publishes one document holding everything needed to recompute
it - the revealed seed, the commitment published before the window, the requests (public ids
and preferences only, no personal data), the slots and their seats - and the result. Anyone
can check it with this module alone (standard library only)::

    python -m services.releases.publication release-document.json

The format (scheme ``palm-lottery-1``)::

    {"scheme": "palm-lottery-1",
     "seed": "<64 hex>", "commitment": "<64 hex>",
     "requests": [{"id": "R7K2M9QX", "preferences": [
                    {"day": "2026-12-14"},
                    {"day": "2026-12-15", "from": "08:00", "until": "12:00"}]}],
     "slots": [{"id": 41, "starts_at": "2026-12-14T09:30:00+01:00", "seats": 2}],
     "result": {"order": ["R7K2M9QX"],
                "assignments": [{"request": "R7K2M9QX", "slot": 41, "preference": 1}],
                "waitlist": []}}

``starts_at`` carries the post's offset of that day, so its date and time are the post's wall
clock; ``until`` may be absent (to the end of the day). Requests are listed by public id,
slots by start: the list order carries no meaning, the verifier derives the order itself.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from services.releases.lottery import (
    Allocation,
    Assignment,
    LotteryRequest,
    Preference,
    ReleasedSlot,
    TimeBand,
    Verification,
    recompute,
    seed_from_hex,
    start_order,
)

SCHEME = "palm-lottery-1"


@dataclass(frozen=True)
class Publication:
    seed: bytes
    commitment: str
    requests: tuple[LotteryRequest, ...]
    slots: tuple[ReleasedSlot, ...]
    allocation: Allocation


def _clock(value: time) -> str:
    return value.isoformat(timespec="minutes" if not value.second else "seconds")


def _preference_document(preference: Preference) -> dict[str, str]:
    document = {"day": preference.day.isoformat()}
    if preference.band is not None:
        document["from"] = _clock(preference.band.start)
        if preference.band.end is not None:
            document["until"] = _clock(preference.band.end)
    return document


def publication_document(
    seed: bytes,
    commitment: str,
    requests: Iterable[LotteryRequest],
    slots: Iterable[ReleasedSlot],
    allocation: Allocation,
) -> dict[str, Any]:
    """The JSON-ready record of an allocation."""
    return {
        "scheme": SCHEME,
        "seed": seed.hex(),
        "commitment": commitment,
        "requests": [
            {
                "id": request.public_id,
                "preferences": [_preference_document(p) for p in request.preferences],
            }
            for request in sorted(requests, key=lambda request: request.public_id)
        ],
        "slots": [
            {"id": slot.id, "starts_at": slot.starts_at.isoformat(), "seats": slot.seats}
            for slot in sorted(slots, key=start_order)
        ],
        "result": {
            "order": list(allocation.order),
            "assignments": [
                {"request": public_id, "slot": got.slot_id, "preference": got.preference}
                for public_id, got in allocation.assignments.items()
            ],
            "waitlist": list(allocation.waitlist),
        },
    }


def _preference(document: Mapping[str, Any]) -> Preference:
    day = date.fromisoformat(document["day"])
    if "from" not in document:
        if "until" in document:
            raise ValueError("a preference with 'until' needs 'from'")
        return Preference(day)
    until = document.get("until")
    end = time.fromisoformat(until) if until is not None else None
    band = TimeBand(time.fromisoformat(document["from"]), end)
    return Preference(day, band)


def read_publication(document: Mapping[str, Any]) -> Publication:
    """Parse a published record; raises ValueError (or KeyError, TypeError) when malformed."""
    if document.get("scheme") != SCHEME:
        raise ValueError(f"unknown scheme {document.get('scheme')!r}; this checker reads {SCHEME}")
    result = document["result"]
    assignments = {
        entry["request"]: Assignment(slot_id=entry["slot"], preference=entry["preference"])
        for entry in result["assignments"]
    }
    return Publication(
        seed=seed_from_hex(document["seed"]),
        commitment=document["commitment"],
        requests=tuple(
            LotteryRequest(entry["id"], tuple(_preference(p) for p in entry["preferences"]))
            for entry in document["requests"]
        ),
        slots=tuple(
            ReleasedSlot(
                id=entry["id"],
                starts_at=datetime.fromisoformat(entry["starts_at"]),
                seats=entry["seats"],
            )
            for entry in document["slots"]
        ),
        allocation=Allocation(
            order=tuple(result["order"]),
            assignments=assignments,
            waitlist=tuple(result["waitlist"]),
        ),
    )


def verify_publication(document: Mapping[str, Any]) -> Verification:
    """Recompute a published record and compare it with its own result."""
    published = read_publication(document)
    return recompute(
        published.seed,
        published.commitment,
        published.requests,
        published.slots,
        published=published.allocation,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Check a published record: exit 0 when it holds, 1 when it does not, 2 when unreadable."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m services.releases.publication DOCUMENT.json")
        return 2
    try:
        with open(args[0], encoding="utf-8") as handle:
            verification = verify_publication(json.load(handle))
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"unreadable record: {error!r}")
        return 2
    if not verification.seed_matches_commitment:
        print("FAILED: the revealed seed does not match the published commitment")
    for difference in verification.differences:
        print(f"FAILED: {difference}")
    if verification.ok:
        allocation = verification.recomputed
        print(
            f"OK: {len(allocation.order)} requests, {len(allocation.assignments)} assigned, "
            f"{len(allocation.waitlist)} on the waitlist; the order and every seat recomputed"
        )
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())

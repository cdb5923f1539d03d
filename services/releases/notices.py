"""What releases and the waitlist tell travellers: the lottery's result and held offers.

The texts are in ``services.releases.texts`` (gettext catalogues); here the post's and the
service's names are put into the recipient's language and times into the post's local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.core.languages import pick_translation
from services.core.local_time import local_stamp, zone
from services.models import Post, ServiceType, Slot
from services.notifications.notifications import notify, notify_many


def local_text(instant: datetime, post: Post) -> str:
    """``2027-03-28 09:00 (UTC+02:00)`` in the post's zone."""
    return local_stamp(instant.astimezone(zone(post.time_zone)))


def names(post: Post, service: ServiceType) -> dict[str, Any]:
    return {
        "post_names": post.names,
        "post": post.code,
        "service_names": service.names,
        "service": service.code,
    }


def in_language(language: str, params: dict[str, Any]) -> dict[str, Any]:
    """Params with the post's and service's names in ``language`` (for ``notify_many``)."""
    localised = {k: v for k, v in params.items() if not k.endswith("_names")}
    localised["post"] = pick_translation(params.get("post_names") or {}, language) or params["post"]
    localised["service"] = (
        pick_translation(params.get("service_names") or {}, language) or params["service"]
    )
    return localised


def notify_results(template: str, items: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> int:
    return notify_many(items, "status_change", template, params_for=in_language)


def notify_offer(
    account_id: int,
    language: str,
    offer_id: int,
    slot: Slot,
    post: Post,
    service: ServiceType,
    expires_at: datetime,
):
    params = in_language(
        language,
        {
            **names(post, service),
            "start": local_text(slot.starts_at, post),
            "until": local_text(expires_at, post),
        },
    )
    return notify(
        account_id,
        "status_change",
        "waitlist_offer",
        params,
        data={"waitlist_offer_id": offer_id, "type": "waitlist_offer"},
    )

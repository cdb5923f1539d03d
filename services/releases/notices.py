"""What releases and the waitlist tell travellers: the lottery's result and held offers, in
four languages, with names and times put into the recipient's language and the post's
local time here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.core.languages import pick_translation
from services.core.local_time import zone
from services.models import Post, ServiceType, Slot
from services.notifications.notifications import notify, notify_many
from services.notifications.templates import Template, register_templates

NOTIFICATION_TEMPLATES: dict[str, Template] = {
    "release_won": {
        "en": {
            "title": "You have an appointment",
            "body": "The draw gave you {service} at {post}, {start} (place {place}). "
            "Booking code {code}.",
        },
        "zh-Hans": {
            "title": "抽签成功，已预约",
            "body": "抽签结果（第 {place} 位）：{post}，{service}，{start}。预约码 {code}。",
        },
        "zh-Hant": {
            "title": "抽籤成功，已預約",
            "body": "抽籤結果（第 {place} 位）：{post}，{service}，{start}。預約碼 {code}。",
        },
        "vi": {
            "title": "Bạn đã có lịch hẹn",
            "body": "Kết quả bốc thăm (vị trí {place}): {service} tại {post}, {start}. "
            "Mã đặt lịch {code}.",
        },
    },
    "release_waitlisted": {
        "en": {
            "title": "No seat in this draw",
            "body": "{service} at {post}: every day you chose was taken by the time your place "
            "({place}) came. You are on the waitlist and will be offered a freed seat.",
        },
        "zh-Hans": {
            "title": "本次抽签未获名额",
            "body": "{post}，{service}：轮到您（第 {place} 位）时所选日期已满。"
            "您已进入候补名单，有空位时将为您保留。",
        },
        "zh-Hant": {
            "title": "本次抽籤未獲名額",
            "body": "{post}，{service}：輪到您（第 {place} 位）時所選日期已滿。"
            "您已進入候補名單，有空位時將為您保留。",
        },
        "vi": {
            "title": "Chưa có chỗ trong lần bốc thăm này",
            "body": "{service} tại {post}: khi đến lượt bạn (vị trí {place}) các ngày đã chọn "
            "đều hết chỗ. Bạn đã vào danh sách chờ và sẽ được giữ chỗ khi có chỗ trống.",
        },
    },
    "release_already_booked": {
        "en": {
            "title": "Draw result",
            "body": "{service} at {post}: this applicant already has an appointment for the "
            "service, so the request was not used.",
        },
        "zh-Hans": {
            "title": "抽签结果",
            "body": "{post}，{service}：该申请人已有此项服务的预约，本次申请未使用。",
        },
        "zh-Hant": {
            "title": "抽籤結果",
            "body": "{post}，{service}：該申請人已有此項服務的預約，本次申請未使用。",
        },
        "vi": {
            "title": "Kết quả bốc thăm",
            "body": "{service} tại {post}: người nộp đơn đã có lịch hẹn cho dịch vụ này nên "
            "yêu cầu không được dùng.",
        },
    },
    "waitlist_offer": {
        "en": {
            "title": "A seat is held for you",
            "body": "{service} at {post}, {start}. Accept it in the app before {until}.",
        },
        "zh-Hans": {
            "title": "已为您保留名额",
            "body": "{post}，{service}，{start}。请在 {until} 前在应用中确认。",
        },
        "zh-Hant": {
            "title": "已為您保留名額",
            "body": "{post}，{service}，{start}。請在 {until} 前在應用程式中確認。",
        },
        "vi": {
            "title": "Một chỗ đang được giữ cho bạn",
            "body": "{service} tại {post}, {start}. Hãy nhận trong ứng dụng trước {until}.",
        },
    },
}


def local_text(instant: datetime, post: Post) -> str:
    """``2027-03-28 09:00 (UTC+02:00)`` in the post's zone."""
    local = instant.astimezone(zone(post.time_zone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


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


def register() -> None:
    """Make these templates known to ``notify`` (called once by ``services.wiring``)."""
    register_templates(NOTIFICATION_TEMPLATES)

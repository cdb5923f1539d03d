"""State names in the four languages, and the notification templates of state changes."""

from __future__ import annotations

from services.notifications.templates import Template, register_templates

STATE_NAMES: dict[str, dict[str, str]] = {
    "submitted": {"en": "Submitted", "zh-Hans": "已提交", "zh-Hant": "已提交", "vi": "Đã nộp"},
    "accepted": {"en": "Accepted", "zh-Hans": "已受理", "zh-Hant": "已受理", "vi": "Đã tiếp nhận"},
    "in_review": {
        "en": "In review",
        "zh-Hans": "审核中",
        "zh-Hant": "審核中",
        "vi": "Đang xét duyệt",
    },
    "more_information_required": {
        "en": "More information required",
        "zh-Hans": "需补充材料",
        "zh-Hant": "需補充材料",
        "vi": "Cần bổ sung thông tin",
    },
    "approved": {"en": "Approved", "zh-Hans": "已批准", "zh-Hant": "已核准", "vi": "Đã phê duyệt"},
    "in_production": {
        "en": "In production",
        "zh-Hans": "制证中",
        "zh-Hant": "製證中",
        "vi": "Đang in",
    },
    "ready_for_collection": {
        "en": "Ready for collection",
        "zh-Hans": "可领取",
        "zh-Hant": "可領取",
        "vi": "Sẵn sàng để nhận",
    },
    "dispatched": {"en": "Dispatched", "zh-Hans": "已寄出", "zh-Hant": "已寄出", "vi": "Đã gửi đi"},
    "collected": {"en": "Collected", "zh-Hans": "已领取", "zh-Hant": "已領取", "vi": "Đã nhận"},
    "delivered": {"en": "Delivered", "zh-Hans": "已送达", "zh-Hant": "已送達", "vi": "Đã giao"},
    "rejected": {
        "en": "Rejected",
        "zh-Hans": "未获批准",
        "zh-Hant": "未獲核准",
        "vi": "Bị từ chối",
    },
    "withdrawn": {
        "en": "Withdrawn",
        "zh-Hans": "已撤回",
        "zh-Hant": "已撤回",
        "vi": "Đã rút hồ sơ",
    },
}

_TITLES = {
    "en": "Application {number}",
    "zh-Hans": "申请 {number}",
    "zh-Hant": "申請 {number}",
    "vi": "Hồ sơ {number}",
}
_BODIES = {
    "en": "New status: {state}. {note}",
    "zh-Hans": "最新状态：{state}。{note}",
    "zh-Hant": "最新狀態：{state}。{note}",
    "vi": "Trạng thái mới: {state}. {note}",
}


def template_for(state: str) -> str:
    return f"application_{state}"


# One template per state, so that the state's name is rendered in the reader's language.
NOTIFICATION_TEMPLATES: dict[str, Template] = {
    template_for(state): {
        language: {
            "title": _TITLES[language],
            "body": _BODIES[language].replace("{state}", names[language]),
        }
        for language in _TITLES
    }
    for state, names in STATE_NAMES.items()
}


def register() -> None:
    """Make these templates known to ``notify`` (called once by ``services.wiring``)."""
    register_templates(NOTIFICATION_TEMPLATES)

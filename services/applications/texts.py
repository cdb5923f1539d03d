"""State names in the four languages, and the notification templates of applications:
each state change (the tracking number when dispatched, an invitation to rate once the
passport is collected or delivered) and an expected date moved by a closure."""

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
_STATUS = {
    "en": "New status: {state}.",
    "zh-Hans": "最新状态：{state}。",
    "zh-Hant": "最新狀態：{state}。",
    "vi": "Trạng thái mới: {state}.",
}
_SENTENCE_GAP = {"en": " ", "zh-Hans": "", "zh-Hant": "", "vi": " "}
# What a state's notice says besides its name.
_STATE_DETAILS: dict[str, dict[str, str]] = {
    "dispatched": {
        "en": "Tracking number: {tracking_number}.",
        "zh-Hans": "运单号：{tracking_number}。",
        "zh-Hant": "運單號碼：{tracking_number}。",
        "vi": "Mã vận đơn: {tracking_number}.",
    },
}
# Collected or delivered: the passport is in the traveller's hands, the rating opens.
RATING_STATES = ("collected", "delivered")
_RATING_INVITATION = {
    "en": "How did we do? Rate the service in the app.",
    "zh-Hans": "欢迎在应用中为本次服务评分。",
    "zh-Hant": "歡迎在應用程式中為本次服務評分。",
    "vi": "Hãy đánh giá dịch vụ của chúng tôi trong ứng dụng.",
}


def template_for(state: str) -> str:
    return f"application_{state}"


def _body(state: str, language: str) -> str:
    parts = [_STATUS[language].replace("{state}", STATE_NAMES[state][language])]
    if state in _STATE_DETAILS:
        parts.append(_STATE_DETAILS[state][language])
    if state in RATING_STATES:
        parts.append(_RATING_INVITATION[language])
    parts.append("{note}")
    return _SENTENCE_GAP[language].join(parts)


# One template per state, so that the state's name is rendered in the reader's language.
NOTIFICATION_TEMPLATES: dict[str, Template] = {
    template_for(state): {
        language: {"title": _TITLES[language], "body": _body(state, language)}
        for language in _TITLES
    }
    for state in STATE_NAMES
}

EXPECTED_DATE_MOVED = "application_expected_date_moved"
NOTIFICATION_TEMPLATES[EXPECTED_DATE_MOVED] = {
    "en": {
        "title": "New expected date",
        "body": (
            "The post will be closed ({reason}), so application {number} is now expected "
            "on {expected_on}."
        ),
    },
    "zh-Hans": {
        "title": "预计完成日期已更新",
        "body": "因使领馆闭馆（{reason}），申请 {number} 的预计完成日期改为 {expected_on}。",
    },
    "zh-Hant": {
        "title": "預計完成日期已更新",
        "body": "因使領館閉館（{reason}），申請 {number} 的預計完成日期改為 {expected_on}。",
    },
    "vi": {
        "title": "Ngày dự kiến đã thay đổi",
        "body": (
            "Do cơ quan đại diện đóng cửa ({reason}), hồ sơ {number} nay dự kiến hoàn thành "
            "vào ngày {expected_on}."
        ),
    },
}


def register() -> None:
    """Make these templates known to ``notify`` (called once by ``services.wiring``)."""
    register_templates(NOTIFICATION_TEMPLATES)

"""Notifications about appointments: their texts in four languages, and sending them.

Names and times are put into the recipient's language and the post's local time here, so
the inbox item reads the same whatever device shows it.
"""

from __future__ import annotations

from services.appointments.booking_codes import format_code
from services.appointments.mail_texts import BOOKING_CONFIRMATION
from services.core.db import db
from services.core.languages import pick_translation
from services.core.local_time import zone
from services.emails.outbox import email_if_enabled
from services.models import Account, Appointment
from services.notifications.notifications import notify
from services.notifications.templates import Template, register_templates

NOTIFICATION_TEMPLATES: dict[str, Template] = {
    "appointment_booked": {
        "en": {
            "title": "Appointment booked",
            "body": "{service} at {post}, {start}. Booking code {code}.",
        },
        "zh-Hans": {
            "title": "预约成功",
            "body": "{post}，{service}，{start}。预约码 {code}。",
        },
        "zh-Hant": {
            "title": "預約成功",
            "body": "{post}，{service}，{start}。預約碼 {code}。",
        },
        "vi": {
            "title": "Đã đặt lịch hẹn",
            "body": "{service} tại {post}, {start}. Mã đặt lịch {code}.",
        },
    },
    "appointment_cancelled_closure": {
        "en": {
            "title": "Appointment cancelled",
            "body": (
                "Your appointment for {service} at {post} on {start} is cancelled because "
                "the post is closed: {reason}. Please book another time."
            ),
        },
        "zh-Hans": {
            "title": "预约已取消",
            "body": "因{post}闭馆（{reason}），您于 {start} 的{service}预约已取消，请另约时间。",
        },
        "zh-Hant": {
            "title": "預約已取消",
            "body": "因{post}閉館（{reason}），您於 {start} 的{service}預約已取消，請另約時間。",
        },
        "vi": {
            "title": "Lịch hẹn đã bị hủy",
            "body": (
                "Lịch hẹn {service} tại {post} lúc {start} đã bị hủy vì cơ quan đóng cửa: "
                "{reason}. Vui lòng đặt thời gian khác."
            ),
        },
    },
    "appointment_reminder": {
        "en": {
            "title": "Your appointment is tomorrow",
            "body": (
                "{service} at {post}, {start}. Bring your booking code {code} and the "
                "required documents."
            ),
        },
        "zh-Hans": {
            "title": "明天有预约",
            "body": "{post}，{service}，{start}。请携带预约码 {code} 及所需材料。",
        },
        "zh-Hant": {
            "title": "明天有預約",
            "body": "{post}，{service}，{start}。請攜帶預約碼 {code} 及所需材料。",
        },
        "vi": {
            "title": "Lịch hẹn của bạn vào ngày mai",
            "body": (
                "{service} tại {post}, {start}. Hãy mang mã đặt lịch {code} và các giấy tờ "
                "cần thiết."
            ),
        },
    },
}


def local_start_text(appointment: Appointment) -> str:
    """``2027-03-28 09:00 (UTC+02:00)`` in the post's zone."""
    local = appointment.slot.starts_at.astimezone(zone(appointment.post.time_zone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def _params(appointment: Appointment, language: str) -> dict[str, str]:
    return {
        "post": pick_translation(appointment.post.names, language) or appointment.post.code,
        "service": pick_translation(appointment.service_type.names, language)
        or appointment.service_type.code,
        "start": local_start_text(appointment),
        "code": format_code(appointment.code),
    }


def _send(appointment: Appointment, kind: str, template: str, extra: dict | None = None):
    account = db.session.get(Account, appointment.account_id)
    params = _params(appointment, account.language)
    params.update(extra or {})
    return notify(
        account.id,
        kind,
        template,
        params,
        data={"appointment_id": appointment.id, "type": template},
    )


def notify_booked(appointment: Appointment):
    account = db.session.get(Account, appointment.account_id)
    email_if_enabled(
        account.id,
        "booking_confirmation",
        BOOKING_CONFIRMATION,
        _params(appointment, account.language),
    )
    return _send(appointment, "status_change", "appointment_booked")


def notify_cancelled_by_closure(appointment: Appointment, reason: dict[str, str]):
    account = db.session.get(Account, appointment.account_id)
    text = pick_translation(reason, account.language) or ""
    return _send(appointment, "status_change", "appointment_cancelled_closure", {"reason": text})


def notify_reminder(appointment: Appointment):
    return _send(appointment, "reminder", "appointment_reminder")


def register() -> None:
    """Make these templates known to ``notify`` (called once by ``services.wiring``)."""
    register_templates(NOTIFICATION_TEMPLATES)

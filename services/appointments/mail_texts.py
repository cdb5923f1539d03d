"""The booking confirmation e-mail (sent when the account turns that channel on)."""

from __future__ import annotations

from services.emails.templates import EmailTemplate, register_templates

BOOKING_CONFIRMATION = "booking_confirmation"

APPOINTMENT_EMAILS: dict[str, EmailTemplate] = {
    BOOKING_CONFIRMATION: {
        "en": {
            "subject": "Appointment booked: {service}, {start}",
            "paragraphs": [
                "Your appointment for {service} at {post} is booked for {start}.",
                "Booking code: {code}. Show the pass in the app at the entrance and bring "
                "the required documents.",
            ],
        },
        "zh-Hans": {
            "subject": "预约成功：{service}，{start}",
            "paragraphs": [
                "您已预约 {post} 的 {service}，时间 {start}。",
                "预约码：{code}。入场时请出示应用中的预约凭证，并携带所需材料。",
            ],
        },
        "zh-Hant": {
            "subject": "預約成功：{service}，{start}",
            "paragraphs": [
                "您已預約 {post} 的 {service}，時間 {start}。",
                "預約碼：{code}。入場時請出示應用程式中的預約憑證，並攜帶所需材料。",
            ],
        },
        "vi": {
            "subject": "Đã đặt lịch: {service}, {start}",
            "paragraphs": [
                "Lịch hẹn {service} tại {post} của bạn đã được đặt vào {start}.",
                "Mã đặt lịch: {code}. Hãy xuất trình thẻ trong ứng dụng khi đến và mang các "
                "giấy tờ cần thiết.",
            ],
        },
    },
}


def register() -> None:
    register_templates(APPOINTMENT_EMAILS)

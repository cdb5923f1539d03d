"""The payment receipt e-mail (sent when the account turns that channel on)."""

from __future__ import annotations

from services.emails.templates import EmailTemplate, register_templates

PAYMENT_RECEIPT = "payment_receipt"

PAYMENT_EMAILS: dict[str, EmailTemplate] = {
    PAYMENT_RECEIPT: {
        "en": {
            "subject": "Receipt: {amount} for application {number}",
            "paragraphs": [
                "We received {amount} for application {number} on {paid_at} (UTC).",
                "Payment reference: {reference}. The receipt is also in the app.",
            ],
        },
        "zh-Hans": {
            "subject": "收据：申请 {number}，{amount}",
            "paragraphs": [
                "我们已于 {paid_at}（UTC）收到申请 {number} 的付款 {amount}。",
                "付款编号：{reference}。应用中也可查看收据。",
            ],
        },
        "zh-Hant": {
            "subject": "收據：申請 {number}，{amount}",
            "paragraphs": [
                "我們已於 {paid_at}（UTC）收到申請 {number} 的付款 {amount}。",
                "付款編號：{reference}。應用程式中也可查看收據。",
            ],
        },
        "vi": {
            "subject": "Biên nhận: {amount} cho hồ sơ {number}",
            "paragraphs": [
                "Chúng tôi đã nhận {amount} cho hồ sơ {number} lúc {paid_at} (UTC).",
                "Mã thanh toán: {reference}. Biên nhận cũng có trong ứng dụng.",
            ],
        },
    },
}


def register() -> None:
    register_templates(PAYMENT_EMAILS)

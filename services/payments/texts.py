"""Notification templates of payments, in the four languages.

``{amount}`` is language-neutral ("60.00 EUR", "4000 JPY", "12.340 KWD"): the inbox item is
rendered once, in the recipient's language, from these params.
"""

from __future__ import annotations

from services.notifications.templates import Template, register_templates

PAYMENT_SUCCEEDED = "payment_succeeded"
PAYMENT_FAILED = "payment_failed"
PAYMENT_REFUNDING = "payment_refunding"
PAYMENT_REFUNDED = "payment_refunded"

NOTIFICATION_TEMPLATES: dict[str, Template] = {
    PAYMENT_SUCCEEDED: {
        "en": {
            "title": "Payment received",
            "body": "We received {amount} for application {number}. Your receipt is in the app.",
        },
        "zh-Hans": {
            "title": "已收到付款",
            "body": "我们已收到申请 {number} 的费用 {amount}。收据可在应用中查看。",
        },
        "zh-Hant": {
            "title": "已收到付款",
            "body": "我們已收到申請 {number} 的費用 {amount}。收據可在應用程式中查看。",
        },
        "vi": {
            "title": "Đã nhận thanh toán",
            "body": "Chúng tôi đã nhận {amount} cho hồ sơ {number}. Biên lai có trong ứng dụng.",
        },
    },
    PAYMENT_FAILED: {
        "en": {
            "title": "Payment not completed",
            "body": "The payment of {amount} for application {number} did not go through. "
            "You can try again in the app.",
        },
        "zh-Hans": {
            "title": "付款未完成",
            "body": "申请 {number} 的 {amount} 付款未成功。您可以在应用中重试。",
        },
        "zh-Hant": {
            "title": "付款未完成",
            "body": "申請 {number} 的 {amount} 付款未成功。您可以在應用程式中重試。",
        },
        "vi": {
            "title": "Thanh toán chưa hoàn tất",
            "body": "Khoản thanh toán {amount} cho hồ sơ {number} không thành công. "
            "Bạn có thể thử lại trong ứng dụng.",
        },
    },
    PAYMENT_REFUNDING: {
        "en": {
            "title": "Your payment will be refunded",
            "body": "We received {amount} for application {number}, which can no longer "
            "be paid. The money is being refunded to you automatically.",
        },
        "zh-Hans": {
            "title": "您的付款将被退回",
            "body": "我们收到了申请 {number} 的 {amount}，但该申请已无法付款。"
            "款项正在自动退还给您。",
        },
        "zh-Hant": {
            "title": "您的付款將被退回",
            "body": "我們收到了申請 {number} 的 {amount}，但該申請已無法付款。"
            "款項正在自動退還給您。",
        },
        "vi": {
            "title": "Khoản thanh toán sẽ được hoàn lại",
            "body": "Chúng tôi đã nhận {amount} cho hồ sơ {number}, nhưng hồ sơ này "
            "không còn thanh toán được. Tiền đang được tự động hoàn lại cho bạn.",
        },
    },
    PAYMENT_REFUNDED: {
        "en": {
            "title": "Refund issued",
            "body": "{amount} for application {number} has been refunded to you.",
        },
        "zh-Hans": {
            "title": "已退款",
            "body": "申请 {number} 的 {amount} 已退还给您。",
        },
        "zh-Hant": {
            "title": "已退款",
            "body": "申請 {number} 的 {amount} 已退還給您。",
        },
        "vi": {
            "title": "Đã hoàn tiền",
            "body": "{amount} của hồ sơ {number} đã được hoàn lại cho bạn.",
        },
    },
}


def register() -> None:
    """Make these templates known to ``notify`` (called once by ``services.wiring``)."""
    register_templates(NOTIFICATION_TEMPLATES)

"""Messages the e-mail tests send: one per language the service speaks with non-ASCII text."""

from __future__ import annotations

from mail import MailMessage

# Subject, text and HTML as the outbox will render them for a password reset.
TEXTS = {
    "zh-Hans": (
        "重置您的掌上服务大厅密码",
        "您好，\n\n请在 30 分钟内使用此代码重置密码：482913\n\n如果不是您本人操作，请忽略此邮件。\n",
        "<p>您好，</p><p>请在 30 分钟内使用此代码重置密码：<b>482913</b></p>",
    ),
    "vi": (
        "Đặt lại mật khẩu Sảnh dịch vụ của bạn",
        "Xin chào,\n\nMã đặt lại mật khẩu của bạn (hết hạn sau 30 phút): 482913\n\n"
        "Nếu bạn không yêu cầu, hãy bỏ qua thư này.\n",
        "<p>Xin chào,</p><p>Mã đặt lại mật khẩu của bạn: <b>482913</b></p>",
    ),
}


def message(lang: str = "zh-Hans", reference: str = "mail-1", **overrides) -> MailMessage:
    """A reset message in ``lang``; ``overrides`` replace any field (``language`` too)."""
    subject, text, html = TEXTS[lang]
    fields = {
        "to": "traveller@example.org",
        "subject": subject,
        "text": text,
        "html": html,
        "language": lang,
        "reference": reference,
    }
    fields.update(overrides)
    return MailMessage(**fields)

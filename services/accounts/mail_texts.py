"""Texts of the account e-mails in the four languages (registered by ``services.wiring``).

Params: ``link`` (opens the app, which POSTs the token: no GET of ours changes state),
``code`` (six digits to type into the app), ``minutes`` (how long they work), ``email``.
"""

from __future__ import annotations

from services.emails.templates import EmailTemplate, register_templates

_IGNORE = {
    "en": "If you did not ask for this, ignore this message; nothing changes.",
    "zh-Hans": "如果这不是您的操作，请忽略此邮件，您的账户不会有任何变化。",
    "zh-Hant": "如果這不是您的操作，請忽略此郵件，您的帳戶不會有任何變化。",
    "vi": "Nếu bạn không yêu cầu việc này, hãy bỏ qua thư này; không có gì thay đổi.",
}
_NOT_YOU = {
    "en": "If this was not you, reset your password at once and end your other sessions.",
    "zh-Hans": "如果这不是您本人操作，请立即重置密码并结束其他登录会话。",
    "zh-Hant": "如果這不是您本人操作，請立即重設密碼並結束其他登入工作階段。",
    "vi": "Nếu không phải bạn, hãy đặt lại mật khẩu ngay và kết thúc các phiên khác.",
}


def _with(lang: str, paragraphs: list[str], tail: dict[str, str]) -> list[str]:
    return [*paragraphs, tail[lang]]


ACCOUNT_EMAILS: dict[str, EmailTemplate] = {
    "verify_email": {
        "en": {
            "subject": "Confirm your e-mail address",
            "paragraphs": _with(
                "en",
                [
                    "Open this link on your phone to confirm this address: {link}",
                    "Or type this code in the app: {code}. It works for {minutes} minutes.",
                ],
                _IGNORE,
            ),
        },
        "zh-Hans": {
            "subject": "请确认您的电子邮箱",
            "paragraphs": _with(
                "zh-Hans",
                [
                    "请在手机上打开此链接确认邮箱：{link}",
                    "或在应用中输入验证码：{code}，{minutes} 分钟内有效。",
                ],
                _IGNORE,
            ),
        },
        "zh-Hant": {
            "subject": "請確認您的電子郵件地址",
            "paragraphs": _with(
                "zh-Hant",
                [
                    "請在手機上開啟此連結確認郵件地址：{link}",
                    "或在應用程式中輸入驗證碼：{code}，{minutes} 分鐘內有效。",
                ],
                _IGNORE,
            ),
        },
        "vi": {
            "subject": "Xác nhận địa chỉ e-mail của bạn",
            "paragraphs": _with(
                "vi",
                [
                    "Mở liên kết này trên điện thoại để xác nhận địa chỉ: {link}",
                    "Hoặc nhập mã này trong ứng dụng: {code}. Mã có hiệu lực {minutes} phút.",
                ],
                _IGNORE,
            ),
        },
    },
    "account_exists": {
        "en": {
            "subject": "You already have an account",
            "paragraphs": _with(
                "en",
                [
                    "Someone tried to register with this address, which already has an "
                    "account. Log in with it; if you forgot the password, reset it in the app.",
                ],
                _IGNORE,
            ),
        },
        "zh-Hans": {
            "subject": "您已经有账户",
            "paragraphs": _with(
                "zh-Hans",
                [
                    "有人尝试用此邮箱注册，但该邮箱已有账户。请直接登录；如忘记密码，可在应用中重置。"
                ],
                _IGNORE,
            ),
        },
        "zh-Hant": {
            "subject": "您已經有帳戶",
            "paragraphs": _with(
                "zh-Hant",
                [
                    "有人嘗試用此郵件地址註冊，但該地址已有帳戶。請直接登入；如忘記密碼，可在應用程式中重設。"
                ],
                _IGNORE,
            ),
        },
        "vi": {
            "subject": "Bạn đã có tài khoản",
            "paragraphs": _with(
                "vi",
                [
                    "Có người đã thử đăng ký bằng địa chỉ này, nhưng địa chỉ đã có tài khoản. "
                    "Hãy đăng nhập; nếu quên mật khẩu, hãy đặt lại trong ứng dụng.",
                ],
                _IGNORE,
            ),
        },
    },
    "password_reset": {
        "en": {
            "subject": "Reset your password",
            "paragraphs": _with(
                "en",
                [
                    "Open this link on your phone to choose a new password: {link}",
                    "Or type this code in the app: {code}. It works once, for {minutes} minutes.",
                ],
                _IGNORE,
            ),
        },
        "zh-Hans": {
            "subject": "重置您的密码",
            "paragraphs": _with(
                "zh-Hans",
                [
                    "请在手机上打开此链接设置新密码：{link}",
                    "或在应用中输入验证码：{code}，仅可使用一次，{minutes} 分钟内有效。",
                ],
                _IGNORE,
            ),
        },
        "zh-Hant": {
            "subject": "重設您的密碼",
            "paragraphs": _with(
                "zh-Hant",
                [
                    "請在手機上開啟此連結設定新密碼：{link}",
                    "或在應用程式中輸入驗證碼：{code}，僅可使用一次，{minutes} 分鐘內有效。",
                ],
                _IGNORE,
            ),
        },
        "vi": {
            "subject": "Đặt lại mật khẩu",
            "paragraphs": _with(
                "vi",
                [
                    "Mở liên kết này trên điện thoại để chọn mật khẩu mới: {link}",
                    "Hoặc nhập mã này trong ứng dụng: {code}. Mã dùng một lần, trong {minutes} phút.",
                ],
                _IGNORE,
            ),
        },
    },
    "password_changed": {
        "en": {
            "subject": "Your password was changed",
            "paragraphs": _with(
                "en",
                ["The password of your account was changed; other sessions were ended."],
                _NOT_YOU,
            ),
        },
        "zh-Hans": {
            "subject": "您的密码已更改",
            "paragraphs": _with("zh-Hans", ["您账户的密码已更改，其他登录会话已结束。"], _NOT_YOU),
        },
        "zh-Hant": {
            "subject": "您的密碼已變更",
            "paragraphs": _with(
                "zh-Hant", ["您帳戶的密碼已變更，其他登入工作階段已結束。"], _NOT_YOU
            ),
        },
        "vi": {
            "subject": "Mật khẩu của bạn đã được thay đổi",
            "paragraphs": _with(
                "vi",
                ["Mật khẩu tài khoản của bạn đã được thay đổi; các phiên khác đã kết thúc."],
                _NOT_YOU,
            ),
        },
    },
    "email_change_verify": {
        "en": {
            "subject": "Confirm your new e-mail address",
            "paragraphs": _with(
                "en",
                [
                    "Your account will use this address once you confirm it: {link}",
                    "Or type this code in the app: {code}. It works for {minutes} minutes.",
                ],
                _IGNORE,
            ),
        },
        "zh-Hans": {
            "subject": "请确认您的新邮箱",
            "paragraphs": _with(
                "zh-Hans",
                [
                    "确认后，您的账户将使用此邮箱：{link}",
                    "或在应用中输入验证码：{code}，{minutes} 分钟内有效。",
                ],
                _IGNORE,
            ),
        },
        "zh-Hant": {
            "subject": "請確認您的新郵件地址",
            "paragraphs": _with(
                "zh-Hant",
                [
                    "確認後，您的帳戶將使用此地址：{link}",
                    "或在應用程式中輸入驗證碼：{code}，{minutes} 分鐘內有效。",
                ],
                _IGNORE,
            ),
        },
        "vi": {
            "subject": "Xác nhận địa chỉ e-mail mới",
            "paragraphs": _with(
                "vi",
                [
                    "Tài khoản của bạn sẽ dùng địa chỉ này sau khi bạn xác nhận: {link}",
                    "Hoặc nhập mã này trong ứng dụng: {code}. Mã có hiệu lực {minutes} phút.",
                ],
                _IGNORE,
            ),
        },
    },
    "email_changed_notice": {
        "en": {
            "subject": "Your e-mail address was changed",
            "paragraphs": _with(
                "en",
                ["Your account now uses {email}; this address will get no more messages."],
                _NOT_YOU,
            ),
        },
        "zh-Hans": {
            "subject": "您的邮箱已更改",
            "paragraphs": _with(
                "zh-Hans", ["您的账户现在使用 {email}，此邮箱将不再收到邮件。"], _NOT_YOU
            ),
        },
        "zh-Hant": {
            "subject": "您的郵件地址已變更",
            "paragraphs": _with(
                "zh-Hant", ["您的帳戶現在使用 {email}，此地址將不再收到郵件。"], _NOT_YOU
            ),
        },
        "vi": {
            "subject": "Địa chỉ e-mail của bạn đã được thay đổi",
            "paragraphs": _with(
                "vi",
                ["Tài khoản của bạn giờ dùng {email}; địa chỉ này sẽ không nhận thư nữa."],
                _NOT_YOU,
            ),
        },
    },
    "account_deleted": {
        "en": {
            "subject": "Your account was deleted",
            "paragraphs": [
                "Your account and its personal data were deleted. Payments and completed "
                "applications are kept for the records the law requires, without your name "
                "on the account."
            ],
        },
        "zh-Hans": {
            "subject": "您的账户已删除",
            "paragraphs": [
                "您的账户及个人数据已删除。付款记录和已完成的申请按法律要求保留，但不再与您的账户关联。"
            ],
        },
        "zh-Hant": {
            "subject": "您的帳戶已刪除",
            "paragraphs": [
                "您的帳戶及個人資料已刪除。付款紀錄和已完成的申請依法保留，但不再與您的帳戶關聯。"
            ],
        },
        "vi": {
            "subject": "Tài khoản của bạn đã bị xóa",
            "paragraphs": [
                "Tài khoản và dữ liệu cá nhân của bạn đã bị xóa. Các khoản thanh toán và hồ sơ "
                "đã hoàn tất được lưu theo quy định, không còn gắn với tài khoản của bạn."
            ],
        },
    },
}


def register() -> None:
    register_templates(ACCOUNT_EMAILS)

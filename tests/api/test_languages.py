"""The API and its notifications in the reader's language, through the real catalogues."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

HEADERS = {"en": "en-US", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "vi": "vi-VN,vi;q=0.9"}


def _register_badly(client, language: str):
    return client.post(
        "/api/v1/auth/register",
        json={"email": "not-an-address", "password": "a long passphrase"},
        headers={"Accept-Language": HEADERS[language]},
    )


@pytest.mark.parametrize(
    ("language", "message", "detail"),
    [
        ("vi", "Một số trường bị thiếu hoặc không hợp lệ.", "Không phải địa chỉ email hợp lệ."),
        ("zh-Hant", "部分欄位缺失或無效。", "不是有效的電子郵件地址。"),
        ("zh-Hans", "部分字段缺失或无效。", "不是有效的电子邮箱地址。"),
        ("en", "Some fields are missing or invalid.", "Not a valid email address."),
    ],
)
def test_register_with_a_malformed_email_answers_in_the_language(client, language, message, detail):
    response = _register_badly(client, language)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_error"
    assert body["message"] == message
    assert body["errors"] == {"json": {"email": [detail]}}


@pytest.mark.parametrize("language", list(HEADERS))
def test_a_422_and_a_404_in_each_language(client, language):
    headers = {"Accept-Language": HEADERS[language]}
    not_found = client.get("/api/v1/posts/ZZ-NOWHERE", headers=headers)
    assert not_found.status_code == 404
    unknown = client.get("/api/v1/no-such-route", headers=headers)
    assert unknown.status_code == 404
    invalid = client.post(
        "/api/v1/auth/register",
        json={"email": "a@example.org", "password": "a long passphrase", "nickname": "x"},
        headers=headers,
    )
    assert invalid.status_code == 422
    english = {
        "post_not_found": "No such post.",
        "not_found": "Not found.",
        "validation_error": "Some fields are missing or invalid.",
    }
    for response in (not_found, unknown, invalid):
        body = response.get_json()
        assert body["message"], body
        assert (body["message"] == english.get(body["error"])) == (language == "en"), body
    detail = invalid.get_json()["errors"]["json"]["nickname"][0]
    assert (detail == "Unknown field.") == (language == "en")


def test_plural_forms_follow_the_count(app):
    from api.errors import message_for

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert message_for("password_too_short", 422, {"min_length": 1}) == (
            "The password must have at least 1 character."
        )
        assert message_for("password_too_short", 422, {"min_length": 12}) == (
            "The password must have at least 12 characters."
        )
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert message_for("password_too_short", 422, {"min_length": 12}) == (
            "Mật khẩu phải có ít nhất 12 ký tự."
        )


def test_a_notification_is_in_its_recipients_language_not_the_requests(app, make):
    from api.errors import message_for
    from services.core.db import unit_of_work
    from services.core.i18n import Money, current_language
    from services.notifications.notifications import notify

    citizen = make.citizen(language="vi")
    start = datetime(2027, 1, 13, 9, 0, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert current_language() == "en"
        with unit_of_work():
            refunded = notify(
                citizen.id,
                "payment",
                "payment_refunded",
                {"number": "FRPAR-2027-000001", "amount": Money(1234500, "VND")},
            )
            booked = notify(
                citizen.id,
                "status_change",
                "appointment_booked",
                {"service": "Hộ chiếu", "post": "Paris", "start": start, "code": "ABCD-EFGH"},
            )
        # The request itself is still in English after rendering for someone else.
        assert current_language() == "en"
        assert message_for("not_found", 404) == "Not found."
    assert refunded.title == "Đã hoàn tiền"
    assert "1.234.500" in refunded.body and "₫" in refunded.body  # Babel's vi money format
    assert refunded.params["amount"] == {"amount_minor": 1234500, "currency": "VND"}
    assert booked.title == "Đã đặt lịch hẹn"
    assert "13 thg 1, 2027 09:00 (UTC+00:00)" in booked.body  # Babel's vi date words
    assert booked.params["start"] == start.isoformat()


def test_a_celery_task_renders_in_the_recipients_language(app, make):
    """Outside any request (a worker), the locale is the recipient's too."""
    from services.core.db import unit_of_work
    from services.core.i18n import Money
    from services.notifications.notifications import notify

    citizen = make.citizen(language="zh-Hant")
    with app.app_context(), unit_of_work():
        notification = notify(
            citizen.id,
            "payment",
            "payment_succeeded",
            {"number": "N-1", "amount": Money(6000, "EUR")},
        )
    assert notification.title == "已收到付款"
    assert "€60.00" in notification.body or "60.00" in notification.body


def test_a_time_is_shown_in_its_own_zone_and_language_however_often_it_is_shown(app):
    """``display`` remembers what it formatted: the same instant in two zones is two wall
    times (aware datetimes of one instant are equal whatever their zones), and one time in
    two languages is two texts."""
    from zoneinfo import ZoneInfo

    from services.core.i18n import display, in_language

    instant = datetime(2027, 1, 13, 9, 0, tzinfo=UTC)
    paris = instant.astimezone(ZoneInfo("Europe/Paris"))
    hanoi = instant.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert paris == hanoi  # one instant
    with app.app_context():
        shown = {}
        for _ in range(2):  # the second round is answered from memory
            for language in ("en", "vi"):
                with in_language(language):
                    shown[language] = (display(paris), display(hanoi))
                    assert display(paris) == shown[language][0]
    assert shown["en"][0] == "Wed, Jan 13, 2027 10:00 (UTC+01:00)"
    assert shown["en"][1] == "Wed, Jan 13, 2027 16:00 (UTC+07:00)"
    assert shown["vi"] == (
        "Thứ 4, 13 thg 1, 2027 10:00 (UTC+01:00)",
        "Thứ 4, 13 thg 1, 2027 16:00 (UTC+07:00)",
    )

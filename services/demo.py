"""The demo catalogue and accounts loaded by ``flask seed-demo``.

Posts span time zones: Paris and New York observe northern daylight saving, Sydney and
Santiago southern; Tokyo (JPY), Hanoi (VND) and Santiago (CLP) have zero-decimal currencies;
Kuwait (KWD) has three decimals. Some posts take mobile payment, some do not.
Running it twice changes nothing.
"""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from services.accounts import accounts
from services.appointments import schedules
from services.catalogue import catalogue
from services.core.db import db, transactional
from services.models import Account, Post, ScheduleTemplate, ServiceType

DEMO_PASSWORD = "demo-passport-2026"  # noqa: S105  (documented demo credential)

SERVICES = [
    {
        "code": "passport_new",
        "processing_days": 15,
        "names": {
            "en": "New passport (first issue)",
            "zh-Hans": "首次申请护照",
            "zh-Hant": "首次申請護照",
            "vi": "Cấp hộ chiếu lần đầu",
        },
        "materials": {
            "en": [
                "Application form",
                "Passport photo",
                "Proof of nationality",
                "Proof of residence",
            ],
            "zh-Hans": ["申请表", "护照照片", "国籍证明", "居留证明"],
            "zh-Hant": ["申請表", "護照照片", "國籍證明", "居留證明"],
            "vi": ["Tờ khai", "Ảnh hộ chiếu", "Giấy tờ chứng minh quốc tịch", "Giấy tờ cư trú"],
        },
    },
    {
        "code": "passport_renewal",
        "processing_days": 10,
        "names": {
            "en": "Passport renewal",
            "zh-Hans": "护照换发",
            "zh-Hant": "護照換發",
            "vi": "Gia hạn / đổi hộ chiếu",
        },
        "materials": {
            "en": ["Application form", "Passport photo", "Current passport"],
            "zh-Hans": ["申请表", "护照照片", "原护照"],
            "zh-Hant": ["申請表", "護照照片", "原護照"],
            "vi": ["Tờ khai", "Ảnh hộ chiếu", "Hộ chiếu hiện tại"],
        },
    },
    {
        "code": "passport_replacement",
        "processing_days": 20,
        "names": {
            "en": "Replacement of a lost or stolen passport",
            "zh-Hans": "护照补发（遗失或被盗）",
            "zh-Hant": "護照補發（遺失或被盜）",
            "vi": "Cấp lại hộ chiếu bị mất hoặc bị đánh cắp",
        },
        "materials": {
            "en": ["Application form", "Passport photo", "Police report of loss or theft"],
            "zh-Hans": ["申请表", "护照照片", "遗失或被盗报案证明"],
            "zh-Hant": ["申請表", "護照照片", "遺失或被盜報案證明"],
            "vi": ["Tờ khai", "Ảnh hộ chiếu", "Biên bản trình báo mất hoặc bị trộm"],
        },
    },
    {
        "code": "travel_document",
        "processing_days": 3,
        "names": {
            "en": "Emergency travel document",
            "zh-Hans": "旅行证",
            "zh-Hant": "旅行證",
            "vi": "Giấy thông hành khẩn cấp",
        },
        "materials": {
            "en": ["Application form", "Passport photo", "Proof of travel"],
            "zh-Hans": ["申请表", "护照照片", "行程证明"],
            "zh-Hant": ["申請表", "護照照片", "行程證明"],
            "vi": ["Tờ khai", "Ảnh hộ chiếu", "Giấy tờ chứng minh chuyến đi"],
        },
    },
]


def _names(en: str, hans: str, hant: str, vi: str) -> dict[str, str]:
    return {"en": en, "zh-Hans": hans, "zh-Hant": hant, "vi": vi}


# (post, fees per service code as decimal strings in the post's currency)
POSTS = [
    (
        {
            "code": "FR-PAR",
            "kind": "embassy",
            "names": _names(
                "Embassy in Paris", "驻法国大使馆", "駐法國大使館", "Đại sứ quán tại Paris"
            ),
            "country": "FR",
            "city": "Paris",
            "time_zone": "Europe/Paris",
            "address": "11 Avenue George V, 75008 Paris",
            "phone": "+33147236000",
            "currency": "EUR",
            "mobile_payment_enabled": True,
            "walk_in_applications": True,
        },
        {
            "passport_new": "60.00",
            "passport_renewal": "45.00",
            "passport_replacement": "75.50",
            "travel_document": "25.00",
        },
    ),
    (
        {
            "code": "AU-SYD",
            "kind": "consulate",
            "names": _names(
                "Consulate-General in Sydney",
                "驻悉尼总领事馆",
                "駐悉尼總領事館",
                "Tổng lãnh sự quán tại Sydney",
            ),
            "country": "AU",
            "city": "Sydney",
            "time_zone": "Australia/Sydney",
            "address": "39 Dunblane Street, Camperdown NSW 2050",
            "phone": "+61285958000",
            "currency": "AUD",
            "mobile_payment_enabled": True,
        },
        {
            "passport_new": "95.00",
            "passport_renewal": "80.00",
            "passport_replacement": "120.00",
            "travel_document": "40.00",
        },
    ),
    (
        {
            "code": "JP-TYO",
            "kind": "embassy",
            "names": _names(
                "Embassy in Tokyo", "驻日本大使馆", "駐日本大使館", "Đại sứ quán tại Tokyo"
            ),
            "country": "JP",
            "city": "Tokyo",
            "time_zone": "Asia/Tokyo",
            "address": "3-4-33 Moto-Azabu, Minato-ku, Tokyo",
            "phone": "+81334033388",
            "currency": "JPY",
            "mobile_payment_enabled": True,
        },
        {
            "passport_new": "8000",
            "passport_renewal": "6500",
            "passport_replacement": "10000",
            "travel_document": "3000",
        },
    ),
    (
        {
            "code": "VN-HAN",
            "kind": "embassy",
            "names": _names(
                "Embassy in Hanoi", "驻越南大使馆", "駐越南大使館", "Đại sứ quán tại Hà Nội"
            ),
            "country": "VN",
            "city": "Hà Nội",
            "time_zone": "Asia/Ho_Chi_Minh",
            "address": "46 Hoàng Diệu, Ba Đình, Hà Nội",
            "phone": "+842438453736",
            "currency": "VND",
            "mobile_payment_enabled": False,
        },
        {
            "passport_new": "1200000",
            "passport_renewal": "950000",
            "passport_replacement": "1500000",
            "travel_document": "500000",
        },
    ),
    (
        {
            "code": "KW-KWI",
            "kind": "embassy",
            "names": _names(
                "Embassy in Kuwait", "驻科威特大使馆", "駐科威特大使館", "Đại sứ quán tại Kuwait"
            ),
            "country": "KW",
            "city": "Kuwait City",
            "time_zone": "Asia/Kuwait",
            "address": "Block 5, Street 14, Sha'ab, Kuwait City",
            "phone": "+96522333888",
            "currency": "KWD",
            "mobile_payment_enabled": False,
            "weekend_days": [5, 6],  # Friday and Saturday
            "walk_in_applications": True,
        },
        {
            "passport_new": "18.500",
            "passport_renewal": "14.250",
            "passport_replacement": "22.750",
            "travel_document": "7.125",
        },
    ),
    (
        {
            "code": "US-NYC",
            "kind": "consulate",
            "names": _names(
                "Consulate-General in New York",
                "驻纽约总领事馆",
                "駐紐約總領事館",
                "Tổng lãnh sự quán tại New York",
            ),
            "country": "US",
            "city": "New York",
            "time_zone": "America/New_York",
            "address": "520 12th Avenue, New York, NY 10036",
            "phone": "+12122449392",
            "currency": "USD",
            "mobile_payment_enabled": True,
        },
        {
            "passport_new": "70.00",
            "passport_renewal": "55.00",
            "passport_replacement": "90.00",
            "travel_document": "30.00",
        },
    ),
    (
        {
            "code": "CL-SCL",
            "kind": "embassy",
            "names": _names(
                "Embassy in Santiago", "驻智利大使馆", "駐智利大使館", "Đại sứ quán tại Santiago"
            ),
            "country": "CL",
            "city": "Santiago",
            "time_zone": "America/Santiago",
            "address": "Avenida Pedro de Valdivia 550, Providencia, Santiago",
            "phone": "+56222339880",
            "currency": "CLP",
            "mobile_payment_enabled": False,
        },
        {
            "passport_new": "55000",
            "passport_renewal": "42000",
            "passport_replacement": "68000",
            "travel_document": "20000",
        },
    ),
    (
        {
            "code": "CN-SZX",
            "kind": "office",
            "names": _names(
                "Exit-Entry Administration Office, Shenzhen",
                "深圳出入境管理局",
                "深圳出入境管理局",
                "Phòng Quản lý Xuất nhập cảnh Thâm Quyến",
            ),
            "country": "CN",
            "city": "Shenzhen",
            "time_zone": "Asia/Shanghai",
            "address": "4016 Jiefang Road, Luohu District, Shenzhen",
            "phone": "+8675584465490",
            "currency": "CNY",
            "mobile_payment_enabled": True,
        },
        {
            "passport_new": "120.00",
            "passport_renewal": "120.00",
            "passport_replacement": "120.00",
            "travel_document": "50.00",
        },
    ),
]

DEMO_ACCOUNTS = [
    # (email, role, posts)
    ("admin@demo.palm", "admin", []),
    ("officer.paris@demo.palm", "officer", ["FR-PAR"]),
    ("officer.sydney@demo.palm", "officer", ["AU-SYD"]),
    ("officer.tokyo@demo.palm", "officer", ["JP-TYO"]),
]
DEMO_CITIZENS = ["citizen@demo.palm", "traveller@demo.palm"]


@transactional
def seed_demo() -> dict[str, int]:
    """Load the demo catalogue and accounts; existing rows are left as they are."""
    created = {"posts": 0, "services": 0, "fees": 0, "accounts": 0}
    for service in SERVICES:
        if (
            db.session.scalar(select(ServiceType.id).where(ServiceType.code == service["code"]))
            is None
        ):
            catalogue.create_service_type(None, service)
            created["services"] += 1
    for post, fees in POSTS:
        if db.session.scalar(select(Post.id).where(Post.code == post["code"])) is None:
            catalogue.create_post(None, post)
            created["posts"] += 1
            for service_code, amount in fees.items():
                catalogue.set_fee(None, post["code"], service_code, amount)
                created["fees"] += 1
    for email, role, post_codes in DEMO_ACCOUNTS:
        if db.session.scalar(select(Account.id).where(Account.email == email)) is None:
            accounts.create_staff(
                email=email, password=DEMO_PASSWORD, role=role, post_codes=post_codes
            )
            created["accounts"] += 1
    for email in DEMO_CITIZENS:
        if db.session.scalar(select(Account.id).where(Account.email == email)) is None:
            accounts.register_citizen(
                email=email, phone=None, password=DEMO_PASSWORD, email_verified=True
            )
            created["accounts"] += 1
    created["schedule_templates"] = _seed_schedules()
    return created


def _seed_schedules() -> int:
    """Opening hours for every demo post without any: its working days, 09:00-12:00 local,
    15-minute slots, two counters, every service (slots follow for the booking window)."""
    admin = db.session.scalar(select(Account).where(Account.email == "admin@demo.palm"))
    count = 0
    for post_data, fees in POSTS:
        post = db.session.scalar(select(Post).where(Post.code == post_data["code"]))
        if db.session.scalar(
            select(ScheduleTemplate.id).where(ScheduleTemplate.post_id == post.id)
        ):
            continue
        weekend = set(post.weekend_days or [6, 7])
        for weekday in range(7):  # 0 = Monday
            if weekday + 1 in weekend:
                continue
            schedules.create_template(
                admin,
                post.code,
                {
                    "weekday": weekday,
                    "opens_at": time(9),
                    "closes_at": time(12),
                    "slot_minutes": 15,
                    "capacity": 2,
                    "valid_from": None,
                    "valid_until": None,
                    "services": sorted(fees),
                },
            )
            count += 1
    return count

"""Port step: four-language dicts of another tree -> gettext catalogues and code marks.

Issue 18 replaced the Python dictionaries that held the API's texts (``api/messages.py``,
the notification templates of ``services/*/texts.py`` and ``services/appointments/notices.py``,
``CHECK_MESSAGES`` of ``services/documents/checks.py``) by gettext catalogues under
``translations/`` and marks in the code (``error_text``, ``C_``, ``N_``; see ``babel.cfg``).
Branches written before that still add their texts to the dictionaries. This script reads
the dictionaries of such a tree (as they are on main before issue 18) and brings what is new
into this tree: the messages into the catalogues (all four languages), the English marks
into the domains' ``texts.py`` (see ``scripts/i18n_merge.py``). It also keeps the
English-only validation messages (``VALIDATION_TEXTS`` below, translated for the migration).

Usage, from the repository root::

    .venv/bin/python scripts/i18n_from_dicts.py --source ../wt-other-branch --check
    .venv/bin/python scripts/i18n_from_dicts.py --source ../wt-other-branch

Running it twice adds nothing the second time. Afterwards the usual ``pybabel extract /
update / compile`` cycle (``scripts/i18n.sh``) applies.

How messages are keyed (the catalogue's contract with the code that will read it):

- error messages: ``msgctxt`` = the stable error code (``slot_full``), ``msgid`` = the English
  text. ``pgettext(code, english)`` is an ordinary gettext call that ``pybabel extract``
  understands, the English default stays in the code beside the error, a missing translation
  falls back to English by gettext's own rule, and two codes that share an English sentence
  stay two entries. Messages whose number counts something are plural entries
  (``npgettext(code, singular, plural, n)``), ``PLURAL_ERRORS`` says which parameter is ``n``.
- notification templates: ``msgctxt`` = ``notification.<template>.title`` / ``.body``. The
  twelve ``application_<state>`` templates, which differed only by the state's name baked into
  the body, become one ``notification.application_state_changed`` title and body with a
  ``%(state)s`` placeholder, and the state names become ``application_state.<state>``.
- document checks: ``msgctxt`` = ``document_check.<code>``.
- validation messages (field details of a 422): no ``msgctxt``, ``msgid`` = the English text,
  exactly as marshmallow / webargs / our schemas produce it, so that the error handler can map
  each English detail to its translation (``api/validation.py``).

Placeholders: python-format everywhere (``%(name)s``, Babel's ``python_format`` checker and
``pybabel compile`` verify them; Flask-Babel's ``gettext(s, **params)`` formats with ``%``).
The dictionaries' ``str.format`` fields ``{name}`` are converted, and a literal ``%`` becomes
``%%``. marshmallow's own ``{min}``-style templates get the same conversion.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import string
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import i18n_merge
from i18n_merge import port

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
DOMAIN = "messages"

# The API's language tags and the gettext locale directories they map to.
LOCALES = {"en": "en", "zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "vi": "vi"}
LANGUAGES = tuple(LOCALES)

# Where the dictionaries live in a tree that still has them: the domain packages (main
# before issue 18), or the flat layout before them (older branches).
LAYOUTS = (
    {
        "errors": "api.messages",  # MESSAGES
        "checks": "services.documents.checks",  # CHECK_MESSAGES
        "application": "services.applications.texts",  # STATE_NAMES, _TITLES, _BODIES
        "templates": "services.notifications.templates",  # TEMPLATES
        # their register() (or, in the flat layout, their import) makes their templates known
        "template_modules": (
            "services.applications.texts",
            "services.payments.texts",
            "services.appointments.notices",
            "services.releases.notices",
        ),
    },
    {
        "errors": "api.messages",
        "checks": "services.document_checks",
        "application": "services.application_texts",
        "templates": "services.notification_templates",
        "template_modules": (
            "services.application_texts",
            "services.payment_texts",
            "services.appointment_notices",
        ),
    },
)

APPLICATION_TEMPLATE = "application_state_changed"

# Error messages whose number counts something: code -> (the parameter that is ``n``, the
# English singular). The dictionary's English text becomes the plural form; Chinese and
# Vietnamese have one form (Plural-Forms: nplurals=1), so their text is used as it is.
PLURAL_ERRORS: dict[str, tuple[str, str]] = {
    "password_too_short": (
        "min_length",
        "The password must have at least {min_length} character.",
    ),
    "import_rows_invalid": (
        "count",
        "{count} row is invalid, so nothing was imported. The problem is listed with its line.",
    ),
    "import_too_many_rows": (
        "max_rows",
        "The file has more than {max_rows} row. Split it into smaller files.",
    ),
    "trip_too_long": (
        "max_days",
        "A trip can last at most {max_days} day; follow the country instead.",
    ),
    "too_many_trips": (
        "max_trips",
        "You can have at most {max_trips} current or upcoming trip.",
    ),
    "too_many_follows": (
        "max_follows",
        "You can follow at most {max_follows} country.",
    ),
    "alert_expiry_invalid": (
        "max_days",
        "The expiry must be in the future and at most {max_days} day ahead.",
    ),
    "date_range_too_long": (
        "max_days",
        "The period is too long: at most {max_days} day.",
    ),
    "appointment_limit_reached": (
        "limit",
        "You already have {limit} active appointment, the most allowed.",
    ),
    "change_cutoff_passed": (
        "hours",
        "Appointments can be changed or cancelled until {hours} hour before they start.",
    ),
    "document_limit_reached": (
        "limit",
        "This applicant already has {limit} document. Delete it before adding another.",
    ),
}


@dataclass(frozen=True)
class Text:
    """One English-only text and its translations, written for this migration."""

    en: str
    zh_hans: str
    zh_hant: str
    vi: str
    origin: str  # where the English comes from, shown to translators

    def by_language(self) -> dict[str, str]:
        return {"en": self.en, "zh-Hans": self.zh_hans, "zh-Hant": self.zh_hant, "vi": self.vi}


# Field-level validation messages, in python-format. The English must be exactly what the
# code emits once its ``{name}`` fields are converted: the error handler looks them up by it.
VALIDATION_TEXTS: tuple[Text, ...] = (
    # --- our schemas (schemas/*.py) ---------------------------------------------------------
    Text(
        "Give the token, or the email and the code.",
        "请提供令牌，或提供电子邮件地址和验证码。",
        "請提供權杖，或提供電子郵件地址和驗證碼。",
        "Hãy cung cấp mã thông báo, hoặc địa chỉ email và mã số.",
        "schemas/account_lifecycle.py",
    ),
    Text(
        "Six digits.",
        "须为六位数字。",
        "須為六位數字。",
        "Sáu chữ số.",
        "schemas/account_lifecycle.py",
    ),
    Text(
        "Must be a day between 2000 and 2100.",
        "必须是 2000 年至 2100 年之间的日期。",
        "必須是 2000 年至 2100 年之間的日期。",
        "Phải là một ngày trong khoảng từ năm 2000 đến năm 2100.",
        "schemas/releases.py",
    ),
    Text(
        "Contains characters that are not allowed.",
        "包含不允许的字符。",
        "包含不允許的字元。",
        "Chứa ký tự không được phép.",
        "schemas/common.py",
    ),
    Text(
        "Not an IANA time zone.",
        "不是有效的 IANA 时区。",
        "不是有效的 IANA 時區。",
        "Không phải múi giờ IANA hợp lệ.",
        "schemas/common.py",
    ),
    Text(
        "Not an ISO 3166-1 alpha-2 country code.",
        "不是有效的 ISO 3166-1 alpha-2 国家代码。",
        "不是有效的 ISO 3166-1 alpha-2 國家代碼。",
        "Không phải mã quốc gia ISO 3166-1 alpha-2 hợp lệ.",
        "schemas/common.py, services/legalization_rules.py",
    ),
    Text(
        "Not an ISO 4217 currency code.",
        "不是有效的 ISO 4217 货币代码。",
        "不是有效的 ISO 4217 貨幣代碼。",
        "Không phải mã tiền tệ ISO 4217 hợp lệ.",
        "schemas/common.py",
    ),
    Text(
        "Use Latin letters only.",
        "请仅使用拉丁字母。",
        "請僅使用拉丁字母。",
        "Chỉ dùng chữ cái Latinh.",
        "schemas/common.py (names as printed in the passport)",
    ),
    Text(
        "The date of birth is in the future.",
        "出生日期不能是未来的日期。",
        "出生日期不能是未來的日期。",
        "Ngày sinh không được ở trong tương lai.",
        "schemas/common.py",
    ),
    Text(
        "The date of birth is too far in the past.",
        "出生日期过早。",
        "出生日期過早。",
        "Ngày sinh quá xa trong quá khứ.",
        "schemas/common.py (before 1900)",
    ),
    Text(
        "An English text is required.",
        "必须提供英文文本。",
        "必須提供英文文字。",
        "Bắt buộc phải có nội dung tiếng Anh.",
        "schemas/common.py (multilingual texts entered by staff)",
    ),
    Text(
        "Give an email or a phone number.",
        "请提供邮箱或手机号。",
        "請提供電子郵件或手機號碼。",
        "Hãy cung cấp email hoặc số điện thoại.",
        "schemas/accounts.py",
    ),
    Text(
        "The trip ends before it starts.",
        "行程结束日期早于开始日期。",
        "行程結束日期早於開始日期。",
        "Ngày kết thúc chuyến đi trước ngày bắt đầu.",
        "schemas/trips.py",
    ),
    Text(
        "5 to 20 capital letters or digits.",
        "须为 5 到 20 个大写字母或数字。",
        "須為 5 到 20 個大寫字母或數字。",
        "Gồm 5 đến 20 chữ cái in hoa hoặc chữ số.",
        "schemas/applicants.py (passport number)",
    ),
    Text(
        "A list of 1 to 20 service codes.",
        "须为包含 1 到 20 个服务代码的列表。",
        "須為包含 1 到 20 個服務代碼的清單。",
        "Phải là danh sách gồm 1 đến 20 mã dịch vụ.",
        "schemas/schedules.py",
    ),
    Text(
        "Must be after opens_at.",
        "必须晚于 opens_at。",
        "必須晚於 opens_at。",
        "Phải sau opens_at.",
        "schemas/schedules.py (opens_at is a field name: keep it)",
    ),
    Text(
        "Give first_day (and last_day), or starts_at and ends_at.",
        "请提供 first_day（及 last_day），或 starts_at 和 ends_at。",
        "請提供 first_day（及 last_day），或 starts_at 和 ends_at。",
        "Hãy cung cấp first_day (và last_day), hoặc starts_at và ends_at.",
        "schemas/schedules.py (field names: keep them)",
    ),
    Text(
        "Give both starts_at and ends_at.",
        "请同时提供 starts_at 和 ends_at。",
        "請同時提供 starts_at 和 ends_at。",
        "Hãy cung cấp cả starts_at và ends_at.",
        "schemas/schedules.py (field names: keep them)",
    ),
    Text(
        "last_day goes with first_day.",
        "last_day 须与 first_day 一起提供。",
        "last_day 須與 first_day 一起提供。",
        "last_day phải đi kèm first_day.",
        "schemas/schedules.py (field names: keep them)",
    ),
    Text(
        "Give either token or code.",
        "请提供 token 或 code 其中之一。",
        "請提供 token 或 code 其中之一。",
        "Hãy cung cấp token hoặc code (một trong hai).",
        "schemas/schedules.py (field names: keep them)",
    ),
    Text(
        "Not an FCM registration token.",
        "不是有效的 FCM 注册令牌。",
        "不是有效的 FCM 註冊權杖。",
        "Không phải mã đăng ký FCM hợp lệ.",
        "schemas/notifications.py",
    ),
    Text(
        "Give quiet_start and quiet_end together.",
        "quiet_start 和 quiet_end 须同时提供。",
        "quiet_start 和 quiet_end 須同時提供。",
        "Hãy cung cấp quiet_start và quiet_end cùng nhau.",
        "schemas/notifications.py (field names: keep them)",
    ),
    Text(
        "Give both times, or null for both.",
        "请同时提供两个时间，或两者都设为 null。",
        "請同時提供兩個時間，或兩者皆設為 null。",
        "Hãy cung cấp cả hai thời điểm, hoặc null cho cả hai.",
        "schemas/notifications.py (quiet hours)",
    ),
    Text(
        "A decimal amount, e.g. 12.500.",
        "须为十进制金额，例如 12.500。",
        "須為十進位金額，例如 12.500。",
        "Phải là số tiền dạng thập phân, ví dụ 12.500.",
        "schemas/catalogue.py",
    ),
    Text(
        "The all-clear needs its own text.",
        "解除警报通知需要单独的文本。",
        "解除警報通知需要單獨的文字。",
        "Thông báo hết nguy hiểm cần có nội dung riêng.",
        "schemas/alerts.py (the all-clear ends a safety alert)",
    ),
    Text(
        "Give latitude and longitude together.",
        "纬度和经度须同时提供。",
        "緯度和經度須同時提供。",
        "Hãy cung cấp vĩ độ và kinh độ cùng nhau.",
        "schemas/alerts.py",
    ),
    # --- field-level messages of services (documents, legalizations) ------------------------
    Text(
        "Unknown kind.",
        "未知的文件类别。",
        "未知的文件類別。",
        "Loại tài liệu không xác định.",
        "services/documents.py (kind of document)",
    ),
    Text(
        "A {kind} must be one of: {allowed}.",
        "%(kind)s 的文件类型须为以下之一：%(allowed)s。",
        "%(kind)s 的檔案類型須為以下之一：%(allowed)s。",
        "Tệp %(kind)s phải thuộc một trong các loại: %(allowed)s.",
        "services/documents.py (kind: a document kind code; allowed: content types)",
    ),
    Text(
        "A {kind} must be {min_size} to {max_size} bytes.",
        "%(kind)s 的大小须为 %(min_size)s 到 %(max_size)s 字节。",
        "%(kind)s 的大小須為 %(min_size)s 到 %(max_size)s 位元組。",
        "Tệp %(kind)s phải có kích thước từ %(min_size)s đến %(max_size)s byte.",
        "services/documents.py (kind: a document kind code)",
    ),
    Text(
        "This number is required.",
        "此编号为必填项。",
        "此編號為必填項。",
        "Số này là bắt buộc.",
        "services/legalization_rules.py (legalization numbers)",
    ),
    Text(
        "Control characters are not allowed.",
        "不允许使用控制字符。",
        "不允許使用控制字元。",
        "Không được dùng ký tự điều khiển.",
        "services/legalization_rules.py",
    ),
    Text(
        "At most {max} characters.",
        "最多 %(max)s 个字符。",
        "最多 %(max)s 個字元。",
        "Tối đa %(max)s ký tự.",
        "services/legalization_rules.py",
    ),
    Text(
        "This field is required.",
        "此字段为必填项。",
        "此欄位為必填項。",
        "Trường này là bắt buộc.",
        "services/legalization_rules.py",
    ),
    Text(
        "A date written YYYY-MM-DD is required.",
        "须填写 YYYY-MM-DD 格式的日期。",
        "須填寫 YYYY-MM-DD 格式的日期。",
        "Bắt buộc phải có ngày theo định dạng YYYY-MM-DD.",
        "services/legalization_rules.py",
    ),
    Text(
        "The date is in the future.",
        "日期不能是未来的日期。",
        "日期不能是未來的日期。",
        "Ngày không được ở trong tương lai.",
        "services/legalization_rules.py",
    ),
    Text(
        "The date is before 1900.",
        "日期早于 1900 年。",
        "日期早於 1900 年。",
        "Ngày trước năm 1900.",
        "services/legalization_rules.py",
    ),
    Text(
        "Expected {expected} columns, found {found}.",
        "应有 %(expected)s 列，实际为 %(found)s 列。",
        "應有 %(expected)s 欄，實際為 %(found)s 欄。",
        "Cần %(expected)s cột, nhưng có %(found)s cột.",
        "services/legalization_import.py (CSV import, one line)",
    ),
    Text(
        "The same three numbers are already on line {line}.",
        "相同的三个编号已出现在第 %(line)s 行。",
        "相同的三個編號已出現在第 %(line)s 列。",
        "Ba số này đã có ở dòng %(line)s.",
        "services/legalization_import.py (CSV import)",
    ),
    Text(
        "A record with these numbers exists at another post.",
        "具有这些编号的记录已存在于其他使领馆。",
        "具有這些編號的記錄已存在於其他使領館。",
        "Đã có bản ghi với các số này tại một cơ quan đại diện khác.",
        "services/legalization_import.py (CSV import)",
    ),
    Text(
        "A record with these numbers exists with different {fields}.",
        "具有这些编号的记录已存在，但以下字段不同：%(fields)s。",
        "具有這些編號的記錄已存在，但以下欄位不同：%(fields)s。",
        "Đã có bản ghi với các số này nhưng khác ở: %(fields)s.",
        "services/legalization_import.py (fields: field names, comma-separated)",
    ),
    # --- webargs -------------------------------------------------------------------------------
    Text(
        "A JSON body is required.",
        "请求须包含 JSON 内容。",
        "請求須包含 JSON 內容。",
        "Yêu cầu phải có nội dung JSON.",
        "api/__init__.py (a POST, PUT or PATCH without a body)",
    ),
    Text(
        "Invalid JSON body.",
        "JSON 请求内容无效。",
        "JSON 請求內容無效。",
        "Nội dung JSON không hợp lệ.",
        "webargs (flaskparser)",
    ),
    # --- marshmallow: Schema, Field ------------------------------------------------------------
    Text(
        "Invalid input type.",
        "输入类型无效。",
        "輸入類型無效。",
        "Kiểu dữ liệu đầu vào không hợp lệ.",
        "marshmallow Schema (type)",
    ),
    Text(
        "Unknown field.",
        "未知字段。",
        "未知欄位。",
        "Trường không xác định.",
        "marshmallow Schema (unknown)",
    ),
    Text(
        "Missing data for required field.",
        "缺少必填字段。",
        "缺少必填欄位。",
        "Thiếu dữ liệu cho trường bắt buộc.",
        "marshmallow Field (required)",
    ),
    Text(
        "Field may not be null.",
        "该字段不能为 null。",
        "該欄位不可為 null。",
        "Trường này không được là null.",
        "marshmallow Field (null)",
    ),
    Text(
        "Invalid value.",
        "值无效。",
        "值無效。",
        "Giá trị không hợp lệ.",
        "marshmallow Field (validator_failed), webargs",
    ),
    Text(
        "Invalid type.",
        "类型无效。",
        "類型無效。",
        "Kiểu không hợp lệ.",
        "marshmallow Nested (type)",
    ),
    Text(
        "Not a valid list.",
        "不是有效的列表。",
        "不是有效的清單。",
        "Không phải danh sách hợp lệ.",
        "marshmallow List",
    ),
    Text(
        "Not a valid mapping type.",
        "不是有效的映射类型（JSON 对象）。",
        "不是有效的映射類型（JSON 物件）。",
        "Không phải kiểu ánh xạ (đối tượng JSON) hợp lệ.",
        "marshmallow Dict / Mapping",
    ),
    Text(
        "Not a valid string.",
        "不是有效的字符串。",
        "不是有效的字串。",
        "Không phải chuỗi hợp lệ.",
        "marshmallow String",
    ),
    Text(
        "Not a valid utf-8 string.",
        "不是有效的 UTF-8 字符串。",
        "不是有效的 UTF-8 字串。",
        "Không phải chuỗi UTF-8 hợp lệ.",
        "marshmallow String",
    ),
    Text(
        "Not a valid integer.",
        "不是有效的整数。",
        "不是有效的整數。",
        "Không phải số nguyên hợp lệ.",
        "marshmallow Integer",
    ),
    Text(
        "Not a valid number.",
        "不是有效的数字。",
        "不是有效的數字。",
        "Không phải số hợp lệ.",
        "marshmallow Number / Float",
    ),
    Text(
        "Number too large.",
        "数字过大。",
        "數字過大。",
        "Số quá lớn.",
        "marshmallow Number",
    ),
    Text(
        "Special numeric values (nan or infinity) are not permitted.",
        "不允许使用特殊数值（nan 或 infinity）。",
        "不允許使用特殊數值（nan 或 infinity）。",
        "Không cho phép các giá trị số đặc biệt (nan hoặc infinity).",
        "marshmallow Float",
    ),
    Text(
        "Not a valid boolean.",
        "不是有效的布尔值。",
        "不是有效的布林值。",
        "Không phải giá trị boolean hợp lệ.",
        "marshmallow Boolean",
    ),
    Text(
        "Not a valid email address.",
        "不是有效的电子邮箱地址。",
        "不是有效的電子郵件地址。",
        "Không phải địa chỉ email hợp lệ.",
        "marshmallow Email",
    ),
    Text(
        "Not a valid datetime.",
        "不是有效的日期时间。",
        "不是有效的日期時間。",
        "Không phải ngày giờ hợp lệ.",
        "marshmallow DateTime",
    ),
    Text(
        "Not a valid aware datetime.",
        "不是有效的带时区的日期时间。",
        "不是有效的帶時區的日期時間。",
        "Không phải ngày giờ có múi giờ hợp lệ.",
        "marshmallow AwareDateTime (an offset is required)",
    ),
    Text(
        "Not a valid naive datetime.",
        "不是有效的不带时区的日期时间。",
        "不是有效的不帶時區的日期時間。",
        "Không phải ngày giờ không kèm múi giờ hợp lệ.",
        "marshmallow NaiveDateTime (no offset allowed)",
    ),
    Text(
        "Not a valid date.",
        "不是有效的日期。",
        "不是有效的日期。",
        "Không phải ngày hợp lệ.",
        "marshmallow Date",
    ),
    Text(
        "Not a valid time.",
        "不是有效的时间。",
        "不是有效的時間。",
        "Không phải giờ hợp lệ.",
        "marshmallow Time",
    ),
    Text(
        '"{input}" cannot be formatted as a datetime.',
        "无法将“%(input)s”转换为日期时间。",
        "無法將「%(input)s」轉換為日期時間。",
        'Không thể chuyển "%(input)s" thành ngày giờ.',
        "marshmallow DateTime (input: the value sent)",
    ),
    Text(
        '"{input}" cannot be formatted as a date.',
        "无法将“%(input)s”转换为日期。",
        "無法將「%(input)s」轉換為日期。",
        'Không thể chuyển "%(input)s" thành ngày.',
        "marshmallow Date (input: the value sent)",
    ),
    Text(
        '"{input}" cannot be formatted as a time.',
        "无法将“%(input)s”转换为时间。",
        "無法將「%(input)s」轉換為時間。",
        'Không thể chuyển "%(input)s" thành giờ.',
        "marshmallow Time (input: the value sent)",
    ),
    # --- marshmallow validators --------------------------------------------------------------
    Text(
        "Must be one of: {choices}.",
        "必须是以下之一：%(choices)s。",
        "必須是以下之一：%(choices)s。",
        "Phải là một trong các giá trị: %(choices)s.",
        "marshmallow OneOf / Enum (choices: the allowed codes, comma-separated)",
    ),
    Text(
        "String does not match expected pattern.",
        "字符串格式不符合要求。",
        "字串格式不符合要求。",
        "Chuỗi không khớp với mẫu yêu cầu.",
        "marshmallow Regexp",
    ),
    Text(
        "Shorter than minimum length {min}.",
        "长度不能少于 %(min)s。",
        "長度不能少於 %(min)s。",
        "Ngắn hơn độ dài tối thiểu %(min)s.",
        "marshmallow Length",
    ),
    Text(
        "Longer than maximum length {max}.",
        "长度不能超过 %(max)s。",
        "長度不能超過 %(max)s。",
        "Dài hơn độ dài tối đa %(max)s.",
        "marshmallow Length",
    ),
    Text(
        "Length must be between {min} and {max}.",
        "长度须在 %(min)s 到 %(max)s 之间。",
        "長度須在 %(min)s 到 %(max)s 之間。",
        "Độ dài phải nằm trong khoảng từ %(min)s đến %(max)s.",
        "marshmallow Length",
    ),
    Text(
        "Length must be {equal}.",
        "长度须为 %(equal)s。",
        "長度須為 %(equal)s。",
        "Độ dài phải bằng %(equal)s.",
        "marshmallow Length",
    ),
    Text(
        "Must be greater than or equal to {min}.",
        "必须大于或等于 %(min)s。",
        "必須大於或等於 %(min)s。",
        "Phải lớn hơn hoặc bằng %(min)s.",
        "marshmallow Range",
    ),
    Text(
        "Must be greater than {min}.",
        "必须大于 %(min)s。",
        "必須大於 %(min)s。",
        "Phải lớn hơn %(min)s.",
        "marshmallow Range",
    ),
    Text(
        "Must be less than or equal to {max}.",
        "必须小于或等于 %(max)s。",
        "必須小於或等於 %(max)s。",
        "Phải nhỏ hơn hoặc bằng %(max)s.",
        "marshmallow Range",
    ),
    Text(
        "Must be less than {max}.",
        "必须小于 %(max)s。",
        "必須小於 %(max)s。",
        "Phải nhỏ hơn %(max)s.",
        "marshmallow Range",
    ),
    Text(
        "Must be greater than or equal to {min} and less than or equal to {max}.",
        "必须大于或等于 %(min)s 且小于或等于 %(max)s。",
        "必須大於或等於 %(min)s 且小於或等於 %(max)s。",
        "Phải lớn hơn hoặc bằng %(min)s và nhỏ hơn hoặc bằng %(max)s.",
        "marshmallow Range",
    ),
    Text(
        "Must be greater than {min} and less than or equal to {max}.",
        "必须大于 %(min)s 且小于或等于 %(max)s。",
        "必須大於 %(min)s 且小於或等於 %(max)s。",
        "Phải lớn hơn %(min)s và nhỏ hơn hoặc bằng %(max)s.",
        "marshmallow Range",
    ),
    Text(
        "Must be greater than or equal to {min} and less than {max}.",
        "必须大于或等于 %(min)s 且小于 %(max)s。",
        "必須大於或等於 %(min)s 且小於 %(max)s。",
        "Phải lớn hơn hoặc bằng %(min)s và nhỏ hơn %(max)s.",
        "marshmallow Range",
    ),
    Text(
        "Must be greater than {min} and less than {max}.",
        "必须大于 %(min)s 且小于 %(max)s。",
        "必須大於 %(min)s 且小於 %(max)s。",
        "Phải lớn hơn %(min)s và nhỏ hơn %(max)s.",
        "marshmallow Range",
    ),
)


# --- placeholders --------------------------------------------------------------------------


def to_python_format(text: str) -> str:
    """``str.format`` text -> python-format: ``{name}`` -> ``%(name)s``, ``%`` -> ``%%``.

    Only plain named fields are accepted: a positional field, a conversion or a format spec
    would not survive the conversion unnoticed, so they stop the script.
    """
    out: list[str] = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        out.append(literal.replace("%", "%%"))
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"cannot convert the field {{{name}}} of {text!r}")
        out.append(f"%({name})s")
    return "".join(out)


def is_python_format(text: str) -> bool:
    """True when ``text`` is already python-format (a hand-written translation above)."""
    return "%(" in text


def converted(text: str) -> str:
    return text if is_python_format(text) else to_python_format(text)


# --- entries -------------------------------------------------------------------------------


@dataclass
class Entry:
    """One catalogue message: its key, its English source and the four texts."""

    context: str | None
    msgid: str | tuple[str, str]
    texts: dict[str, str | tuple[str, ...]]  # language -> msgstr (a tuple for plurals)
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.context, self.msgid if isinstance(self.msgid, str) else self.msgid[0]


def _four(texts: Mapping[str, str], what: str) -> dict[str, str]:
    missing = [language for language in LANGUAGES if not texts.get(language)]
    if missing:
        raise ValueError(f"{what}: no text in {', '.join(missing)}")
    return {language: converted(texts[language]) for language in LANGUAGES}


def error_entries(messages: Mapping[str, Mapping[str, str]]) -> list[Entry]:
    entries = []
    for code, texts in messages.items():
        four = _four(texts, f"error {code}")
        if code in PLURAL_ERRORS:
            param, singular = PLURAL_ERRORS[code]
            singular, plural = to_python_format(singular), four["en"]
            if f"%({param})s" not in singular or f"%({param})s" not in plural:
                raise ValueError(f"error {code}: the count %({param})s is not in both forms")
            entries.append(
                Entry(
                    code,
                    (singular, plural),
                    {
                        "en": (singular, plural),
                        **{lang: (four[lang],) for lang in LANGUAGES if lang != "en"},
                    },
                    [f"Plural: n is %({param})s."],
                )
            )
        else:
            entries.append(Entry(code, four["en"], dict(four)))
    return entries


def document_check_entries(checks: Mapping[str, Mapping[str, str]]) -> list[Entry]:
    entries = []
    for code, texts in checks.items():
        four = _four(texts, f"document check {code}")
        entries.append(
            Entry(
                f"document_check.{code}",
                four["en"],
                dict(four),
                ["Why an uploaded document was refused; shown to the applicant."],
            )
        )
    return entries


def notification_entries(
    templates: Mapping[str, Mapping[str, Mapping[str, str]]],
    state_names: Mapping[str, Mapping[str, str]],
    application_titles: Mapping[str, str],
    application_bodies: Mapping[str, str],
) -> list[Entry]:
    """The templates, with the per-state application templates folded into one."""
    application_codes = {f"application_{state}" for state in state_names}
    for state, names in state_names.items():
        # The folded template must render exactly what each per-state template said; a state
        # whose template says more (a later branch's) stays a template of its own.
        for language in LANGUAGES:
            texts = templates[f"application_{state}"][language]
            body = application_bodies.get(language, "").replace("{state}", names[language])
            if texts["title"] != application_titles[language] or texts["body"] != body:
                application_codes.discard(f"application_{state}")
                print(f"application_{state} is a template of its own", file=sys.stderr)
                break

    entries: list[Entry] = []

    def template(code: str, titles: Mapping[str, str], bodies: Mapping[str, str]) -> None:
        for part, texts in (("title", titles), ("body", bodies)):
            four = _four(texts, f"notification {code} {part}")
            entries.append(
                Entry(
                    f"notification.{code}.{part}",
                    four["en"],
                    dict(four),
                    [f"Push and inbox {part} of the notification {code!r}."],
                )
            )

    for code, by_language in templates.items():
        if code in application_codes:
            continue
        template(
            code,
            {language: texts["title"] for language, texts in by_language.items()},
            {language: texts["body"] for language, texts in by_language.items()},
        )
    if application_bodies:  # a tree without a shared body has no folded template either
        template(APPLICATION_TEMPLATE, application_titles, application_bodies)
        entries[-1].comments.append(
            "Sent for every state change of an application: state is the state's name "
            "(application_state.*), note the officer's public note (may be empty)."
        )
    for state, names in state_names.items():
        four = _four(names, f"state {state}")
        entries.append(
            Entry(
                f"application_state.{state}",
                four["en"],
                dict(four),
                ["The name of an application's state, as the applicant sees it."],
            )
        )
    return entries


def validation_entries(texts: Iterable[Text]) -> list[Entry]:
    entries = []
    for text in texts:
        four = _four(text.by_language(), f"validation {text.en!r}")
        entries.append(Entry(None, four["en"], four, [f"Field error from {text.origin}."]))
    return entries


def collect(root: Path) -> list[Entry]:
    """Every message, read from the dictionaries of the tree at ``root``."""
    sys.path.insert(0, str(root))
    layout = next(
        (
            layout
            for layout in LAYOUTS
            if (root / (layout["checks"].replace(".", "/") + ".py")).exists()
        ),
        LAYOUTS[0],
    )
    errors = importlib.import_module(layout["errors"]).MESSAGES
    checks = importlib.import_module(layout["checks"]).CHECK_MESSAGES
    for name in layout["template_modules"]:
        if not (root / (name.replace(".", "/") + ".py")).exists():
            continue  # a module this tree does not have (another branch's)
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register()
    templates = importlib.import_module(layout["templates"]).TEMPLATES
    application = importlib.import_module(layout["application"])

    entries = [
        *error_entries(errors),
        *document_check_entries(checks),
        *notification_entries(
            templates,
            application.STATE_NAMES,
            application._TITLES,
            getattr(application, "_BODIES", {}),
        ),
        *validation_entries(VALIDATION_TEXTS),
    ]
    seen: set[tuple[str | None, str]] = set()
    for entry in entries:
        if entry.key in seen:
            raise ValueError(f"two messages with the key {entry.key!r}")
        seen.add(entry.key)
    return entries


def read_entries(source: Path) -> list[Entry]:
    """The messages of the dictionaries in ``source``, read by a Python started there.

    A process of its own, so that ``source`` (another branch's worktree, a checkout of main)
    is imported whole and nothing of this tree's modules is mixed into it.
    """
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--dump"],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(
            f"cannot read the dictionaries in {source}: is it a tree that still has them "
            f"(api/messages.py, services/*/texts.py)?\n{result.stderr[-2000:]}"
        )
    return [Entry(**item) for item in json.loads(result.stdout)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        help="a tree that still has the dictionaries (a worktree of another branch, main)",
    )
    parser.add_argument(
        "--check", action="store_true", help="say what would be added; exit 1 if anything"
    )
    parser.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dump:  # inside the source tree: print its messages
        entries = collect(Path.cwd())
        json.dump([dataclasses.asdict(entry) for entry in entries], sys.stdout)
        return 0
    if args.source is None:
        parser.error("give --source: the tree whose dictionaries to port")
    entries = read_entries(args.source.resolve())
    i18n_merge.SOURCE = args.source.resolve()
    files: dict[Path, str | None] = {TRANSLATIONS / f"{DOMAIN}.pot": None}
    for language, locale in LOCALES.items():
        files[TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"] = language
    report = port(ROOT, entries, files, check=args.check)
    for line in report:
        print(line)
    if not report:
        print("nothing to port: every message is in the catalogues and marked in the code")
    return 1 if args.check and report else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What each failed check of an uploaded document means, in the four languages.

A rejected document keeps its failed checks as ``[{"code": ..., "detail": ...}]``: ``code``
is stable (the app may switch on it), ``detail`` is the precise English sentence of the check
("350x450 px is too small; ..."). The API adds ``message``, a sentence for the applicant in
the request's language, from the table below.
"""

from __future__ import annotations

from typing import Any

from services.core.languages import DEFAULT_LANGUAGE, pick_translation
from storage.photo_rules import MAX_DIMENSION, MAX_PIXELS, MIN_DIMENSION

# The limits the messages name, as storage.photo enforces them (storage.photo_rules has the
# numbers without importing Pillow).
MESSAGE_PARAMS = {
    "min_pixels": MIN_DIMENSION,
    "max_pixels": MAX_DIMENSION,
    "max_megapixels": f"{MAX_PIXELS / 1_000_000:g}",
    "max_wan_pixels": f"{MAX_PIXELS / 10_000:g}",  # Chinese counts in 万 (ten thousand)
}

FALLBACK_CODE = "check_failed"

CHECK_MESSAGES: dict[str, dict[str, str]] = {
    "size_out_of_range": {
        "en": "The file's size is not what was announced or is outside the limits for this "
        "kind of document.",
        "zh-Hans": "文件大小与申报不符，或超出此类文件的限制。",
        "zh-Hant": "檔案大小與申報不符，或超出此類文件的限制。",
        "vi": "Kích thước tệp không đúng như đã khai hoặc nằm ngoài giới hạn cho loại tài "
        "liệu này.",
    },
    "content_type_mismatch": {
        "en": "The file is not of the type that was announced.",
        "zh-Hans": "文件类型与申报的类型不符。",
        "zh-Hant": "檔案類型與申報的類型不符。",
        "vi": "Tệp không thuộc loại đã khai.",
    },
    "not_encrypted": {
        "en": "The file was not stored encrypted. Upload it again with the fields you were given.",
        "zh-Hans": "文件未以加密方式存储。请使用所提供的字段重新上传。",
        "zh-Hant": "檔案未以加密方式儲存。請使用所提供的欄位重新上傳。",
        "vi": "Tệp không được lưu ở dạng mã hóa. Hãy tải lên lại với các trường đã được cung cấp.",
    },
    "unsupported_type": {
        "en": "This type of file is not accepted.",
        "zh-Hans": "不接受此类型的文件。",
        "zh-Hant": "不接受此類型的檔案。",
        "vi": "Loại tệp này không được chấp nhận.",
    },
    "unrecognised_content": {
        "en": "The file is not a JPEG, PNG or PDF file.",
        "zh-Hans": "该文件不是 JPEG、PNG 或 PDF 文件。",
        "zh-Hant": "該檔案不是 JPEG、PNG 或 PDF 檔案。",
        "vi": "Tệp không phải là tệp JPEG, PNG hoặc PDF.",
    },
    "not_decodable": {
        "en": "The image cannot be read: it is damaged or incomplete.",
        "zh-Hans": "无法读取该图片：文件已损坏或不完整。",
        "zh-Hant": "無法讀取該圖片：檔案已損毀或不完整。",
        "vi": "Không đọc được ảnh: tệp bị hỏng hoặc không đầy đủ.",
    },
    "unsupported_format": {
        "en": "Only JPEG and PNG images are accepted.",
        "zh-Hans": "仅接受 JPEG 和 PNG 图片。",
        "zh-Hant": "僅接受 JPEG 和 PNG 圖片。",
        "vi": "Chỉ chấp nhận ảnh JPEG và PNG.",
    },
    "decompression_bomb": {
        "en": "The image claims an impossible number of pixels.",
        "zh-Hans": "该图片声明的像素数量异常。",
        "zh-Hant": "該圖片宣告的像素數量異常。",
        "vi": "Ảnh khai báo số điểm ảnh bất thường.",
    },
    "animated": {
        "en": "The photo must be a single still image.",
        "zh-Hans": "照片必须是单张静态图片。",
        "zh-Hant": "照片必須是單張靜態圖片。",
        "vi": "Ảnh phải là một ảnh tĩnh duy nhất.",
    },
    "too_small": {
        "en": "The photo is too small: it must be at least {min_pixels} × {min_pixels} pixels.",
        "zh-Hans": "照片太小：至少须为 {min_pixels} × {min_pixels} 像素。",
        "zh-Hant": "照片太小：至少須為 {min_pixels} × {min_pixels} 像素。",
        "vi": "Ảnh quá nhỏ: phải có ít nhất {min_pixels} × {min_pixels} điểm ảnh.",
    },
    "too_large": {
        "en": "The image is too large: its longer side may be at most {max_pixels} pixels, "
        "and it may have at most {max_megapixels} megapixels.",
        "zh-Hans": "图片太大：长边最多 {max_pixels} 像素，总像素最多 {max_wan_pixels} 万。",
        "zh-Hant": "圖片太大：長邊最多 {max_pixels} 像素，總像素最多 {max_wan_pixels} 萬。",
        "vi": "Ảnh quá lớn: cạnh dài tối đa {max_pixels} điểm ảnh và tổng cộng tối đa "
        "{max_megapixels} triệu điểm ảnh.",
    },
    "wrong_aspect_ratio": {
        "en": "The photo must have the passport shape (35:45) or be square (1:1).",
        "zh-Hans": "照片须为护照照片比例（35:45）或正方形（1:1）。",
        "zh-Hant": "照片須為護照照片比例（35:45）或正方形（1:1）。",
        "vi": "Ảnh phải có tỉ lệ ảnh hộ chiếu (35:45) hoặc hình vuông (1:1).",
    },
    FALLBACK_CODE: {
        "en": "The file did not pass a check.",
        "zh-Hans": "文件未通过检查。",
        "zh-Hant": "檔案未通過檢查。",
        "vi": "Tệp không vượt qua một bước kiểm tra.",
    },
}


def check_message(code: str, language: str) -> str:
    """The applicant-facing sentence for a failed check, in ``language`` (English fallback)."""
    texts = CHECK_MESSAGES.get(code) or CHECK_MESSAGES[FALLBACK_CODE]
    template = pick_translation(texts, language) or texts[DEFAULT_LANGUAGE]
    return template.format(**MESSAGE_PARAMS)


def describe_checks(checks: list[dict[str, Any]] | None, language: str) -> list[dict[str, str]]:
    """``[{"code", "message", "detail"}]`` for the API, ``message`` in ``language``."""
    return [
        {
            "code": str(check.get("code") or FALLBACK_CODE),
            "message": check_message(str(check.get("code") or FALLBACK_CODE), language),
            "detail": str(check.get("detail") or ""),
        }
        for check in checks or []
    ]

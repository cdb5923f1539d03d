"""The upload rules of each kind of document, as published to the app
(``GET /api/v1/documents/rules``), so that it can convert, crop and size a file before
uploading instead of learning the rules from a refusal.

One source for what is enforced and what is published: the types and byte sizes are the
kinds' ``KIND_RULES`` (``services.documents.documents``), the pixel range, pixel cap,
stored size, shapes and tolerance are ``storage.photo_rules``, and each failed check's
explanation is ``services.documents.checks``. Nothing here reads the database; the answer
changes only with a release.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.core.languages import DEFAULT_LANGUAGE, pick_translation
from services.documents.checks import check_message
from services.documents.documents import IMAGE_TYPES, KIND_RULES
from storage.photo_rules import (
    ASPECT_RATIOS,
    ASPECT_TOLERANCE,
    MAX_DIMENSION,
    MAX_PIXELS,
    MIN_DIMENSION,
    STORED_MAX_DIMENSION,
)

# Checks made after upload, per kind (codes of services.documents.checks): the app may show
# each explanation next to the control it concerns.
_COMMON_CHECKS = (
    "size_out_of_range",
    "content_type_mismatch",
    "not_encrypted",
    "unsupported_type",
    "unrecognised_content",
)
_IMAGE_CHECKS = ("not_decodable", "unsupported_format", "decompression_bomb", "too_large")
CHECKS_BY_KIND: dict[str, tuple[str, ...]] = {
    "photo": _COMMON_CHECKS + _IMAGE_CHECKS + ("animated", "too_small", "wrong_aspect_ratio"),
    "supporting": _COMMON_CHECKS + _IMAGE_CHECKS,
}
# Kinds whose images must have a passport photo's size and shape (others: only the cap).
_PHOTO_KINDS = frozenset({"photo"})

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "photo": {
        "en": "Passport photo: a JPEG or PNG file of {min_kb} KB to {max_mb} MB, at least "
        "{min_px} × {min_px} pixels, its longer side at most {max_px} pixels ({max_mp} "
        "megapixels in all), shaped 35:45 (passport) or 1:1 (square) within {tolerance} %. "
        "Crop it before uploading; a larger photo is stored scaled down to {stored_px} pixels "
        "on its longer side.",
        "zh-Hans": "护照照片：JPEG 或 PNG 文件，大小 {min_kb} KB 至 {max_mb} MB，至少 "
        "{min_px} × {min_px} 像素，长边最多 {max_px} 像素（总计最多 {max_wan} 万像素），"
        "比例为 35:45（护照）或 1:1（正方形），误差不超过 {tolerance}%。请在上传前裁剪；"
        "较大的照片将缩小至长边 {stored_px} 像素保存。",
        "zh-Hant": "護照照片：JPEG 或 PNG 檔案，大小 {min_kb} KB 至 {max_mb} MB，至少 "
        "{min_px} × {min_px} 像素，長邊最多 {max_px} 像素（總計最多 {max_wan} 萬像素），"
        "比例為 35:45（護照）或 1:1（正方形），誤差不超過 {tolerance}%。請在上傳前裁切；"
        "較大的照片將縮小至長邊 {stored_px} 像素儲存。",
        "vi": "Ảnh hộ chiếu: tệp JPEG hoặc PNG từ {min_kb} KB đến {max_mb} MB, ít nhất "
        "{min_px} × {min_px} điểm ảnh, cạnh dài tối đa {max_px} điểm ảnh (tổng cộng tối đa "
        "{max_mp} triệu điểm ảnh), tỉ lệ 35:45 (ảnh hộ chiếu) hoặc 1:1 (hình vuông), sai lệch "
        "không quá {tolerance}%. Hãy cắt ảnh trước khi tải lên; ảnh lớn hơn được lưu sau khi "
        "thu nhỏ còn {stored_px} điểm ảnh ở cạnh dài.",
    },
    "supporting": {
        "en": "Supporting document: a PDF, JPEG or PNG file of at most {max_mb} MB. An image's "
        "longer side may be at most {max_px} pixels ({max_mp} megapixels in all); it is stored "
        "without its metadata (place, camera) and scaled down to {stored_px} pixels on its "
        "longer side.",
        "zh-Hans": "证明材料：PDF、JPEG 或 PNG 文件，最大 {max_mb} MB。图片长边最多 "
        "{max_px} 像素（总计最多 {max_wan} 万像素）；保存时去除其元数据（地点、相机），"
        "并缩小至长边 {stored_px} 像素。",
        "zh-Hant": "證明文件：PDF、JPEG 或 PNG 檔案，最大 {max_mb} MB。圖片長邊最多 "
        "{max_px} 像素（總計最多 {max_wan} 萬像素）；儲存時移除其中繼資料（地點、相機），"
        "並縮小至長邊 {stored_px} 像素。",
        "vi": "Giấy tờ kèm theo: tệp PDF, JPEG hoặc PNG tối đa {max_mb} MB. Ảnh có cạnh dài "
        "tối đa {max_px} điểm ảnh (tổng cộng tối đa {max_mp} triệu điểm ảnh); khi lưu, siêu dữ "
        "liệu (địa điểm, máy ảnh) bị xóa và ảnh được thu nhỏ còn {stored_px} điểm ảnh ở cạnh "
        "dài.",
    },
}


@dataclass(frozen=True)
class AspectRatio:
    name: str  # "35:45"
    width: int
    height: int

    @property
    def value(self) -> float:
        return round(self.width / self.height, 4)


@dataclass(frozen=True)
class PixelRules:
    """For images of the kind: ``min_side`` None when any size is taken."""

    min_side: int | None
    max_side: int
    max_pixels: int
    stored_max_side: int


@dataclass(frozen=True)
class Explanation:
    code: str
    message: str


@dataclass(frozen=True)
class KindRules:
    kind: str
    description: str
    content_types: tuple[str, ...]
    min_bytes: int
    max_bytes: int
    image_types: tuple[str, ...]
    pixels: PixelRules
    aspect_ratios: tuple[AspectRatio, ...]
    aspect_tolerance: float | None
    checks: tuple[Explanation, ...]


def _description(kind: str, language: str) -> str:
    rule = KIND_RULES[kind]
    texts = DESCRIPTIONS[kind]
    template = pick_translation(texts, language) or texts[DEFAULT_LANGUAGE]
    return template.format(
        min_kb=rule.min_size // 1024,
        max_mb=f"{rule.max_size / (1024 * 1024):g}",
        min_px=MIN_DIMENSION,
        max_px=MAX_DIMENSION,
        max_mp=f"{MAX_PIXELS / 1_000_000:g}",
        max_wan=f"{MAX_PIXELS / 10_000:g}",  # Chinese counts in 万 (ten thousand)
        tolerance=f"{ASPECT_TOLERANCE * 100:g}",
        stored_px=STORED_MAX_DIMENSION,
    )


def kind_rules(kind: str, language: str) -> KindRules:
    """What may be uploaded as ``kind``, explained in ``language`` (English fallback)."""
    rule = KIND_RULES[kind]
    photo = kind in _PHOTO_KINDS
    return KindRules(
        kind=kind,
        description=_description(kind, language),
        content_types=rule.content_types,
        min_bytes=rule.min_size,
        max_bytes=rule.max_size,
        image_types=tuple(t for t in rule.content_types if t in IMAGE_TYPES),
        pixels=PixelRules(
            min_side=MIN_DIMENSION if photo else None,
            max_side=MAX_DIMENSION,
            max_pixels=MAX_PIXELS,
            stored_max_side=STORED_MAX_DIMENSION,
        ),
        aspect_ratios=tuple(
            AspectRatio(name, width, height) for name, (width, height) in ASPECT_RATIOS.items()
        )
        if photo
        else (),
        aspect_tolerance=ASPECT_TOLERANCE if photo else None,
        checks=tuple(
            Explanation(code, check_message(code, language)) for code in CHECKS_BY_KIND[kind]
        ),
    )


def published_rules(language: str) -> dict[str, list[KindRules]]:
    """Every kind's rules, in ``language``."""
    return {"kinds": [kind_rules(kind, language) for kind in KIND_RULES]}

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

from services.core.i18n import C_, Text, in_language
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

# What each kind must be, in words (gettext catalogues, like every text of the API).
DESCRIPTIONS: dict[str, Text] = {
    "photo": C_(
        "document_rules.photo",
        "Passport photo: a JPEG or PNG file of %(min_kb)s KB to %(max_mb)s MB, at least %(min_px)s × %(min_px)s pixels, its longer side at most %(max_px)s pixels (%(max_mp)s megapixels in all), shaped 35:45 (passport) or 1:1 (square) within %(tolerance)s %%. Crop it before uploading; a larger photo is stored scaled down to %(stored_px)s pixels on its longer side.",
    ),
    "supporting": C_(
        "document_rules.supporting",
        "Supporting document: a PDF, JPEG or PNG file of at most %(max_mb)s MB. An image's longer side may be at most %(max_px)s pixels (%(max_mp)s megapixels in all); it is stored without its metadata (place, camera) and scaled down to %(stored_px)s pixels on its longer side.",
    ),
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
    with in_language(language):
        return DESCRIPTIONS[kind].render(
            {
                "min_kb": rule.min_size // 1024,
                "max_mb": f"{rule.max_size / (1024 * 1024):g}",
                "min_px": MIN_DIMENSION,
                "max_px": MAX_DIMENSION,
                "max_mp": f"{MAX_PIXELS / 1_000_000:g}",
                "tolerance": f"{ASPECT_TOLERANCE * 100:g}",
                "stored_px": STORED_MAX_DIMENSION,
            }
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

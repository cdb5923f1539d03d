"""Passport-photo and document checks: pure functions on bytes, using Pillow.

The numbers (pixel range, pixel cap, stored size, shapes and tolerance) are in
:mod:`storage.photo_rules`, which the API publishes; this module applies them:

- Format: JPEG or PNG only. Every consular portal takes those; GIF, WebP, HEIC and TIFF are
  refused (the app converts HEIC before upload).
- Pixel size: each side at least 600 px; the longer side at most 8000 px and at most
  50 megapixels in all, so ordinary phone photos (4032 x 3024 and larger) pass. The clean
  copy that is stored is scaled down to at most 4000 px on its longer side.
- Aspect ratio (width:height, after applying the EXIF orientation): within 3 % of 35:45
  (the ICAO / Schengen 35 x 45 mm print format) or of 1:1 (the square US digital format).
- Decompression bombs: dimensions are read from the header and pixels are decoded only when
  within the limits above, so a tiny file claiming 30000 x 30000 is never expanded; Pillow's
  own ``DecompressionBombError`` is caught as well. We deliberately do not lower the global
  ``Image.MAX_IMAGE_PIXELS``: it is process-wide and would affect unrelated Pillow users.
  A JPEG is decoded at a reduced scale (libjpeg's DCT scaling: 1/2, 1/4, 1/8) whenever that
  is enough, so a 48-megapixel photo never occupies 48 megapixels of memory.
- Decodable: the pixels must decode completely (a truncated JPEG is refused).

These checks are about the file; face position, background and expression still need a human
(or a dedicated model).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from storage.photo_rules import (
    ASPECT_RATIOS,
    ASPECT_TOLERANCE,
    MAX_DIMENSION,
    MAX_PIXELS,
    MIN_DIMENSION,
    PHOTO_FORMATS,
    STORED_MAX_DIMENSION,
    aspect_ok,
)

__all__ = [
    "ASPECT_RATIOS",
    "ASPECT_TOLERANCE",
    "MAX_DIMENSION",
    "MAX_PIXELS",
    "MIN_DIMENSION",
    "STORED_MAX_DIMENSION",
    "PhotoError",
    "PhotoReport",
    "Problem",
    "check_declared_type",
    "inspect_photo",
    "sniff_content_type",
    "strip_metadata",
]

JPEG_QUALITY = 92  # visually lossless for faces, keeps re-encoded files near the original size
# Decoding only to check that the pixels are complete: the smallest scale libjpeg offers.
_CHECK_SCALE = 8
_ORIENTATION_TAG = 0x0112
_ACCEPTED_PHOTO_FORMATS = PHOTO_FORMATS

# (offset, magic, name): enough to name what we refuse, not to parse it.
_MAGIC = (
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"%PDF-", "PDF"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (8, b"WEBP", "WEBP"),
    (4, b"ftypheic", "HEIC"),
    (4, b"ftypheix", "HEIC"),
    (4, b"ftypmif1", "HEIF"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"BM", "BMP"),
)
_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "PDF": "application/pdf"}
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}


@dataclass(frozen=True)
class Problem:
    """One failed check: a stable ``code`` for the API and an English ``message`` for people."""

    code: str
    message: str


@dataclass(frozen=True)
class PhotoReport:
    """Result of :func:`inspect_photo`; ``width``/``height`` are as displayed (orientation on)."""

    format: str | None
    width: int | None
    height: int | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(problem.code for problem in self.problems)


class PhotoError(ValueError):
    """:func:`strip_metadata` cannot process the bytes; ``code`` matches a report code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _sniff(data: bytes) -> str | None:
    for offset, magic, name in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return name
    return None


def sniff_content_type(data: bytes) -> str | None:
    """MIME type of a JPEG, PNG or PDF judged by its first bytes only, else None.

    A PDF must start with ``%PDF-`` at offset 0; readers tolerate junk before it, but
    accepting that would let polyglot files through.
    """
    return _CONTENT_TYPES.get(_sniff(data) or "")


def check_declared_type(data: bytes, declared_content_type: str) -> Problem | None:
    """Compare the declared Content-Type with the magic bytes; None when they agree.

    Catches e.g. a PDF uploaded as ``image/jpeg``. Codes: ``unsupported_type`` (declared type
    is not JPEG/PNG/PDF), ``unrecognised_content`` (bytes are none of those),
    ``content_type_mismatch``.
    """
    declared = declared_content_type.split(";", 1)[0].strip().lower()
    declared = _ALIASES.get(declared, declared)
    if declared not in _CONTENT_TYPES.values():
        return Problem("unsupported_type", f"{declared or 'an empty type'} is not accepted")
    detected = sniff_content_type(data)
    if detected is None:
        return Problem("unrecognised_content", "the file is not a JPEG, PNG or PDF")
    if detected != declared:
        return Problem("content_type_mismatch", f"declared {declared} but the file is {detected}")
    return None


def _open(data: bytes) -> tuple[Image.Image | None, Problem | None]:
    """Open the header of a JPEG/PNG without decoding pixels."""
    kind = _sniff(data)
    if kind is None:
        return None, Problem("not_decodable", "the file is not an image we can read")
    if kind not in _ACCEPTED_PHOTO_FORMATS:
        return None, Problem("unsupported_format", f"{kind} is not accepted; use JPEG or PNG")
    try:
        # Only the JPEG/PNG plugins may parse the bytes: less attack surface.
        return Image.open(io.BytesIO(data), formats=[kind]), None
    except Image.DecompressionBombError:
        return None, Problem("decompression_bomb", "the image claims an absurd pixel count")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None, Problem("not_decodable", f"the {kind} file is corrupt")


def _too_large(width: int, height: int) -> str | None:
    """Why an image of this size is refused as too large, or None."""
    if max(width, height) > MAX_DIMENSION:
        return (
            f"{width}x{height} px is too large; the longer side may be at most {MAX_DIMENSION} px"
        )
    if width * height > MAX_PIXELS:
        return (
            f"{width}x{height} px is {width * height / 1e6:.1f} megapixels; at most "
            f"{MAX_PIXELS / 1e6:g} are accepted"
        )
    return None


def _draft(image: Image.Image, at_least: tuple[int, int]) -> None:
    """Let a JPEG decode at the smallest DCT scale that still gives ``at_least`` pixels
    (PNG has no such scale: it is decoded whole, within the pixel cap)."""
    if image.format == "JPEG" and min(at_least) >= 1:
        image.draft(None, at_least)


def _display_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    try:
        orientation = image.getexif().get(_ORIENTATION_TAG)
    except Exception:  # corrupt EXIF: Pillow raises a variety of errors; size stays as stored
        orientation = None
    # Orientations 5-8 rotate by 90 degrees: the displayed photo swaps width and height.
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def inspect_photo(data: bytes) -> PhotoReport:
    """Run every check and list each failure (an empty list means the photo is acceptable).

    Codes: ``not_decodable``, ``unsupported_format``, ``decompression_bomb``, ``animated``,
    ``too_small``, ``too_large``, ``wrong_aspect_ratio``.
    """
    image, problem = _open(data)
    if image is None:
        return PhotoReport(format=_sniff(data), width=None, height=None, problems=(problem,))
    with image:
        problems: list[Problem] = []
        width, height = _display_size(image)
        if width * height > Image.MAX_IMAGE_PIXELS:  # same threshold Pillow warns at
            problems.append(Problem("decompression_bomb", "the image claims too many pixels"))
        if getattr(image, "n_frames", 1) > 1:
            problems.append(Problem("animated", "the photo must be a single still image"))
        if width < MIN_DIMENSION or height < MIN_DIMENSION:
            problems.append(
                Problem(
                    "too_small",
                    f"{width}x{height} px is too small; at least "
                    f"{MIN_DIMENSION}x{MIN_DIMENSION} px is required",
                )
            )
        too_large = _too_large(width, height)
        if too_large:
            problems.append(Problem("too_large", too_large))
        if not aspect_ok(width, height):
            ratio = width / height if height else 0.0
            problems.append(
                Problem(
                    "wrong_aspect_ratio",
                    f"width:height is {ratio:.3f}; it must be 35:45 (0.778) or 1:1",
                )
            )
        if not too_large:  # never expand pixels we would refuse anyway (bomb defence)
            # Every coefficient is still decoded, so a truncated file is still caught.
            _draft(image, (image.size[0] // _CHECK_SCALE, image.size[1] // _CHECK_SCALE))
            try:
                image.load()
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                problems.append(Problem("not_decodable", "the image data is truncated or corrupt"))
        return PhotoReport(
            format=image.format, width=width, height=height, problems=tuple(problems)
        )


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert pixels tagged with an ICC profile (e.g. an iPhone's Display P3) to sRGB.

    Once the profile is stripped, viewers assume sRGB; converting first keeps skin tones
    right. An unreadable profile is simply dropped.
    """
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except ImageCms.PyCMSError:
        return image
    return converted if converted is not None else image


def _stored_size(width: int, height: int, limit: int) -> tuple[int, int]:
    """The size of the stored copy: the same shape, the longer side at most ``limit``."""
    longer = max(width, height)
    if longer <= limit:
        return width, height
    return max(1, round(width * limit / longer)), max(1, round(height * limit / longer))


def strip_metadata(data: bytes, *, max_dimension: int = STORED_MAX_DIMENSION) -> bytes:
    """Re-encode a JPEG/PNG keeping only pixels: no EXIF (GPS, camera, serials), XMP, ICC or
    comments. The EXIF orientation is applied first so the photo still displays upright, and
    an image whose longer side exceeds ``max_dimension`` is scaled down to it (the clean copy
    of a 48-megapixel phone photo need not be 48 megapixels).

    Raises :class:`PhotoError` for files :func:`inspect_photo` would call undecodable,
    unsupported, a bomb or too large.
    """
    image, problem = _open(data)
    if image is None:
        raise PhotoError(problem.code, problem.message)
    with image:
        fmt = image.format
        too_large = _too_large(*image.size)
        if too_large:
            raise PhotoError("too_large", too_large)
        target = _stored_size(*image.size, max_dimension)
        _draft(image, target)  # a JPEG decodes at a scale no smaller than the target
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise PhotoError("not_decodable", "the image data is truncated or corrupt") from exc
        icc = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
    if max(upright.size) > max_dimension:
        # LANCZOS keeps a face sharp; reducing_gap lets Pillow shrink by whole blocks first.
        upright = upright.resize(
            _stored_size(*upright.size, max_dimension), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
    # Colour-manage before any mode change: a CMYK or grey profile must not be applied to
    # RGB pixels (_to_srgb only handles RGB/RGBA and drops other profiles).
    upright = _to_srgb(upright, icc)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    if fmt == "JPEG":
        target = "L" if upright.mode == "L" else "RGB"
    elif upright.mode in ("L", "LA", "RGB", "RGBA", "I;16"):
        target = upright.mode
    else:
        target = "RGBA" if has_alpha else "RGB"
    pixels = upright.convert(target) if upright.mode != target else upright
    # A brand-new image has an empty .info, so no encoder can copy metadata across
    # (Pillow's PNG writer re-emits im.info["icc_profile"], its JPEG writer the comment).
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, format="JPEG", quality=JPEG_QUALITY)
    else:
        clean.save(out, format="PNG")
    return out.getvalue()

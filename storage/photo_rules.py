"""The numbers of the image rules, without Pillow: what :mod:`storage.photo` enforces and
what the API publishes (``GET /api/v1/documents/rules``), from one place.

- Pixel size of what is uploaded: each side at least ``MIN_DIMENSION`` (600 px, the US
  State Department's minimum for digital photos; the UK's 600 x 750 is met by a 35:45 photo
  600 px wide), the longer side at most ``MAX_DIMENSION`` (8000 px) and at most
  ``MAX_PIXELS`` (50 megapixels) in all. Ordinary phone photos pass: 4032 x 3024 (12 MP),
  5712 x 4284 (24 MP), 8064 x 6048 (48 MP) once cropped to a passport shape. The pixel cap is
  the decompression-bomb guard: a file is decoded only within it, which bounds the memory
  of one decode to about 200 MB (RGBA) for a PNG and far less for a JPEG, which is decoded
  at a reduced scale (see ``storage.photo``).
- What is stored: a clean copy whose longer side is at most ``STORED_MAX_DIMENSION``
  (4000 px: far above any consular portal's need); larger uploads are scaled down.
- Shape of a passport photo (width:height after the EXIF orientation): 35:45 (the ICAO /
  Schengen 35 x 45 mm print) or 1:1 (the square US digital format), within
  ``ASPECT_TOLERANCE`` (3 %) of either.
"""

from __future__ import annotations

MIN_DIMENSION = 600
MAX_DIMENSION = 8000
MAX_PIXELS = 50_000_000
STORED_MAX_DIMENSION = 4000
# name -> (width, height)
ASPECT_RATIOS: dict[str, tuple[int, int]] = {"35:45": (35, 45), "1:1": (1, 1)}
ASPECT_TOLERANCE = 0.03
PHOTO_FORMATS = ("JPEG", "PNG")


def aspect_ok(width: int, height: int) -> bool:
    """Whether width:height is within the tolerance of an accepted passport-photo shape."""
    if not height:
        return False
    ratio = width / height
    return any(abs(ratio / (w / h) - 1) <= ASPECT_TOLERANCE for w, h in ASPECT_RATIOS.values())

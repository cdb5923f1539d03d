"""Passport-photo checks on images generated with Pillow, and magic-byte type checks."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from storage.photo import (
    PhotoError,
    check_declared_type,
    inspect_photo,
    sniff_content_type,
    strip_metadata,
)

GPS_IFD = 0x8825
ORIENTATION = 0x0112
SKIN = (200, 170, 150)


def _image(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    # A gradient rather than a flat colour so JPEG data is not trivially small.
    image = Image.linear_gradient("L").resize(size).convert(mode)
    image.paste(SKIN if mode == "RGB" else SKIN + (255,), (10, 10, size[0] - 10, size[1] - 10))
    return image


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height: the shape of a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_good_jpeg_35_by_45_passes():
    report = inspect_photo(_encode(_image((700, 900)), "JPEG", quality=90))
    assert report.ok, report.problems
    assert (report.format, report.width, report.height) == ("JPEG", 700, 900)


def test_square_png_passes():
    report = inspect_photo(_encode(_image((600, 600), "RGBA"), "PNG"))
    assert report.ok and report.format == "PNG"


def test_too_small_is_reported_with_a_message():
    report = inspect_photo(_encode(_image((350, 450)), "JPEG"))
    assert report.codes == ("too_small",)
    assert "350x450" in report.problems[0].message and "600x600" in report.problems[0].message


def test_wrong_aspect_ratio():
    report = inspect_photo(_encode(_image((1200, 800)), "JPEG"))
    assert report.codes == ("wrong_aspect_ratio",)
    assert "1.500" in report.problems[0].message


def test_several_failures_are_all_listed():
    report = inspect_photo(_encode(_image((500, 300)), "PNG"))
    assert set(report.codes) == {"too_small", "wrong_aspect_ratio"}


def test_exif_orientation_decides_the_displayed_shape():
    # Stored landscape 900x700 but tagged "rotate 90": displayed as a 700x900 portrait.
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    report = inspect_photo(_encode(_image((900, 700)), "JPEG", exif=exif.tobytes()))
    assert report.ok and (report.width, report.height) == (700, 900)


def test_gif_heic_and_garbage_are_refused():
    gif = inspect_photo(_encode(_image((600, 600)).convert("P"), "GIF"))
    assert gif.codes == ("unsupported_format",) and "GIF" in gif.problems[0].message
    heic = inspect_photo(b"\0\0\0\x18ftypheic" + b"\0" * 100)
    assert heic.codes == ("unsupported_format",)
    assert inspect_photo(b"definitely not an image").codes == ("not_decodable",)
    assert inspect_photo(b"").codes == ("not_decodable",)


def test_truncated_and_corrupt_files_are_not_decodable():
    data = _encode(_image((700, 900)), "JPEG", quality=95)
    assert "not_decodable" in inspect_photo(data[: len(data) // 2]).codes
    png = _encode(_image((600, 600)), "PNG")
    half = inspect_photo(png[: len(png) // 2])  # header readable, pixel data cut
    assert half.codes == ("not_decodable",) and (half.width, half.height) == (600, 600)
    assert inspect_photo(png[:40]).codes == ("not_decodable",)  # cannot even open


def test_decompression_bomb_is_never_decoded():
    bomb = _png_header_only(30_000, 30_000)
    assert len(bomb) < 200
    assert inspect_photo(bomb).codes == ("decompression_bomb",)
    with pytest.raises(PhotoError) as excinfo:
        strip_metadata(bomb)
    assert excinfo.value.code == "decompression_bomb"

    # Below Pillow's threshold but above ours: refused by dimensions, pixels never expanded
    # (decoding this incomplete IDAT would have added "not_decodable"): a side over 8000 px,
    # or sides within it but more than 50 megapixels in all.
    assert inspect_photo(_png_header_only(9000, 9000)).codes == ("too_large",)
    over_cap = inspect_photo(_png_header_only(7100, 7100))
    assert over_cap.codes == ("too_large",) and "50.4 megapixels" in over_cap.problems[0].message


def test_animated_png_is_refused():
    frames = [_image((600, 600)), _image((600, 600)).rotate(90)]
    data = _encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert "animated" in inspect_photo(data).codes


def _jpeg_with_private_metadata() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION] = 6
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    image = _image((900, 700))
    image.paste((255, 0, 0), (0, 0, 120, 120))  # marker in the stored top-left corner
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _encode(image, "JPEG", exif=exif.tobytes(), icc_profile=icc, comment=b"home-address")


def test_strip_metadata_removes_gps_exif_icc_and_comments():
    original = _jpeg_with_private_metadata()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS_IFD)[2] == (48.0, 51.0, 24.0)  # the test is real
        assert "icc_profile" in before.info and b"home-address" in original

    cleaned = strip_metadata(original)
    with Image.open(io.BytesIO(cleaned)) as after:
        assert after.format == "JPEG"
        assert after.getexif().get_ifd(GPS_IFD) == {}
        assert dict(after.getexif()) == {}
        assert "exif" not in after.info and "icc_profile" not in after.info
        assert "comment" not in after.info
        # Orientation applied to the pixels: upright portrait, marker now top-right.
        assert after.size == (700, 900)
        red = after.convert("RGB").getpixel((700 - 40, 40))
        assert red[0] > 200 and red[1] < 60 and red[2] < 60
    assert b"home-address" not in cleaned and b"Exif\0\0" not in cleaned
    assert inspect_photo(cleaned).ok


def test_strip_metadata_png_drops_text_chunks_and_keeps_pixels():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 12 rue Example")
    image = _image((600, 600), "RGBA")
    cleaned = strip_metadata(_encode(image, "PNG", pnginfo=info))
    assert b"rue Example" not in cleaned and b"tEXt" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as after:
        assert after.format == "PNG" and after.mode == "RGBA"
        assert after.tobytes() == image.tobytes()  # PNG is lossless


def test_strip_metadata_refuses_what_it_cannot_read():
    for data, code in [
        (b"garbage", "not_decodable"),
        (_encode(_image((600, 600)).convert("P"), "GIF"), "unsupported_format"),
        (_png_header_only(9000, 9000), "too_large"),
        (_png_header_only(7100, 7100), "too_large"),
    ]:
        with pytest.raises(PhotoError) as excinfo:
            strip_metadata(data)
        assert excinfo.value.code == code


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("data", "declared", "code"),
    [
        (PDF, "image/jpeg", "content_type_mismatch"),
        (JPEG, "application/pdf", "content_type_mismatch"),
        (PNG, "image/jpeg", "content_type_mismatch"),
        (PDF, "application/pdf", None),
        (JPEG, "image/jpeg", None),
        (JPEG, "IMAGE/JPG", None),  # common alias, case-insensitive
        (PNG, "image/png; charset=binary", None),
        (JPEG, "text/html", "unsupported_type"),
        (b"<html><script>", "application/pdf", "unrecognised_content"),
        (b"junk" + PDF, "application/pdf", "unrecognised_content"),  # no polyglots
    ],
)
def test_check_declared_type(data, declared, code):
    problem = check_declared_type(data, declared)
    assert (problem.code if problem else None) == code


def test_sniff_content_type():
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(b"GIF89a....") is None


def test_phone_photos_pass_and_the_stored_copy_is_scaled_down():
    from storage.photo_rules import STORED_MAX_DIMENSION

    # A 48-megapixel phone photo cropped to 35:45 in the app: larger than we store.
    cropped = _encode(_image((4704, 6048)), "JPEG", quality=90)
    report = inspect_photo(cropped)
    assert report.ok, report.problems
    with Image.open(io.BytesIO(strip_metadata(cropped))) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (3111, STORED_MAX_DIMENSION)  # same shape, longer side 4000
        assert inspect_photo(strip_metadata(cropped)).ok

    # The ordinary 12-megapixel photo (4:3, e.g. a photographed document).
    phone = _encode(_image((4032, 3024)), "JPEG")
    assert inspect_photo(phone).codes == ("wrong_aspect_ratio",)  # only its shape
    with Image.open(io.BytesIO(strip_metadata(phone))) as stored:
        assert (stored.format, stored.size) == ("JPEG", (4000, 3000))
    # A PNG has no reduced-scale decoding: decoded whole, then scaled.
    wide = _encode(_image((4400, 800)), "PNG")
    with Image.open(io.BytesIO(strip_metadata(wide))) as stored:
        assert (stored.format, stored.size) == ("PNG", (4000, 727))


def test_the_stored_copy_keeps_the_upright_orientation_when_scaled():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored landscape, displayed portrait
    image = _image((6048, 4704))
    image.paste((255, 0, 0), (0, 0, 400, 400))  # marker in the stored top-left corner
    data = _encode(image, "JPEG", exif=exif.tobytes())
    assert inspect_photo(data).ok  # judged as displayed: 4704 x 6048, 35:45
    with Image.open(io.BytesIO(strip_metadata(data))) as stored:
        assert stored.size == (3111, 4000)
        red = stored.convert("RGB").getpixel((3111 - 60, 60))  # now top-right
        assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_truncated_jpeg_is_caught_at_reduced_scale():
    # Checked at 1/8 scale and stored at full scale: both still read every coefficient.
    photo = _encode(Image.effect_noise((1400, 1800), 64).convert("RGB"), "JPEG", quality=90)
    cut = photo[: len(photo) * 2 // 3]
    assert inspect_photo(cut).codes == ("not_decodable",)
    with pytest.raises(PhotoError) as excinfo:
        strip_metadata(cut)
    assert excinfo.value.code == "not_decodable"

"""Helpers for the document tests: generated images, the upload request, the multipart POST
through the Flask test client (for the local store)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def image_bytes(
    size: tuple[int, int] = (700, 900), fmt: str = "JPEG", *, gps: bool = False, **options
) -> bytes:
    """Noise (so the file is a realistic size) with a face-coloured block; GPS EXIF if asked."""
    image = Image.effect_noise(size, 48).convert("RGB")
    image.paste((200, 170, 150), (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4))
    if gps:
        exif = Image.Exif()
        exif[MAKE] = "PhoneMaker"
        exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
        options["exif"] = exif.tobytes()
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A small real PDF (Pillow writes one), starting with %PDF-."""
    out = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(out, format="PDF")
    return out.getvalue()


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(GPS_IFD))


def applicant(make, client, headers) -> int:
    response = client.post("/api/v1/applicants", json=make.applicant_payload(), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def request_upload(client, headers, applicant_id: int, kind: str, content_type: str, size: int):
    return client.post(
        f"/api/v1/applicants/{applicant_id}/documents",
        json={"kind": kind, "content_type": content_type, "size": size},
        headers=headers,
    )


def post_local(client, upload: dict, payload: bytes, content_type: str, **field_overrides):
    """The phone's multipart POST to the local store, through the Flask test client."""
    fields = {**upload["fields"], **field_overrides}
    fields = {name: value for name, value in fields.items() if value is not None}
    data = {**fields, "file": (io.BytesIO(payload), "upload.bin", content_type)}
    return client.post(urlsplit(upload["url"]).path, data=data, content_type="multipart/form-data")


def upload_and_confirm(client, headers, applicant_id, kind, content_type, payload):
    """Ask, POST the file to the local store, confirm; returns the confirm response."""
    asked = request_upload(client, headers, applicant_id, kind, content_type, len(payload))
    assert asked.status_code == 201, asked.get_json()
    body = asked.get_json()
    posted = post_local(client, body["upload"], payload, content_type)
    assert posted.status_code == 204, posted.get_json()
    return client.post(f"/api/v1/documents/{body['document']['id']}/confirm", headers=headers)

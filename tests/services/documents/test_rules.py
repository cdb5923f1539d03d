"""The published upload rules: public and cacheable, localized, in the OpenAPI document, and
the same numbers the checks enforce (phone photos accepted, their stored copy scaled down)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import yaml
from PIL import Image

from storage.photo_rules import MAX_DIMENSION, MAX_PIXELS, MIN_DIMENSION, STORED_MAX_DIMENSION
from tests.services.documents.support import upload_and_confirm

URL = "/api/v1/documents/rules"


def _by_kind(body: dict) -> dict[str, dict]:
    return {rule["kind"]: rule for rule in body["kinds"]}


def _photo(size: tuple[int, int], fmt: str = "JPEG") -> bytes:
    """A phone-sized photo with smooth content (noise at 30 megapixels would be ~20 MB)."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((200, 170, 150), (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4))
    out = io.BytesIO()
    image.save(out, format=fmt, quality=90)
    return out.getvalue()


def test_rules_are_public_cacheable_and_localized(client, make):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "Accept-Language" in response.headers["Vary"]
    etag = response.headers["ETag"]
    kinds = _by_kind(response.get_json())
    assert set(kinds) == {"photo", "supporting"}

    photo = kinds["photo"]
    assert photo["content_types"] == ["image/jpeg", "image/png"]
    assert (photo["min_bytes"], photo["max_bytes"]) == (20 * 1024, 10 * 1024 * 1024)
    assert photo["pixels"] == {
        "min_side": MIN_DIMENSION,
        "max_side": MAX_DIMENSION,
        "max_pixels": MAX_PIXELS,
        "stored_max_side": STORED_MAX_DIMENSION,
    }
    assert photo["aspect_ratios"] == [
        {"name": "35:45", "width": 35, "height": 45, "value": 0.7778},
        {"name": "1:1", "width": 1, "height": 1, "value": 1.0},
    ]
    assert photo["aspect_tolerance"] == 0.03
    assert "600 × 600 pixels" in photo["description"] and "8000" in photo["description"]
    explained = {check["code"]: check["message"] for check in photo["checks"]}
    assert explained["wrong_aspect_ratio"].startswith("The photo must have the passport shape")
    supporting = kinds["supporting"]
    assert supporting["pixels"]["min_side"] is None and supporting["aspect_ratios"] == []
    assert supporting["aspect_tolerance"] is None and "wrong_aspect_ratio" not in {
        check["code"] for check in supporting["checks"]
    }

    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    vietnamese = client.get(URL, headers={"Accept-Language": "vi", "If-None-Match": etag})
    assert vietnamese.status_code == 200 and vietnamese.headers["ETag"] != etag
    photo_vi = _by_kind(vietnamese.get_json())["photo"]
    assert photo_vi["description"].startswith("Ảnh hộ chiếu: tệp JPEG hoặc PNG")
    assert photo_vi["pixels"] == photo["pixels"]
    # The same for everyone: a logged-in app may share the cached answer too.
    logged_in = client.get(URL, headers=make.auth(make.citizen()))
    assert logged_in.headers["Cache-Control"] == "public, max-age=3600"


def test_the_rules_are_in_the_openapi_document(app):
    from api.openapi import render_openapi_yaml

    spec = yaml.safe_load(render_openapi_yaml(app))
    answer = spec["paths"][URL]["get"]["responses"]["200"]["content"]["application/json"]
    photo = _by_kind(answer["example"])["photo"]
    assert photo["pixels"]["max_side"] == MAX_DIMENSION and photo["aspect_tolerance"] == 0.03
    assert "KindRules" in spec["components"]["schemas"]


def test_a_phone_photo_is_accepted_and_stored_scaled_down(client, owner, store):
    headers, applicant_id = owner
    limits = _by_kind(client.get(URL).get_json())
    # A 12-megapixel photo of a document, straight from the camera.
    document = _photo((4032, 3024))
    accepted = upload_and_confirm(
        client, headers, applicant_id, "supporting", "image/jpeg", document
    )
    assert accepted.status_code == 200, accepted.get_json()
    # A 48-megapixel portrait cropped to 35:45 in the app, within the published range.
    portrait = _photo((4704, 6048))
    assert len(portrait) <= limits["photo"]["max_bytes"]
    photo = upload_and_confirm(client, headers, applicant_id, "photo", "image/jpeg", portrait)
    assert photo.status_code == 200, photo.get_json()

    for confirmed, size in ((accepted, (4000, 3000)), (photo, (3111, 4000))):
        link = client.get(
            f"/api/v1/documents/{confirmed.get_json()['id']}/download", headers=headers
        )
        stored = client.get(urlsplit(link.get_json()["url"]).path).data
        with Image.open(io.BytesIO(stored)) as image:
            assert image.size == size
            assert max(image.size) == limits["photo"]["pixels"]["stored_max_side"]


def test_past_the_published_range_is_refused_with_the_published_explanation(client, owner):
    headers, applicant_id = owner
    published = {
        check["code"]: check["message"]
        for check in _by_kind(client.get(URL).get_json())["supporting"]["checks"]
    }
    too_long = _photo((MAX_DIMENSION + 8, 1000))
    refused = upload_and_confirm(
        client, headers, applicant_id, "supporting", "image/jpeg", too_long
    )
    assert refused.status_code == 422
    (check,) = refused.get_json()["errors"]["checks"]
    assert check["code"] == "too_large" and check["message"] == published["too_large"]

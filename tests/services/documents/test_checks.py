"""Checks after upload, through the API on generated files: what is refused, how each failed
check is explained, and what happens to the refused file."""

from __future__ import annotations

import pytest

from storage import ObjectNotFound, StorageUnavailable
from tests.services.documents.support import (
    image_bytes,
    pdf_bytes,
    post_local,
    request_upload,
    upload_and_confirm,
)


def _codes(response) -> list[str]:
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "document_rejected"
    return [check["code"] for check in body["errors"]["checks"]]


def test_too_small_photo_is_rejected_and_explained(client, owner, store):
    headers, applicant_id = owner
    photo = image_bytes((350, 450))
    asked = request_upload(client, headers, applicant_id, "photo", "image/jpeg", len(photo))
    document, upload = asked.get_json()["document"], asked.get_json()["upload"]
    assert post_local(client, upload, photo, "image/jpeg").status_code == 204
    url = f"/api/v1/documents/{document['id']}"

    refused = client.post(url + "/confirm", headers={**headers, "Accept-Language": "vi"})
    assert _codes(refused) == ["too_small"]
    check = refused.get_json()["errors"]["checks"][0]
    assert check["message"] == "Ảnh quá nhỏ: phải có ít nhất 600 × 600 điểm ảnh."
    assert "350x450" in check["detail"]
    assert refused.get_json()["message"].startswith("Tệp không được chấp nhận")

    shown = client.get(url, headers=headers).get_json()
    assert shown["status"] == "rejected" and shown["sha256"] is None
    assert shown["failed_checks"] == [
        {
            "code": "too_small",
            "message": "The photo is too small: it must be at least 600 × 600 pixels.",
            "detail": check["detail"],
        }
    ]
    with pytest.raises(ObjectNotFound):
        store.head(key=upload["fields"]["key"])  # nothing refused is kept
    assert _codes(client.post(url + "/confirm", headers=headers)) == ["too_small"]  # same answer
    assert client.get(url + "/download", headers=headers).status_code == 409

    # The applicant asks for a new upload and this time it passes.
    good = upload_and_confirm(client, headers, applicant_id, "photo", "image/jpeg", image_bytes())
    assert good.status_code == 200 and good.get_json()["status"] == "accepted"


def test_wrong_aspect_ratio(client, owner):
    headers, applicant_id = owner
    landscape = image_bytes((1200, 800))
    refused = upload_and_confirm(client, headers, applicant_id, "photo", "image/jpeg", landscape)
    assert _codes(refused) == ["wrong_aspect_ratio"]


def test_several_failures_are_all_listed(client, owner):
    headers, applicant_id = owner
    tiny_wide = image_bytes((500, 300), "PNG")
    refused = upload_and_confirm(client, headers, applicant_id, "photo", "image/png", tiny_wide)
    assert set(_codes(refused)) == {"too_small", "wrong_aspect_ratio"}


@pytest.mark.parametrize("kind", ["photo", "supporting"])
def test_pdf_declared_as_jpeg_is_rejected(client, owner, kind):
    headers, applicant_id = owner
    # Padded past the photo minimum with PDF comment lines: still a real PDF.
    disguised = pdf_bytes() + b"%" + b"x" * 30_000 + b"\n"
    refused = upload_and_confirm(client, headers, applicant_id, kind, "image/jpeg", disguised)
    assert _codes(refused) == ["content_type_mismatch"]
    assert "application/pdf" in refused.get_json()["errors"]["checks"][0]["detail"]


def test_jpeg_declared_as_pdf_is_rejected(client, owner):
    headers, applicant_id = owner
    photo = image_bytes((600, 600))
    refused = upload_and_confirm(
        client, headers, applicant_id, "supporting", "application/pdf", photo
    )
    assert _codes(refused) == ["content_type_mismatch"]


def test_garbage_and_truncated_images(client, owner):
    headers, applicant_id = owner
    garbage = b"\x00\x01" * 20_000
    refused = upload_and_confirm(client, headers, applicant_id, "photo", "image/png", garbage)
    assert _codes(refused) == ["unrecognised_content"]
    photo = image_bytes((700, 900), quality=95)
    cut = photo[: len(photo) // 2]
    refused = upload_and_confirm(client, headers, applicant_id, "photo", "image/jpeg", cut)
    assert _codes(refused) == ["not_decodable"]


def test_object_that_breaks_the_declaration_is_rejected_by_head(client, owner, store):
    """An object put there some other way (not through the policy) still meets the checks."""
    headers, applicant_id = owner
    asked = request_upload(client, headers, applicant_id, "photo", "image/jpeg", 30_000)
    document = asked.get_json()["document"]
    key = asked.get_json()["upload"]["fields"]["key"]
    store.write(key=key, data=image_bytes((700, 900), "PNG"), content_type="image/png")
    refused = client.post(f"/api/v1/documents/{document['id']}/confirm", headers=headers)
    assert set(_codes(refused)) == {"size_out_of_range", "content_type_mismatch"}


class _DownStore:
    """A store whose backend is unreachable."""

    def __getattr__(self, name):
        def fail(**_kwargs):
            raise StorageUnavailable("down")

        return fail


def test_unreachable_store_is_503_and_the_document_waits(client, owner, use_store):
    headers, applicant_id = owner
    asked = request_upload(client, headers, applicant_id, "photo", "image/jpeg", 30_000)
    document_id = asked.get_json()["document"]["id"]
    use_store(_DownStore())
    down = client.post(f"/api/v1/documents/{document_id}/confirm", headers=headers)
    assert down.status_code == 503 and down.get_json()["error"] == "storage_unavailable"
    again = request_upload(client, headers, applicant_id, "photo", "image/jpeg", 30_000)
    assert again.status_code == 503
    shown = client.get(f"/api/v1/documents/{document_id}", headers=headers).get_json()
    assert shown["status"] == "pending_upload"
    assert (
        len(client.get(f"/api/v1/applicants/{applicant_id}/documents", headers=headers).get_json())
        == 1
    )


def test_a_lost_race_keeps_the_first_outcome(app, client, owner, store):
    """Two confirmations of one upload: the second records nothing and drops its copy."""
    from services.core.db import db
    from services.documents import documents
    from services.models import Account, Document

    headers, applicant_id = owner
    confirmed = upload_and_confirm(
        client, headers, applicant_id, "supporting", "application/pdf", pdf_bytes()
    )
    document_id = confirmed.get_json()["id"]
    with app.app_context():
        document = db.session.get(Document, document_id)
        account = db.session.get(Account, document.account_id)
        store.write(
            key="documents/applicants/0/late-copy",
            data=b"%PDF-late",
            content_type="application/pdf",
        )
        late = documents._Outcome(
            storage_key="documents/applicants/0/late-copy", stored_size=9, sha256="0" * 64
        )
        kept = documents._record_outcome(account, document_id, late)
        assert kept.storage_key != "documents/applicants/0/late-copy"
        assert kept.sha256 == confirmed.get_json()["sha256"]
    with pytest.raises(ObjectNotFound):
        store.head(key="documents/applicants/0/late-copy")


def test_every_check_code_is_explained_in_every_language(app):
    from services.core.languages import LANGUAGES
    from services.documents.checks import MESSAGE_PARAMS, check_message
    from services.documents.texts import CHECK_TEXTS

    with app.app_context():
        assert "8000" in check_message("too_large", "en")
        assert "50 megapixels" in check_message("too_large", "en")
        for code, text in CHECK_TEXTS.items():
            for language in LANGUAGES:
                message = check_message(code, language)
                assert "%(" not in message, (code, language)
                english = text.english % MESSAGE_PARAMS
                assert (message == english) == (language == "en"), (code, language)
        assert check_message("too_small", "vi").startswith("Ảnh quá nhỏ")
        assert str(MESSAGE_PARAMS["min_pixels"]) in check_message("too_small", "zh-Hant")
        assert check_message("something_new", "zh-Hant") == check_message("check_failed", "zh-Hant")

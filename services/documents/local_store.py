"""The two HTTP ends of the embedded local object store: the upload the phone POSTs (the
signed policy is the authorisation, exactly as with S3) and the signed download link.

Only meaningful when the configured store is the local one; with any other store both
answer "not found".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services.core import integrations
from services.core.errors import Forbidden, NotFound
from storage import ObjectNotFound, UploadPolicyViolation
from storage.local import LocalObjectStore


class UploadRefused(Forbidden):
    """The form breaks its signed policy; ``errors["reason"]`` names the broken condition."""

    def __init__(self, reason: str) -> None:
        super().__init__("upload_policy_violation")
        self.errors = {"reason": reason}


@dataclass(frozen=True)
class LocalDownload:
    path: Path
    content_type: str
    filename: str | None


def _local_store() -> LocalObjectStore:
    store = integrations.object_store()
    if not isinstance(store, LocalObjectStore):
        raise NotFound()
    return store


def accept_upload(
    fields: Mapping[str, str], file_bytes: bytes, file_content_type: str | None
) -> None:
    """Store a posted file if its form satisfies the signed policy (403 otherwise)."""
    try:
        _local_store().accept_upload(
            fields=fields, file_bytes=file_bytes, file_content_type=file_content_type
        )
    except UploadPolicyViolation as exc:
        raise UploadRefused(exc.reason) from None


def resolve_download(token: str) -> LocalDownload:
    """The file behind a signed download token; any bad, expired or stale token is a 404."""
    try:
        path, info, filename = _local_store().resolve_download(token)
    except (ObjectNotFound, ValueError):
        raise NotFound() from None
    return LocalDownload(path=path, content_type=info.content_type, filename=filename)

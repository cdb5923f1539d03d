"""Object-store contract shared by every storage backend.

Services depend on :class:`ObjectStore` and on the dataclasses and errors defined here, never
on boto3 or on the local-disk implementation, so the backend can be swapped by configuration
(see :mod:`storage.registry`).

The upload protocol is the S3 "browser-based POST": the server chooses the key and signs a
policy, the phone posts the file straight to the returned URL with the returned form fields,
then tells the API "done" and the service calls :meth:`ObjectStore.head` to check size, type
and encryption before it accepts the document.
"""

from __future__ import annotations

import abc
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

__all__ = [
    "SSE_ALGORITHM",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectTooLarge",
    "PresignedUpload",
    "StorageError",
    "StorageUnavailable",
    "UploadPolicyViolation",
    "check_upload_args",
    "content_disposition",
    "validate_key",
]

#: The only server-side encryption we ask for: SSE-S3 (keys managed by S3).
SSE_ALGORITHM = "AES256"

# Keys are chosen by the server (e.g. "applications/42/photo-<uuid>.jpg"), so we can afford a
# strict grammar: every segment starts with an alphanumeric, which rules out "", ".", "..",
# hidden files, "${filename}" placeholders (boto3 would silently turn those into a
# "starts-with" condition), backslashes and control characters in one rule.
_KEY_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._=-]*"
_KEY_RE = re.compile(rf"{_KEY_SEGMENT}(?:/{_KEY_SEGMENT})*")
MAX_KEY_LENGTH = 512


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe object key, else raise :class:`ValueError`.

    Safe means: relative, no empty / "." / ".." segments, only ``[A-Za-z0-9._=-]`` and "/",
    at most 512 characters. The same rule serves S3 (no surprising keys) and the local store
    (no path traversal).
    """
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"invalid object key: {key!r}")
    if not _KEY_RE.fullmatch(key):
        raise ValueError(f"invalid object key: {key!r}")
    return key


@dataclass(frozen=True)
class PresignedUpload:
    """What the phone needs to POST a file directly to the store.

    ``fields`` must be sent as form fields, in any order, *before* the file part, which must be
    the last part of the multipart body (S3 ignores anything after the file).
    """

    url: str
    fields: dict[str, str]
    key: str
    expires_at: datetime


@dataclass(frozen=True)
class ObjectInfo:
    """Metadata of a stored object.

    ``etag`` is the bare hex digest without the surrounding quotes S3 puts in the header.
    ``encrypted`` is True when the object is stored with server-side encryption.
    """

    key: str
    size: int
    content_type: str
    encrypted: bool
    etag: str | None = None


class StorageError(Exception):
    """Base class of every storage error; ``retryable`` tells callers whether to try later."""

    retryable: bool = False

    def __init__(self, message: str = "", *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class ObjectNotFound(StorageError):
    """The key does not exist (or a download token is invalid, so we reveal nothing more)."""


class StorageUnavailable(StorageError):
    """The backend could not be reached or answered 5xx / throttled; try again later."""

    retryable = True


class UploadPolicyViolation(StorageError):
    """An upload (or stored object) breaks the signed policy.

    ``reason`` is a stable machine-readable code, e.g. ``"bad_signature"``, ``"expired"``,
    ``"key_mismatch"``, ``"invalid_key"``, ``"content_type_mismatch"``, ``"too_large"``,
    ``"too_small"``, ``"encryption_required"``, ``"unexpected_field"``, ``"malformed_policy"``.
    """

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class ObjectTooLarge(UploadPolicyViolation):
    """:meth:`ObjectStore.read` refused an object bigger than ``max_bytes``."""

    def __init__(self, message: str = "") -> None:
        super().__init__("too_large", message)


def content_disposition(filename: str) -> str:
    """Build an ``attachment`` Content-Disposition header value for ``filename`` (RFC 6266).

    A sanitised ASCII fallback goes in ``filename=`` and the exact UTF-8 name in ``filename*=``
    so that accented names (common for applicants' documents) survive every browser.
    """
    name = _clean_filename(filename)
    ascii_name = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii") or "download"
    )
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_")
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def _clean_filename(filename: str) -> str:
    # Drop any directory part and control characters: the name is shown to the user and
    # must never be usable for header injection (CR/LF) or path tricks on their device.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:150] or "download"


class ObjectStore(abc.ABC):
    """Where passport photos and supporting documents live.

    All methods are keyword-only so call sites stay readable and backends interchangeable.
    Implementations raise only :class:`StorageError` subclasses, never SDK exceptions.
    """

    @abc.abstractmethod
    def presign_upload(
        self, *, key: str, content_type: str, min_size: int, max_size: int, expires_in: int
    ) -> PresignedUpload:
        """Sign a POST policy pinning the exact key, Content-Type, size range, SSE and expiry."""

    @abc.abstractmethod
    def head(self, *, key: str) -> ObjectInfo:
        """Return the object's metadata or raise :class:`ObjectNotFound`."""

    @abc.abstractmethod
    def read(self, *, key: str, max_bytes: int) -> bytes:
        """Return the object's bytes; raise :class:`ObjectTooLarge` beyond ``max_bytes``."""

    @abc.abstractmethod
    def write(self, *, key: str, data: bytes, content_type: str) -> ObjectInfo:
        """Store ``data`` under ``key`` with server-side encryption, replacing any old object."""

    @abc.abstractmethod
    def delete(self, *, key: str) -> None:
        """Delete the object; deleting a missing key is not an error (as in S3)."""

    @abc.abstractmethod
    def presign_download(self, *, key: str, expires_in: int, filename: str | None = None) -> str:
        """Return a short-lived GET URL; ``filename`` makes it an attachment download."""


def check_upload_args(*, content_type: str, min_size: int, max_size: int, expires_in: int) -> None:
    """Validate presign arguments the same way for every backend (programming errors)."""
    if not content_type or any(ch in content_type for ch in "\r\n"):
        raise ValueError(f"invalid content type: {content_type!r}")
    if min_size < 0 or max_size < min_size:
        raise ValueError(f"invalid size range: {min_size}..{max_size}")
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")

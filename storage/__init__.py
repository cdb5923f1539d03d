"""Object storage for passport photos and supporting documents uploaded from the phone.

Services use the :class:`ObjectStore` contract and build the configured backend with
:func:`build_object_store`: ``"local"`` (embedded default, files on disk, same presigned-POST
protocol served by our own app) or ``"s3"`` (boto3, any S3-compatible endpoint).
Photo and file-type checks live in :mod:`storage.photo` (imported on demand, it needs Pillow).

Typical flow: ``presign_upload`` -> the phone POSTs the file with the returned fields ->
the app says "done" -> ``head`` checks size, type and encryption -> ``read`` +
:func:`storage.photo.inspect_photo` / ``check_declared_type`` -> accept or ``delete``.
"""

from storage.base import (
    SSE_ALGORITHM,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    PresignedUpload,
    StorageError,
    StorageUnavailable,
    UploadPolicyViolation,
    content_disposition,
    validate_key,
)
from storage.registry import build_object_store

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
    "build_object_store",
    "content_disposition",
    "validate_key",
]

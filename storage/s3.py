"""S3 adapter (boto3): presigned POST uploads, head checks, presigned GET downloads.

Works with AWS and any S3-compatible endpoint (MinIO, Ceph, moto in tests) via
``endpoint_url``. Only this module imports boto3; callers see our dataclasses and errors.

Error mapping: 404 -> :class:`ObjectNotFound`; connection failures, timeouts, 5xx and
throttling -> :class:`StorageUnavailable` (retryable); anything else (403, bad request,
missing credentials, missing bucket) -> :class:`StorageError` (not retryable: it is a
configuration problem that retrying will not fix).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from storage.base import (
    SSE_ALGORITHM,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    PresignedUpload,
    StorageError,
    StorageUnavailable,
    check_upload_args,
    content_disposition,
    validate_key,
)
from storage.policy import SSE_FIELD, parse_expiration
from storage.policy import decode_policy as _decode_policy_text

__all__ = ["S3ObjectStore"]

# SigV4 presigned URLs cannot live longer than seven days.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
_UNAVAILABLE_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "ServiceUnavailable",
        "InternalError",
    }
)
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class S3ObjectStore(ObjectStore):
    """Object store on one S3 bucket.

    Pass ``client`` to reuse a configured boto3 client (tests, custom sessions); otherwise one
    is built with SigV4, bounded timeouts and "standard" retries (``max_attempts`` counts the
    first try too) so a dead endpoint fails within seconds instead of hanging a request.
    """

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        client: Any = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        max_attempts: int = 3,
    ) -> None:
        if not bucket:
            raise ValueError("bucket is required")
        self.bucket = bucket
        if client is None:
            config = Config(
                signature_version="s3v4",
                retries={"mode": "standard", "total_max_attempts": max_attempts},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                # Custom endpoints (MinIO, moto, an IP address) rarely resolve virtual-host
                # bucket names; AWS itself prefers virtual hosts, which "auto" picks.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
            )
            # A private Session: boto3.client() shares the default session, whose client
            # creation is not thread-safe under gunicorn threads / Celery.
            client = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                config=config,
            )
        self._client = client

    @staticmethod
    def decode_policy(fields: Mapping[str, str]) -> dict[str, Any]:
        """Decode the base64 JSON ``policy`` of presigned-POST fields (for checks and tests)."""
        return _decode_policy_text(fields["policy"])

    @contextmanager
    def _errors(self, key: str) -> Iterator[None]:
        """Translate botocore exceptions into our storage errors."""
        try:
            yield
        except ClientError as exc:
            raise _from_client_error(exc, key) from exc
        except (BotoConnectionError, HTTPClientError) as exc:
            # Refused / reset connections, DNS failures, connect and read timeouts, and
            # bodies cut off mid-stream (ResponseStreamingError is an HTTPClientError).
            raise StorageUnavailable(f"S3 unreachable: {exc}") from exc
        except BotoCoreError as exc:
            # NoCredentialsError, ParamValidationError, ...: fixing needs a human.
            raise StorageError(f"S3 client error: {exc}") from exc

    def presign_upload(
        self, *, key: str, content_type: str, min_size: int, max_size: int, expires_in: int
    ) -> PresignedUpload:
        validate_key(key)
        check_upload_args(
            content_type=content_type, min_size=min_size, max_size=max_size, expires_in=expires_in
        )
        if expires_in > MAX_PRESIGN_SECONDS:
            raise ValueError("expires_in exceeds the SigV4 limit of 7 days")
        with self._errors(key):
            post = self._client.generate_presigned_post(
                Bucket=self.bucket,
                Key=key,
                # Fields pre-fill the form; only Conditions are enforced by S3, so each value
                # appears in both.
                Fields={"Content-Type": content_type, SSE_FIELD: SSE_ALGORITHM},
                Conditions=[
                    # botocore appends {"bucket": ...} and the exact {"key": key} itself;
                    # adding it here would only duplicate it (verified below, fail closed).
                    {"Content-Type": content_type},
                    ["content-length-range", min_size, max_size],
                    {SSE_FIELD: SSE_ALGORITHM},
                ],
                ExpiresIn=expires_in,
            )
        fields = {str(name): str(value) for name, value in post["fields"].items()}
        policy = self.decode_policy(fields)
        if {"key": key} not in policy["conditions"] or fields.get("key") != key:
            # If a future botocore stopped pinning the key, the phone could overwrite any
            # object in the bucket: refuse to hand out such a policy.
            raise StorageError("presigned POST policy does not pin the exact key")
        return PresignedUpload(
            url=post["url"],
            fields=fields,
            key=key,
            expires_at=parse_expiration(policy["expiration"]),
        )

    def head(self, *, key: str) -> ObjectInfo:
        validate_key(key)
        with self._errors(key):
            response = self._client.head_object(Bucket=self.bucket, Key=key)
        return _object_info(key, response)

    def read(self, *, key: str, max_bytes: int) -> bytes:
        validate_key(key)
        with self._errors(key):
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            body = response["Body"]
            try:
                if response.get("ContentLength", 0) > max_bytes:
                    raise ObjectTooLarge(f"{key!r} is {response['ContentLength']} bytes")
                # Never trust the header alone for memory safety: read one byte past the cap.
                data = body.read(max_bytes + 1)
            finally:
                body.close()
        if len(data) > max_bytes:
            raise ObjectTooLarge(f"{key!r} exceeds {max_bytes} bytes")
        return data

    def write(self, *, key: str, data: bytes, content_type: str) -> ObjectInfo:
        validate_key(key)
        with self._errors(key):
            response = self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ServerSideEncryption=SSE_ALGORITHM,
            )
        return ObjectInfo(
            key=key,
            size=len(data),
            content_type=content_type,
            encrypted=bool(response.get("ServerSideEncryption")),
            etag=_bare_etag(response.get("ETag")),
        )

    def delete(self, *, key: str) -> None:
        validate_key(key)
        with self._errors(key):
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def presign_download(self, *, key: str, expires_in: int, filename: str | None = None) -> str:
        validate_key(key)
        if not 0 < expires_in <= MAX_PRESIGN_SECONDS:
            raise ValueError("expires_in must be between 1 second and 7 days")
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if filename is not None:
            # Signed into the URL, so the phone cannot change how the file is served.
            params["ResponseContentDisposition"] = content_disposition(filename)
        with self._errors(key):
            url: str = self._client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires_in
            )
        return url


def _bare_etag(etag: str | None) -> str | None:
    return etag.strip('"') if etag else None


def _object_info(key: str, response: Mapping[str, Any]) -> ObjectInfo:
    return ObjectInfo(
        key=key,
        size=int(response["ContentLength"]),
        content_type=response.get("ContentType") or "binary/octet-stream",
        # AES256 (SSE-S3), aws:kms and aws:kms:dsse all count as encrypted at rest.
        encrypted=bool(response.get("ServerSideEncryption")),
        etag=_bare_etag(response.get("ETag")),
    )


def _from_client_error(exc: ClientError, key: str) -> StorageError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code == "NoSuchBucket":
        return StorageError(f"bucket missing: {error.get('Message', code)}")
    if status == 404 or code in _NOT_FOUND_CODES:
        return ObjectNotFound(key)
    if status >= 500 or status == 429 or code in _UNAVAILABLE_CODES:
        return StorageUnavailable(f"S3 {status} {code}")
    return StorageError(f"S3 {status} {code}: {error.get('Message', '')}")

"""Local-disk object store: the embedded default, speaking the same upload protocol as S3.

``presign_upload`` returns a URL on our own app and form fields carrying a base64 JSON policy
with the same conditions the S3 adapter signs, plus an HMAC-SHA256 signature of that policy.
The route behind the URL (wired elsewhere) hands the form to :meth:`accept_upload`, which
enforces the policy exactly as S3 would, so the phone's upload code does not change between
development and production.

Encryption: the policy requires ``x-amz-server-side-encryption: AES256`` and
:attr:`ObjectInfo.encrypted` reports whether the upload carried it, but on local disk the
bytes are **not** encrypted at rest; only the protocol is mirrored. Use S3 (or disk
encryption) for real applicant data.

Layout under ``root``: ``data/<key>`` holds the bytes, ``meta/<key>.json`` the content type
and etag, ``tmp/`` the files being written (same filesystem, so ``os.replace`` is atomic).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.base import (
    SSE_ALGORITHM,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    PresignedUpload,
    StorageError,
    UploadPolicyViolation,
    check_upload_args,
    validate_key,
)
from storage.policy import (
    SSE_FIELD,
    build_policy,
    decode_policy,
    encode_policy,
    evaluate_policy,
    parse_expiration,
)

__all__ = ["DOWNLOAD_PATH", "SIGNATURE_FIELD", "UPLOAD_PATH", "LocalObjectStore"]

UPLOAD_PATH = "/api/v1/storage/local-upload"
DOWNLOAD_PATH = "/api/v1/storage/local-download/"
SIGNATURE_FIELD = "x-amz-signature"
MIN_SECRET_BYTES = 16


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LocalObjectStore(ObjectStore):
    """Objects in a folder, uploads and downloads authorised by HMAC-signed documents.

    ``clock`` returns an aware UTC datetime; tests inject one to exercise expiry.
    """

    def __init__(
        self,
        *,
        root: Path,
        secret: bytes,
        public_base_url: str,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            # A short secret would let anyone forge upload policies and download tokens.
            raise ValueError(f"signing secret must be at least {MIN_SECRET_BYTES} bytes")
        self._root = Path(root).resolve()
        self._objects = self._root / "data"
        self._meta = self._root / "meta"
        self._tmp = self._root / "tmp"
        for folder in (self._objects, self._meta, self._tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self._secret = secret
        self._base_url = public_base_url.rstrip("/")
        self._clock = clock

    # -- signing -----------------------------------------------------------------------------

    def _mac(self, purpose: bytes, payload: bytes) -> bytes:
        # The purpose prefix separates domains: an upload signature can never be replayed as
        # a download token or the other way round.
        return hmac.new(self._secret, purpose + b"\0" + payload, hashlib.sha256).digest()

    # -- uploads -----------------------------------------------------------------------------

    def presign_upload(
        self, *, key: str, content_type: str, min_size: int, max_size: int, expires_in: int
    ) -> PresignedUpload:
        validate_key(key)
        check_upload_args(
            content_type=content_type, min_size=min_size, max_size=max_size, expires_in=expires_in
        )
        # Policies have one-second resolution; truncate so expires_at matches the document.
        expires_at = (self._clock() + timedelta(seconds=expires_in)).replace(microsecond=0)
        policy = encode_policy(
            build_policy(
                key=key,
                content_type=content_type,
                min_size=min_size,
                max_size=max_size,
                expiration=expires_at,
            )
        )
        fields = {
            "key": key,
            "Content-Type": content_type,
            SSE_FIELD: SSE_ALGORITHM,
            "policy": policy,
            SIGNATURE_FIELD: self._mac(b"upload", policy.encode("ascii")).hex(),
        }
        return PresignedUpload(
            url=self._base_url + UPLOAD_PATH, fields=fields, key=key, expires_at=expires_at
        )

    def accept_upload(
        self, *, fields: Mapping[str, str], file_bytes: bytes, file_content_type: str | None = None
    ) -> ObjectInfo:
        """Check a posted form against its signed policy, then store the file atomically.

        ``file_content_type`` (the Content-Type of the multipart file part) is used only when
        the form has no ``Content-Type`` field, as S3 does; the policy then judges it.
        Raises :class:`UploadPolicyViolation` with a ``reason`` for every refusal.
        """
        encoded = fields.get("policy")
        signature = fields.get(SIGNATURE_FIELD)
        if not encoded or not signature:
            raise UploadPolicyViolation("bad_signature", "policy or signature missing")
        expected = self._mac(b"upload", encoded.encode("utf-8", "replace")).hex()
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise UploadPolicyViolation("bad_signature", "policy signature does not match")
        try:
            policy = decode_policy(encoded)
            expiration = parse_expiration(policy["expiration"])
        except ValueError as exc:
            raise UploadPolicyViolation("malformed_policy", str(exc)) from exc
        if self._clock() >= expiration:
            raise UploadPolicyViolation("expired", f"policy expired at {policy['expiration']}")

        effective = dict(fields)
        if file_content_type and not any(k.lower() == "content-type" for k in effective):
            effective["Content-Type"] = file_content_type
        key = effective.get("key", "")
        try:
            validate_key(key)
        except ValueError as exc:
            # Checked before the key condition so that traversal attempts are reported as
            # such, and before anything touches the filesystem.
            raise UploadPolicyViolation("invalid_key", str(exc)) from exc
        if not any(isinstance(c, dict) and list(c) == ["key"] for c in policy["conditions"]):
            # We never sign a policy without an exact key; refuse rather than trust one.
            raise UploadPolicyViolation("malformed_policy", "policy does not pin the key")
        evaluate_policy(policy, effective, size=len(file_bytes), signature_field=SIGNATURE_FIELD)

        lowered = {name.lower(): value for name, value in effective.items()}
        return self._store(
            key,
            file_bytes,
            content_type=lowered.get("content-type", "binary/octet-stream"),
            encrypted=lowered.get(SSE_FIELD) == SSE_ALGORITHM,
        )

    # -- objects -----------------------------------------------------------------------------

    def _paths(self, key: str) -> tuple[Path, Path]:
        validate_key(key)
        data_path = self._objects / key
        meta_path = self._meta / f"{key}.json"
        # validate_key already forbids "..", this also catches symlinks planted under root.
        if not data_path.resolve().is_relative_to(self._objects) or not (
            meta_path.resolve().is_relative_to(self._meta)
        ):
            raise ValueError(f"key escapes the storage root: {key!r}")
        return data_path, meta_path

    def _atomic_write(self, target: Path, payload: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())  # the rename must never expose a half-written file
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def _store(self, key: str, data: bytes, *, content_type: str, encrypted: bool) -> ObjectInfo:
        data_path, meta_path = self._paths(key)
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()  # S3-style single-part etag
        meta = {"content_type": content_type, "encrypted": encrypted, "etag": etag}
        try:
            # Data first, metadata last: head() needs both, so the sidecar acts as the commit.
            self._atomic_write(data_path, data)
            self._atomic_write(meta_path, json.dumps(meta).encode("utf-8"))
        except OSError as exc:
            # e.g. key "a/b" when "a" is already an object: S3 allows it, a filesystem cannot.
            raise StorageError(f"cannot store {key!r}: {exc}") from exc
        return ObjectInfo(
            key=key, size=len(data), content_type=content_type, encrypted=encrypted, etag=etag
        )

    def head(self, *, key: str) -> ObjectInfo:
        data_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_bytes())
            size = data_path.stat().st_size
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        return ObjectInfo(
            key=key,
            size=size,
            content_type=meta["content_type"],
            encrypted=bool(meta["encrypted"]),
            etag=meta.get("etag"),
        )

    def read(self, *, key: str, max_bytes: int) -> bytes:
        info = self.head(key=key)
        if info.size > max_bytes:
            raise ObjectTooLarge(f"{key!r} is {info.size} bytes, limit {max_bytes}")
        data_path, _ = self._paths(key)
        try:
            with data_path.open("rb") as handle:
                data = handle.read(max_bytes + 1)  # the file may have been replaced meanwhile
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        if len(data) > max_bytes:
            raise ObjectTooLarge(f"{key!r} exceeds {max_bytes} bytes")
        return data

    def write(self, *, key: str, data: bytes, content_type: str) -> ObjectInfo:
        return self._store(key, data, content_type=content_type, encrypted=True)

    def delete(self, *, key: str) -> None:
        data_path, meta_path = self._paths(key)
        meta_path.unlink(missing_ok=True)  # metadata first: head() stops seeing it at once
        data_path.unlink(missing_ok=True)

    def path_for(self, key: str) -> Path:
        """Filesystem path of an object's bytes (for the download route's send_file)."""
        return self._paths(key)[0]

    # -- downloads ---------------------------------------------------------------------------

    def presign_download(self, *, key: str, expires_in: int, filename: str | None = None) -> str:
        validate_key(key)
        if expires_in <= 0:
            raise ValueError("expires_in must be positive")
        expires = int((self._clock() + timedelta(seconds=expires_in)).timestamp())
        payload = json.dumps({"k": key, "e": expires, "f": filename}, separators=(",", ":"))
        body = payload.encode("utf-8")
        token = f"{_b64url(body)}.{_b64url(self._mac(b'download', body))}"
        return f"{self._base_url}{DOWNLOAD_PATH}{token}"

    def resolve_download(self, token: str) -> tuple[Path, ObjectInfo, str | None]:
        """Validate a download token; return the file path, its metadata and the filename.

        Every failure (malformed, tampered, expired, deleted object) raises
        :class:`ObjectNotFound` so the route answers 404 without revealing which one.
        """
        try:
            body_text, mac_text = token.split(".")
            body, mac = _unb64url(body_text), _unb64url(mac_text)
        except (ValueError, binascii.Error) as exc:
            raise ObjectNotFound("malformed download token") from exc
        if not hmac.compare_digest(self._mac(b"download", body), mac):
            raise ObjectNotFound("download token signature mismatch")
        claims = json.loads(body)  # signed by us, so well-formed
        if self._clock().timestamp() >= claims["e"]:
            raise ObjectNotFound("download token expired")
        info = self.head(key=claims["k"])
        return self.path_for(claims["k"]), info, claims["f"]

"""Build the configured :class:`~storage.base.ObjectStore` from application settings.

``settings["STORAGE_BACKEND"]`` selects the backend:

- ``"local"``: :class:`~storage.local.LocalObjectStore`; reads ``STORAGE_LOCAL_ROOT``,
  ``STORAGE_SIGNING_SECRET`` (str or bytes, at least 16 bytes) and ``PUBLIC_BASE_URL``.
- ``"s3"``: :class:`~storage.s3.S3ObjectStore`; reads ``S3_BUCKET`` (required),
  ``S3_ENDPOINT_URL`` and ``S3_REGION`` (default ``us-east-1``), and optionally
  ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (otherwise boto3's default credential
  chain: environment, instance role, ...).

Anything else raises :class:`ValueError`, as does a missing required setting, so a
misconfigured deployment fails at start-up rather than at the first upload.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from storage.base import ObjectStore

__all__ = ["BACKENDS", "build_object_store"]

BACKENDS = ("local", "s3")


def _required(settings: Mapping[str, Any], name: str) -> Any:
    value = settings.get(name)
    if value in (None, ""):
        raise ValueError(f"storage setting {name} is required")
    return value


def build_object_store(settings: Mapping[str, Any]) -> ObjectStore:
    """Return the object store selected by ``settings["STORAGE_BACKEND"]``."""
    backend = settings.get("STORAGE_BACKEND")
    if backend == "local":
        # Imported lazily so that each deployment only loads the backend it uses
        # (the local default never imports boto3).
        from storage.local import LocalObjectStore

        secret = _required(settings, "STORAGE_SIGNING_SECRET")
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        return LocalObjectStore(
            root=Path(_required(settings, "STORAGE_LOCAL_ROOT")),
            secret=secret,
            public_base_url=str(_required(settings, "PUBLIC_BASE_URL")),
        )
    if backend == "s3":
        from storage.s3 import S3ObjectStore

        return S3ObjectStore(
            bucket=str(_required(settings, "S3_BUCKET")),
            endpoint_url=settings.get("S3_ENDPOINT_URL") or None,
            region=settings.get("S3_REGION") or "us-east-1",
            access_key_id=settings.get("AWS_ACCESS_KEY_ID") or None,
            secret_access_key=settings.get("AWS_SECRET_ACCESS_KEY") or None,
        )
    raise ValueError(f"unknown STORAGE_BACKEND {backend!r}; expected one of {BACKENDS}")

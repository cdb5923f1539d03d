"""moto's S3 served over HTTP on 127.0.0.1, for the tests that drive boto3 against it: a
loopback HTTP session, the server, an admin client and fresh buckets."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import requests
from botocore.config import Config
from moto.server import ThreadedMotoServer

CREDS = {"access_key_id": "testing", "secret_access_key": "testing"}


@contextmanager
def loopback_session() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # never route loopback traffic through an ambient proxy
    try:
        yield session
    finally:
        session.close()


@contextmanager
def moto_server(http: requests.Session) -> Iterator[str]:
    """Yields the server's URL; moto's backends are process-global, so they are reset."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        yield url
    finally:
        http.post(f"{url}/moto-api/reset", timeout=5)
        server.stop()


@functools.cache
def admin(endpoint: str):
    # Cached: building a boto3 client loads the S3 service model (~0.15 s).
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(signature_version="s3v4"),
    )


def new_bucket(endpoint: str, *, default_encryption: bool = True) -> str:
    bucket = f"docs-{uuid.uuid4().hex[:16]}"
    client = admin(endpoint)
    client.create_bucket(Bucket=bucket)
    if default_encryption:
        # Real S3 has applied SSE-S3 to every new object since January 2023; moto only does
        # when the bucket says so (it ignores the SSE field of a POST upload).
        client.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    return bucket

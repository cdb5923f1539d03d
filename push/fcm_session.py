"""The HTTP session under firebase-admin's messaging service: the SDK's own session, with a
short path for the one request a worker makes thousands of times (a JSON POST to FCM).

firebase-admin sends each message with ``session.request("post", url, headers=...,
json=..., timeout=...)`` on a google-auth ``AuthorizedSession`` (a ``requests.Session``).
Per message, ``requests`` merged the session's settings, prepared the URL, cookies and
hooks, looked the connection pool up by a freshly built key and copied the response into
a cookie jar: about 2,000 Python calls and four fifths of the CPU a delivery cost the
worker, for settings that never change between two messages. ``KeptSession`` does for a
JSON request to the FCM origin what that path did, once per request, and nothing else:

* the credential applies its token the way ``AuthorizedSession`` does (``before_request``:
  refresh when expired), and a 401 refreshes it and resends, as often as that session
  would (``_max_refresh_attempts``, on ``_refresh_status_codes``);
* the request goes over libcurl (``push.curl_transport``: a keep-alive connection per
  sending thread, TLS verified against the session's CA bundle or requests' own), under
  the mounted adapter's urllib3 retry policy (the SDK's: 500/503 four times with backoff,
  one connect and one read retry) driven as ``urlopen`` drove it, with the same timeouts;
  until session 17 it went to the adapter's urllib3 pool, and ``http.client`` under it
  cost three times libcurl's CPU per request;
* failures become the urllib3 exceptions ``urlopen`` raised and then the ``requests``
  exceptions the adapter raised for them, so the SDK maps failures exactly as before; the
  answer is a ``requests.Response``.

Everything else (other methods, a body that is not JSON, any other keyword, a proxy, a
client certificate, TLS verification turned off) goes through the SDK's session unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import json as jsonlib
import os
from typing import Any

import requests
import requests.adapters
import requests.exceptions
import requests.utils
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPHeaderDict, HTTPResponse
from urllib3 import exceptions as urllib3_errors
from urllib3.util import Retry, Timeout

from .curl_transport import AnswerTimes, CurlResponse, CurlTransport

_UNSET = object()


def _request_error(error: Exception) -> requests.exceptions.RequestException | None:
    """The ``requests`` exception ``HTTPAdapter.send`` (requests 2.34) raises for a urllib3
    error; None for one it lets through."""
    if isinstance(error, urllib3_errors.MaxRetryError):
        reason = error.reason
        if isinstance(reason, urllib3_errors.ConnectTimeoutError) and not isinstance(
            reason, urllib3_errors.NewConnectionError
        ):
            return requests.exceptions.ConnectTimeout(error)
        if isinstance(reason, urllib3_errors.ResponseError):
            return requests.exceptions.RetryError(error)
        if isinstance(reason, urllib3_errors.ProxyError):
            return requests.exceptions.ProxyError(error)
        if isinstance(reason, urllib3_errors.SSLError):
            return requests.exceptions.SSLError(error)
        return requests.exceptions.ConnectionError(error)
    if isinstance(error, (urllib3_errors.ProtocolError, OSError, urllib3_errors.ClosedPoolError)):
        return requests.exceptions.ConnectionError(error)
    if isinstance(error, urllib3_errors.ProxyError):
        return requests.exceptions.ProxyError(error)
    if isinstance(error, urllib3_errors.SSLError):
        return requests.exceptions.SSLError(error)
    if isinstance(error, urllib3_errors.ReadTimeoutError):
        return requests.exceptions.ReadTimeout(error)
    if isinstance(error, urllib3_errors.InvalidHeader):
        return requests.exceptions.InvalidHeader(error)
    # The body is read here, inside urlopen; requests maps what reading it raises in
    # Response.iter_content (a broken gzip body, a truncated chunk): left as urllib3's, the
    # SDK would not know it for a transport error and the push would not be retried.
    if isinstance(error, urllib3_errors.DecodeError):
        return requests.exceptions.ContentDecodingError(error)
    if isinstance(error, urllib3_errors.HTTPError):
        return requests.exceptions.ChunkedEncodingError(error)
    return None


class KeptSession:
    """Wraps the SDK's ``AuthorizedSession`` (``session``); JSON requests to ``origin`` take
    the short path, the rest the wrapped session. Thread-safe as the wrapped one is."""

    def __init__(self, session: requests.Session, origin: str) -> None:
        self.session = session
        self._origin = origin.rstrip("/")
        self._prefix = self._origin + "/"
        self._transport: CurlTransport | None = None
        self._adapter: requests.adapters.HTTPAdapter | None = None
        # Read once: the short path serves only what the session was set up for when the
        # sender started (size_connection_pool froze the environment's settings on it).
        if (
            getattr(session, "credentials", None) is not None
            and not session.trust_env
            and requests.utils.select_proxy(self._prefix, session.proxies) is None
            and session.cert is None
            and session.verify is not False
            and not getattr(session, "is_mtls", False)
            and not session.auth
            # google-auth 2.x AuthorizedSession internals the short path reads
            and all(
                hasattr(session, name)
                for name in ("_auth_request", "_refresh_status_codes", "_max_refresh_attempts")
            )
        ):
            adapter = session.get_adapter(self._origin + "/")
            if isinstance(adapter, requests.adapters.HTTPAdapter):
                verify = session.verify
                # requests' own default bundle (certifi's) when the session names none.
                ca_bundle = (
                    verify if isinstance(verify, str) else requests.utils.DEFAULT_CA_BUNDLE_PATH
                )
                if not os.path.exists(ca_bundle):
                    # What requests' adapter said at the sender's start (cert_verify): a
                    # mistyped REQUESTS_CA_BUNDLE stops the sender there, not every push.
                    raise OSError(
                        "Could not find a suitable TLS CA certificate bundle, invalid path: "
                        f"{ca_bundle}"
                    )
                self._transport = CurlTransport(ca_bundle)
                self._adapter = adapter
        self._timeouts: dict[Any, Timeout] = {}

    @property
    def short_path(self) -> bool:
        """Whether JSON requests to the origin skip the ``requests`` machinery."""
        return self._transport is not None

    def answer_times(self, meter: AnswerTimes) -> contextlib.AbstractContextManager[Any]:
        """Adds the calling thread's short-path answers within the block to ``meter``
        (``CurlTransport.answer_times``); with no short path, nothing is timed."""
        if self._transport is None:
            return contextlib.nullcontext()
        return self._transport.answer_times(meter)

    def __getattr__(self, name: str) -> Any:
        # headers, mount, adapters, credentials...: the wrapped session's own.
        return getattr(self.session, name)

    def request(
        self,
        method: str,
        url: str,
        data: Any = None,
        headers: dict[str, str] | None = None,
        timeout: Any = _UNSET,
        json: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        if (
            self._transport is None
            or json is None
            or data is not None
            or kwargs
            or timeout is _UNSET
            or not url.startswith(self._prefix)
        ):
            if timeout is not _UNSET:
                kwargs["timeout"] = timeout
            return self.session.request(
                method, url, data=data, headers=headers, json=json, **kwargs
            )
        return self._send(method, url, headers or {}, json, timeout, 0)

    def _send(
        self, method: str, url: str, headers: dict, json: Any, timeout: Any, attempt: int
    ) -> requests.Response:
        session = self.session
        # The session's headers under the request's (names compared without case, as
        # requests does; a header set to None is left out).
        given = {name.lower() for name in headers}
        request_headers = {
            name: value
            for name, value in session.headers.items()
            if name.lower() not in given and value is not None
        }
        request_headers.update(
            (name, value) for name, value in headers.items() if value is not None
        )
        if "content-type" not in given:
            request_headers["Content-Type"] = "application/json"
        body = jsonlib.dumps(json, allow_nan=False).encode("utf-8")
        auth_request = (
            session._auth_request
            if timeout is None
            else functools.partial(session._auth_request, timeout=timeout)
        )
        session.credentials.before_request(auth_request, method, url, request_headers)
        answer = self._exchange(method.upper(), url, body, request_headers, timeout)
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(_joined(answer.headers))
        response._content = answer.body
        response.reason = answer.reason
        response.url = url
        response.encoding = get_encoding_from_headers(response.headers)
        if (
            response.status_code in session._refresh_status_codes
            and attempt < session._max_refresh_attempts
        ):
            # What AuthorizedSession does: the stored token may have expired in flight.
            session.credentials.refresh(auth_request)
            return self._send(method, url, headers, json, timeout, attempt + 1)
        return response

    def _exchange(
        self, method: str, url: str, body: bytes, headers: dict[str, str], timeout: Any
    ) -> CurlResponse:
        """One request under the adapter's urllib3 ``Retry`` policy, as ``urlopen`` applied
        it: a failure to connect or to read, and the statuses it lists, are tried again
        after its backoff; when it gives up, the ``requests`` exception the adapter raised."""
        assert self._transport is not None and self._adapter is not None
        retries: Retry = self._adapter.max_retries
        path = url[len(self._origin) :]
        while True:
            try:
                try:
                    answer = self._transport.request(
                        method, url, body, headers, self._timeout(timeout)
                    )
                except urllib3_errors.DecodeError:
                    raise  # urlopen let a body it could not decode through, untried again
                except urllib3_errors.HTTPError as error:
                    retries = retries.increment(method, path, error=error)
                    retries.sleep()
                    continue
                retry_after = any(
                    name.lower() == "retry-after" and value for name, value in answer.headers
                )
                if not retries.is_retry(method, answer.status, retry_after):
                    return answer
                # Built only for a retry: urllib3's response costs ~30 us a message.
                response = _retry_view(answer)
                try:
                    retries = retries.increment(method, path, response=response)
                except urllib3_errors.MaxRetryError:
                    if retries.raise_on_status:
                        raise
                    return answer  # the SDK's policy: the last answer, to map its error
                retries.sleep(response)
            except Exception as error:
                mapped = _request_error(error)
                if mapped is None:
                    raise
                raise mapped from error

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self.session.close()

    def _timeout(self, timeout: Any) -> Timeout:
        kept = self._timeouts.get(timeout)
        if kept is None:
            if isinstance(timeout, tuple):
                connect, read = timeout
            else:
                connect = read = timeout
            kept = self._timeouts[timeout] = Timeout(connect=connect, read=read)
        return kept


def _joined(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Headers by name, a repeated one joined with ", " (as urllib3's HTTPHeaderDict)."""
    values: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in values:
            values[key] = f"{values[key]}, {value}"
        else:
            values[key], names[key] = value, name
    return {names[key]: value for key, value in values.items()}


def _retry_view(answer: CurlResponse) -> HTTPResponse:
    """The answer as the urllib3 response ``Retry`` reads (status, Retry-After, redirect)."""
    return HTTPResponse(
        body=answer.body,
        headers=HTTPHeaderDict(answer.headers),
        status=answer.status,
        reason=answer.reason,
        preload_content=False,
        decode_content=False,
    )

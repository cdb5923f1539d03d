"""One HTTP request at a time over libcurl (``pycurl``), for the push worker's sends.

The push worker sends a JSON POST to FCM per delivery, thousands a second. Through
``http.client`` and urllib3 one such request cost the worker ~450 us of CPU on the
benchmark's host (status line and headers parsed by the ``email`` package, a Retry object,
a response object, a connection check that polls the socket, three or four system calls
that each let go of the GIL); through libcurl the same request costs ~165 us
(``python -m bench.push_http``: 435-459 us against 163-168 us). libcurl does the connection, TLS, the request and the
response in C, and the worker thread lets go of the GIL once per request, for the whole
exchange.

``CurlTransport`` keeps one easy handle per thread (a handle is not thread-safe; each keeps
its own keep-alive connection, as the urllib3 pool kept one per sending thread) and turns
libcurl's failures into the urllib3 exceptions ``urlopen`` raised for the same failures, so
the caller's urllib3 ``Retry`` policy and its mapping to ``requests`` exceptions apply
unchanged (``push.fcm_session``).

Timeouts: ``connect`` bounds opening a connection, as before. ``read`` bounded each socket
read before; libcurl has no such limit, so the whole exchange is bounded by the larger of the
two (firebase-admin gives one value for both). On a kept connection, the usual case, that is
the wait for the answer urllib3 allowed; on a new one, connecting and the answer share it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pycurl
from urllib3 import exceptions as urllib3_errors
from urllib3.util import Timeout

# libcurl's error codes (curl/curl.h), by the urllib3 exception urlopen raised for the case.
_SSL_ERRORS = frozenset(
    {
        35,  # CURLE_SSL_CONNECT_ERROR
        53,  # CURLE_SSL_ENGINE_NOTFOUND
        54,  # CURLE_SSL_ENGINE_SETFAILED
        58,  # CURLE_SSL_CERTPROBLEM
        59,  # CURLE_SSL_CIPHER
        60,  # CURLE_PEER_FAILED_VERIFICATION
        64,  # CURLE_USE_SSL_FAILED
        66,  # CURLE_SSL_ENGINE_INITFAILED
        77,  # CURLE_SSL_CACERT_BADFILE
        80,  # CURLE_SSL_SHUTDOWN_FAILED
        82,  # CURLE_SSL_CRL_BADFILE
        83,  # CURLE_SSL_ISSUER_ERROR
        90,  # CURLE_SSL_PINNEDPUBKEYNOTMATCH
        91,  # CURLE_SSL_INVALIDCERTSTATUS
        98,  # CURLE_SSL_CLIENTCERT
    }
)
_CONNECT_ERRORS = frozenset(
    {
        6,  # CURLE_COULDNT_RESOLVE_HOST
        7,  # CURLE_COULDNT_CONNECT
    }
)
_TIMED_OUT = 28  # CURLE_OPERATION_TIMEDOUT
_SSL_CONNECT_ERROR = 35  # CURLE_SSL_CONNECT_ERROR
_BAD_CONTENT_ENCODING = 61  # CURLE_BAD_CONTENT_ENCODING


@dataclass(frozen=True)
class CurlResponse:
    """What came back: the status line's code and reason, the headers in order, the body
    (decoded from gzip or deflate when the server compressed it)."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


class AnswerTimes:
    """How many successful answers came, and how long they took in all (seconds from the
    request going out to the answer's first byte). Several threads may add to one;
    ``enough`` is set once ``wanted`` answers are in (or by whoever has no more to send)."""

    def __init__(self, wanted: int = 1) -> None:
        self.count = 0
        self.seconds = 0.0
        self.wanted = wanted
        self.enough = threading.Event()
        self.started = threading.Event()  # set by the first thread that sends
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:
            self.count += 1
            self.seconds += seconds
            if self.count >= self.wanted:
                self.enough.set()

    def snapshot(self) -> tuple[int, float]:
        """(answers, seconds in all) so far."""
        with self._lock:
            return self.count, self.seconds


class CurlTransport:
    """Sends requests to one origin over libcurl, one handle per calling thread.

    ``ca_bundle`` is the file (or directory) of certificates that vouch for the server, as
    ``requests``' ``verify`` gives it; verification is never turned off here.
    """

    def __init__(self, ca_bundle: str) -> None:
        self._ca_bundle = ca_bundle
        self._local = threading.local()

    def _handle(self) -> pycurl.Curl:
        curl = getattr(self._local, "curl", None)
        if curl is None:
            curl = pycurl.Curl()
            # Threads: no SIGALRM for name-resolution timeouts (libcurl's own advice).
            curl.setopt(pycurl.NOSIGNAL, 1)
            curl.setopt(pycurl.FOLLOWLOCATION, 0)
            curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
            curl.setopt(pycurl.SSL_VERIFYPEER, 1)
            curl.setopt(pycurl.SSL_VERIFYHOST, 2)
            if os.path.isdir(self._ca_bundle):
                curl.setopt(pycurl.CAPATH, self._ca_bundle)
                # Only that directory, as requests: not libcurl's own default file besides.
                curl.unsetopt(pycurl.CAINFO)
            else:
                curl.setopt(pycurl.CAINFO, self._ca_bundle)
            # libcurl sends Accept-Encoding for these and decodes the body, as urllib3 did.
            curl.setopt(pycurl.ACCEPT_ENCODING, "gzip, deflate")
            curl.setopt(pycurl.TCP_NODELAY, 1)
            # HTTP/1.1 as urllib3 spoke it: one request at a time per connection either way,
            # and libcurl would otherwise offer HTTP/2 to FCM over TLS.
            curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
            self._local.curl = curl
        return curl

    def request(
        self, method: str, url: str, body: bytes, headers: dict[str, str], timeout: Timeout
    ) -> CurlResponse:
        """One exchange; raises the urllib3 exception ``urlopen`` raised for a failure."""
        curl = self._handle()
        lines: list[bytes] = []

        def header_line(line: bytes) -> None:
            if line.startswith(b"HTTP/"):
                lines.clear()  # an interim answer's headers (1xx) are not the answer's
            lines.append(line)

        chunks: list[bytes] = []
        header_list = [
            f"{name}: {value}"
            for name, value in headers.items()
            if name.lower() != "accept-encoding"
        ]
        # No "Expect: 100-continue" round trip before a large body (libcurl 8 asks for one
        # over 1 MB); urllib3 never asked.
        header_list.append("Expect:")
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.CUSTOMREQUEST, method)
        curl.setopt(pycurl.POSTFIELDS, body)
        curl.setopt(pycurl.HTTPHEADER, header_list)
        curl.setopt(pycurl.HEADERFUNCTION, header_line)
        curl.setopt(pycurl.WRITEFUNCTION, chunks.append)
        connect, read = timeout.connect_timeout, timeout.read_timeout
        connect = connect if isinstance(connect, (int, float)) else None
        read = read if isinstance(read, (int, float)) else None
        curl.setopt(pycurl.CONNECTTIMEOUT_MS, _milliseconds(connect))
        curl.setopt(
            pycurl.TIMEOUT_MS, _milliseconds(None if read is None else max(connect or 0, read))
        )
        try:
            curl.perform()
        except pycurl.error as error:
            code, message = error.args
            raise _urllib3_error(curl, code, message, url, connect, read) from error
        finally:
            # The callbacks hold this call's lists; the handle outlives the call.
            curl.setopt(pycurl.HEADERFUNCTION, _ignore)
            curl.setopt(pycurl.WRITEFUNCTION, _ignore)
        status = curl.getinfo(pycurl.RESPONSE_CODE)
        meter = getattr(self._local, "meter", None)
        if meter is not None and 200 <= status < 300:
            # From the request about to go out to the answer's first byte: the server's and
            # the network's time, in C, without this thread's wait for the GIL after it. Only
            # a message delivered counts: an error may come back sooner than a send does.
            meter.add(
                curl.getinfo(pycurl.STARTTRANSFER_TIME) - curl.getinfo(pycurl.PRETRANSFER_TIME)
            )
        return CurlResponse(status, *_parse_head(lines), b"".join(chunks))

    @contextlib.contextmanager
    def answer_times(self, meter: AnswerTimes) -> Iterator[AnswerTimes]:
        """Within the block, the calling thread's successful exchanges add how long each
        waited for its answer to ``meter``."""
        self._local.meter = meter
        try:
            yield meter
        finally:
            self._local.meter = None

    def close(self) -> None:
        """Closes the calling thread's handle (the others close when their thread ends)."""
        curl = getattr(self._local, "curl", None)
        if curl is not None:
            curl.close()
            self._local.curl = None


def _ignore(_data: bytes) -> None:
    return None


def _milliseconds(seconds: float | None) -> int:
    # 0 is "no limit" to libcurl; a positive limit under 1 ms stays a limit.
    return 0 if seconds is None else max(1, round(seconds * 1000))


def _parse_head(lines: list[bytes]) -> tuple[str, list[tuple[str, str]]]:
    """The reason phrase and the headers of the final answer's head (latin-1, as
    ``http.client`` reads them)."""
    reason = ""
    headers: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.decode("iso-8859-1").rstrip("\r\n")
        if line.startswith("HTTP/"):
            parts = line.split(" ", 2)
            reason = parts[2] if len(parts) > 2 else ""
        elif ":" in line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return reason, headers


def _urllib3_error(
    curl: pycurl.Curl, code: int, message: str, url: str, connect: float | None, read: float | None
) -> Exception:
    """The exception urllib3's ``urlopen`` raised (before its Retry) for this failure."""
    if code == _TIMED_OUT:
        # libcurl's words tell the two apart ("Connection timed out after N milliseconds"
        # while connecting, "Operation timed out after..." once connected); its timings do
        # not (no connect time on a kept connection either, a pre-transfer time on both).
        if message.startswith(("Connection timed out", "Resolving timed out")):
            return urllib3_errors.ConnectTimeoutError(
                f"Connection to {url} timed out. (connect timeout={connect}): {message}"
            )
        return urllib3_errors.ReadTimeoutError(
            "libcurl", url, f"Read timed out. (read timeout={read}): {message}"
        )
    if code in _CONNECT_ERRORS:
        return urllib3_errors.NewConnectionError(
            "libcurl", f"Failed to establish a new connection: {message}"
        )
    if code == _SSL_CONNECT_ERROR and curl.getinfo(pycurl.OS_ERRNO):
        # The connection broke during the handshake (a reset): urllib3 saw an OSError there,
        # a read error its Retry tries once more, not a TLS failure it tries ten times.
        return urllib3_errors.ProtocolError("Connection aborted.", ConnectionError(code, message))
    if code in _SSL_ERRORS:
        return urllib3_errors.SSLError(message)
    if code == _BAD_CONTENT_ENCODING:
        return urllib3_errors.DecodeError(
            f"Received response with content-encoding, but failed to decode it: {message}"
        )
    # The connection broke while sending or reading (reset, closed, a truncated body).
    return urllib3_errors.ProtocolError("Connection aborted.", ConnectionError(code, message))

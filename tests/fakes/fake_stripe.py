"""A small fake of Stripe's HTTP API on 127.0.0.1, for testing with the real ``stripe`` SDK.

Only what ``payments.stripe_gateway`` calls: ``POST /v1/customers``, ``POST
/v1/ephemeral_keys`` (requires ``Stripe-Version``), ``POST /v1/payment_intents``, ``GET
/v1/payment_intents/<id>``, ``POST /v1/payment_intents/<id>/cancel``, ``POST /v1/refunds``.
Bodies are form-encoded as the SDK sends them (``metadata[k]=v``); answers are JSON shaped
like Stripe's objects and errors (``{"error": {"type", "code", "message"}}``).

Like Stripe it honours ``Idempotency-Key`` (same key and parameters: the stored response is
replayed with ``Idempotent-Replayed: true``; different parameters: 400 ``idempotency_error``;
only successes are stored). It records every request and can be told to fail::

    with FakeStripeServer() as fake:
        fake.fail_next(2, status=500)   # or status=429 / 402 with error_type="card_error"
        fake.drop_next()                # close the connection without answering
        fake.delay_next(seconds=1.0)    # answer late (client timeouts)
        fake.set_intent_status(intent_id, "succeeded")
        fake.requests                   # list[RecordedRequest]
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.in_flight import InFlight


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    form: dict[str, str]  # flat, as sent: {"metadata[order]": "42"}


class StripeFail(Exception):
    """Raised by a route to answer a Stripe-shaped error."""

    def __init__(self, status: int, type_: str, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "code": code, "message": message}}


def nest(flat: dict[str, str]) -> dict[str, Any]:
    """``{"a[b]": "1"}`` -> ``{"a": {"b": "1"}}`` (Stripe's form encoding of nested params)."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        parts = re.findall(r"[^\[\]]+", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripeServer:
    """Threaded fake Stripe; use as a context manager, point the SDK at ``.url``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._failures: list[tuple[str, Any]] = []  # ("status", body) / ("drop", None) / ...
        self._idem: dict[str, tuple[tuple[Any, ...], int, dict[str, Any]]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self._refunded: dict[str, int] = {}  # intent id -> amount refunded so far
        self._in_flight = InFlight("fake Stripe")  # including requests their client left
        self._httpd: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> FakeStripeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real API
            disable_nagle_algorithm = True  # else delayed ACKs cost 40 ms a request

            def do_GET(self) -> None:
                fake._handle(self)

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll interval makes shutdown() (hence each test's teardown) quick.
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "use FakeStripeServer as a context manager"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- test controls --------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        error_type: str = "api_error",
        code: str | None = None,
        message: str = "Injected failure",
    ) -> None:
        body = {"error": {"type": error_type, "code": code, "message": message}}
        with self._lock:
            self._failures += [("status", (status, body))] * count

    def drop_next(self, count: int = 1) -> None:
        with self._lock:
            self._failures += [("drop", None)] * count

    def delay_next(self, count: int = 1, *, seconds: float) -> None:
        with self._lock:
            self._failures += [("delay", seconds)] * count

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being answered: the ones a client gave up on have done
        their work (as Stripe may do after the client left)."""
        self._in_flight.wait_idle(timeout)

    def set_intent_status(self, intent_id: str, status: str) -> None:
        with self._lock:
            intent = self.intents[intent_id]
            intent["status"] = status
            if status == "succeeded":
                intent["amount_received"] = intent["amount"]

    # -- request handling -----------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._in_flight.counting():
            self._handle_counted(h)

    def _handle_counted(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0)).decode()
        path = urlsplit(h.path).path
        form = dict(parse_qsl(raw, keep_blank_values=True))
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self._requests.append(RecordedRequest(h.command, path, headers, form))
            kind, arg = self._failures.pop(0) if self._failures else (None, None)
        if kind == "drop":  # no status line at all: the client sees a dropped connection
            h.close_connection = True
            return
        if kind == "delay":
            time.sleep(arg)
        status, body, replayed = (*arg, False) if kind == "status" else self._answer(h, path, form)
        data = json.dumps(body).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.send_header("Request-Id", "req_" + secrets.token_hex(6))
            if replayed:
                h.send_header("Idempotent-Replayed", "true")
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            h.close_connection = True

    def _answer(
        self, h: BaseHTTPRequestHandler, path: str, form: dict[str, str]
    ) -> tuple[int, dict[str, Any], bool]:
        if not (h.headers.get("Authorization") or "").startswith("Bearer sk_"):
            fail = StripeFail(401, "invalid_request_error", "Invalid API Key provided")
            return fail.status, fail.body, False
        key = h.headers.get("Idempotency-Key") if h.command == "POST" else None
        fingerprint = (h.command, path, tuple(sorted(form.items())))
        with self._lock:  # one request at a time: no in-flight idempotency races to model
            if key in self._idem:
                seen, status, body = self._idem[key]
                if seen == fingerprint:
                    return status, body, True
                message = (
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}'."
                )
                return 400, {"error": {"type": "idempotency_error", "message": message}}, False
            try:
                status, body = 200, self._route(h, path, nest(form))
            except StripeFail as fail:
                return fail.status, fail.body, False
            if key:
                self._idem[key] = (fingerprint, status, body)
            return status, body, False

    def _route(self, h: BaseHTTPRequestHandler, path: str, p: dict[str, Any]) -> dict[str, Any]:
        route = (h.command, path)
        if route == ("POST", "/v1/customers"):
            cus = _new("cus", "customer", email=p.get("email"), metadata=p.get("metadata", {}))
            self.customers[cus["id"]] = cus
            return cus
        if route == ("POST", "/v1/ephemeral_keys"):
            if not h.headers.get("Stripe-Version"):  # Stripe insists on an explicit version
                raise _invalid("Stripe-Version header is required for ephemeral keys")
            if p.get("customer") not in self.customers:
                raise _missing("customer", p.get("customer", ""))
            key = _new("ephkey", "ephemeral_key", secret="ek_test_" + secrets.token_hex(12))
            key.update(associated_objects=[{"id": p["customer"], "type": "customer"}])
            return {**key, "expires": key["created"] + 3600}
        if route == ("POST", "/v1/payment_intents"):
            if not p.get("amount", "").isdigit() or int(p["amount"]) < 1 or not p.get("currency"):
                raise _invalid("Invalid amount or currency", "parameter_invalid_integer")
            if p.get("customer") and p["customer"] not in self.customers:
                raise _missing("customer", p["customer"])
            intent = _new("pi", "payment_intent", amount=int(p["amount"]), amount_received=0)
            intent.update(
                {k: p.get(k) for k in ("currency", "customer", "description")},
                metadata=p.get("metadata", {}),
                status="requires_payment_method",
                client_secret=f"{intent['id']}_secret_{secrets.token_hex(8)}",
                automatic_payment_methods={
                    "enabled": p.get("automatic_payment_methods", {}).get("enabled") == "true"
                },
            )
            self.intents[intent["id"]] = intent
            return dict(intent)
        if m := re.fullmatch(r"/v1/payment_intents/([^/]+)(/cancel)?", path):
            intent = self.intents.get(m[1])
            if intent is None:
                raise _missing("payment_intent", m[1], status=404)
            if m[2] and h.command == "POST":
                if intent["status"] in ("succeeded", "canceled"):
                    raise _invalid(
                        "You cannot cancel this PaymentIntent because it has a status of "
                        f"{intent['status']}.",
                        "payment_intent_unexpected_state",
                    )
                intent.update(status="canceled", canceled_at=int(time.time()))
            return dict(intent)
        if route == ("POST", "/v1/refunds"):
            intent = self.intents.get(p.get("payment_intent", ""))
            if intent is None:
                raise _missing("payment_intent", p.get("payment_intent", ""))
            if intent["status"] != "succeeded":
                raise _invalid(
                    "This PaymentIntent does not have a successful charge to refund.",
                    "payment_intent_unexpected_state",
                )
            left = intent["amount"] - self._refunded.get(intent["id"], 0)
            amount = int(p.get("amount", left))
            if not 1 <= amount <= left:
                raise _invalid(
                    f"Refund amount ({amount}) exceeds what is left ({left})", "amount_too_large"
                )
            self._refunded[intent["id"]] = self._refunded.get(intent["id"], 0) + amount
            refund = _new("re", "refund", amount=amount, currency=intent["currency"])
            refund.update(payment_intent=intent["id"], reason=p.get("reason"), status="succeeded")
            self.refunds[refund["id"]] = refund
            return refund
        raise StripeFail(
            404, "invalid_request_error", f"Unrecognized request URL ({h.command}: {path})"
        )


def _new(prefix: str, kind: str, **fields: Any) -> dict[str, Any]:
    """A Stripe-looking object: id with the usual prefix, ``object``, ``created``, ``livemode``."""
    base = {"id": f"{prefix}_{secrets.token_hex(8)}", "object": kind, "created": int(time.time())}
    return {**base, "livemode": False, **fields}


def _invalid(message: str, code: str | None = None) -> StripeFail:
    return StripeFail(400, "invalid_request_error", message, code)


def _missing(kind: str, obj_id: str, status: int = 400) -> StripeFail:
    # Stripe: 404 for an unknown id in the path, 400 for one given as a parameter.
    return StripeFail(
        status, "invalid_request_error", f"No such {kind}: '{obj_id}'", "resource_missing"
    )

"""Release day's taps on a full slot, answered before Flask.

When a post opens a day, a thousand travellers tap "Book" within seconds and most taps land
on a slot that is already full. Inside Flask such a refusal costs about a millisecond of CPU
around its one statement (routing, request hooks, the rate limiter, the view's decorators,
the error handler). This WSGI middleware answers it with the statement, the booking's rate
limits and a kept answer, and nothing else.

It answers ``POST /api/v1/appointments`` itself only when it is sure Flask would answer
409 ``slot_full`` the same way:

- the request is plain: a JSON body (at most 2 KB) that ``AppointmentCreateSchema`` loads,
  no query string, no ``Origin`` (CORS goes through the app), a well-signed unexpired access
  token, and an acceptable ``Idempotency-Key`` or none;
- ``services.appointments.refusals.seats_left`` says the slot has no seat left: one
  statement (the token's session is live and its account verified, the key has no record,
  the seats left);
- the booking's two rate limits (per IP and per account, shared with rescheduling) have
  room: they are judged here by ``api.rate_limits`` (one Redis round trip) for the same
  keys as the view's, so the budgets are the ones the app counts. When the first window
  judged is already spent the request goes on to the app, which answers the 429 (counting
  nothing more); when a later one is, the 429 is answered here, as the app would;
- Flask has already answered a ``slot_full`` in the caller's language in this worker: that
  answer's body and headers are kept (``_NOT_KEPT`` aside) and replayed with this request's
  id, so the envelope and its headers are the app's own, byte for byte. (Until then the
  view refuses it on the edge's word, ``JUDGED_FULL``, and its answer is kept.)

When the slot has seats left, the tap goes to Flask through ``api.seat_gate``: no more
bookings of one slot in flight in this worker than it has seats left; the others wait for
one to finish, count the seat it took, and ask the database again only when one left
without a seat or their count says none is left, so the burst's losers are mostly refused
here rather than at the slot row's lock after the whole path. Anything else, or any failure along the way,
goes to Flask with the body put back, and Flask reports every rule in its documented order. The app context pushed here closes the
database session as a request's would (the connection goes back to the pool).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import marshmallow as ma

from api import edge
from api.extensions import ACCESS_CLAIMS, account_key, claims_of_authorization, client_ip
from api.i18n import language_of
from api.json_body import hand_over_loaded, parse_json_text
from api.rate_limits import Limit, judge_outside_flask
from api.seat_gate import SeatGate
from api.seat_gate_shared import shared_seats_for
from schemas.appointments import AppointmentCreateSchema
from services.appointments import refusals
from services.idempotency.records import KEY_PATTERN

log = logging.getLogger(__name__)

BOOKING_PATH = "/api/v1/appointments"
ASKED = "palm.surely_full.asked"  # set when ``surely_full`` was asked here and said "no"
JUDGED_FULL = "palm.surely_full.full"  # set when it said "full" but no answer was kept yet
KEEPING = "palm.surely_full.keeping"  # set on the tap whose answer is the one to keep
KEEP_WAIT_SECONDS = 1.0  # how long other taps wait for that answer to be kept
GATE_WAIT = "BOOKING_GATE_WAIT_MS"  # how long a tap may wait at the gate (0: no gate)
# Booking and rescheduling take seats: they share one budget per IP and one per account
# (declared here, where the edge counts them too; api.resources.appointments uses them).
SEAT_LIMITS = (
    Limit(
        "RATELIMIT_BOOKING_PER_IP",
        lambda: "ip:" + client_ip(),
        scope="seats-ip",
        methods=("POST",),
    ),
    Limit("RATELIMIT_BOOKING_PER_ACCOUNT", account_key, scope="seats-account", methods=("POST",)),
)
_BODY = AppointmentCreateSchema()
_PLAIN_BODY = edge.plain_loader(_BODY)  # the usual body without the schema's machinery
_KEEP = {409: lambda payload: edge.error_of(payload) == "slot_full"}


class EdgeRefusals:
    """WSGI middleware for release day's refusals (see the module docstring). It sits inside
    ``ProxyFix``, so ``REMOTE_ADDR`` is the client's address as ``client_ip`` sees it."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.gate = SeatGate()
        # Per language, while the app answers the worker's first ``slot_full`` (to be kept):
        # the other taps that find a slot full wait for it rather than all going to the app.
        self._keeping: dict[str, threading.Event] = {}
        self._keeping_lock = threading.Lock()
        self.gate.shared = shared_seats_for(app.config, self.gate.remote_left)
        if self.gate.shared is not None:
            app.extensions["seat_gate_shared"] = self.gate.shared  # started by api.warm

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != BOOKING_PATH:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        language = language_of(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        body = edge.take_body(environ)
        kept = edge.kept(self.app, BOOKING_PATH, 409, language)
        if body is not None and edge.plain_json_post(environ):
            let_in: list[tuple] = []  # (slot, ticket), once the gate let this tap in
            try:
                with self.app.app_context():
                    answered = self._judge(
                        environ, start_response, body, kept, language, started, let_in
                    )
            except Exception:  # anything unexpected: the app answers, as it would have
                log.warning("edge refusal fell back to the app", exc_info=True)
                answered = None
            if let_in:  # whatever happened after, the tap leaves the gate with its answer
                answered_with: list[str] = []

                def noting(status: str, headers, exc_info=None):
                    # A 201 took a seat, unless it replays an earlier booking's answer.
                    replayed = any(k.lower() == "idempotent-replayed" for k, _ in headers)
                    answered_with.append(status.startswith("201") and not replayed)
                    return start_response(status, headers, exc_info)

                slot_id, ticket = let_in[0]
                try:
                    answer = self._through_app(environ, noting, language)
                except BaseException:
                    self.gate.leave(slot_id, ticket=ticket)
                    raise
                took = bool(answered_with) and answered_with[-1]
                self.gate.leave(slot_id, took_seat=took, ticket=ticket)
                return answer
            if answered is not None:
                return answered
        try:
            return self._through_app(environ, start_response, language)
        finally:
            if environ.get(KEEPING):  # kept now, or not a slot_full after all: either way
                with self._keeping_lock:
                    self._keeping.pop(language).set()

    def _through_app(self, environ, start_response, language):
        return edge.through_app(self.wsgi_app, self.app, environ, start_response, language, _KEEP)

    def _judge(self, environ, start_response, body, kept, language, started, let_in):
        """The refusal's answer, or None (the app answers; ``let_in`` holds the slot when
        the gate let the tap in, and the caller leaves it)."""
        claims = claims_of_authorization(environ.get("HTTP_AUTHORIZATION", ""))
        environ[ACCESS_CLAIMS] = claims  # the app's ``access_claims``: read once a request
        parsed = parse_json_text(body)  # the app's own parse: UTF-8 only, depth bounded
        if not parsed.ok:
            return None
        key = environ.get("HTTP_IDEMPOTENCY_KEY")
        booking = booking_of(claims, parsed.value, key)
        wait = self.app.config.get(GATE_WAIT, 0) / 1000
        if booking is None or wait <= 0:
            left = None if booking is None else seats_left(claims, booking, key)
            return self._full_or_on(environ, start_response, claims, kept, language, started, left)
        deadline = time.monotonic() + wait
        limits = None  # judged once, before the first wait
        with self.gate.watch(booking["slot_id"]) as watch:
            # Another tap's answer of a moment ago, or this caller's own (``own``: it also
            # says this caller's session and key are fine).
            left = watch.recent()
            own = left is None
            if own:
                left = _ask(watch, claims, booking, key, deadline)
            while True:
                if left is None or left <= 0:
                    if not own:  # a refusal is on the caller's own answer: asked now
                        left, own = _ask(watch, claims, booking, key, deadline), True
                        continue
                    if watch.timed_out:  # not asked in time: the view asks for itself
                        return None
                    return self._full_or_on(
                        environ, start_response, claims, kept, language, started, left, limits,
                        deadline,
                    )  # fmt: skip
                environ[ASKED] = True  # the view would get the same "no": it does not ask
                if watch.enter(left):
                    let_in.append((booking["slot_id"], watch.ticket))
                    hand_over_loaded(environ, AppointmentCreateSchema, booking)
                    return None
                if time.monotonic() >= deadline:
                    return None  # waited long enough: the whole way, as without the gate
                if limits is None and kept is not None:
                    # A caller over its budget is answered now, not after holding a thread.
                    limits = self._judge_limits(environ, claims)
                    if limits[1] is not None:
                        return self._refuse(
                            environ, start_response, claims, kept, language, started, limits
                        )
                counted = watch.seats_counted(left)
                if counted is None or counted <= 0:
                    # A booking left without a seat, or by the count none is left: only the
                    # database knows (and a refusal is always on its word, asked now, which
                    # also re-checks this caller's session and key).
                    left, own = _ask(watch, claims, booking, key, deadline), True
                    continue
                watch.wait(deadline)  # for the next booking of the slot to leave

    def _full_or_on(
        self, environ, start_response, claims, kept, language, started, left, limits=None,
        deadline=None,
    ):  # fmt: skip
        """The refusal when no seat is left (None when the app answers it); None, with the
        view told it need not ask, otherwise. ``deadline``: the end of the tap's wait at the
        gate, which a wait for the first kept refusal does not go past."""
        if left is not None and left <= 0:
            if kept is None:
                kept = self._first_kept(environ, language, deadline)
            if kept is None:  # the view refuses it without asking again; it is kept
                environ[JUDGED_FULL] = True
                return None
            return self._refuse(environ, start_response, claims, kept, language, started, limits)
        environ[ASKED] = True  # the view would get the same "no": it does not ask
        return None

    def _first_kept(self, environ, language, deadline=None):
        """The app's ``slot_full`` in ``language`` once another tap's answer has been kept
        (waiting at most ``KEEP_WAIT_SECONDS`` for it, and never past ``deadline``, the end
        of the tap's wait at the gate); None when this tap is the one whose answer the app
        gives and the edge keeps (``KEEPING``), or none was kept in time.
        Without this, every tap refused before the worker's first refusal was kept went
        through the app: at the end of a release day's first slot, all of them at once."""
        with self._keeping_lock:
            # Kept before the keeper leaves this dictionary: looked at under the same lock.
            kept = edge.kept(self.app, BOOKING_PATH, 409, language)
            if kept is not None:
                return kept
            answering = self._keeping.get(language)
            if answering is None:
                self._keeping[language] = threading.Event()
                environ[KEEPING] = True
                return None
        wait = KEEP_WAIT_SECONDS
        if deadline is not None:
            wait = max(0.0, min(wait, deadline - time.monotonic()))
        answering.wait(wait)
        return edge.kept(self.app, BOOKING_PATH, 409, language)

    def _judge_limits(self, environ, claims):
        """The booking's seat limits, judged here once (the app then counts nothing more):
        (whether a window counted this request, the breach or None)."""
        ip = "ip:" + (environ.get("REMOTE_ADDR") or "unknown")
        keys = {"seats-ip": ip, "seats-account": f"account:{claims['sub']}"}
        return judge_outside_flask([(limit, keys[limit.scope]) for limit in SEAT_LIMITS], environ)

    def _refuse(self, environ, start_response, claims, kept, language, started, limits=None):
        """The kept ``slot_full`` answer, or the 429 when a seat limit is spent (``limits``:
        already judged for this request)."""
        counted, breach = limits or self._judge_limits(environ, claims)
        if breach is None:
            status, payload, headers = "409 CONFLICT", kept[0], [*kept[1]]
        elif not counted:
            return None  # nothing counted here: the app answers its 429
        else:
            status = "429 TOO MANY REQUESTS"
            payload, headers = edge.error_answer(
                self.app,
                language,
                kept[1],
                429,
                "rate_limited",
                ("Retry-After", str(breach.retry_after)),
            )
        return edge.answer(
            start_response,
            status,
            headers,
            payload,
            environ=environ,
            endpoint=BOOKING_PATH,  # the route template too
            started=started,
            how="refused",
        )


def booking_of(claims: dict, body: Any, key: str | None) -> dict | None:
    """A booking request's fields (from its parsed JSON body), when its token's claims, body
    and Idempotency-Key are ones the view accepts; None otherwise."""
    if not claims.get("sid") or (key is not None and not KEY_PATTERN.match(key)):
        return None
    try:
        loaded = _PLAIN_BODY(body) if _PLAIN_BODY is not None else None
        return loaded if loaded is not None else _BODY.load(body)
    except (TypeError, ma.ValidationError):
        return None


def seats_left(claims: dict, booking: dict, key: str | None) -> int | None:
    """``services.appointments.refusals.seats_left`` for a booking request (one statement):
    the seats its slot has left, or None when the answer could be anything but
    ``slot_full`` or a booking."""
    return refusals.seats_left(slot_id=booking["slot_id"], **_caller(claims, key)._asdict())


def _ask(watch, claims: dict, booking: dict, key: str | None, deadline: float) -> int | None:
    """``seats_left`` for a tap at the gate, asked together with the other taps on its slot
    that ask at the same moment (``Watch.ask``), and kept for the next ones
    (``Watch.recent``)."""
    slot_id = booking["slot_id"]

    def ask_together(callers: list[refusals.Caller]) -> list[int | None]:
        return refusals.seats_left_for_each(slot_id=slot_id, callers=callers)

    return watch.ask(_caller(claims, key), ask_together, deadline)


def _caller(claims: dict, key: str | None) -> refusals.Caller:
    return refusals.Caller(claims["sid"], int(claims["sub"]), f"account:{claims['sub']}", key)


def surely_full(claims: dict, body: Any, key: str | None) -> bool:
    """Whether a booking request would certainly be refused ``slot_full``: asked by the view
    (``_refuse_surely_full``) for what the edge did not judge."""
    booking = booking_of(claims, body, key)
    if booking is None:
        return False
    left = seats_left(claims, booking, key)
    return left is not None and left <= 0

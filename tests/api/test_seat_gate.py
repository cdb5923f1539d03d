"""Release day's admission (``api.seat_gate``): no more bookings of a slot in flight in a
worker than it has seats left; the other taps wait for one to finish and ask again."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest

from api.edge_refusals import EdgeRefusals
from api.seat_gate import SeatGate
from tests.api.edge_support import reaching_flask
from tests.services.appointments.appointment_support import START, URL, book
from tests.services.appointments.test_appointments_concurrency import (  # noqa: F401
    booking,
    citizens,
    race,
    server,  # the fixture: a threaded server on 127.0.0.1
)


def _SOON() -> float:  # noqa: N802 (a deadline, read like a constant)
    return time.monotonic() + 10


def _until(condition, seconds: float = 10) -> None:
    """Wait for ``condition`` (another thread's progress), failing rather than hanging."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the other thread did not get there in time")
        time.sleep(0.001)


def _joined(*threads: threading.Thread) -> None:
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive(), "a thread is stuck"


def _asked(watch, seats: int) -> None:
    """The tap asks the database (``Watch.ask``), which answers ``seats`` left."""
    assert watch.ask("tap", lambda callers: [seats] * len(callers), _SOON()) == seats


def test_lets_in_as_many_as_there_are_seats_left():
    gate = SeatGate()
    with gate.watch(7) as first, gate.watch(8) as other:
        assert first.enter(2) and first.enter(2)
        assert not first.enter(2)
        assert other.enter(1)  # another slot has its own count
        assert not other.enter(0) and gate.in_flight(8) == 1
    gate.leave(7)
    assert gate.in_flight(7) == 1
    with gate.watch(7) as again:
        assert again.enter(2)


def test_a_booking_finished_since_the_question_counts_as_a_seat_taken():
    gate = SeatGate()
    with gate.watch(7) as winner:
        assert winner.enter(1)
    with gate.watch(7) as tap:
        _asked(tap, 1)  # the database: 1 left (the winner has not committed yet)
        gate.leave(7, took_seat=True)  # the winner took it and finished: none is left
        assert not tap.enter(1)  # the stale "1 left" lets nobody in
        assert tap.seats_counted(1) == 0  # nor makes anyone wait: ask again
        _asked(tap, 1)
        assert tap.enter(1)  # (had a seat been freed meanwhile, the new answer says so)
    with gate.watch(8) as first:
        assert first.enter(3)
    with gate.watch(8) as tap:
        _asked(tap, 3)
        gate.leave(8)  # one finished: at most 2 left, and none in flight
        assert tap.enter(3) and tap.enter(3) and not tap.enter(3)


def test_waiters_count_the_seats_taken_and_ask_again_only_when_one_left_without():
    gate = SeatGate()
    with gate.watch(7) as first:
        assert first.enter(3) and first.enter(3) and first.enter(3)
    with gate.watch(7) as tap:
        _asked(tap, 3)  # the database said: 3 left
        gate.leave(7, took_seat=True)
        assert tap.seats_counted(3) == 2 and not tap.enter(3)  # 2 left, 2 in flight: wait
        gate.leave(7, took_seat=False)  # one left without a seat: it may still be there
        assert tap.seats_counted(3) is None
        _asked(tap, 2)  # asked again: 2 left (another worker took none)
        assert tap.seats_counted(2) == 2 and tap.enter(2)


def test_a_wait_ends_when_a_booking_in_flight_finishes():
    gate = SeatGate()
    with gate.watch(7) as winner:
        assert winner.enter(1)
    with gate.watch(7) as tap:
        _asked(tap, 1)
        assert not tap.enter(1)
        threading.Timer(0.05, gate.leave, args=(7,)).start()
        assert tap.wait(time.monotonic() + 10) is True
    assert gate.in_flight(7) == 0


def test_a_wait_is_bounded_and_the_gate_forgets_idle_slots():
    gate = SeatGate()
    with gate.watch(7) as winner:
        assert winner.enter(1)
        _asked(winner, 1)
        assert winner.wait(time.monotonic() + 0.02) is False
    gate.leave(7)
    assert gate._slots == {}  # noqa: SLF001 (no memory kept for slots nobody books)


def test_a_tap_takes_another_taps_answer_of_a_moment_ago_as_its_own():
    """The database's answer to one tap's question stands for the next taps on the slot,
    with the bookings that finished since counted as they would be for their own answer."""
    gate = SeatGate()
    with gate.watch(7) as asker:
        assert asker.ask("asker", lambda callers: [2], _SOON()) == 2  # the database: 2 left
        assert asker.enter(2)  # and goes in
        with gate.watch(7) as tap:
            assert tap.recent() == 2  # no question of its own
            gate.leave(7, took_seat=True)  # the asker's booking took a seat
            assert tap.seats_counted(2) == 1 and tap.enter(2)
        gate.leave(7, took_seat=True)
        with gate.watch(7) as late:
            assert late.recent() == 2 and late.seats_counted(2) == 0  # both seats counted


def test_only_a_recent_answer_about_the_slot_is_kept_and_the_latest_question_wins(
    monkeypatch,
):
    gate = SeatGate()
    release = threading.Event()

    def slow_three(callers):
        release.wait(10)
        return [3]

    with gate.watch(7) as first, gate.watch(7) as second, gate.watch(7) as tap:
        # An answer about the caller (its session, its key) is not kept.
        assert first.ask("first", lambda callers: [None], _SOON()) is None
        assert tap.recent() is None
        asking = threading.Thread(target=first.ask, args=("first", slow_three, _SOON()))
        asking.start()
        _until(lambda: gate._slots[7].asking is not None)  # noqa: SLF001
        # Sent beside it at its deadline, after it: answered first, then the other's 3,
        # asked before it, does not replace it.
        assert second.ask("second", lambda callers: [0], time.monotonic() + 0.02) == 0
        release.set()
        _joined(asking)
        assert tap.recent() == 0
        monkeypatch.setattr("api.seat_gate.RECENT_SECONDS", -1.0)
        assert tap.recent() is None  # too old: ask


def test_a_question_that_fails_answers_its_group_none_and_the_next_one_is_asked():
    gate = SeatGate()
    release = threading.Event()

    def failing(callers):
        if callers == ["a"]:
            release.wait(10)
            raise RuntimeError("the database went away")
        return [1] * len(callers)

    answers: dict[str, object] = {}

    def ask(watch, name):
        try:
            answers[name] = watch.ask(name, failing, _SOON())
        except RuntimeError as exc:
            answers[name] = exc

    with gate.watch(7) as a, gate.watch(7) as b:
        first = threading.Thread(target=ask, args=(a, "a"))
        first.start()
        _until(lambda: gate._slots[7].asking is not None)  # noqa: SLF001
        second = threading.Thread(target=ask, args=(b, "b"))
        second.start()
        _until(lambda: gate._slots[7].gathering is not None)  # noqa: SLF001
        release.set()
        _joined(first, second)
        assert isinstance(answers["a"], RuntimeError) and answers["b"] == 1
        assert gate._slots[7].asking is None  # noqa: SLF001 (nothing stuck in flight)


def test_taps_that_ask_while_a_question_is_in_flight_ask_together_once_it_is_answered():
    """When a booking that took the last seat leaves, its waiters all ask at once: the
    first asks alone, the others in one question sent when the first is answered, each
    getting its own answer."""
    gate = SeatGate()
    questions: list[list[str]] = []
    release_first = threading.Event()

    def ask_together(callers):
        questions.append(list(callers))
        if len(questions) == 1:
            release_first.wait(10)
        return [100 * len(questions) + n for n in range(len(callers))]

    answers: dict[str, int | None] = {}

    def tap(name):
        with gate.watch(7) as watch:
            answers[name] = watch.ask(name, ask_together, time.monotonic() + 10)

    first = threading.Thread(target=tap, args=("a",))
    first.start()
    _until(lambda: questions)
    others = [threading.Thread(target=tap, args=(name,)) for name in "bcd"]
    for thread in others:
        thread.start()
    _until(lambda: len(getattr(gate._slots[7].gathering, "callers", ())) == 3)  # noqa: SLF001
    release_first.set()
    _joined(first, *others)
    assert len(questions) == 2 and questions[0] == ["a"]
    assert sorted(questions[1]) == ["b", "c", "d"]
    assert answers["a"] == 100
    assert {name: answers[name] for name in questions[1]} == {
        name: 200 + n for n, name in enumerate(questions[1])
    }
    assert gate._slots == {}  # noqa: SLF001


class _SlowToWake:
    """The gate's lock, except that the thread named ``slow`` is held back from taking it
    while ``hold`` is set: a tap woken but not yet running again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hold, self.go = threading.Event(), threading.Event()

    def acquire(self, blocking=True, timeout=-1):
        if threading.current_thread().name == "slow" and self.hold.is_set():
            self.go.wait(10)
        return self._lock.acquire(blocking, timeout)

    def release(self):
        self._lock.release()

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()


def test_the_group_gathered_is_asked_next_even_if_its_sender_is_slow_to_wake():
    """The question in flight hands the slot over to the group gathered behind it: taps
    that come before the group's sender runs again gather behind that group, and do not
    ask ahead of it."""
    gate = SeatGate()
    gate._lock = _SlowToWake()  # noqa: SLF001
    questions: list[list[str]] = []
    release = threading.Event()

    def ask_together(callers):
        questions.append(list(callers))
        if callers == ["a"]:
            release.wait(10)
        return [5] * len(callers)

    answers: dict[str, int | None] = {}

    def tap(name):
        with gate.watch(7) as watch:
            answers[name] = watch.ask(name, ask_together, _SOON())

    first = threading.Thread(target=tap, args=("a",))
    first.start()
    _until(lambda: questions)
    sender = threading.Thread(target=tap, args=("b",), name="slow")
    sender.start()
    _until(lambda: gate._slots[7].gathering is not None)  # noqa: SLF001
    gate._lock.hold.set()  # noqa: SLF001 ("b", once woken, does not run yet)
    release.set()
    _joined(first)
    late = [threading.Thread(target=tap, args=(name,)) for name in "cd"]
    for count, thread in enumerate(late, start=1):
        thread.start()
        _until(lambda count=count: len(getattr(gate._slots[7].gathering, "callers", ())) == count)  # noqa: SLF001
    gate._lock.go.set()  # noqa: SLF001
    _joined(sender, *late)
    assert questions == [["a"], ["b"], ["c", "d"]]
    assert answers == {"a": 5, "b": 5, "c": 5, "d": 5}


def test_a_tap_waiting_for_a_question_goes_on_at_its_deadline():
    gate = SeatGate()
    release = threading.Event()
    questions: list[list[str]] = []

    def ask_together(callers):
        questions.append(list(callers))
        if callers[0].startswith("a"):  # a question in flight, answered when released
            release.wait(10)
        return [1] * len(callers)

    answers: dict[str, int | None] = {}

    def ask(watch, name, seconds):
        answers[name] = watch.ask(name, ask_together, time.monotonic() + seconds)

    with gate.watch(7) as a, gate.watch(7) as b, gate.watch(7) as c:
        first = threading.Thread(target=ask, args=(a, "a", 10))
        first.start()
        _until(lambda: questions)
        second = threading.Thread(target=ask, args=(b, "b", 10))  # sends the next one
        second.start()
        _until(lambda: gate._slots[7].gathering is not None)  # noqa: SLF001
        ask(c, "c", 0.02)  # joins it, but it is not answered in time: the whole way
        assert answers["c"] is None and c.timed_out
        release.set()
        _joined(first, second)
    assert answers == {"a": 1, "b": 1, "c": None}
    assert questions == [["a"], ["b", "c"]]
    release.clear()
    with gate.watch(8) as a, gate.watch(8) as d:
        first = threading.Thread(target=ask, args=(a, "a8", 10))
        first.start()
        _until(lambda: len(questions) == 3)
        ask(d, "d", 0.02)  # waits to send the next question, then sends it beside
        assert answers["d"] == 1 and questions[3] == ["d"] and first.is_alive()
        release.set()
        _joined(first)
    assert answers["a8"] == 1 and gate._slots == {}  # noqa: SLF001


def _edge(app) -> EdgeRefusals:
    layer = app.wsgi_app
    while not isinstance(layer, EdgeRefusals):
        layer = layer.wsgi_app  # the middlewares in front of it
    return layer


def _answering(monkeypatch, gate, slot_id, answers, *, leaving=1, took_seat=False) -> list:
    """The database's answers to the edge's question, in turn; once this tap has its first,
    ``leaving`` bookings of the slot in flight leave, 50 ms apart. Returns the slots asked
    about, as they are asked."""
    answers, asked = iter(answers), []

    def seats_left(**request):
        asked.append(request["slot_id"])
        if len(asked) == 1:  # not before: a leave before the first answer changes nothing
            for n in range(leaving):
                threading.Timer(
                    0.05 * (n + 1), gate.leave, args=(slot_id,), kwargs={"took_seat": took_seat}
                ).start()
        return next(answers)

    monkeypatch.setattr("services.appointments.refusals.seats_left", seats_left)
    return asked


@pytest.fixture
def kept(make, desk, client):
    """A full slot refused once, so the app's ``slot_full`` answer is kept for the edge."""
    slot = make.slot(desk.post, desk.service, START + timedelta(days=3), capacity=1)
    other = make.citizen()
    assert book(client, desk, headers=make.auth(other), applicant_id=make.applicant(other).id,
                slot_id=slot.id).status_code == 201  # fmt: skip
    assert book(client, desk, slot_id=slot.id).status_code == 409
    return slot.id


@pytest.fixture
def one_seat(make, desk):
    return make.slot(desk.post, desk.service, START + timedelta(days=4), capacity=1).id


def test_a_tap_waiting_for_the_last_seat_is_refused_in_front_of_flask_once_it_is_gone(
    app, client, desk, kept, one_seat, monkeypatch
):
    gate = _edge(app).gate
    with gate.watch(one_seat) as other:
        assert other.enter(1)  # another tap's booking of the last seat is in flight
    # ... which has taken it when this tap asks again
    asked = _answering(monkeypatch, gate, one_seat, [1, 0])
    with reaching_flask(app) as seen:
        refused = book(client, desk, slot_id=one_seat)
    assert (refused.status_code, refused.get_json()["error"]) == (409, "slot_full")
    assert asked == [one_seat, one_seat] and seen == []


def test_waiters_ask_the_database_again_only_when_their_count_says_the_slot_is_full(
    app, client, desk, kept, make, monkeypatch
):
    """Three bookings of the last three seats in flight: a tap waiting behind them asks
    twice (on arrival, and once its count says none is left), not after each booking."""
    slot = make.slot(desk.post, desk.service, START + timedelta(days=4), capacity=3).id
    gate = _edge(app).gate
    with gate.watch(slot) as others:
        assert others.enter(3) and others.enter(3) and others.enter(3)
    asked = _answering(monkeypatch, gate, slot, [3, 0], leaving=3, took_seat=True)
    with reaching_flask(app) as seen:
        refused = book(client, desk, slot_id=slot)
    assert (refused.status_code, refused.get_json()["error"]) == (409, "slot_full")
    assert asked == [slot, slot] and seen == []


def test_a_booking_that_left_without_a_seat_lets_a_waiter_ask_again_and_book(
    app, client, desk, kept, one_seat, monkeypatch
):
    gate = _edge(app).gate
    with gate.watch(one_seat) as other:
        assert other.enter(1)  # its booking will fail a rule: the seat stays free
    threading.Timer(0.05, gate.leave, args=(one_seat,), kwargs={"took_seat": False}).start()
    with reaching_flask(app) as seen:
        booked = book(client, desk, slot_id=one_seat)
    assert booked.status_code == 201 and seen == [URL]
    assert gate.in_flight(one_seat) == 0


def test_a_tap_on_another_taps_answer_asks_only_when_its_count_says_the_slot_is_full(
    app, client, desk, kept, one_seat, monkeypatch
):
    """Another tap asked a moment ago (1 left) and its booking is in flight: this tap waits
    on that answer without asking, and asks once, for its own refusal, when the booking
    has taken the seat."""
    monkeypatch.setattr("api.seat_gate.RECENT_SECONDS", 60.0)  # however slow the machine
    gate = _edge(app).gate
    with gate.watch(one_seat) as other:
        assert other.ask("other", lambda callers: [1], _SOON()) == 1
        assert other.enter(1)
    threading.Timer(0.05, gate.leave, args=(one_seat,), kwargs={"took_seat": True}).start()
    finished_when_asked = []

    def seats_left(**request):
        finished_when_asked.append(gate._slots[request["slot_id"]].finished)  # noqa: SLF001
        return 0

    monkeypatch.setattr("services.appointments.refusals.seats_left", seats_left)
    with reaching_flask(app) as seen:
        refused = book(client, desk, slot_id=one_seat)
    assert (refused.status_code, refused.get_json()["error"]) == (409, "slot_full")
    assert finished_when_asked == [1] and seen == []  # once, after the booking took it


def test_a_tap_is_never_refused_on_another_taps_answer(
    app, client, desk, kept, one_seat, monkeypatch
):
    """Another tap's answer says the slot is full; this caller's own question says its
    session or key needs the whole way (None): the app answers, not the edge."""
    monkeypatch.setattr("api.seat_gate.RECENT_SECONDS", 60.0)
    gate = _edge(app).gate
    with gate.watch(one_seat) as other:
        assert other.ask("other", lambda callers: [0], _SOON()) == 0
        asked = _answering(monkeypatch, gate, one_seat, [None], leaving=0)
        with reaching_flask(app) as seen:
            answer = book(client, desk, slot_id=one_seat)
    assert asked == [one_seat] and seen == [URL]
    assert answer.status_code == 201  # the seat was free after all: the app booked it


def test_a_tap_let_in_leaves_saying_whether_it_took_a_seat(app, client, desk, kept, make):
    slot = make.slot(desk.post, desk.service, START + timedelta(days=4), capacity=2).id
    gate = _edge(app).gate
    with gate.watch(slot) as watching:
        assert book(client, desk, slot_id=slot).status_code == 201
        assert watching.seats_counted(2) == 1  # it left with a seat: counted down
    with gate.watch(slot) as watching:
        twice = book(client, desk, slot_id=slot)  # the same applicant: a seat is left
        assert twice.get_json()["error"] == "duplicate_appointment"
        assert watching.seats_counted(1) is None  # it left without one: ask again


def test_before_any_refusal_is_kept_a_tap_that_finds_the_slot_full_stops_waiting(
    app, client, desk, one_seat, monkeypatch
):
    """No ``slot_full`` answer kept yet in this worker: the view refuses on the edge's word,
    at once, rather than after the gate's whole wait."""
    from api import seat_gate

    gate = _edge(app).gate
    with gate.watch(one_seat) as other:
        assert other.enter(1)
    _answering(monkeypatch, gate, one_seat, [1, 0])
    waits = []
    real_wait = seat_gate.Watch.wait

    def counted_wait(watch, deadline):
        waits.append(deadline)
        return real_wait(watch, deadline)

    monkeypatch.setattr(seat_gate.Watch, "wait", counted_wait)
    with reaching_flask(app) as seen:
        refused = book(client, desk, slot_id=one_seat)
    assert (refused.status_code, refused.get_json()["error"]) == (409, "slot_full")
    assert seen == [URL] and len(waits) == 1  # one wait for the booking in flight, no more


def test_a_caller_over_its_budget_is_answered_429_before_it_would_wait(
    app, client, desk, kept, one_seat, monkeypatch
):
    """The seat limits are judged before the first wait: a caller over its budget does not
    hold a worker's thread at the gate for its 429."""
    from api import seat_gate

    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_IP", "100/second")
    monkeypatch.setitem(app.config, "RATELIMIT_BOOKING_PER_ACCOUNT", "1/minute")
    assert book(client, desk, slot_id=kept).status_code == 409  # refused at the edge: spent
    waits = []
    monkeypatch.setattr(seat_gate.Watch, "wait", lambda watch, deadline: waits.append(1))
    gate = _edge(app).gate
    with gate.watch(one_seat) as other:
        assert other.enter(1)  # the last seat's booking is in flight
    try:
        with reaching_flask(app) as seen:
            refused = book(client, desk, slot_id=one_seat)
    finally:
        gate.leave(one_seat)
    assert (refused.status_code, refused.get_json()["error"]) == (429, "rate_limited")
    assert waits == [] and seen == []


def test_a_tap_leaves_the_gate_even_when_the_edges_app_context_fails_to_close(
    app, client, desk, kept, one_seat
):
    failures = []

    def failing_once(_exc):
        if not failures:
            failures.append(1)
            raise RuntimeError("a teardown that fails")

    app.teardown_appcontext_funcs.append(failing_once)
    try:
        booked = book(client, desk, slot_id=one_seat)
    finally:
        app.teardown_appcontext_funcs.remove(failing_once)
    assert failures and booked.status_code == 201
    assert _edge(app).gate.in_flight(one_seat) == 0


def test_a_tap_that_waited_long_enough_goes_the_whole_way(
    app, client, desk, kept, one_seat, monkeypatch
):
    monkeypatch.setitem(app.config, "BOOKING_GATE_WAIT_MS", 30)
    gate = _edge(app).gate
    with gate.watch(one_seat) as other:
        assert other.enter(1)  # a booking that never finishes here
    try:
        with reaching_flask(app) as seen:
            booked = book(client, desk, slot_id=one_seat)
    finally:
        gate.leave(one_seat)
    assert booked.status_code == 201 and seen == [URL]  # the seat was free after all


def test_a_tap_let_in_leaves_the_gate_with_its_answer(app, client, desk, kept, one_seat):
    gate = _edge(app).gate
    with reaching_flask(app) as seen:
        booked = book(client, desk, slot_id=one_seat)
    assert booked.status_code == 201 and seen == [URL]
    assert gate.in_flight(one_seat) == 0


def _counting_loads(monkeypatch) -> list[dict]:
    """The bodies ``AppointmentCreateSchema.load`` is asked to load from now on."""
    from schemas.appointments import AppointmentCreateSchema

    loads: list[dict] = []
    real = AppointmentCreateSchema.load

    def counting(self, data, *args, **kwargs):
        loads.append(data)
        return real(self, data, *args, **kwargs)

    monkeypatch.setattr(AppointmentCreateSchema, "load", counting)
    return loads


def test_a_booking_let_in_is_not_loaded_again_by_the_view(
    app, client, desk, kept, one_seat, make, monkeypatch
):
    """The edge loaded the body to judge the tap; the view takes that load
    (``api.json_body.hand_over_loaded``) instead of webargs loading it again. Without the
    gate nothing is handed over, and the view's schema loads it."""
    loads = _counting_loads(monkeypatch)
    booked = book(client, desk, slot_id=one_seat)
    assert booked.status_code == 201 and loads == []
    assert booked.get_json()["slot_id"] == one_seat

    monkeypatch.setitem(app.config, "BOOKING_GATE_WAIT_MS", 0)
    other = make.citizen()
    slot = make.slot(desk.post, desk.service, START + timedelta(days=5), capacity=1).id
    booked = book(client, desk, headers=make.auth(other), applicant_id=make.applicant(other).id,
                  slot_id=slot)  # fmt: skip
    assert booked.status_code == 201 and len(loads) == 1


def test_a_body_handed_over_for_another_schema_is_loaded_by_the_views_own(app, monkeypatch):
    from api.blueprint import Blueprint
    from api.json_body import hand_over_loaded
    from schemas.appointments import AppointmentCreateSchema, RescheduleSchema

    loads = _counting_loads(monkeypatch)
    body = {"applicant_id": 1, "post": "FR-PAR", "service": "passport_new", "slot_id": 2}
    with app.test_request_context("/api/v1/appointments", method="POST", json=body) as ctx:
        hand_over_loaded(ctx.request.environ, RescheduleSchema, {"slot_id": 99})
        parsed = Blueprint.ARGUMENTS_PARSER.parse(AppointmentCreateSchema, location="json")
    assert parsed == body and loads == [body]  # not the other schema's load
    with app.test_request_context("/api/v1/appointments", method="POST", json=body) as ctx:
        hand_over_loaded(ctx.request.environ, AppointmentCreateSchema, {**body, "slot_id": 3})
        parsed = Blueprint.ARGUMENTS_PARSER.parse(AppointmentCreateSchema, location="json")
    assert parsed["slot_id"] == 3 and len(loads) == 1  # the handed-over load, taken as is
    with app.test_request_context("/api/v1/appointments", method="POST", json=body) as ctx:
        hand_over_loaded(ctx.request.environ, AppointmentCreateSchema, {**body, "slot_id": 3})
        # An instance may be built with only / partial / exclude: it loads for itself.
        parsed = Blueprint.ARGUMENTS_PARSER.parse(AppointmentCreateSchema(), location="json")
    assert parsed == body and len(loads) == 2


def test_no_gate_when_turned_off(app, client, desk, kept, one_seat, monkeypatch):
    monkeypatch.setitem(app.config, "BOOKING_GATE_WAIT_MS", 0)
    gate = _edge(app).gate
    with gate.watch(one_seat) as other:
        assert other.enter(1)
    try:
        with reaching_flask(app) as seen:
            booked = book(client, desk, slot_id=one_seat)
    finally:
        gate.leave(one_seat)
    assert booked.status_code == 201 and seen == [URL]  # did not wait at all


@pytest.mark.postgres
def test_a_burst_on_three_seats_sends_three_bookings_to_flask(
    app,
    make,
    desk,
    kept,
    server,  # noqa: F811
    monkeypatch,
):
    """Thirty taps at once on three seats, over real HTTP: three bookings, every other tap
    a clean 409, and only the three winners reach Flask (the rest waited and were refused
    in front of it)."""
    monkeypatch.setitem(app.config, "BOOKING_GATE_WAIT_MS", 30_000)  # never times out here
    slot = make.slot(desk.post, desk.service, START + timedelta(days=5), capacity=3)
    people = citizens(make, 30)
    with reaching_flask(app) as seen:
        results = race([booking(server, desk, slot.id, h, a) for h, a in people])
    assert Counter(results) == {(201, None): 3, (409, "slot_full"): 27}
    assert len(seen) == 3


@pytest.mark.postgres
def test_before_a_refusal_is_kept_the_taps_on_a_full_slot_wait_for_the_first_one(
    app,
    client,
    make,
    desk,
    server,  # noqa: F811
):
    """Twenty taps at once on a slot already full, in a worker that has not refused one
    yet: one goes to Flask, and its answer, once kept, answers the others in front of it
    (before, all twenty went to Flask)."""
    slot = make.slot(desk.post, desk.service, START + timedelta(days=7), capacity=1)
    other = make.citizen()
    assert book(client, desk, headers=make.auth(other), applicant_id=make.applicant(other).id,
                slot_id=slot.id).status_code == 201  # fmt: skip
    people = citizens(make, 20)
    with reaching_flask(app) as seen:
        results = race([booking(server, desk, slot.id, h, a) for h, a in people])
    assert Counter(results) == {(409, "slot_full"): 20}
    assert seen == [URL]


def test_a_wait_for_the_first_kept_refusal_ends_with_the_taps_wait_at_the_gate(app, monkeypatch):
    """Another tap is answering the worker's first ``slot_full`` (nothing kept yet): a tap
    whose wait at the gate ends sooner waits for that answer no longer than its wait."""
    from api import edge

    monkeypatch.setattr(edge, "kept", lambda *args: None)  # nothing kept in any language
    layer = _edge(app)
    monkeypatch.setitem(layer._keeping, "en", threading.Event())  # the answering tap's
    started = time.monotonic()
    assert layer._first_kept({}, "en", deadline=started + 0.05) is None
    assert time.monotonic() - started < 0.5  # not KEEP_WAIT_SECONDS (1 s)
    started = time.monotonic()
    assert layer._first_kept({}, "en", deadline=started - 1) is None  # already over: no wait
    assert time.monotonic() - started < 0.05


@pytest.mark.postgres
def test_double_taps_in_a_burst_whose_questions_are_asked_together_are_never_wrongly_refused(
    app,
    make,
    desk,
    kept,
    server,  # noqa: F811
    monkeypatch,
):
    """Twenty travellers tap twice at once (the same key) on one seat, over real HTTP, with
    each question asked alone slowed down so that the others ask together: one booking,
    whose twin is replayed (or told to come back), and every other tap a 409 ``slot_full``;
    the taps' own sessions and keys were asked in groups."""
    from services.appointments import refusals

    monkeypatch.setitem(app.config, "BOOKING_GATE_WAIT_MS", 30_000)  # never times out here
    slot = make.slot(desk.post, desk.service, START + timedelta(days=6), capacity=1)
    people = citizens(make, 20)
    alone, together = refusals.seats_left, refusals.seats_left_for_each
    groups: list[int] = []

    def slowly_alone(**question):
        time.sleep(0.05)
        return alone(**question)

    def counted_together(**question):
        groups.append(len(question["callers"]))
        return together(**question)

    monkeypatch.setattr(refusals, "seats_left", slowly_alone)
    monkeypatch.setattr(refusals, "seats_left_for_each", counted_together)
    calls = []
    for n, (headers, applicant_id) in enumerate(people):
        keyed = {**headers, "Idempotency-Key": f"double-tap-{n}"}
        calls += [booking(server, desk, slot.id, keyed, applicant_id)] * 2
    results = race(calls)
    pairs = [results[n : n + 2] for n in range(0, len(results), 2)]
    won = [pair for pair in pairs if (201, None) in pair]
    assert len(won) == 1, results
    assert all(tap in {(201, None), (409, "idempotency_in_progress")} for tap in won[0])
    for pair in pairs:
        if pair is not won[0]:
            assert all(
                tap in {(409, "slot_full"), (409, "idempotency_in_progress")} for tap in pair
            )
    assert groups and max(groups) > 1  # some asked together
    from services.core.db import db
    from services.models import Appointment

    with app.app_context():
        booked = db.session.query(Appointment).filter_by(slot_id=slot.id).count()
    assert booked == 1

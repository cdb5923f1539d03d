"""The parts of the lookups answered in front of Flask (``api.edge_lookups``): the answer's
bytes written as the app's JSON provider writes them, the plain-body loader that gives what
the view's schema gives, and the limits' keys defined once for the view and the edge."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.edge import plain_loader
from api.edge_lookups import Lookup, json_writer
from api.rate_limits import BY_IP, Limit
from schemas.applications import ProgressLookupSchema
from schemas.appointments import AppointmentCreateSchema
from schemas.common import MULTILINE, Base
from schemas.legalizations import LegalizationLookupSchema

PAYLOADS = [
    {"b": 1, "a": [None, True, 2.5, "x"], "é": "Nguyễn \u202e <script>", "nested": {"z": {}}},
    {"number": "FRPAR-2026-000001-P", "timeline": [{"at": "2026-01-02T03:04:05+00:00"}]},
    [],
    "text\nwith a line break",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_answers_bytes_are_the_json_providers(app, payload):
    with app.app_context():
        assert json_writer(app)(payload) == app.json.response(payload).get_data()


@pytest.mark.parametrize("compact", [None, False, True])
@pytest.mark.parametrize("debug", [False, True])
def test_the_answers_bytes_follow_the_providers_settings(app, monkeypatch, compact, debug):
    monkeypatch.setattr(app.json, "compact", compact)
    monkeypatch.setattr(app.json, "sort_keys", False)
    monkeypatch.setattr(app.json, "ensure_ascii", False)
    monkeypatch.setattr(app, "debug", debug)
    with app.app_context():
        for payload in PAYLOADS:
            assert json_writer(app)(payload) == app.json.response(payload).get_data()


def test_another_json_provider_is_asked_itself(app, monkeypatch):
    from flask.json.provider import DefaultJSONProvider

    class Loud(DefaultJSONProvider):
        def dumps(self, obj, **kwargs):
            return super().dumps(obj, **kwargs).upper()

    monkeypatch.setattr(app, "json", Loud(app))
    with app.app_context():
        assert json_writer(app)({"a": "b"}) == b'{"A":"B"}\n'


# The lookups' schemas, and the booking's (loaded the same way by api.edge_refusals).
LOOKUP_SCHEMAS = [ProgressLookupSchema(), LegalizationLookupSchema(), AppointmentCreateSchema()]
PLAIN = [
    {"number": "FRPAR-2026-000001-P", "surname": "Nguyen", "date_of_birth": "1990-05-17"},
    {"authentication_number": "2026-000001", "sub_number": "1", "sticker_number": "ST1"},
    {"applicant_id": 7, "post": "FR-PAR", "service": "passport_new", "slot_id": 2**31 - 1},
]


@pytest.mark.parametrize("schema, body", list(zip(LOOKUP_SCHEMAS, PLAIN, strict=True)))
def test_a_plain_body_is_loaded_as_the_schema_loads_it(schema, body):
    loaded = plain_loader(schema)(body)
    assert loaded is not None and loaded == schema.load(body)
    assert all(type(loaded[k]) is type(v) for k, v in schema.load(body).items())


def _schema_answer(schema, body):
    try:
        return schema.load(body)
    except (TypeError, ma.ValidationError):
        return "refused"


_texts = st.one_of(
    st.text(max_size=45),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=45),
    st.sampled_from(["", "1990-05-17", "1990-02-30", "19900517", "2024-W01-1", "FRPAR-2026-1"]),
)
_values = st.one_of(
    _texts,
    st.integers(),
    st.integers(min_value=-2, max_value=3),
    st.sampled_from([0, 1, 2**31 - 1, 2**31, True, False, 1.0, 2.5, "7", float("nan")]),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
)


@pytest.mark.parametrize("schema", LOOKUP_SCHEMAS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_plain_loader_gives_what_the_schema_gives_or_leaves_it_to_the_schema(schema, data):
    names = list(schema.load_fields)
    keys = data.draw(
        st.one_of(
            st.just(names),
            st.lists(st.sampled_from([*names, "extra", "Number"]), unique=True, max_size=4),
        )
    )
    body = {key: data.draw(_values) for key in keys}
    loaded = plain_loader(schema)(body)
    if loaded is not None:
        assert loaded == _schema_answer(schema, body)


@pytest.mark.parametrize("body", [None, [], "x", 3, {"number": "x"}])
def test_anything_but_an_object_of_the_fields_is_left_to_the_schema(body):
    assert plain_loader(ProgressLookupSchema())(body) is None


def test_a_schema_with_more_than_plain_fields_gets_no_plain_loader():
    class Multiline(Base):
        note = ma.fields.String(required=True, metadata=MULTILINE)

    class Counted(Base):  # an integer field with a check other than its range
        n = ma.fields.Integer(required=True, validate=ma.validate.OneOf([1, 2]))

    class Optional(Base):
        name = ma.fields.String()

    class Checked(Base):
        name = ma.fields.String(required=True)

        @ma.validates("name")
        def _check(self, value, **kwargs):
            raise ma.ValidationError("no")

    class Lenient(Base):  # unknown fields excluded, not refused
        class Meta:
            unknown = ma.EXCLUDE

        name = ma.fields.String(required=True)

    for schema in (Counted(), Optional(), Checked(), Lenient()):
        assert plain_loader(schema) is None
    # A multiline field's text is the same text when it is plain ASCII (no line break).
    assert plain_loader(Multiline())({"note": "a b"}) == {"note": "a b"}


def test_an_edge_lookups_limits_must_say_their_keys_for_the_edge():
    from api.extensions import client_ip

    plain = Limit("RATELIMIT_PROGRESS_LOOKUP_PER_IP", client_ip, scope="x-ip")
    with pytest.raises(TypeError):
        Lookup("/x", ProgressLookupSchema(), (plain,), lambda data, language: {}, "x")
    keyed = Limit("RATELIMIT_PROGRESS_LOOKUP_PER_IP", BY_IP, scope="x-ip")
    posts_only = Limit("RATELIMIT_PROGRESS_LOOKUP_PER_IP", BY_IP, scope="y", methods=("GET",))
    lookup = Lookup("/x", ProgressLookupSchema(), (keyed, posts_only), lambda d, lang: {}, "x")
    assert lookup.keyed_limits({}, "192.0.2.1") == [(keyed, "192.0.2.1")]


@pytest.mark.parametrize(
    "raw", [{"number": " frpar-2026-000001-p "}, {"number": 5}, [], None, {"number": "x" * 99}]
)
def test_the_view_and_the_edge_key_a_progress_lookup_alike(app, raw):
    """One definition (``BodyKey``): the keys the view's limits give inside Flask are the
    keys the edge gives for the same body and address."""
    from api.resources.applications import EDGE_LOOKUP

    with app.test_request_context(
        "/api/v1/applications/lookup",
        method="POST",
        json=raw,
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    ):
        in_view = [(limit, limit.key_func()) for limit in EDGE_LOOKUP.limits]
    assert in_view == EDGE_LOOKUP.keyed_limits(raw, "192.0.2.7")
    assert in_view[0][1] == "192.0.2.7"
    assert in_view[2][1].startswith("progress-number:") and len(in_view[2][1]) <= 56


def test_the_plain_date_is_the_schemas_date():
    assert plain_loader(ProgressLookupSchema())(
        {"number": "FRPAR-2026-000001-P", "surname": "N", "date_of_birth": "2000-02-29"}
    ) == {"number": "FRPAR-2026-000001-P", "surname": "N", "date_of_birth": date(2000, 2, 29)}


@pytest.mark.parametrize("value", [True, 1.0, "7", 0, -1, 2**31, None, [7]], ids=repr)
def test_a_booking_id_that_is_not_a_plain_id_in_range_is_left_to_the_schema(value):
    body = {"applicant_id": 7, "post": "FR-PAR", "service": "passport_new", "slot_id": value}
    assert plain_loader(AppointmentCreateSchema())(body) is None

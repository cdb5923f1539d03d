"""Two-way check-in on emergency alerts: who may answer, changing the answer, privacy
between citizens, and the officers' dashboard limited to their countries."""

from __future__ import annotations

from tests.services.alerts.support import STAFF, add_trip, in_days, ok, publish


def _answer(client, headers, alert_id, **body):
    return client.post(f"/api/v1/alerts/{alert_id}/responses", json=body, headers=headers)


def _error(response, status: int, code: str) -> None:
    assert (response.status_code, response.get_json()["error"]) == (status, code)


def test_travellers_answer_and_change_their_answer(client, make, staff):
    alert = publish(client, staff.author, staff.approver, level="emergency")["id"]
    traveller, stranger = make.auth(make.citizen()), make.auth(make.citizen())
    add_trip(client, traveller, "FR")

    safe = ok(_answer(client, traveller, alert, status="safe"))
    assert (safe["status"], safe["country"], safe["handled"]) == ("safe", "FR", False)
    changed = ok(
        _answer(
            client,
            traveller,
            alert,
            status="need_help",
            latitude=48.8566,
            longitude=2.3522,
            message="Stuck at Gare du Nord",
        )
    )
    assert changed["id"] == safe["id"]
    mine = ok(client.get(f"/api/v1/alerts/{alert}/responses/mine", headers=traveller))
    assert (mine["status"], mine["message"], mine["latitude"]) == (
        "need_help",
        "Stuck at Gare du Nord",
        48.8566,
    )

    # Another citizen sees nothing of it and, not being there, may not answer.
    _error(
        client.get(f"/api/v1/alerts/{alert}/responses/mine", headers=stranger),
        404,
        "alert_response_not_found",
    )
    _error(_answer(client, stranger, alert, status="safe"), 403, "not_registered_for_alert")
    add_trip(client, stranger, "FR", start=2, end=5)  # not there yet
    _error(_answer(client, stranger, alert, status="safe"), 403, "not_registered_for_alert")
    ok(client.post("/api/v1/follows", json={"country": "FR"}, headers=stranger), 201)
    assert ok(_answer(client, stranger, alert, status="safe"))["id"] != safe["id"]

    assert _answer(client, traveller, alert, status="fine").status_code == 422
    assert _answer(client, traveller, alert, status="safe", latitude=1.0).status_code == 422
    assert (
        _answer(client, traveller, alert, status="safe", latitude=91, longitude=0).status_code
        == 422
    )
    _error(
        _answer(client, traveller, alert, status="safe", country="DE"),
        403,
        "not_registered_for_alert",
    )
    assert (
        client.post(f"/api/v1/alerts/{alert}/responses", json={"status": "safe"}).status_code == 401
    )


def test_check_in_is_only_for_live_emergencies(client, make, staff):
    traveller = make.auth(make.citizen())
    add_trip(client, traveller, "FR")
    warning = publish(client, staff.author, staff.approver, level="warning")["id"]
    _error(_answer(client, traveller, warning, status="safe"), 409, "check_in_closed")
    emergency = publish(client, staff.author, staff.approver, level="emergency")["id"]
    ok(_answer(client, traveller, emergency, status="safe"))
    ok(
        client.post(
            f"{STAFF}/{emergency}/versions",
            json={
                "kind": "all_clear",
                "reason": "over",
                "title": {"en": "All clear"},
                "body": {"en": "Over."},
            },
            headers=staff.author,
        ),
        201,
    )
    ok(client.post(f"{STAFF}/{emergency}/submit", headers=staff.author))
    ok(client.post(f"{STAFF}/{emergency}/approve", json={"version": 2}, headers=staff.approver))
    _error(_answer(client, traveller, emergency, status="safe"), 409, "check_in_closed")
    # The answer given stays readable by its author.
    assert ok(client.get(f"/api/v1/alerts/{emergency}/responses/mine", headers=traveller))


def test_officers_dashboard_is_limited_to_their_countries(client, make, staff):
    alert = publish(client, staff.admin, staff.admin2, level="emergency", countries=["DE", "FR"])
    alert_id = alert["id"]
    in_paris = make.citizen(display_name="Tran Van Binh", phone="+84912345678")
    paris = make.auth(in_paris)
    ok(
        client.post(
            "/api/v1/trips",
            json={
                "country": "FR",
                "city": "Paris",
                "start_date": in_days(-2),
                "end_date": in_days(5),
                "emergency_contact_name": "Tran Thi Lan",
                "emergency_contact_phone": "+84987654321",
            },
            headers=paris,
        ),
        201,
    )
    in_lyon, in_berlin = make.auth(make.citizen()), make.auth(make.citizen())
    add_trip(client, in_lyon, "FR")
    add_trip(client, in_berlin, "DE")
    help_paris = ok(_answer(client, paris, alert_id, status="need_help", message="Injured"))
    ok(_answer(client, in_lyon, alert_id, status="safe"))
    help_berlin = ok(_answer(client, in_berlin, alert_id, status="need_help"))

    counts = ok(client.get(f"{STAFF}/{alert_id}/response-counts", headers=staff.author))
    assert counts == [{"country": "FR", "safe": 1, "need_help": 1, "need_help_unhandled": 1}]
    assert ok(client.get(f"{STAFF}/{alert_id}/response-counts", headers=staff.admin)) == [
        {"country": "DE", "safe": 0, "need_help": 1, "need_help_unhandled": 1},
        {"country": "FR", "safe": 1, "need_help": 1, "need_help_unhandled": 1},
    ]
    needing = ok(client.get(f"{STAFF}/{alert_id}/responses?status=need_help", headers=staff.author))
    assert [r["id"] for r in needing] == [help_paris["id"]]  # not the Berlin one
    assert needing[0]["traveller"]["display_name"] == "Tran Van Binh"
    assert needing[0]["traveller"]["phone"] == "+84912345678"
    assert needing[0]["trip"]["city"] == "Paris"
    assert needing[0]["trip"]["emergency_contact_phone"] == "+84987654321"
    german = ok(client.get(f"{STAFF}/{alert_id}/responses", headers=staff.german))
    assert [r["id"] for r in german] == [help_berlin["id"]]

    # The French officer cannot touch the Berlin answer; marking is audited and reversible
    # only by the traveller asking again.
    _error(
        client.post(
            f"{STAFF}/{alert_id}/responses/{help_berlin['id']}/handled", headers=staff.author
        ),
        404,
        "alert_response_not_found",
    )
    handled = ok(
        client.post(
            f"{STAFF}/{alert_id}/responses/{help_paris['id']}/handled", headers=staff.author
        )
    )
    assert handled["handled"] is True and handled["handled_at"]
    unhandled = ok(
        client.get(
            f"{STAFF}/{alert_id}/responses?status=need_help&handled=false", headers=staff.author
        )
    )
    assert unhandled == []
    ok(_answer(client, paris, alert_id, status="need_help", message="Still here"))
    assert (
        ok(client.get(f"{STAFF}/{alert_id}/response-counts", headers=staff.author))[0][
            "need_help_unhandled"
        ]
        == 1
    )
    safe_one = ok(client.get(f"{STAFF}/{alert_id}/responses?status=safe", headers=staff.author))
    _error(
        client.post(
            f"{STAFF}/{alert_id}/responses/{safe_one[0]['id']}/handled", headers=staff.author
        ),
        409,
        "response_not_need_help",
    )

    # Citizens never see the dashboard, not even their own alert's.
    assert client.get(f"{STAFF}/{alert_id}/responses", headers=paris).status_code == 403
    assert client.get(f"{STAFF}/{alert_id}/response-counts", headers=paris).status_code == 403

"""Devices, inbox and preferences over HTTP; ownership; the dead-letter queue."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from services.core.db import db, unit_of_work
from services.models import Account, Delivery, Device, Notification
from services.notifications.notifications import notify

TOKEN_A = "fcm-token-A-" + "x" * 40
TOKEN_B = "fcm-token-B-" + "y" * 40


def _notify(app, account_id: int, kind: str = "status_change", **kwargs) -> int:
    with app.app_context(), unit_of_work():
        return notify(account_id, kind, "test_message", **kwargs).id


INSTALLATION = "app-installation-" + "i" * 24


def _deliveries_to(app, device_id: int) -> list[int]:
    """The account ids whose notifications have a delivery row to ``device_id``."""
    with app.app_context():
        rows = db.session.scalars(select(Delivery).where(Delivery.device_id == device_id))
        return sorted({db.session.get(Notification, d.notification_id).account_id for d in rows})


def test_the_same_installation_moves_its_token_to_the_account_now_logged_in(app, client, make):
    first, second = make.citizen(), make.citizen()
    h1, h2 = make.auth(first), make.auth(second)
    created = client.post(
        "/api/v1/devices",
        json={
            "token": TOKEN_A,
            "platform": "ios",
            "locale": "vi-VN",
            "installation_id": INSTALLATION,
        },
        headers=h1,
    )
    assert created.status_code == 201
    assert "token" not in created.get_json()  # never echoed back
    assert "installation_id" not in created.get_json()
    assert [d["id"] for d in client.get("/api/v1/devices", headers=h1).get_json()] == [
        created.get_json()["id"]
    ]
    assert _deliveries_to(app, created.get_json()["id"]) == []
    _notify(app, first.id)
    assert _deliveries_to(app, created.get_json()["id"]) == [first.id]

    moved = client.post(
        "/api/v1/devices",
        json={"token": TOKEN_A, "platform": "ios", "installation_id": INSTALLATION},
        headers=h2,
    )
    assert moved.status_code == 201
    assert moved.get_json()["id"] == created.get_json()["id"]
    assert client.get("/api/v1/devices", headers=h1).get_json() == []
    assert len(client.get("/api/v1/devices", headers=h2).get_json()) == 1
    # From now on the first account's pushes find no device; the second's reach the phone.
    with app.app_context():
        db.session.execute(delete(Delivery))
        db.session.commit()
    _notify(app, first.id)
    _notify(app, second.id)
    assert _deliveries_to(app, created.get_json()["id"]) == [second.id]


@pytest.mark.parametrize(
    ("owner_proof", "stranger_proof"),
    [
        (INSTALLATION, None),  # the stranger has the token only
        (INSTALLATION, "another-installation-0000"),  # and a made-up installation id
        (None, INSTALLATION),  # the owner's app sent no id: nobody can move it
        (None, None),
    ],
)
def test_a_token_of_another_account_does_not_move_without_its_installation_id(
    app, client, make, owner_proof, stranger_proof
):
    owner, stranger = make.citizen(), make.citizen()
    h_owner, h_stranger = make.auth(owner), make.auth(stranger)
    body = {"token": TOKEN_A, "platform": "android"}
    device = client.post(
        "/api/v1/devices",
        json={**body, **({"installation_id": owner_proof} if owner_proof else {})},
        headers=h_owner,
    ).get_json()

    taken = client.post(
        "/api/v1/devices",
        json={**body, **({"installation_id": stranger_proof} if stranger_proof else {})},
        headers=h_stranger,
    )
    assert taken.status_code == 409
    assert taken.get_json()["error"] == "device_token_in_use"
    assert [d["id"] for d in client.get("/api/v1/devices", headers=h_owner).get_json()] == [
        device["id"]
    ]
    assert client.get("/api/v1/devices", headers=h_stranger).get_json() == []
    # The owner's pushes still reach the phone; the stranger's never do.
    _notify(app, owner.id)
    _notify(app, stranger.id)
    assert _deliveries_to(app, device["id"]) == [owner.id]
    # The owner re-registering (without or with an id) is always fine.
    again = client.post("/api/v1/devices", json=body, headers=h_owner)
    assert again.status_code == 201 and again.get_json()["id"] == device["id"]


def test_an_owner_may_add_the_installation_id_later(client, make):
    owner, newcomer = make.citizen(), make.citizen()
    body = {"token": TOKEN_A, "platform": "ios"}
    client.post("/api/v1/devices", json=body, headers=make.auth(owner))
    client.post(
        "/api/v1/devices", json={**body, "installation_id": INSTALLATION}, headers=make.auth(owner)
    )
    moved = client.post(
        "/api/v1/devices",
        json={**body, "installation_id": INSTALLATION},
        headers=make.auth(newcomer),
    )
    assert moved.status_code == 201


def test_device_validation_and_ownership(client, make):
    owner, other = make.auth(make.citizen()), make.auth(make.citizen())
    assert (
        client.post(
            "/api/v1/devices", json={"token": "short", "platform": "ios"}, headers=owner
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/devices", json={"token": TOKEN_B, "platform": "symbian"}, headers=owner
        ).status_code
        == 422
    )
    device = client.post(
        "/api/v1/devices", json={"token": TOKEN_B, "platform": "web"}, headers=owner
    ).get_json()
    assert client.delete(f"/api/v1/devices/{device['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/devices/{device['id']}", headers=owner).status_code == 204
    assert client.delete(f"/api/v1/devices/{device['id']}", headers=owner).status_code == 404


def test_inbox_unread_count_and_mark_read(app, client, make):
    owner, other = make.citizen(), make.citizen()
    headers = make.auth(owner)
    ids = [_notify(app, owner.id) for _ in range(3)]
    inbox = client.get("/api/v1/notifications", headers=headers).get_json()
    assert [n["id"] for n in inbox] == ids[::-1]
    assert inbox[0]["title"] == "Test notification"
    assert client.get("/api/v1/notifications/unread-count", headers=headers).get_json() == {
        "unread": 3
    }

    read = client.post(f"/api/v1/notifications/{ids[0]}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read_at"]
    assert client.get("/api/v1/notifications/unread-count", headers=headers).get_json() == {
        "unread": 2
    }
    assert (
        len(client.get("/api/v1/notifications?unread_only=true", headers=headers).get_json()) == 2
    )

    intruder = make.auth(other)
    assert client.post(f"/api/v1/notifications/{ids[1]}/read", headers=intruder).status_code == 404
    assert client.get("/api/v1/notifications", headers=intruder).get_json() == []

    assert client.post("/api/v1/notifications/read-all", headers=headers).get_json() == {
        "marked": 2
    }
    assert client.get("/api/v1/notifications/unread-count", headers=headers).get_json() == {
        "unread": 0
    }
    # GET never changes state.
    assert client.get(f"/api/v1/notifications/{ids[0]}/read", headers=headers).status_code == 405


def test_settings_round_trip_and_validation(client, make):
    headers = make.auth(make.citizen())
    assert client.get("/api/v1/notification-settings", headers=headers).get_json() == {
        "muted_kinds": [],
        "email_kinds": [],
        "quiet_start": None,
        "quiet_end": None,
    }
    changed = client.patch(
        "/api/v1/notification-settings",
        json={"muted_kinds": ["reminder"], "quiet_start": "22:00:00", "quiet_end": "07:00:00"},
        headers=headers,
    )
    assert changed.status_code == 200
    assert changed.get_json()["quiet_start"] == "22:00:00"
    bad = [
        {"muted_kinds": ["spam"]},
        {"email_kinds": ["newsletter"]},
        {"quiet_start": "22:00:00"},
        {"quiet_start": "25:00:00", "quiet_end": "07:00:00"},
    ]
    for body in bad:
        assert (
            client.patch("/api/v1/notification-settings", json=body, headers=headers).status_code
            == 422
        )


def test_dead_letters_are_listed_and_retried_by_admins(app, client, make, monkeypatch):
    from push import PushUnavailable, SendResult
    from services.core.integrations import push_sender

    citizen = make.citizen()
    app.config["PUSH_MAX_ATTEMPTS"] = 2
    with app.app_context():
        sender = push_sender()

    def failing(*, messages):
        return [SendResult(m.token, False, None, PushUnavailable("down")) for m in messages]

    monkeypatch.setattr(sender, "send_each", failing)
    client.post(
        "/api/v1/devices", json={"token": TOKEN_A, "platform": "ios"}, headers=make.auth(citizen)
    )
    _notify(app, citizen.id)
    with app.app_context():
        from services.notifications.push_delivery import drain

        delivery = db.session.scalar(select(Delivery))
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        delivery.next_attempt_at = delivery.created_at  # the back-off has passed
        db.session.commit()
        drain()
        assert db.session.scalar(select(Delivery.status)) == "dead"
    app.config["PUSH_MAX_ATTEMPTS"] = 8

    admin = make.auth(make.staff("admin"))
    dead = client.get("/api/v1/admin/deliveries/dead", headers=admin).get_json()
    assert len(dead) == 1 and dead[0]["last_error"].startswith("UNAVAILABLE")
    assert (
        client.get("/api/v1/admin/deliveries/dead", headers=make.auth(citizen)).status_code == 403
    )
    monkeypatch.undo()
    retried = client.post(f"/api/v1/admin/deliveries/{dead[0]['id']}/retry", headers=admin)
    assert retried.status_code == 200
    with app.app_context():
        drain()
        assert db.session.scalar(select(Delivery.status)) == "sent"
    again = client.post(f"/api/v1/admin/deliveries/{dead[0]['id']}/retry", headers=admin)
    assert again.status_code == 409 and again.get_json()["error"] == "delivery_not_dead"


def test_disabled_device_is_re_enabled_when_registered_again(app, client, make):
    citizen = make.citizen()
    headers = make.auth(citizen)
    client.post(
        "/api/v1/devices",
        json={"token": "invalid-" + "z" * 30, "platform": "android"},
        headers=headers,
    )
    _notify(app, citizen.id)
    assert client.get("/api/v1/devices", headers=headers).get_json() == []
    with app.app_context():
        assert db.session.scalar(select(Device.disabled_reason)) == "UNREGISTERED"
        assert db.session.get(Account, citizen.id) is not None
    client.post(
        "/api/v1/devices",
        json={"token": "invalid-" + "z" * 30, "platform": "android"},
        headers=headers,
    )
    assert len(client.get("/api/v1/devices", headers=headers).get_json()) == 1


def test_inbox_data_keeps_json_types_and_the_push_spells_them_as_strings(app, client, make):
    from services.core.integrations import push_sender

    owner = make.citizen()
    headers = make.auth(owner)
    client.post("/api/v1/devices", json={"token": TOKEN_A, "platform": "ios"}, headers=headers)
    with app.app_context():
        sender = push_sender()
        sender.clear()
    data = {"application_id": 12, "state": "approved", "urgent": True, "share": 0.5, "x": None}
    _notify(app, owner.id, data=data)
    (item,) = client.get("/api/v1/notifications", headers=headers).get_json()
    assert item["data"] == data  # 12 stays a number, True a boolean
    (sent,) = sender.sent
    assert {k: sent.message.data[k] for k in data} == {
        "application_id": "12",
        "state": "approved",
        "urgent": "true",
        "share": "0.5",
        "x": "null",
    }


def test_notification_data_must_be_json_scalars(app, make):
    import pytest

    owner = make.citizen()
    with pytest.raises(ValueError, match="JSON scalar"):
        _notify(app, owner.id, data={"ids": [1, 2]})

"""The Celery path for real: a task sent through a real Redis, run by a real worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import select

from services.core.db import db, unit_of_work
from services.core.task_names import TaskNames
from services.models import Account, Delivery
from services.notifications.notifications import notify, register_device

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.redis
def test_a_real_worker_sends_the_outbox_through_redis(app, make, redis_url, monkeypatch):
    # Create the notification without the eager in-process send, as production would.
    monkeypatch.setattr("services.notifications.notifications._schedule_push", lambda _id: None)
    citizen = make.citizen()
    with app.app_context():
        register_device(
            db.session.get(Account, citizen.id),
            token="worker-token-" + "w" * 30,
            platform="ios",
            locale="en",
            app_version=None,
        )
        with unit_of_work():
            notification_id = notify(citizen.id, "status_change", "test_message").id
        assert db.session.scalar(select(Delivery.status)) == "pending"
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]

    env = {
        **os.environ,
        "APP_ENV": "testing",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_ALWAYS_EAGER": "false",
        "PUSH_BACKEND": "log",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "api.worker",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # A plain client app (not made current, so the rest of the suite stays eager).
        client = Celery("test-client", broker=redis_url, set_as_current=False)
        client.send_task(TaskNames.SEND_NOTIFICATION, args=[notification_id])
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            with app.app_context():
                status = db.session.scalar(select(Delivery.status))
                db.session.remove()
            if status == "sent" or worker.poll() is not None:
                break
            time.sleep(0.2)
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        assert status == "sent"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()

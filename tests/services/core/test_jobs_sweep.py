"""``jobs.enqueue_or_leave_to_sweep``: a lost enqueue never fails the caller, and the log says
what really happened (a broker away, or the job itself failing in the embedded default)."""

from __future__ import annotations

import logging

from services.core import jobs


def _failing_enqueue(task_name, *args, **kwargs):
    raise RuntimeError("boom")


def test_an_eager_job_that_fails_is_logged_as_the_job_failing(app, caplog, monkeypatch):
    monkeypatch.setattr(jobs, "enqueue", _failing_enqueue)
    with app.app_context():
        assert app.extensions["celery"].conf.task_always_eager  # the embedded default
        with caplog.at_level(logging.WARNING, logger=jobs.log.name):
            assert jobs.enqueue_or_leave_to_sweep("releases.allocate", "r1", what="r1") is False
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "failed while running eagerly" in record.getMessage()


def test_a_broker_away_is_left_to_the_periodic_job(app, caplog, monkeypatch):
    monkeypatch.setattr(jobs, "enqueue", _failing_enqueue)
    with app.app_context():
        monkeypatch.setitem(app.extensions["celery"].conf, "task_always_eager", False)
        with caplog.at_level(logging.WARNING, logger=jobs.log.name):
            assert jobs.enqueue_or_leave_to_sweep("releases.allocate", "r1", what="r1") is False
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "the periodic job will pick it up" in record.getMessage()

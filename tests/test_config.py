"""Configuration: the embedded default needs nothing; production refuses to start half-set."""

from __future__ import annotations

import pytest

from api.config import ConfigError, load_config

PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "JWT_SECRET_KEY": "j" * 40,
    "DATABASE_URL": "postgresql://app@db.internal/palm",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "S3_BUCKET": "palm-documents",
    "FCM_CREDENTIALS_FILE": "/etc/palm/fcm.json",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "MAIL_FROM": "Palm service hall <no-reply@palm.example>",
}


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(PRODUCTION_ENV) + [
        "RATELIMIT_STORAGE_URI",
        "CELERY_ALWAYS_EAGER",
        "MAIL_BACKEND",
        "MAILBOX_DIR",
    ]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_embedded_default_needs_no_configuration(clean_env, tmp_path):
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/palm.sqlite3"
    assert config["CELERY_ALWAYS_EAGER"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (config["PAYMENTS_BACKEND"], config["PUSH_BACKEND"], config["STORAGE_BACKEND"]) == (
        "sandbox",
        "log",
        "local",
    )
    assert config["MAIL_BACKEND"] == "mailbox"
    assert config["MAILBOX_DIR"] == f"{tmp_path}/mailbox"


def test_production_with_everything_set_starts(clean_env, tmp_path):
    for name, value in PRODUCTION_ENV.items():
        clean_env.setenv(name, value)
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db.internal/palm"
    assert config["CELERY_ALWAYS_EAGER"] is False
    assert config["MAIL_BACKEND"] == "ses"


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAIL_FROM", "two@a.example, three@b.example"), ("MAIL_BACKEND", "smtp")],
)
def test_production_refuses_a_mail_setting_that_cannot_work(clean_env, tmp_path, name, value):
    for key, setting in PRODUCTION_ENV.items():
        clean_env.setenv(key, setting)
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path))


@pytest.mark.parametrize(
    "missing",
    [
        "DATABASE_URL",
        "SECRET_KEY",
        "JWT_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "CELERY_BROKER_URL",
        "MAIL_FROM",
    ],
)
def test_production_refuses_to_start_without_a_secret_or_database(clean_env, tmp_path, missing):
    for name, value in PRODUCTION_ENV.items():
        if name != missing:
            clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=missing):
        load_config(str(tmp_path))


def test_production_refuses_a_short_jwt_secret(clean_env, tmp_path):
    for name, value in PRODUCTION_ENV.items():
        clean_env.setenv(name, value)
    clean_env.setenv("JWT_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="32 characters"):
        load_config(str(tmp_path))


def test_create_app_refuses_production_without_database(clean_env):
    from api import create_app

    clean_env.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app()

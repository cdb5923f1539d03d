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
    "SEAL_SIGNING_KEYS": '[{"pem_file": "/run/secrets/seal.pem", "not_before": "2025-01-01"}]',
    "LOTTERY_SEED_SECRET": "l" * 40,
    "LOTTERY_PERSON_KEY_PEPPER": "p" * 40,
    "MAIL_FROM": "Palm service hall <no-reply@palm.example>",
    "PUBLIC_BASE_URL": "https://consular.example",
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
        "SEAL_SIGNING_KEYS",
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


def test_create_app_refuses_unusable_seal_keys(clean_env, tmp_path):
    from api import create_app

    with pytest.raises(ConfigError, match="QR signing keys"):
        create_app(
            {
                "APP_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "SEAL_SIGNING_KEYS": '[{"pem_file": "/nonexistent.pem", "not_before": "2025-01-01"}]',
            }
        )


def test_production_needs_the_lottery_secrets_long_enough(clean_env, tmp_path):
    for name, value in PRODUCTION_ENV.items():
        clean_env.setenv(name, value)
    clean_env.delenv("LOTTERY_SEED_SECRET")
    with pytest.raises(ConfigError, match="LOTTERY_SEED_SECRET"):
        load_config(instance_path=str(tmp_path))
    clean_env.setenv("LOTTERY_SEED_SECRET", "short")
    with pytest.raises(ConfigError, match="LOTTERY_SEED_SECRET must be at least 32"):
        load_config(instance_path=str(tmp_path))


def test_metrics_are_closed_on_loopback_in_production_and_configurable(clean_env, tmp_path):
    for name in ("METRICS_TOKEN", "METRICS_ALLOWED_IPS"):
        clean_env.delenv(name, raising=False)
    assert load_config(str(tmp_path))["METRICS_OPEN_ON_LOOPBACK"] is True
    for name, value in PRODUCTION_ENV.items():
        clean_env.setenv(name, value)
    config = load_config(str(tmp_path))
    assert config["METRICS_OPEN_ON_LOOPBACK"] is False
    assert config["METRICS_TOKEN"] is None and config["METRICS_ALLOWED_IPS"] == ()
    clean_env.setenv("METRICS_ALLOWED_IPS", "10.0.0.0/8, 192.0.2.7")
    clean_env.setenv("METRICS_TOKEN", "m" * 32)
    config = load_config(str(tmp_path))
    assert [str(n) for n in config["METRICS_ALLOWED_IPS"]] == ["10.0.0.0/8", "192.0.2.7/32"]
    clean_env.setenv("METRICS_TOKEN", "short")
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        load_config(str(tmp_path))
    clean_env.setenv("METRICS_TOKEN", "m" * 32)
    clean_env.setenv("METRICS_ALLOWED_IPS", "10.0.0.300")
    with pytest.raises(ConfigError, match="METRICS_ALLOWED_IPS"):
        load_config(str(tmp_path))


@pytest.fixture
def served(clean_env):
    for name in ("PUBLIC_BASE_URL", "FLASK_RUN_HOST", "FLASK_RUN_PORT"):
        clean_env.delenv(name, raising=False)
    return clean_env


def test_links_follow_the_port_served_unless_a_public_url_is_set(served, tmp_path):
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    served.setenv("FLASK_RUN_PORT", "5101")  # what scripts/serve.sh sets from PORT
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "http://127.0.0.1:5101"
    served.setenv("FLASK_RUN_HOST", "192.168.1.20")
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "http://192.168.1.20:5101"
    served.setenv("FLASK_RUN_HOST", "::1")
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "http://[::1]:5101"
    served.setenv("FLASK_RUN_HOST", "0.0.0.0")  # every interface: no address a client can use
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "http://127.0.0.1:5101"
    served.setenv("PUBLIC_BASE_URL", "https://consular.example")
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "https://consular.example"


def test_upload_links_name_the_port_served_whatever_host_a_client_sends(served, tmp_path):
    """End to end through the app's object store; a forged Host header changes nothing."""
    from flask import current_app

    from api import create_app
    from services.core.integrations import object_store

    served.setenv("FLASK_RUN_PORT", "5101")
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/links.sqlite3",
            "STORAGE_LOCAL_ROOT": str(tmp_path / "objects"),
        }
    )
    with app.test_request_context("/", headers={"Host": "attacker.example:666"}):
        assert current_app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5101"
        upload = object_store().presign_upload(
            key="uploads/x", content_type="image/jpeg", min_size=1, max_size=10, expires_in=60
        )
        download = object_store().presign_download(key="documents/x", expires_in=60)
    assert upload.url.startswith("http://127.0.0.1:5101/")
    assert download.startswith("http://127.0.0.1:5101/")


def _hash_with(config: dict) -> str:
    from flask import Flask

    from services.accounts.passwords import hash_password, verify_password

    app = Flask(__name__)
    app.config.update(config)
    with app.app_context():
        hashed = hash_password("a long passphrase")
        assert verify_password(hashed, "a long passphrase")
    return hashed


def test_only_the_testing_configuration_hashes_passwords_cheaply(clean_env, tmp_path):
    # The parameters travel in the hash: what each environment would store.
    strong = "$argon2id$v=19$m=65536,t=3,p=2$"
    for name, value in PRODUCTION_ENV.items():
        clean_env.setenv(name, value)
    assert _hash_with(load_config(str(tmp_path))).startswith(strong)
    clean_env.setenv("APP_ENV", "development")
    assert _hash_with(load_config(str(tmp_path))).startswith(strong)
    clean_env.setenv("APP_ENV", "testing")
    assert _hash_with(load_config(str(tmp_path))).startswith("$argon2id$v=19$m=64,t=1,p=1$")


def test_production_needs_the_public_address_and_never_guesses_it(clean_env, tmp_path):
    """Behind gunicorn the host and port served say nothing of where phones reach us: QR
    codes and links must not point at 127.0.0.1 because PUBLIC_BASE_URL was forgotten."""
    for name, value in PRODUCTION_ENV.items():
        clean_env.setenv(name, value)
    config = load_config(str(tmp_path))
    assert config["PUBLIC_BASE_URL"] == "https://consular.example"
    assert config["ACCOUNT_LINK_BASE_URL"] == "https://consular.example/app"
    clean_env.delenv("PUBLIC_BASE_URL")
    clean_env.setenv("FLASK_RUN_PORT", "8000")
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(str(tmp_path))

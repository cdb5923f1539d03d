"""Configuration: one class per environment, chosen by ``APP_ENV``; values from the environment.

With nothing set the app runs on the embedded default (``development``): SQLite in the instance
folder, Celery eager, in-memory rate limits, sandbox payments, log push, local storage.
``production`` refuses to start when a secret or ``DATABASE_URL`` is missing.
"""

from __future__ import annotations

import ipaddress
import json
import os
from datetime import timedelta
from typing import Any

from mail.base import parse_sender
from mail.registry import BACKENDS as MAIL_BACKENDS


def _env(name: str, default: Any = None) -> Any:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot work."""


class BaseConfig:
    APP_ENV = "base"
    # API documentation (flask-smorest)
    API_TITLE = "Palm service hall API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1/docs"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/swagger"
    # Served by the app itself from an installed package (api/docs_assets.py), never a CDN.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/swagger-ui/"
    OPENAPI_REDOC_PATH = "/redoc"
    OPENAPI_REDOC_URL = "/api/v1/docs/assets/redoc/redoc.standalone.js"
    API_SPEC_OPTIONS: dict[str, Any] = {}

    # hide_parameters keeps bound values (passport numbers, dates of birth) out of error
    # messages and logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # JSON bodies; uploads go straight to storage
    JSON_SORT_KEYS = False

    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=30)
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ERROR_MESSAGE_KEY = "message"

    # argon2id cost; tests lower it, production may raise it.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 2
    PASSWORD_MIN_LENGTH = 10

    # No X-RateLimit-* headers on every answer: reading a limit's window for them cost one
    # more Redis round trip per limit and request. A 429 still says when to come back
    # (Retry-After, api.errors).
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down: keep limiting, per process, in memory (rather than failing every limited
    # route with a 500, or letting a password-guessing script through); back on Redis once
    # it answers again.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    # O(1) per check (moving-window keeps every hit and slows down as limits grow).
    RATELIMIT_STRATEGY = "sliding-window-counter"
    # Failed logins only (api/resources/accounts.py): per IP, per (account, IP), and a
    # slower ceiling per account over every IP.
    RATELIMIT_LOGIN_PER_IP = "20/minute;200/hour"
    RATELIMIT_LOGIN_PER_ACCOUNT_IP = "5/minute;30/hour"
    RATELIMIT_LOGIN_PER_ACCOUNT = "100/hour;300/day"
    RATELIMIT_REGISTER_PER_IP = "10/hour"
    # Booking and rescheduling share these (every attempt counts, so a script cannot sweep
    # the calendar); availability is public and only limited per IP.
    RATELIMIT_BOOKING_PER_ACCOUNT = "10/minute;40/day"
    RATELIMIT_BOOKING_PER_IP = "30/minute;300/hour"
    RATELIMIT_AVAILABILITY_PER_IP = "120/minute"
    # Recomputing a release's draw reads every request: a few per minute per caller.
    RATELIMIT_RELEASE_CHECK_PER_IP = "6/minute"

    APPOINTMENTS_MAX_ACTIVE_PER_ACCOUNT = 3
    # Release day (api/seat_gate.py): a tap on a slot with N seats left waits in front of
    # Flask while N bookings of it are in flight in this worker, at most this long, then
    # asks again (mostly to be refused cheaply). 0 turns the gate off.
    BOOKING_GATE_WAIT_MS = 2000
    # ... counting the bookings in flight in every worker and replica, in the rate limits'
    # Redis when they are kept in one (api/seat_gate_shared.py); each worker's own otherwise.
    BOOKING_GATE_SHARED = True
    # A gunicorn worker warms up before its first request (api/warm.py, gunicorn.conf.py).
    WARM_WORKER = True
    # Appointment reminders go out from this hour (0-23, post's local time) the day before.
    APPOINTMENT_REMINDER_HOUR = 9

    # Public legalization checks (lookup and signed link), per client IP: every request
    # counts toward the first limit, misses also toward the stricter second one, so a
    # script guessing numbers is stopped long before a notary checking a pile of stickers.
    RATELIMIT_LEGALIZATION_LOOKUP_PER_IP = "30/minute;300/hour"
    RATELIMIT_LEGALIZATION_MISSES_PER_IP = "10/minute;60/hour"
    # Progress lookups: every one per IP; misses only per (number, IP) and per number.
    RATELIMIT_PROGRESS_LOOKUP_PER_IP = "30/minute;300/hour"
    RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER_IP = "10/hour"
    RATELIMIT_PROGRESS_LOOKUP_PER_NUMBER = "30/hour;100/day"

    PAYMENTS_BACKEND = "sandbox"
    # An unpaid payment sheet is renewed after this (Stripe's ephemeral keys live one hour).
    PAYMENT_SHEET_MAX_AGE_MINUTES = 55
    # Reconciliation cancels intents left unpaid this long (the next tap opens a new one).
    PAYMENT_ABANDON_AFTER_HOURS = 24
    PUSH_BACKEND = "log"
    STORAGE_BACKEND = "local"
    # E-mail: the embedded default writes .eml files into MAILBOX_DIR (instance/mailbox).
    MAIL_BACKEND = "mailbox"
    MAIL_FROM: str | None = None
    SES_REGION = "us-east-1"
    # How many times the e-mail outbox tries a message before it is dead-lettered.
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_BASE_SECONDS = 30
    # Account e-mails: the links open the app (universal links), which POSTs the token;
    # no GET of ours changes state (mail scanners follow links).
    ACCOUNT_LINK_BASE_URL: str | None = None
    EMAIL_VERIFICATION_TTL = timedelta(hours=48)
    PASSWORD_RESET_TTL = timedelta(minutes=30)
    EMAIL_CHANGE_TTL = timedelta(hours=24)
    # Wrong codes one token takes before it is spent (6 digits: 5 tries in a million).
    ACCOUNT_CODE_MAX_ATTEMPTS = 5
    # Registration and reset requests answer no sooner than this, whether the address has
    # an account or not, so their timing tells nothing.
    ACCOUNT_REQUEST_MIN_SECONDS = 0.4
    RATELIMIT_PASSWORD_RESET_PER_IP = "10/hour"  # noqa: S105 - a rate, not a password
    RATELIMIT_PASSWORD_RESET_PER_ADDRESS = "3/hour"  # noqa: S105
    RATELIMIT_ACCOUNT_CODE_PER_IP = "30/hour"
    RATELIMIT_ACCOUNT_CODE_PER_ADDRESS = "10/hour"
    RATELIMIT_EMAIL_VERIFICATION_PER_ACCOUNT = "5/hour"
    # The local store's upload endpoint: the largest document (20 MiB) plus the form fields.
    STORAGE_LOCAL_MAX_UPLOAD_BYTES = 20 * 1024 * 1024 + 64 * 1024

    IDEMPOTENCY_TTL = timedelta(hours=24)
    # How long a request waits for a twin with the same Idempotency-Key to finish before it
    # answers 409 idempotency_in_progress (PostgreSQL; SQLite waits its busy timeout).
    IDEMPOTENCY_WAIT_SECONDS = 3.0
    CATALOGUE_CACHE_SECONDS = 30
    # Public availability kept per process this long; a change committed in the process drops
    # it at once, other workers see it within this time (the booking itself always checks).
    AVAILABILITY_CACHE_SECONDS = 3
    # Browsers from other origins are refused unless listed (the mobile app needs no CORS).
    CORS_ALLOWED_ORIGINS: tuple[str, ...] = ()
    HSTS_SECONDS = 0  # production: a year
    # Bulk import of legalizations (CSV, UTF-8), below MAX_CONTENT_LENGTH.
    LEGALIZATION_IMPORT_MAX_BYTES = 1024 * 1024
    LEGALIZATION_IMPORT_MAX_ROWS = 5000
    # Signs the verification links printed as QR codes on stickers; defaults to SECRET_KEY.
    # Stickers live for years: changing it breaks every printed QR code.
    LEGALIZATION_LINK_SECRET: str | None = None
    # Keys that sign the QR payloads of stickers and passes (Ed25519, published at
    # /api/v1/seal-keys): a JSON list of {"pem_file" or "pem", "not_before", "not_after",
    # "posts"}; SEAL_RETIRED_KEYS_FILE is a JSON key set of keys that no longer sign but
    # whose stickers must still verify. With none, a development key is generated once in
    # the instance folder (SEAL_DEV_KEY_FILE); production refuses to start without keys.
    SEAL_SIGNING_KEYS: str | None = None
    SEAL_RETIRED_KEYS_FILE: str | None = None
    SEAL_KEYS_CACHE_SECONDS = 3600
    # Who we are in CAP 1.2 messages (sender and identifiers default to PUBLIC_BASE_URL's
    # host); outside production messages say status "Test" so no aggregator takes a
    # development alert for a real one.
    CAP_SENDER: str | None = None
    CAP_IDENTIFIER_PREFIX: str | None = None
    CAP_STATUS = "Test"
    CAP_SENDER_NAMES = {
        "en": "Consular service, Ministry of Foreign Affairs",
        "zh-Hans": "外交部领事服务",
        "zh-Hant": "外交部領事服務",
        "vi": "Dịch vụ lãnh sự, Bộ Ngoại giao",
    }
    CAP_CONTACT: str | None = None
    CAP_FEED_CACHE_SECONDS = 60
    LOG_JSON = True
    # The lottery: the seed of each release is HMAC(LOTTERY_SEED_SECRET, its nonce), the
    # person key HMAC(LOTTERY_PERSON_KEY_PEPPER, passport, birth date); both stay out of the
    # database. Changing the seed secret while a release is open makes its draw refuse.
    LOTTERY_SEED_SECRET: str | None = None
    LOTTERY_PERSON_KEY_PEPPER: str | None = None
    # How long a freed seat is held for the traveller a waitlist offer goes to.
    WAITLIST_OFFER_HOLD_MINUTES = 120
    # /metrics (request counts per route, lookup hits and misses, the runtime) is served to
    # a caller with ``Authorization: Bearer $METRICS_TOKEN``, or from an address in
    # METRICS_ALLOWED_IPS (addresses or networks), or, outside production, from loopback.
    # Anyone else gets a 404. Production does not trust loopback: behind a reverse proxy on
    # the same host every request comes from 127.0.0.1.
    METRICS_TOKEN: str | None = None
    METRICS_ALLOWED_IPS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    METRICS_OPEN_ON_LOOPBACK = True

    @classmethod
    def load(cls, instance_path: str) -> dict[str, Any]:
        """Gather the class attributes, then let the environment override them."""
        config = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        config["SECRET_KEY"] = _env("SECRET_KEY", config.get("SECRET_KEY"))
        config["JWT_SECRET_KEY"] = _env("JWT_SECRET_KEY", config.get("JWT_SECRET_KEY"))
        default_db = config.get("SQLALCHEMY_DATABASE_URI") or (
            f"sqlite:///{os.path.join(instance_path, 'palm.sqlite3')}"
        )
        config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(_env("DATABASE_URL", default_db))
        config["REDIS_URL"] = _env("REDIS_URL", config.get("REDIS_URL"))
        config["RATELIMIT_STORAGE_URI"] = _env(
            "RATELIMIT_STORAGE_URI", config.get("RATELIMIT_STORAGE_URI") or "memory://"
        )
        config["CELERY_BROKER_URL"] = _env("CELERY_BROKER_URL", config.get("CELERY_BROKER_URL"))
        config["CELERY_ALWAYS_EAGER"] = _env_bool(
            "CELERY_ALWAYS_EAGER", config.get("CELERY_ALWAYS_EAGER", True)
        )
        config["RATELIMIT_ENABLED"] = _env_bool("RATELIMIT_ENABLED", True)
        config["WARM_WORKER"] = _env_bool("WARM_WORKER", True)
        config["BOOKING_GATE_SHARED"] = _env_bool("BOOKING_GATE_SHARED", True)
        # Every limit string may be tuned per deployment (and raised for a benchmark run).
        for name, value in list(config.items()):
            if name.startswith("RATELIMIT_") and isinstance(value, str) and "/" in value:
                config[name] = _env(name, value)
        for name in (
            "CATALOGUE_CACHE_SECONDS",
            "AVAILABILITY_CACHE_SECONDS",
            "BOOKING_GATE_WAIT_MS",
        ):
            config[name] = _env_int(name, config[name])
        config["LOG_LEVEL"] = _env("LOG_LEVEL", config.get("LOG_LEVEL", "INFO"))
        origins = _env("CORS_ALLOWED_ORIGINS", None)
        if origins is not None:
            config["CORS_ALLOWED_ORIGINS"] = tuple(
                o.strip() for o in origins.split(",") if o.strip()
            )
        config["PUBLIC_BASE_URL"] = _env("PUBLIC_BASE_URL") or _served_base_url()
        config["METRICS_TOKEN"] = _env("METRICS_TOKEN", config["METRICS_TOKEN"]) or None
        allowed = _env("METRICS_ALLOWED_IPS", None)
        if allowed is not None:
            config["METRICS_ALLOWED_IPS"] = _networks("METRICS_ALLOWED_IPS", allowed)
        for name in (
            "PAYMENTS_BACKEND",
            "PUSH_BACKEND",
            "STORAGE_BACKEND",
            "STRIPE_SECRET_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "STRIPE_API_BASE",
            "FCM_CREDENTIALS_FILE",
            "FCM_PROJECT_ID",
            "FCM_ENDPOINT",
            "FCM_CONCURRENCY",
            "S3_BUCKET",
            "S3_ENDPOINT_URL",
            "S3_REGION",
            "STORAGE_SIGNING_SECRET",
            "LEGALIZATION_LINK_SECRET",
            "SEAL_SIGNING_KEYS",
            "SEAL_RETIRED_KEYS_FILE",
            "CAP_SENDER",
            "CAP_IDENTIFIER_PREFIX",
            "CAP_STATUS",
            "CAP_CONTACT",
            "LOTTERY_SEED_SECRET",
            "LOTTERY_PERSON_KEY_PEPPER",
            "MAIL_BACKEND",
            "MAIL_FROM",
            "SES_REGION",
            "SES_ENDPOINT_URL",
            "SES_CONFIGURATION_SET",
            "SES_TIMEOUT",
        ):
            config[name] = _env(name, config.get(name))
        config["SEAL_DEV_KEY_FILE"] = _env(
            "SEAL_DEV_KEY_FILE", os.path.join(instance_path, "seal-dev-key.pem")
        )
        sender_names = _env("CAP_SENDER_NAMES", None)
        if sender_names is not None:
            try:
                config["CAP_SENDER_NAMES"] = dict(json.loads(sender_names))
            except (ValueError, TypeError):
                raise ConfigError("CAP_SENDER_NAMES must be a JSON object") from None
        config["STORAGE_LOCAL_ROOT"] = _env(
            "STORAGE_LOCAL_ROOT", os.path.join(instance_path, "objects")
        )
        config["MAILBOX_DIR"] = _env("MAILBOX_DIR", os.path.join(instance_path, "mailbox"))
        config["ACCOUNT_LINK_BASE_URL"] = _env(
            "ACCOUNT_LINK_BASE_URL", config["PUBLIC_BASE_URL"].rstrip("/") + "/app"
        )
        config["SANDBOX_PAYMENTS_DB"] = _env(
            "SANDBOX_PAYMENTS_DB", os.path.join(instance_path, "sandbox-payments.sqlite3")
        )
        config["PASSWORD_MIN_LENGTH"] = _env_int(
            "PASSWORD_MIN_LENGTH", config["PASSWORD_MIN_LENGTH"]
        )
        config["WAITLIST_OFFER_HOLD_MINUTES"] = _env_int(
            "WAITLIST_OFFER_HOLD_MINUTES", config["WAITLIST_OFFER_HOLD_MINUTES"]
        )
        config["APPOINTMENTS_MAX_ACTIVE_PER_ACCOUNT"] = _env_int(
            "APPOINTMENTS_MAX_ACTIVE_PER_ACCOUNT", config["APPOINTMENTS_MAX_ACTIVE_PER_ACCOUNT"]
        )
        config["APPOINTMENT_REMINDER_HOUR"] = _reminder_hour(config["APPOINTMENT_REMINDER_HOUR"])
        return config

    @classmethod
    def validate(cls, config: dict[str, Any]) -> None:
        """Check the gathered configuration; production overrides this to be strict."""


def _networks(name: str, value: str) -> tuple:
    """Comma-separated addresses or networks (``10.0.0.7, 10.1.0.0/16, fd00::/8``)."""
    try:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in value.split(",")
            if part.strip()
        )
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _served_base_url() -> str:
    """Where ``flask run`` serves, for absolute links when ``PUBLIC_BASE_URL`` is not set.

    ``FLASK_RUN_HOST`` / ``FLASK_RUN_PORT`` are what ``flask run`` listens on (scripts/serve.sh
    sets them from ``HOST`` / ``PORT``), so ``PORT=5101 scripts/serve.sh`` hands out links to
    5101. Never taken from a request's ``Host`` header: a client chooses that, and the links
    (upload URLs, legalization QR codes) would point wherever it said. A wildcard address
    names no host a client can use: links then say 127.0.0.1, and a phone on the network needs
    ``PUBLIC_BASE_URL`` set to this machine's address.
    """
    host = _env("FLASK_RUN_HOST", "127.0.0.1")
    if host in ("0.0.0.0", "::"):  # noqa: S104 (compared, not bound)
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{_env_int('FLASK_RUN_PORT', 5000)}"


def _reminder_hour(default: int) -> int:
    # A wrong hour would silently move every reminder (or send none): refuse to start.
    raw = os.environ.get("APPOINTMENT_REMINDER_HOUR", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise ConfigError("APPOINTMENT_REMINDER_HOUR must be a whole hour from 0 to 23.")
    return int(raw)


def _normalise_db_url(url: str) -> str:
    # Heroku-style and bare "postgresql://" URLs get the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class DevelopmentConfig(BaseConfig):
    """The embedded default: works on a fresh machine with nothing configured."""

    APP_ENV = "development"
    # Development-only secrets; production refuses to start without real ones.
    SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105
    JWT_SECRET_KEY = "dev-only-jwt-secret-change-me-0123456789"  # noqa: S105
    STRIPE_WEBHOOK_SECRET = "whsec_dev_sandbox_secret"  # noqa: S105
    STRIPE_PUBLISHABLE_KEY = "pk_test_sandbox"
    STORAGE_SIGNING_SECRET = "dev-only-storage-signing-secret"  # noqa: S105
    CELERY_ALWAYS_EAGER = True


class TestingConfig(DevelopmentConfig):
    APP_ENV = "testing"
    TESTING = True
    # The cheapest argon2id there is (64 KiB, one pass): the suite hashes and verifies
    # thousands of passwords, and 8 MiB cost ~5 ms each. Testing only: the other
    # environments keep BaseConfig's cost (tests/test_config.py checks it).
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 64
    ARGON2_PARALLELISM = 1
    LOG_JSON = True
    # Still a floor (tests check that known and unknown addresses take it), a short one.
    ACCOUNT_REQUEST_MIN_SECONDS = 0.05
    # An unreachable broker: a task that is not run eagerly fails loudly instead of hanging.
    CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    # Tests move the clock and seats directly; tests/api/test_public_cache.py turns it on.
    AVAILABILITY_CACHE_SECONDS = 0


class ProductionConfig(BaseConfig):
    APP_ENV = "production"
    HSTS_SECONDS = 365 * 24 * 3600
    CAP_STATUS = "Actual"
    METRICS_OPEN_ON_LOOPBACK = False  # closed unless METRICS_TOKEN or METRICS_ALLOWED_IPS
    CELERY_ALWAYS_EAGER = False
    PAYMENTS_BACKEND = "stripe"
    PUSH_BACKEND = "fcm"
    STORAGE_BACKEND = "s3"
    MAIL_BACKEND = "ses"
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "hide_parameters": True,
        "pool_size": 10,
        "max_overflow": 10,
    }

    @classmethod
    def load(cls, instance_path: str) -> dict[str, Any]:
        config = super().load(instance_path)
        # No silent SQLite fallback in production.
        if not os.environ.get("DATABASE_URL"):
            config["SQLALCHEMY_DATABASE_URI"] = None
        # Nor a guessed public address: behind gunicorn and a load balancer the host and port
        # served say nothing of where phones reach us, and QR codes, upload and download links
        # are built from it.
        public = _env("PUBLIC_BASE_URL") or None
        config["PUBLIC_BASE_URL"] = public
        if not _env("ACCOUNT_LINK_BASE_URL"):
            config["ACCOUNT_LINK_BASE_URL"] = public.rstrip("/") + "/app" if public else None
        return config

    @classmethod
    def validate(cls, config: dict[str, Any]) -> None:
        # SEAL_SIGNING_KEYS: a generated key per replica would sign stickers that the
        # other replicas' key sets do not know.
        required = [
            "SECRET_KEY",
            "JWT_SECRET_KEY",
            "SQLALCHEMY_DATABASE_URI",
            "SEAL_SIGNING_KEYS",
            "LOTTERY_SEED_SECRET",
            "LOTTERY_PERSON_KEY_PEPPER",
            "PUBLIC_BASE_URL",
        ]
        if config.get("PAYMENTS_BACKEND") == "stripe":
            required += ["STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"]
        if config.get("STORAGE_BACKEND") == "s3":
            required += ["S3_BUCKET"]
        if config.get("PUSH_BACKEND") == "fcm":
            required += ["FCM_CREDENTIALS_FILE"]
        if config.get("MAIL_BACKEND") == "ses":
            required += ["MAIL_FROM"]
        if not config.get("CELERY_ALWAYS_EAGER"):
            required += ["CELERY_BROKER_URL"]
        missing = [name for name in required if not config.get(name)]
        if missing:
            env_names = [
                "DATABASE_URL" if name == "SQLALCHEMY_DATABASE_URI" else name for name in missing
            ]
            raise ConfigError(
                "APP_ENV=production refuses to start: set " + ", ".join(env_names) + "."
            )
        if len(config["JWT_SECRET_KEY"]) < 32:
            raise ConfigError("JWT_SECRET_KEY must be at least 32 characters in production.")
        for name in ("LOTTERY_SEED_SECRET", "LOTTERY_PERSON_KEY_PEPPER"):
            if len(config[name]) < 32:
                raise ConfigError(f"{name} must be at least 32 characters in production.")
        if config.get("METRICS_TOKEN") and len(config["METRICS_TOKEN"]) < 32:
            raise ConfigError("METRICS_TOKEN must be at least 32 characters in production.")
        _check_mail(config)


def _check_mail(config: dict[str, Any]) -> None:
    """A backend we know and a sender address that parses, found at start-up rather than at
    the first password reset."""
    if config.get("MAIL_BACKEND") not in MAIL_BACKENDS:
        raise ConfigError(f"MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}.")
    try:
        parse_sender(config["MAIL_FROM"])
    except ValueError:
        raise ConfigError("MAIL_FROM must be one address, e.g. 'Palm <no-reply@x.org>'.") from None


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Pick the class named by ``APP_ENV`` (default development), load and validate it."""
    env = os.environ.get("APP_ENV", "development")
    try:
        cls = CONFIGS[env]
    except KeyError:
        raise ConfigError(f"APP_ENV={env!r} is unknown; use one of {sorted(CONFIGS)}") from None
    if overrides and overrides.get("APP_ENV") in CONFIGS:
        cls = CONFIGS[overrides["APP_ENV"]]
    config = cls.load(instance_path)
    if overrides:
        config.update(overrides)
    cls.validate(config)
    return config

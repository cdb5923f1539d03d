"""Flask extensions, created unbound here and bound in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api as SmorestApi

from api.errors import ErrorSchema, register_error_handlers


class Api(SmorestApi):
    """flask-smorest's Api with our error envelope for every error, documented and served."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        register_error_handlers(self._app)


def client_ip() -> str:
    # ProxyFix (configured by TRUSTED_PROXY_COUNT) has already resolved X-Forwarded-For.
    return request.remote_addr or "unknown"


jwt = JWTManager()
migrate = Migrate()
limiter = Limiter(key_func=client_ip)

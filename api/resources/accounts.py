"""Registration, login, token refresh and logout, and the caller's own account (``/me``)."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import get_jwt

from api.blueprint import Blueprint
from api.extensions import body_text, client_ip, forget_counted, limiter
from api.security import current_account, login_required
from schemas.account_lifecycle import AcceptedSchema
from schemas.accounts import (
    AccountSchema,
    AccountUpdateSchema,
    LoginSchema,
    RefreshSchema,
    RegisterSchema,
    TokenPairSchema,
)
from services.accounts import accounts as account_service
from services.accounts import registration

URL_PREFIX = ""
blp = Blueprint("accounts", __name__, description="Accounts, login and tokens")


def _login_key() -> str:
    """Rate-limit key for one account: the login it names (without parsing twice)."""
    return "login:" + body_text("email", "phone").strip().lower()[:254]


def _login_ip_key() -> str:
    """Rate-limit key for one account tried from one client address."""
    return _login_key() + "|ip:" + client_ip()


def _failed(response) -> bool:
    return response.status_code == 401


@blp.route("/auth/register")
class Register(MethodView):
    decorators = [
        limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER_PER_IP"], key_func=client_ip)
    ]

    @blp.arguments(RegisterSchema)
    @blp.response(202, AcceptedSchema)
    @blp.errors(429)
    def post(self, data):
        """Register with an email or an E.164 phone number; the same answer whether or not
        the login has an account (its owner gets an e-mail instead)"""
        registration.register(**data)
        return {}


@blp.route("/auth/login")
class Login(MethodView):
    # Only failures count, so a typo does not lock anyone out but a guessing script is
    # stopped: per client IP (one script trying many accounts), per account and IP (one
    # script trying one account: the owner elsewhere is not locked out by it), and a slower
    # ceiling per account over all IPs (many addresses guessing one account; only such a
    # distributed attack can block the owner, for the ceiling's window, and that ceiling is
    # what stops it). A success clears the failures of that account from that IP.
    decorators = [
        limiter.limit(
            lambda: current_app.config["RATELIMIT_LOGIN_PER_IP"],
            key_func=lambda: "ip:" + client_ip(),
            deduct_when=_failed,
            scope="login-ip",
        ),
        limiter.limit(
            lambda: current_app.config["RATELIMIT_LOGIN_PER_ACCOUNT_IP"],
            key_func=_login_ip_key,
            deduct_when=_failed,
            scope="login-account-ip",
        ),
        limiter.limit(
            lambda: current_app.config["RATELIMIT_LOGIN_PER_ACCOUNT"],
            key_func=_login_key,
            deduct_when=_failed,
            scope="login-account",
        ),
    ]

    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.errors(401, 429)
    def post(self, data):
        """Log in; returns a short-lived access token and a refresh token"""
        tokens = account_service.log_in(**data)
        forget_counted("login-account-ip")
        return tokens


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @blp.errors(401)
    def post(self, data):
        """Rotate a refresh token; re-using a spent one ends the whole session"""
        return account_service.refresh_tokens(refresh_token=data["refresh_token"])


@blp.route("/auth/logout")
class Logout(MethodView):
    @login_required
    @blp.response(204)
    @blp.errors(401)
    def post(self):
        """End this login session: its access and refresh tokens stop working"""
        account_service.log_out(session_id=get_jwt()["sid"])


@blp.route("/me")
class Me(MethodView):
    @login_required
    @blp.response(200, AccountSchema)
    @blp.errors(401)
    def get(self):
        """The caller's own account"""
        return current_account()

    @login_required
    @blp.arguments(AccountUpdateSchema)
    @blp.response(200, AccountSchema)
    @blp.errors(401)
    def patch(self, data):
        """Change the caller's display name, language or time zone"""
        return account_service.update_profile(current_account(), data)

"""The account's lifecycle: e-mail verification, password reset and change, e-mail change,
sessions, deletion and the data export.

Requests that name an address (reset) answer the same, in the same time, whether it has an
account; they are limited per IP and per address. Routes that take the password are limited
per account on failures, so a stolen access token cannot guess it.
"""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import get_jwt

from api.blueprint import Blueprint
from api.extensions import account_key, body_text, client_ip, limiter
from api.security import current_account, login_required
from schemas.account_lifecycle import (
    AcceptedSchema,
    DataExportSchema,
    EmailChangeSchema,
    EmailCodeSchema,
    EmailTokenSchema,
    PasswordChangeSchema,
    PasswordConfirmationSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    RevokedCountSchema,
    SessionSchema,
)
from schemas.accounts import AccountSchema
from services.accounts import recovery, registration, sessions
from services.privacy import deletion, export

URL_PREFIX = ""
blp = Blueprint(
    "account-lifecycle", __name__, description="Verification, recovery, sessions, privacy"
)


def _config(name: str):
    return lambda: current_app.config[name]


def _address_key() -> str:
    """The address a request names; without one (a link's token), the client's IP, so that
    token confirmations never share one global budget."""
    address = body_text("email").strip().lower()[:254]
    return "address:" + address if address else "ip:" + client_ip()


def _wrong_password(response) -> bool:
    # Only a wrong password is a guess; another refusal (a staff account, which an admin
    # retires) must not spend the owner's budget.
    if response.status_code != 403:
        return False
    body = response.get_json(silent=True)
    return isinstance(body, dict) and body.get("error") == "wrong_password"


_PER_IP_CODES = limiter.shared_limit(
    _config("RATELIMIT_ACCOUNT_CODE_PER_IP"), scope="account-codes-ip", key_func=client_ip
)
_PASSWORD_GUESSES = limiter.shared_limit(
    _config("RATELIMIT_LOGIN_PER_ACCOUNT"),
    scope="password-guesses",
    key_func=account_key,
    deduct_when=_wrong_password,
)


# --- verification -------------------------------------------------------------------------
@blp.route("/auth/verify-email")
class VerifyEmailLink(MethodView):
    decorators = [_PER_IP_CODES]

    @blp.arguments(EmailTokenSchema)
    @blp.response(204)
    @blp.errors(422, 429)
    def post(self, data):
        """Verify the address with the token of the e-mailed link (the app POSTs it)"""
        registration.verify_with_token(data["token"])


@blp.route("/me/email/verification")
class EmailVerification(MethodView):
    decorators = [
        limiter.limit(
            _config("RATELIMIT_EMAIL_VERIFICATION_PER_ACCOUNT"),
            key_func=account_key,
            scope="email-verification",
        )
    ]

    @login_required
    @blp.response(202, AcceptedSchema)
    @blp.errors(401, 409, 422, 429)
    def post(self):
        """Send a new verification link and code to the account's address"""
        registration.request_verification(current_account())
        return {}


@blp.route("/me/email/verify")
class VerifyEmailCode(MethodView):
    decorators = [_PER_IP_CODES]

    @login_required
    @blp.arguments(EmailCodeSchema)
    @blp.response(200, AccountSchema)
    @blp.errors(401, 409, 422, 429)
    def post(self, data):
        """Verify the address with the e-mailed code"""
        return registration.verify_with_code(current_account(), data["code"])


# --- password -----------------------------------------------------------------------------
@blp.route("/auth/password-reset")
class PasswordReset(MethodView):
    decorators = [
        limiter.limit(
            _config("RATELIMIT_PASSWORD_RESET_PER_IP"), key_func=client_ip, scope="reset-ip"
        ),
        limiter.limit(
            _config("RATELIMIT_PASSWORD_RESET_PER_ADDRESS"),
            key_func=_address_key,
            scope="reset-address",
        ),
    ]

    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, AcceptedSchema)
    @blp.errors(429)
    def post(self, data):
        """Ask for a reset link and code; the same answer whether or not the address has an
        account"""
        recovery.request_password_reset(email=data["email"])
        return {}


@blp.route("/auth/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    decorators = [
        _PER_IP_CODES,
        limiter.limit(
            _config("RATELIMIT_ACCOUNT_CODE_PER_ADDRESS"),
            key_func=_address_key,
            scope="reset-confirm-address",
        ),
    ]

    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    @blp.errors(422, 429)
    def post(self, data):
        """Set a new password with the link's token or the e-mailed code; every session ends"""
        recovery.confirm_password_reset(**data)


@blp.route("/me/password")
class PasswordChange(MethodView):
    decorators = [_PASSWORD_GUESSES]

    @login_required
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.errors(401, 403, 422, 429)
    def post(self, data):
        """Change the password (the current one is required); other sessions end"""
        recovery.change_password(current_account(), session_id=get_jwt()["sid"], **data)


# --- e-mail change ------------------------------------------------------------------------
@blp.route("/me/email")
class EmailChange(MethodView):
    decorators = [_PASSWORD_GUESSES]

    @login_required
    @blp.arguments(EmailChangeSchema)
    @blp.response(202, AcceptedSchema)
    @blp.errors(401, 403, 422, 429)
    def post(self, data):
        """Move the account to a new address: used once its link or code comes back"""
        recovery.request_email_change(current_account(), **data)
        return {}


@blp.route("/me/email/confirm")
class EmailChangeCode(MethodView):
    decorators = [_PER_IP_CODES]

    @login_required
    @blp.arguments(EmailCodeSchema)
    @blp.response(200, AccountSchema)
    @blp.errors(401, 409, 422, 429)
    def post(self, data):
        """Confirm the new address with the code sent there; the old one is told"""
        return recovery.confirm_email_change_with_code(current_account(), data["code"])


@blp.route("/auth/email-change/confirm")
class EmailChangeLink(MethodView):
    decorators = [_PER_IP_CODES]

    @blp.arguments(EmailTokenSchema)
    @blp.response(204)
    @blp.errors(409, 422, 429)
    def post(self, data):
        """Confirm the new address with the token of the link sent there"""
        recovery.confirm_email_change_with_token(data["token"])


# --- sessions -----------------------------------------------------------------------------
@blp.route("/me/sessions")
class Sessions(MethodView):
    @login_required
    @blp.response(200, SessionSchema(many=True))
    @blp.errors(401)
    def get(self):
        """Where the account is logged in (created, last used, device name)"""
        return sessions.list_sessions(current_account(), get_jwt()["sid"])


# A UUID converter, so "revoke-others" below is never taken for a session id.
@blp.route("/me/sessions/<uuid:session_id>")
class SessionById(MethodView):
    @login_required
    @blp.response(204)
    @blp.errors(401, 404)
    def delete(self, session_id):
        """End one session (its tokens stop working at once)"""
        sessions.revoke_session(current_account(), str(session_id))


@blp.route("/me/sessions/revoke-others")
class OtherSessions(MethodView):
    @login_required
    @blp.response(200, RevokedCountSchema)
    @blp.errors(401)
    def post(self):
        """End every session but this one"""
        count = sessions.revoke_other_sessions(current_account(), get_jwt()["sid"])
        return {"revoked": count}


# --- privacy ------------------------------------------------------------------------------
@blp.route("/me/deletion")
class Deletion(MethodView):
    decorators = [_PASSWORD_GUESSES]

    @login_required
    @blp.arguments(PasswordConfirmationSchema)
    @blp.response(204)
    @blp.errors(401, 403, 409, 429)
    def post(self, data):
        """Delete the account (password required); refused while something must finish"""
        deletion.delete_account(current_account(), password=data["password"])


@blp.route("/me/export")
class Export(MethodView):
    @login_required
    @blp.response(200, DataExportSchema)
    @blp.errors(401)
    def get(self):
        """Everything the account holds, as one JSON document (document links are short-lived)"""
        return export.export_account(current_account())

"""Authentication and authorisation helpers for views.

Access tokens are short-lived JWTs carrying the account id (``sub``) and the login session
(``sid``); a revoked session invalidates its access tokens at once. ``login_required``,
``staff_required`` and ``admin_required`` load the account; the services' ``require_post_scope``
(``services.accounts.access``) is the one check that a member of staff may act on a post's
data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, request
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import RevokedTokenError

from api.errors import error_response
from api.extensions import access_claims, jwt
from services.accounts import accounts as account_service
from services.core.errors import Forbidden
from services.models import Account

BEARER = [{"bearerAuth": []}]


def _session_account(payload: dict) -> Account | None:
    """The live account of a token's login session, or None (revoked, unknown, disabled).

    The session check and the account load are one query (``account_of_session``), made
    once per request even when the token is verified twice (an account-keyed rate limit,
    then the view). Kept on the request, not ``g``, which an app context may share."""
    key = (payload.get("sid"), payload.get("sub"))
    seen = request.environ.setdefault("palm.session_accounts", {})
    if key not in seen:
        seen[key] = account_service.account_of_session(key[0], int(payload["sub"]))
    return seen[key]


def register_jwt_callbacks(app: Flask) -> None:
    @jwt.token_in_blocklist_loader
    def _is_revoked(_header: dict, payload: dict) -> bool:
        # Revoked, unknown or of a disabled account: the token speaks for nobody.
        return _session_account(payload) is None

    @jwt.user_lookup_loader
    def _load_account(_header: dict, payload: dict) -> Account | None:
        return _session_account(payload)

    @jwt.unauthorized_loader
    def _missing(_reason: str):
        return error_response(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})

    @jwt.invalid_token_loader
    def _invalid(_reason: str):
        return error_response(401, "token_invalid", headers={"WWW-Authenticate": "Bearer"})

    @jwt.expired_token_loader
    def _expired(_header: dict, _payload: dict):
        return error_response(401, "token_expired", headers={"WWW-Authenticate": "Bearer"})

    @jwt.revoked_token_loader
    def _revoked(_header: dict, _payload: dict):
        return error_response(401, "token_revoked")

    @jwt.user_lookup_error_loader
    def _no_account(_header: dict, _payload: dict):
        return error_response(401, "token_revoked")


def _with_auth(check: Callable[[Account], None] | None, refresh: bool = False):
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = None if refresh else _account_of_verified_access_token()
            if account is None:
                verify_jwt_in_request(refresh=refresh)
                account = get_current_user()  # the account itself, not a proxy to it
            if check is not None:
                check(account)
            g.account = account
            return view(*args, **kwargs)

        # flask-smorest reads this to document the security requirement of the operation.
        apidoc = getattr(wrapper, "_apidoc", {})
        apidoc.setdefault("manual_doc", {}).setdefault("security", BEARER)
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _account_of_verified_access_token() -> Account | None:
    """The account of the request's access token, when the token has already been verified
    on this request (``access_claims``: decoded once, remembered per worker) and its session
    is live; None to let flask-jwt-extended verify it (no token, a bad one).

    What ``verify_jwt_in_request`` would do for such a token, without decoding it again: the
    revocation check (a revoked session raises the same error, so the same 401), then what
    ``get_jwt`` and ``current_user`` read. The token's header is not kept (nothing here
    reads it; ``get_jwt_header`` then fails loudly rather than answer wrongly)."""
    claims = access_claims()
    # Read before a wait (a booking's at the seat gate): one that expired since is the
    # library's to refuse (401 ``token_expired``), as it would have.
    if not claims or time.time() >= claims.get("exp", 0):
        return None
    account = _session_account(claims)
    if account is None:
        raise RevokedTokenError({}, claims)
    g._jwt_extended_jwt_user = {"loaded_user": account}
    g._jwt_extended_jwt = claims
    g._jwt_extended_jwt_location = "headers"
    return account


def _must_be_staff(account: Account) -> None:
    if not account.is_staff:
        raise Forbidden()


def _must_be_admin(account: Account) -> None:
    if account.role != "admin":
        raise Forbidden()


login_required = _with_auth(None)
staff_required = _with_auth(_must_be_staff)
admin_required = _with_auth(_must_be_admin)


def current_account() -> Account:
    return g.account

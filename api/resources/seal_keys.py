"""The public keys QR payloads (legalization stickers, appointment passes) are verified
with: a JSON Web Key Set anyone may download once and use offline. Cacheable, with ETag."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from api.blueprint import Blueprint
from schemas.seals import PublicKeySetSchema
from services.core.integrations import seal_keyring

URL_PREFIX = "/seal-keys"
blp = Blueprint("seal_keys", __name__, description="Keys to verify QR payloads offline (no login)")


@blp.after_request
def _cacheable(response):
    if response.status_code in (200, 304):
        seconds = current_app.config["SEAL_KEYS_CACHE_SECONDS"]
        response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@blp.route("")
class SealKeys(MethodView):
    @blp.etag
    @blp.response(200, PublicKeySetSchema)
    def get(self):
        """The published key set: every key that signs or signed stickers and passes"""
        return seal_keyring().key_set().to_dict()

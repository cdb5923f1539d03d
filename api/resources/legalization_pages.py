"""The human pages of a legalization check: where a phone camera lands from a sticker's QR
code (``/L/PSH1:...``, the sealed link) or from an older sticker's link. HTML for people;
apps use the JSON checks in ``legalizations``. Same rate limits, never cached.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api.blueprint import Blueprint
from api.legalization_page import render_check_page
from api.resources.legalizations import RATE_LIMITS
from api.security_headers import never_cached
from schemas.common import Base
from services.legalizations import links as legalization_links
from services.legalizations import sealed_stickers

URL_PREFIX = ""
blp = Blueprint(
    "legalization_pages",
    __name__,
    description="The page a legalization sticker's QR code opens (HTML, no login)",
)
never_cached(blp, personal=False)

HTML = {"type": "string"}
PAGE = {"content_type": "text/html", "description": "The check page: genuine or revoked"}
# The page says "not found" in HTML; a path no route can take (a line break in it) gets the
# API's JSON 404 before any view runs.
NOT_FOUND_PAGE = {
    "responses": {
        404: {
            "description": "The check page saying not found (also for a code that is not ours)",
            "content": {
                "text/html": {"schema": HTML},
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
            },
        }
    }
}


class PageArgsSchema(Base):
    lang = ma.fields.String(
        validate=ma.validate.Length(max=35),
        metadata={"description": "en, zh-Hans, zh-Hant or vi; else Accept-Language decides"},
    )


# merge_slashes off: the payload's escaped "/" arrive decoded, and "//" must stay as it is.
@blp.route("/L/<path:payload>", merge_slashes=False)
class SealedStickerPage(MethodView):
    decorators = RATE_LIMITS

    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, HTML, **PAGE)
    @blp.doc(**NOT_FOUND_PAGE)
    @blp.errors(429)
    def get(self, args, payload):
        """The page of a sticker's signed QR link: genuine, revoked (with date) or not found"""

        def check():
            result = sealed_stickers.check_sticker(payload)
            return result.legalization, result.signed_at

        return render_check_page(check, args.get("lang"))


@blp.route("/legalization-check/<string:token>")
class TokenPage(MethodView):
    decorators = RATE_LIMITS

    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, HTML, **PAGE)
    @blp.doc(**NOT_FOUND_PAGE)
    @blp.errors(429)
    def get(self, args, token):
        """The page of an older sticker's link (its browsers are sent here)"""
        return render_check_page(
            lambda: (legalization_links.verify_token(token), None), args.get("lang")
        )

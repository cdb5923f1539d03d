"""The upload rules of each kind of document, public and cacheable, so that the app can
convert, crop and size a file before uploading it."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from schemas.common import current_language
from schemas.documents import DocumentRulesSchema
from services.documents.rules import published_rules

URL_PREFIX = "/documents"
blp = Blueprint(
    "document_rules", __name__, description="What each kind of document may be (public)"
)

# The rules change only with a release; an hour in shared caches is harmless after one.
CACHE_CONTROL = "public, max-age=3600"
# The whole answer in English is the OpenAPI example: the rules are in the spec itself.
EXAMPLE = DocumentRulesSchema().dump(published_rules("en"))


@blp.after_request
def _cacheable(response):
    if response.status_code in (200, 304):
        response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@blp.route("/rules")
class DocumentRules(MethodView):
    @blp.etag
    @blp.response(200, DocumentRulesSchema, example=EXAMPLE)
    def get(self):
        """Each kind's accepted types, byte sizes, pixel range, shapes and tolerance, and what
        each failed check means, in my language (ETag; cacheable by anyone)"""
        return published_rules(current_language())

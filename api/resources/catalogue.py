"""Public catalogue: posts and the services each offers, with fees. Cacheable with ETag."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.cache import cached_public
from api.pagination import SelectPage
from schemas.catalogue import PostQueryArgsSchema, PostSchema, PostServiceSchema, ServiceTypeSchema
from services.catalogue import catalogue

URL_PREFIX = ""
blp = Blueprint("catalogue", __name__, description="Posts and their services (public)")


@blp.route("/posts")
class Posts(MethodView):
    @cached_public(edge=True)
    @blp.etag
    @blp.arguments(PostQueryArgsSchema, location="query")
    @blp.response(200, PostSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args):
        """List embassies, consulates and offices"""
        return catalogue.posts_query(country=args.get("country"))


@blp.route("/posts/<string:code>")
class PostByCode(MethodView):
    @cached_public(edge=True)
    @blp.etag
    @blp.response(200, PostSchema)
    @blp.errors(404)
    def get(self, code):
        """One post"""
        return catalogue.get_post(code)


@blp.route("/posts/<string:code>/services")
class PostServices(MethodView):
    @cached_public(edge=True)
    @blp.etag
    @blp.response(200, PostServiceSchema(many=True))
    @blp.errors(404)
    def get(self, code):
        """Services a post offers, with fees, processing time and required materials"""
        return catalogue.post_services(catalogue.get_post(code))


@blp.route("/services")
class Services(MethodView):
    @cached_public(edge=True)
    @blp.etag
    @blp.response(200, ServiceTypeSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        """List service types"""
        return catalogue.services_query()

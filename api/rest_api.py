"""flask-smorest's ``Api`` with our error envelope, documented in the OpenAPI document,
and with that document built when something first reads it.

The handlers themselves live in ``api.errors``; ``create_app`` registers them after the
``Api`` so that they replace flask-smorest's own handler of HTTP errors.

flask-smorest writes every operation into its ``APISpec`` as each blueprint is registered:
~2 MB of every worker's resident memory (``python -m bench.memory_profile``) for a document
only ``/api/v1/docs/openapi.json`` (and the docs pages that fetch it) and the generated
``openapi.yaml`` read. Here a blueprint's operations are written when ``api.spec`` is
first read, in registration order; the query parameters each operation accepts, which
every request with a query string is checked against, are read from the same doc
information the operations are written from (a test compares the two on every route).
"""

from __future__ import annotations

import threading
from typing import Any

from flask_smorest import Api as SmorestApi

from api.errors import ErrorSchema


class Api(SmorestApi):
    """flask-smorest's Api whose documented error responses use our envelope, and whose
    spec is completed on first read."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._spec_lock = threading.RLock()
        self._undocumented: list[tuple[Any, str, Any]] = []  # (blueprint, name, parameters)
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        with self._spec_lock:  # two first requests must not both write the operations
            spec = self.__dict__["_spec"]
            pending, self._undocumented = self._undocumented, []
            for blueprint, name, parameters in pending:
                blueprint.register_views_in_doc(
                    self, self._app, spec, name=name, parameters=parameters
                )
                spec.tag({"name": name, "description": blueprint.description})
            return spec

    @spec.setter
    def spec(self, value) -> None:  # flask-smorest assigns it in __init__ and init_app
        self.__dict__["_spec"] = value

    def register_blueprint(self, blp, *, parameters=None, **options) -> None:
        """flask-smorest's, with the documentation of the views left for ``spec``."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        with self._spec_lock:
            self._undocumented.append((blp, name, parameters))

    def documented_query_parameters(self) -> dict[tuple[str, str], set[str]]:
        """(endpoint, method) -> the query parameters its operation documents; an endpoint
        of a blueprint registered here is absent only when it documents no operation.

        What the OpenAPI document lists in each operation's ``parameters`` with
        ``in: query`` (``@blp.arguments(..., location="query")``, ``@blp.paginate``,
        ``@blp.doc(parameters=...)``), without building the document."""
        table: dict[tuple[str, str], set[str]] = {}
        registered = self._app.extensions["flask-smorest"]["blp_name_to_api"]
        for blp_name, api in registered.items():
            if api is not self:
                continue
            blueprint = self._app.blueprints[blp_name]
            for endpoint, methods in blueprint._docs.items():
                for method, doc in methods.items():
                    if method == "parameters":  # the route's, documented on the path
                        continue
                    names = _query_names(doc)
                    table[(f"{blp_name}.{endpoint}", method.upper())] = names
                    if method == "get":
                        table[(f"{blp_name}.{endpoint}", "HEAD")] = names
        return table


def _query_names(doc: dict) -> set[str]:
    """The ``in: query`` parameter names of one operation's doc information."""
    parameters = list(doc.get("arguments", {}).get("parameters", []))
    if "pagination" in doc:
        parameters.append(doc["pagination"]["parameters"])
    parameters += doc.get("manual_doc", {}).get("parameters", [])
    names: set[str] = set()
    for parameter in parameters:
        if not isinstance(parameter, dict) or parameter.get("in") != "query":
            continue
        if "schema" not in parameter or "name" in parameter:
            names.add(parameter["name"])
            continue
        schema = parameter["schema"]
        schema = schema() if isinstance(schema, type) else schema
        # As apispec's marshmallow plugin lists them: loadable fields, by their data key.
        names.update(
            field.data_key or field_name
            for field_name, field in schema.fields.items()
            if not field.dump_only
        )
    return names

"""marshmallow schemas, one module per resource: ``XSchema``, ``XCreateSchema``, ``XQueryArgsSchema``."""

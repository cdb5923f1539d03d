"""Pagination of SQLAlchemy ``select()`` statements for ``@blp.paginate``.

flask-smorest parses ``page`` / ``page_size`` (at most 100 a page; more is a 422) and writes
the ``X-Pagination`` header; this class runs the count and the page query.
"""

from __future__ import annotations

from flask_smorest import Page
from sqlalchemy import func, select

from services.db import db


class SelectPage(Page):
    @property
    def item_count(self) -> int:
        counted = select(func.count()).select_from(self.collection.order_by(None).subquery())
        return db.session.scalar(counted) or 0

    @property
    def items(self) -> list:
        params = self.page_params
        statement = self.collection.offset(params.first_item).limit(params.page_size)
        return list(db.session.scalars(statement))

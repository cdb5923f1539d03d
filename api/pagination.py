"""Pagination of SQLAlchemy ``select()`` statements for ``@blp.paginate``.

flask-smorest parses ``page`` / ``page_size`` (at most 100 a page; more is a 422) and writes
the ``X-Pagination`` header; this class runs the count and the page query.
"""

from __future__ import annotations

from flask_smorest import Page
from sqlalchemy import func, select

from services.core.db import db

# Beyond any row count we hold (ids are 32-bit); a larger page would overflow the database's
# 64-bit integers (a 500) instead of simply being empty.
MAX_OFFSET = 2**31


class SelectPage(Page):
    @property
    def item_count(self) -> int:
        counted = select(func.count()).select_from(self.collection.order_by(None).subquery())
        return db.session.scalar(counted) or 0

    @property
    def items(self) -> list:
        params = self.page_params
        if params.first_item >= MAX_OFFSET:
            return []
        statement = self.collection.offset(params.first_item).limit(params.page_size)
        return list(db.session.scalars(statement))

"""Search, sort and paginate an admin list: one rule for every such page.

A page names the columns it lets people sort by (a whitelist: nothing from the query string
reaches SQL as a column name), the columns its search looks in, and gets back a
Flask-SQLAlchemy pagination.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, or_

from ..extensions import db


@dataclass(frozen=True)
class Listing:
    #: sort key -> column (or expression)
    sortable: dict
    #: the default sort key; "-key" sorts descending
    default: str
    #: columns the search words must appear in (any of them, every word)
    searchable: tuple = ()
    per_page: int = 50


def apply(listing: Listing, query: Select, *, q: str | None, sort: str | None,
          page: int):
    """The page of rows plus the effective sort key."""
    words = [w for w in (q or "").split() if w][:5]
    for word in words:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(or_(*(column.ilike(pattern) for column in listing.searchable)))
    key = sort if sort and sort.lstrip("-") in listing.sortable else listing.default
    column = listing.sortable[key.lstrip("-")]
    query = query.order_by(column.desc() if key.startswith("-") else column.asc())
    pagination = db.paginate(query, page=max(1, min(page, 100_000)),
                             per_page=listing.per_page, error_out=False)
    return pagination, key

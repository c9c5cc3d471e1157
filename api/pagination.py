"""Cursor pagination over the order in which an account's objects changed (``updated_at``,
then id): stable under inserts, as fast on the last page as on the first (an index on
``(account, updated_at, id)``), and resumable — a client that keeps the newest
``updated_at`` it saw asks again with ``updated_since`` for what changed since."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ChangedCursorPagination(CursorPagination):
    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"

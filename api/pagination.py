"""Cursor pagination over the order in which an account's objects changed (``updated_at``,
then id): stable under inserts, as fast on the last page as on the first (an index on
``(account, updated_at, id)``), and resumable — a client that keeps the newest
``updated_at`` it saw asks again with ``updated_since`` for what changed since."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.pagination import CursorPagination

from api.problems import Problem


def _invalid(name: str, detail: str) -> Problem:
    return Problem(
        422,
        "validation_failed",
        _("The request has invalid fields."),
        errors=[{"pointer": f"#/{name}", "code": "invalid", "detail": detail}],
    )


class ChangedCursorPagination(CursorPagination):
    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        text = values[0]
        if len(values) > 1 or not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise _invalid(
                self.page_size_query_param,
                _("Give page_size once, as a whole number from 1 to %(max)d.")
                % {"max": self.max_page_size},
            )
        return min(int(text), self.max_page_size)


class CreatedCursorPagination(ChangedCursorPagination):
    """For records that are never changed once made (trademarks, authorizations): the order in
    which they were made is the order in which they changed."""

    ordering = ("created_at", "id")

"""Versions of a reviewable item, so that two writers cannot overwrite each other (the API's
``ETag`` / ``If-Match``).

``item_version(item)`` changes whenever the item is saved (its ``updated_at``) or changes state.
A caller that read version V and wants to change the item only if it is still V wraps the
service call in ``version_expected(item, V)``: the service's own row lock (``lifecycle.lock``)
then compares, under the lock, and refuses with ``PreconditionFailed`` when someone else
changed the item in between. The check sits under the lock because a check before the
service (read, compare, then call) would let a change slip in between the two."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils.translation import gettext as _

from reviewportal.errors import PreconditionFailed

# [model label, pk, version]; emptied once the first lock of that row has compared it (a
# service may lock its item again after changing it, e.g. an edit that resubmits).
_expected: ContextVar[list | None] = ContextVar("version_expected", default=None)


def item_version(item) -> str:
    """An opaque version of ``item`` as it is now (16 hex digits). An object without a review
    state (a webhook endpoint) is versioned by its saves alone."""
    state = getattr(item, "state", "")
    basis = f"{item._meta.label}:{item.pk}:{item.updated_at.isoformat()}:{state}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


@contextmanager
def version_expected(item, version: str | None) -> Iterator[None]:
    """Within the block, a service that locks ``item`` refuses to change it unless its version
    is still ``version`` (None: no condition)."""
    if version is None:
        yield
        return
    token = _expected.set([item._meta.label, item.pk, version])
    try:
        yield
    finally:
        _expected.reset(token)


def version_check(locked) -> None:
    """Called with the row just locked: refuse when the caller expected another version."""
    expected = _expected.get()
    if not expected:
        return
    label, pk, version = expected
    if label != locked._meta.label or pk != locked.pk:
        return
    expected.clear()
    if item_version(locked) != version:
        raise PreconditionFailed(
            _(
                "%(item)s was changed by someone else since you read it; read it again and "
                "repeat your change."
            )
            % {"item": locked}
        )

"""What a key may do: a ``read`` key reads; a ``write`` key also changes, as far as its
creator's role in the account allows (the services check the role again)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import permissions

from reviewportal.models import ApiKey


class KeyScope(permissions.BasePermission):
    message = ""

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "read_only_post", False):
            return True
        if not key.may_write:
            self.message = _("This API key may only read: make a read and write key to change.")
            self.code = "scope_refused"
            return False
        return True

"""API keys in the ``Authorization: Bearer rpk_…`` header (SPEC §9). A request acts as the
key's creator (an admin or owner of the account) within the key's scope."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from portal.helpers import client_ip
from reviewportal.services.api_keys import KeyRefused, api_key_authenticate

REALM = 'Bearer realm="api"'


class KeyFailed(exceptions.AuthenticationFailed):
    def __init__(self, refusal: KeyRefused) -> None:
        super().__init__(refusal.message, code=refusal.code)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise exceptions.AuthenticationFailed(
                _("Send the API key as: Authorization: Bearer rpk_…"), code="invalid_key"
            )
        try:
            key = api_key_authenticate(token.strip(), ip=client_ip(request))
        except KeyRefused as refusal:
            raise KeyFailed(refusal) from None
        return key.created_by, key

    def authenticate_header(self, request) -> str:
        return REALM

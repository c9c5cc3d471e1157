"""API keys of a customer account: made and revoked by the account's owner and admins, checked
on every API request (``api_key_authenticate``).

A key reads ``rpk_<key id>_<secret>``: the key id finds the row, the secret is compared by its
SHA-256 digest in constant time. Nothing logs a secret; a refusal is logged by key id only."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.errors import NotFoundForUser
from reviewportal.models import ApiKey, ApiScope, User
from reviewportal.models.accounts import MANAGER_ROLES
from reviewportal.permissions import require_account_manager
from reviewportal.services.accounts import validate_plain_line

logger = logging.getLogger(__name__)

PREFIX = "rpk_"
_KEY_ID_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"
_KEY_ID_LENGTH = 12
#: How often a key's "last used" is written at most (every request would be a write).
LAST_USE_RESOLUTION = timedelta(minutes=1)
#: At most this many networks in a key's allow-list.
MAX_NETWORKS = 20


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def networks_normalised(values) -> list[str]:
    """The allow-list in its normal form (``203.0.113.0/24``), or a ValidationError naming the
    entry that is not an address or network."""
    if isinstance(values, str):
        values = values.replace(",", "\n").split()
    networks = []
    for value in values:
        value = str(value).strip()
        if not value:
            continue
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValidationError(
                {
                    "allowed_networks": _(
                        "%(value)s is not an IP address or network (for example 203.0.113.0/24)."
                    )
                    % {"value": value[:50]}
                },
                code="invalid_network",
            ) from None
        if str(network) not in networks:
            networks.append(str(network))
    if len(networks) > MAX_NETWORKS:
        raise ValidationError(
            {"allowed_networks": _("At most %(n)d networks.") % {"n": MAX_NETWORKS}},
            code="too_many_networks",
        )
    return networks


def api_key_create(
    *,
    user: User,
    name: str,
    scope: str = ApiScope.READ,
    expires_at: datetime | None = None,
    allowed_networks=(),
) -> tuple[ApiKey, str]:
    """Make a key of ``user``'s account, acting as ``user``; returns the key and its full
    secret, which is never shown again. Only the account's owner and admins make keys."""
    with transaction.atomic():
        require_account_manager(user, user.account_id)
        name = (name or "").strip()
        errors = {}
        if not name:
            errors["name"] = [_("Give the key a name (what uses it).")]
        else:
            try:
                validate_plain_line(name)
            except ValidationError as exc:
                errors["name"] = exc.messages
        if scope not in ApiScope.values:
            errors["scope"] = [_("Choose read or read and write.")]
        if expires_at is not None and expires_at <= timezone.now():
            errors["expires_at"] = [_("The expiry must be in the future.")]
        try:
            networks = networks_normalised(allowed_networks or ())
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        key_id = "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(_KEY_ID_LENGTH))
        secret = secrets.token_urlsafe(32)
        key = ApiKey(
            account_id=user.account_id,
            key_id=key_id,
            secret_hash=_digest(secret),
            name=name,
            scope=scope,
            created_by=user,
            allowed_networks=networks,
            expires_at=expires_at,
        )
        key.full_clean(exclude=["key_id", "secret_hash", "created_by", "account"])
        key.save()
        logger.info("API key %s made for account %s", key_id, user.account_id)
        return key, f"{PREFIX}{key_id}_{secret}"


def api_key_revoke(*, user: User, key: ApiKey) -> ApiKey:
    """Revoke a key of ``user``'s account at once (an owner or admin); revoking twice is a
    no-op."""
    with transaction.atomic():
        require_account_manager(user, user.account_id)
        key = (
            ApiKey.objects.select_for_update().filter(pk=key.pk, account_id=user.account_id).first()
        )
        if key is None:
            raise NotFoundForUser(_("Not found."))
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.revoked_by = user
            key.save(update_fields=["revoked_at", "revoked_by"])
            logger.info("API key %s revoked", key.key_id)
        return key


def _creator_manages(key: ApiKey) -> bool:
    """Whether the user a key acts as still manages its account (active owner or admin)."""
    creator = key.created_by
    return (
        creator.is_active
        and creator.account_id == key.account_id
        and creator.account_role in MANAGER_ROLES
    )


class ApiKeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    #: Its account is deactivated, or its creator no longer manages the account.
    INACTIVE = "inactive"


def api_key_status(key: ApiKey, *, now: datetime | None = None) -> ApiKeyStatus:
    """What ``api_key_authenticate`` would say of ``key`` now, apart from its secret and the
    caller's address (the key's list in the portal shows it)."""
    now = now or timezone.now()
    if key.revoked_at is not None:
        return ApiKeyStatus.REVOKED
    if key.expires_at is not None and key.expires_at <= now:
        return ApiKeyStatus.EXPIRED
    if not (key.account.is_active and _creator_manages(key)):
        return ApiKeyStatus.INACTIVE
    return ApiKeyStatus.ACTIVE


class KeyRefused(Exception):
    """Why a request's key is not accepted. ``code`` is stable (API problem codes)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _parse(token: str) -> tuple[str, str] | None:
    if not token.startswith(PREFIX):
        return None
    key_id, sep, secret = token[len(PREFIX) :].partition("_")
    if not sep or len(key_id) != _KEY_ID_LENGTH or not secret or len(secret) > 100:
        return None
    return key_id, secret


def _address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The request's address, or None when it is not one. An IPv4 client of a dual-stack
    listener arrives as ``::ffff:203.0.113.5``: it is that IPv4 address, for the allow-list
    and for "last used from" alike."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def api_key_authenticate(token: str, *, ip: str | None, now: datetime | None = None) -> ApiKey:
    """The key a request presents, checked: it exists and its secret matches, it is not
    revoked or expired, its creator is still an active admin or owner of its account (a key
    acts as its creator), and the request comes from its allow-list. Raises ``KeyRefused``.
    Records the last use (at most once a minute per key)."""
    now = now or timezone.now()
    parsed = _parse(token or "")
    if parsed is None:
        raise KeyRefused("invalid_key", _("The API key is malformed."))
    key_id, secret = parsed
    key = ApiKey.objects.select_related("created_by", "account").filter(key_id=key_id).first()
    # The digest is compared even when no key has this id, so that the answer takes as long.
    expected = key.secret_hash if key is not None else _digest("")
    if not hmac.compare_digest(expected, _digest(secret)) or key is None:
        raise KeyRefused("invalid_key", _("The API key is not valid."))
    if key.revoked_at is not None:
        logger.info("API key %s refused: revoked", key_id)
        raise KeyRefused("revoked_key", _("The API key was revoked."))
    if key.expires_at is not None and key.expires_at <= now:
        logger.info("API key %s refused: expired", key_id)
        raise KeyRefused("expired_key", _("The API key has expired."))
    if not key.account.is_active:
        logger.info("API key %s refused: its account is inactive", key_id)
        raise KeyRefused(
            "inactive_key", _("The API key no longer works: its account is deactivated.")
        )
    if not _creator_manages(key):
        logger.info("API key %s refused: its creator no longer manages the account", key_id)
        raise KeyRefused(
            "inactive_key",
            _("The API key no longer works: the admin who made it has left or lost the role."),
        )
    address = _address(ip)
    if key.allowed_networks and not (
        address is not None
        and any(address in ipaddress.ip_network(network) for network in key.allowed_networks)
    ):
        logger.info("API key %s refused: address outside its allow-list", key_id)
        raise KeyRefused(
            "address_not_allowed",
            _("The API key may not be used from this address."),
        )
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_RESOLUTION:
        used_from = str(address) if address is not None else None
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=used_from)
        key.last_used_at, key.last_used_ip = now, used_from
    return key

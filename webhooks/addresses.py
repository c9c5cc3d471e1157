"""Where a webhook may be sent (SPEC §9): never to loopback, private, link-local, multicast,
reserved or unspecified addresses (nor any other address that is not globally reachable), and
only over https, unless ``WEBHOOK_POLICY["ALLOW_PRIVATE_ADDRESSES"]`` allows it (tests).

The check runs when an endpoint is saved and again before every attempt, on the addresses the
name resolves to then; the request is then made to the checked address (``webhooks.http``), so
that a name that resolves elsewhere a moment later (DNS rebinding) is not followed."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL may not be sent to; the message says why, for the account's admin."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its scheme, host name (as written), port, and the addresses it
    resolved to, every one of them allowed."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def private_allowed() -> bool:
    return bool(settings.WEBHOOK_POLICY["ALLOW_PRIVATE_ADDRESSES"])


def address_allowed(address: IPAddress, *, allow_private: bool) -> bool:
    if allow_private:
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def url_parts(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """Scheme, host and port of a URL we may send to; AddressRefused otherwise."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(_("This is not a valid URL.")) from exc
    scheme = parts.scheme.lower()
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if scheme not in allowed_schemes:
        raise AddressRefused(_("The URL must start with https://."))
    if not parts.hostname:
        raise AddressRefused(_("The URL must name a host."))
    if parts.username or parts.password:
        raise AddressRefused(_("The URL must not contain a user name or password."))
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def _resolve(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(
            _("The host name %(host)s could not be resolved.") % {"host": host}
        ) from exc
    # getaddrinfo may add a scope ("fe80::1%eth0"); the address is what is checked.
    return list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in found))


def target_check(url: str) -> Target:
    """Check ``url`` and resolve its host now: every address it resolves to must be allowed
    (a name with one private address among public ones is refused), else AddressRefused."""
    allow = private_allowed()
    scheme, host, port = url_parts(url, allow_private=allow)
    addresses = _resolve(host, port)
    for address in addresses:
        if not address_allowed(ipaddress.ip_address(address), allow_private=allow):
            raise AddressRefused(
                _(
                    "Webhooks are not sent to %(host)s: it is a loopback, private, link-local "
                    "or otherwise reserved address."
                )
                % {"host": host}
            )
    if not addresses:
        raise AddressRefused(_("The host name %(host)s could not be resolved.") % {"host": host})
    return Target(scheme=scheme, host=host, port=port, addresses=tuple(addresses))

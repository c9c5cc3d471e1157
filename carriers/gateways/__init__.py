"""Carrier gateways: one interface (``submit``, ``query``, ``test_send``), one adapter per carrier
chosen in ``settings.CARRIER_POLICY["GATEWAYS"]``."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from carriers.gateways.base import (
    FilingRequest,
    Gateway,
    GatewayRefused,
    GatewayTransientError,
    NotQueryable,
    OneByOne,
    ProbeResult,
    QueryResult,
    SubmitResult,
)

__all__ = [
    "FilingRequest",
    "Gateway",
    "GatewayRefused",
    "GatewayTransientError",
    "NotQueryable",
    "OneByOne",
    "ProbeResult",
    "QueryResult",
    "SubmitResult",
    "gateway_for",
]


def gateway_for(carrier_code: str) -> Gateway:
    """The adapter configured for a carrier (a fresh instance; adapters keep no state)."""
    path = settings.CARRIER_POLICY["GATEWAYS"].get(carrier_code)
    if not path:
        raise LookupError(f"no gateway configured for carrier {carrier_code!r}")
    return import_string(path)(carrier_code)

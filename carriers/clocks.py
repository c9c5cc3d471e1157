"""The carriers' two clocks (SPEC §5), each compressible for demos on its own.

- Working days: how long a stub carrier takes to decide, divided by ``STUB["TIME_SCALE"]``
  (``CARRIER_STUB_TIME_SCALE``; 86400 makes a working day last a second).
- Inactivity: how long a signature may stay unused before carriers clear it
  (``INACTIVITY_CLEAR_DAYS``) and how long before that its customer is warned
  (``INACTIVITY_WARN_DAYS_BEFORE``), divided by ``STUB["INACTIVITY_SCALE"]``
  (``CARRIER_STUB_INACTIVITY_SCALE``, 1 = real days, also in the demo).

They are kept apart so that a demo's carriers answer in seconds while its signatures stay
registered for months. The stubs' clearance and our warning and usage window read the same
inactivity periods from here, so the warning always comes before the clearance. Read at call
time: tests and the stub server change the policy at run time."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def _stub() -> dict:
    return settings.CARRIER_POLICY["STUB"]


def _scale(name: str) -> float:
    # A scale of 0 or below would stop the clock; treat it as "as fast as can be".
    return max(float(_stub().get(name, 1.0)), 1e-9)


def working_time(real: timedelta) -> timedelta:
    """A stub carrier's working time ``real`` on its compressed clock."""
    return real / _scale("TIME_SCALE")


def inactivity_clear_after() -> timedelta:
    """How long a signature may stay unused before carriers clear it."""
    return timedelta(days=settings.CARRIER_POLICY["INACTIVITY_CLEAR_DAYS"]) / _scale(
        "INACTIVITY_SCALE"
    )


def inactivity_warn_after() -> timedelta:
    """How long a signature may stay unused before its customer is warned of the clearance."""
    policy = settings.CARRIER_POLICY
    days = policy["INACTIVITY_CLEAR_DAYS"] - policy["INACTIVITY_WARN_DAYS_BEFORE"]
    return timedelta(days=days) / _scale("INACTIVITY_SCALE")


def describe(span: timedelta) -> str:
    """A period as an operator reads it: whole days as days, shorter ones in seconds."""
    if span >= timedelta(days=1) and span % timedelta(days=1) == timedelta(0):
        return f"{span.days} days"
    return f"{span.total_seconds():g} s"

"""How failed logins are counted (django-axes, ``AXES_HANDLER``), for the portal and the console.

Failures count per login name and per client address (``AXES_LOCKOUT_PARAMETERS``), so neither
guessing one password from many addresses nor trying one password on many login names goes on
for long. A successful login forgives only the failures of that login name from that address:
axes' own reset deletes every failure of the login name and every failure of the address, so
an attacker who logs in to their own account between guesses would wipe the failures counted
against the people they guess at, and a victim's own login would hand whoever is guessing their
password elsewhere a fresh set of guesses.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.http import HttpRequest


class LoginAttemptHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """On a successful login: delete the failures of this login name from this address."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count

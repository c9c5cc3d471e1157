"""Mail servers that fail, for tests of what the product does when e-mail cannot go out (the
outside world is the only thing these tests replace)."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend

#: ``settings.EMAIL_BACKEND`` values.
UNREACHABLE = "tests.security.mail_support.UnreachableBackend"


class UnreachableBackend(BaseEmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")

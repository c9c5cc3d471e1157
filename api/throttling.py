"""Rate limits per API key, counted in the shared cache (Redis in production, so that every
web node counts the same requests): a fixed window of one minute, ``API_POLICY["RATE_PER_MINUTE"]``
requests per key. Over the limit: 429 with ``Retry-After`` (seconds to the next window).
Every answer carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from reviewportal.models import ApiKey

WINDOW_SECONDS = 60


class KeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        limit = settings.API_POLICY["RATE_PER_MINUTE"]
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        name = f"api-rate:{key.key_id}:{window}"
        # add() then incr(): atomic on Redis, so that nodes and threads never lose a count.
        cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
        try:
            count = cache.incr(name)
        except ValueError:  # the entry expired between add() and incr()
            cache.add(name, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
        self.reset = int((window + 1) * WINDOW_SECONDS - now) + 1
        request.rate_limit = (limit, max(0, limit - count), self.reset)
        return count <= limit

    def wait(self) -> float:
        return float(self.reset)

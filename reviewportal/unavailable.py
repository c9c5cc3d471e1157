"""503 instead of 500 while the database (or Redis) cannot be reached: a restart or a fail-over
of a service is a moment to retry, not an error of ours. The page says so in both languages,
``Retry-After`` tells clients when, and nothing of the request is kept (its transaction never
committed).

Two ways in: ``UnavailableMiddleware.process_exception`` for a view's error (one warning line in
the log), and ``server_error`` (the ``handler500``) for an error anywhere else in the request,
e.g. a middleware reading the session."""

from __future__ import annotations

import logging
import sys

from django import db
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from reviewportal.problems import api_language, problem_json, wants_problem

log = logging.getLogger("reviewportal.unavailable")

#: What a service that went away raises: the database's connection errors and Redis's (the
#: cache of rate limits and locks).
UNAVAILABLE_ERRORS = (
    db.OperationalError,
    db.InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
)
RETRY_AFTER_SECONDS = 5


def unavailable_response(request, exception: BaseException) -> HttpResponse:
    """The 503 page, rendered without the request (no context processor may read the database),
    and one warning line in the log instead of Django's traceback of a server error."""
    service = (
        "Redis" if isinstance(exception, RedisConnectionError | RedisTimeoutError) else "database"
    )
    log.warning(
        "503 for %s %s: %s unavailable (%s)",
        request.method,
        request.path,
        service,
        type(exception).__name__,
    )
    if wants_problem(request):
        with translation.override(api_language(request)):
            response = problem_json(
                503,
                "service_unavailable",
                _("Service unavailable"),
                _("A service we depend on is restarting; nothing was saved. Try again shortly."),
            )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged above: Django's request logger need not add the traceback.
    response._has_been_logged = True
    return response


class UnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE_ERRORS):
            return unavailable_response(request, exception)
        return None


@requires_csrf_token
def server_error(request):
    """``handler500``: a service that went away is a 503; anything else the 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, UNAVAILABLE_ERRORS):
        return unavailable_response(request, exception)
    if wants_problem(request):
        with translation.override(api_language(request)):
            return problem_json(
                500,
                "server_error",
                _("Server error"),
                _("Something went wrong on our side; it was logged. Try again later."),
            )
    return HttpResponseServerError(loader.render_to_string("500.html"))

"""Errors as RFC 9457 problem details (``application/problem+json``) with stable codes.

Every refusal of the API, whoever raises it (DRF, a service, Django), has the same body:

    {"type": "urn:reviewportal:problem:<code>", "title": "...", "status": 422,
     "detail": "...", "code": "<code>",
     "errors": [{"pointer": "#/content", "code": "...", "detail": "..."}]}

``errors`` names each field at fault by a JSON pointer into the request body; ``title`` and
``detail`` are in the caller's language. Codes are part of the API's contract (docs/api.md)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response

from reviewportal.errors import (
    ConcurrentChange,
    NotFoundForUser,
    PermissionRefused,
    PrecheckBlocked,
    PreconditionFailed,
    ReviewError,
    TransitionRefused,
)
from reviewportal.problems import CONTENT_TYPE, problem_body, problem_json

logger = logging.getLogger(__name__)


def _titles() -> dict[int, str]:
    return {
        400: _("Malformed request"),
        401: _("Authentication required"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        412: _("Precondition failed"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        422: _("Invalid request"),
        428: _("Precondition required"),
        429: _("Too many requests"),
    }


class Problem(exceptions.APIException):
    """A refusal the API raises itself, with its status and stable code."""

    def __init__(self, status_code: int, code: str, detail: str, errors=None, headers=None):
        super().__init__(detail, code)
        self.status_code = status_code
        self.problem_code = code
        self.errors = errors or []
        self.headers = headers or {}


def unknown_in_account(pointer: str, what: str) -> Problem:
    """A 422 for a public id in the body that names nothing of the key's account (another
    account's id is answered exactly as one that does not exist)."""
    return Problem(
        422,
        "validation_failed",
        _("The request has invalid fields."),
        errors=[
            {
                "pointer": f"#/{pointer}",
                "code": "not_found",
                "detail": _("No %(what)s with this ID in your account.") % {"what": what},
            }
        ],
    )


def problem_response(status_code: int, code: str, detail: str, *, errors=(), headers=None):
    body = problem_body(status_code, code, _titles().get(status_code, _("Error")), detail)
    if errors:
        body["errors"] = list(errors)
    response = Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)
    return response


def _pointer(field: str) -> str:
    if field in ("", "non_field_errors", "__all__"):
        return "#/"
    return "#/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in field)


def _drf_errors(detail, path=()) -> list[dict]:
    """Flatten DRF's nested error detail into pointer/code/detail entries."""
    found = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = () if key in ("non_field_errors", "__all__") else (key,)
            found += _drf_errors(value, (*path, *sub))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            found += _drf_errors(value, (*path, index) if nested else path)
    else:
        found.append(
            {
                "pointer": _pointer(path) if path else "#/",
                "code": getattr(detail, "code", "invalid") or "invalid",
                "detail": str(detail),
            }
        )
    return found


def _django_errors(error: DjangoValidationError, field_names: dict | None = None) -> list[dict]:
    names = field_names or {}
    if hasattr(error, "error_dict"):
        found = []
        for field, errors in error.error_dict.items():
            path = () if field == "__all__" else (names.get(field, field),)
            for item in errors:
                found.append(
                    {
                        "pointer": _pointer(path) if path else "#/",
                        "code": item.code or "invalid",
                        "detail": " ".join(item.messages),
                    }
                )
        return found
    return [
        {"pointer": "#/", "code": e.code or "invalid", "detail": " ".join(e.messages)}
        for e in error.error_list
    ]


def exception_handler(exc, context):
    """DRF's exception handler: every error as a problem."""
    view = context.get("view")
    names = getattr(view, "field_names", None)
    if isinstance(exc, Problem):
        return problem_response(
            exc.status_code,
            exc.problem_code,
            str(exc.detail),
            errors=exc.errors,
            headers=exc.headers,
        )
    if isinstance(exc, DjangoValidationError):
        errors = _django_errors(exc, names)
        return problem_response(
            422, "validation_failed", _("The request has invalid fields."), errors=errors
        )
    if isinstance(exc, PrecheckBlocked):
        errors = [
            {
                "pointer": "#/",
                "code": finding.get("code", "blocked"),
                "detail": finding.get("message", ""),
            }
            for finding in exc.findings
            if finding.get("severity") == "block"
        ]
        return problem_response(422, exc.code, str(exc), errors=errors)
    if isinstance(exc, NotFoundForUser):
        return problem_response(404, "not_found", str(exc))
    if isinstance(exc, PermissionRefused):
        return problem_response(403, exc.code, str(exc))
    if isinstance(exc, PreconditionFailed):
        return problem_response(412, exc.code, str(exc))
    if isinstance(exc, TransitionRefused | ConcurrentChange):
        return problem_response(409, exc.code, str(exc))
    if isinstance(exc, ReviewError):
        return problem_response(422, exc.code, str(exc))
    if isinstance(exc, Http404):
        return problem_response(404, "not_found", _("Not found."))
    if isinstance(exc, PermissionDenied):
        return problem_response(403, "permission_refused", str(exc) or _("Not allowed."))
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, int(exc.wait or 1))
        return problem_response(
            429,
            "rate_limited",
            _("Too many requests with this API key; try again in %(n)d s.") % {"n": wait},
            headers={"Retry-After": str(wait)},
        )
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "not_authenticated"
        if isinstance(exc, exceptions.NotAuthenticated):
            code = "not_authenticated"
            detail = _("Send an API key: Authorization: Bearer rpk_…")
        else:
            detail = str(exc.detail)
        authenticator = getattr(context.get("request"), "authenticators", None)
        header = authenticator[0].authenticate_header(context["request"]) if authenticator else ""
        return problem_response(401, code, detail, headers={"WWW-Authenticate": header})
    if isinstance(exc, exceptions.PermissionDenied):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "permission_refused"
        if code == "permission_denied":
            code = "permission_refused"
        return problem_response(403, code, str(exc.detail))
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            422,
            "validation_failed",
            _("The request has invalid fields."),
            errors=_drf_errors(exc.detail),
        )
    if isinstance(exc, exceptions.ParseError):
        return problem_response(400, "malformed_body", str(exc.detail))
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return problem_response(415, "unsupported_media_type", str(exc.detail))
    if isinstance(exc, exceptions.MethodNotAllowed):
        return problem_response(405, "method_not_allowed", str(exc.detail))
    if isinstance(exc, exceptions.NotAcceptable):
        return problem_response(406, "not_acceptable", str(exc.detail))
    if isinstance(exc, exceptions.NotFound):
        return problem_response(404, "not_found", str(exc.detail))
    if isinstance(exc, exceptions.APIException):
        return problem_response(exc.status_code, "error", str(exc.detail))
    return None


@csrf_exempt
def not_found_view(request, *args, **kwargs):
    """Unknown URLs under /api/ answer a problem too (not the portal's HTML page)."""
    return problem_json(404, "not_found", _titles()[404], _("No such endpoint."))

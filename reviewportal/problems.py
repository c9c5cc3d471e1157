"""Errors answered before (or outside) the API's own views — a request too large, a service
that went away, a server error, an unknown URL — in the API's format when the API was called:
RFC 9457 problem details (``application/problem+json``) with a stable code, instead of the
portal's HTML pages. The API's views answer their own problems the same way (api/problems.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation

#: Where the customer API lives (reviewportal/urls.py mounts it here).
API_PATH_PREFIX = "/api/"
CONTENT_TYPE = "application/problem+json"


#: The API's languages by what Accept-Language may say (SPEC §9: zh-hans or en).
LANGUAGES = {"zh-hans": "zh-hans", "zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans"}


def caller_language(header: str) -> str:
    """The language an ``Accept-Language`` header asks for, among ours: English when it ranks
    an English tag above every Chinese one, Simplified Chinese otherwise (the product's
    default)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    for _q, _p, tag in sorted(ranked):
        if tag == "en" or tag.startswith("en-"):
            return "en"
        if tag in LANGUAGES or tag.startswith("zh-hans"):
            return "zh-hans"
    return settings.LANGUAGE_CODE


def wants_problem(request) -> bool:
    """Whether the request was made to the API (a program reads the answer, not a person)."""
    return request.path.startswith(API_PATH_PREFIX)


def problem_body(status: int, code: str, title: str, detail: str) -> dict:
    return {
        "type": f"urn:reviewportal:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }


def problem_json(status: int, code: str, title: str, detail: str) -> JsonResponse:
    response = JsonResponse(
        problem_body(status, code, title, detail), status=status, content_type=CONTENT_TYPE
    )
    response["Content-Language"] = translation.get_language()
    return response


def api_language(request) -> str:
    """The language of an answer to the API: what its Accept-Language asks for."""
    return caller_language(request.headers.get("Accept-Language", ""))

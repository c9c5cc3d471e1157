"""What every API view shares: the caller's language, idempotent POSTs, versions (ETag /
If-Match), rate-limit headers, account scoping and public-id lookups."""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import viewsets

from api.models import IdempotentRequest
from api.problems import Problem, problem_response
from reviewportal.problems import caller_language
from reviewportal.services.versions import item_version

MAX_IDEMPOTENCY_KEY = 255


def etag(item) -> str:
    return f'"{item_version(item)}"'


def if_match(request, *, required: bool) -> str | None:
    """The version ``If-Match`` names (None for ``*`` or, when not required, no header);
    428 when a required one is missing."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise Problem(
                428,
                "precondition_required",
                _("Send If-Match with the ETag of the object as you read it."),
            )
        return None
    if header == "*":
        return None
    value = header.split(",")[0].strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"') or "-"


def updated_since(request) -> datetime | None:
    """The ``updated_since`` filter of a list (ISO 8601 with an offset), or a 422 problem."""
    text = request.query_params.get("updated_since")
    if text is None:
        return None
    try:
        value = parse_datetime(text.replace(" ", "+"))
    except ValueError:
        value = None
    if value is None or timezone.is_naive(value):
        raise Problem(
            422,
            "validation_failed",
            _("The request has invalid fields."),
            errors=[
                {
                    "pointer": "#/updated_since",
                    "code": "invalid_datetime",
                    "detail": _(
                        "Give an ISO 8601 time with its offset, e.g. 2026-12-01T09:00:00+08:00."
                    ),
                }
            ],
        )
    return value


def _fingerprint(request) -> str:
    """What identifies a request's content: a keyed digest (HMAC-SHA256 with a key derived from
    SECRET_KEY) of the method, path and body, so that the stored value reveals nothing of a
    body — an ID number in it could be found again from a plain hash by trying them all."""
    digest = salted_hmac(
        "api.idempotency", f"{request.method} {request.path}\n", algorithm="sha256"
    )
    data = request.data
    files = getattr(request, "FILES", None) or {}
    plain = {
        k: data.getlist(k) if hasattr(data, "getlist") else data[k] for k in data if k not in files
    }
    digest.update(json.dumps(plain, sort_keys=True, default=str).encode())
    for name in sorted(files):
        for upload in files.getlist(name):
            digest.update(f"\n{name}:{upload.name}:".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def request_account(view) -> int:
    """The id of the account whose key made the request."""
    return view.request.auth.account_id


class ApiViewSet(viewsets.GenericViewSet):
    """The base of every resource: public ids in URLs (``lookup_field``), objects of the key's
    account only, and the conventions of SPEC §9."""

    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    #: API field name → service/model field name, for pointers in errors.
    field_names: dict[str, str] = {}
    #: The query parameters a list takes (any other is refused, as a typo would be ignored).
    list_parameters = frozenset({"state", "updated_since", "cursor", "page_size"})

    # --- the request -------------------------------------------------------------------------

    def initial(self, request, *args, **kwargs):
        language = caller_language(request.headers.get("Accept-Language", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)
        allowed = self.list_parameters if self.action == "list" else frozenset()
        # (An unmapped method has no action: it is answered 405, whatever its query.)
        unknown = sorted(set(request.query_params) - allowed) if self.action else []
        if unknown:
            raise Problem(
                422,
                "validation_failed",
                _("The request has invalid fields."),
                errors=[
                    {
                        "pointer": f"#/{name}",
                        "code": "unknown_parameter",
                        "detail": _("Unknown query parameter."),
                    }
                    for name in unknown
                ],
            )

    def dispatch(self, request, *args, **kwargs):
        # APIView.dispatch, with POSTs that carry an Idempotency-Key answered once.
        self.args = args
        self.kwargs = kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
            if key is None:
                response = self._handle(request, *args, **kwargs)
            else:
                response = self._idempotent(request, key.strip(), *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def _handle(self, request, *args, **kwargs):
        if request.method.lower() in self.http_method_names:
            handler = getattr(self, request.method.lower(), self.http_method_not_allowed)
        else:
            handler = self.http_method_not_allowed
        try:
            return handler(request, *args, **kwargs)
        except Exception as exc:
            return self.handle_exception(exc)

    def _idempotent(self, request, key: str, *args, **kwargs):
        """Run the POST once per (API key, Idempotency-Key): the request's effects and the
        record of its answer commit together, so a repeat either waits for the first and gets
        its answer, or (when the first failed with a server error and rolled back) runs anew."""
        if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii():
            raise Problem(
                400,
                "invalid_idempotency_key",
                _("Idempotency-Key must be 1 to 255 ASCII characters."),
            )
        fingerprint = _fingerprint(request)
        kept_since = timezone.now() - settings.API_POLICY["IDEMPOTENCY_KEPT"]
        with transaction.atomic():
            IdempotentRequest.objects.filter(key=request.auth, created_at__lt=kept_since).delete()
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        key=request.auth, idempotency_key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                earlier = IdempotentRequest.objects.get(key=request.auth, idempotency_key=key)
                if earlier.fingerprint != fingerprint:
                    return problem_response(
                        422,
                        "idempotency_key_reused",
                        _("This Idempotency-Key was used for another request."),
                    )
                response = problem_response(earlier.status_code, "replay", "")
                response.data = self.answer_replayed(earlier.body)
                if earlier.status_code < 400:
                    response.content_type = None
                for name, value in earlier.headers.items():
                    response[name] = value
                response["Idempotent-Replayed"] = "true"
                return response
            response = self._handle(request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.body = self.answer_kept(response.data)
            record.headers = {
                name: response[name] for name in ("Location", "ETag") if response.has_header(name)
            }
            record.save(update_fields=["status_code", "body", "headers"])
            return response

    def answer_kept(self, data):
        """What is stored of an answer for its repeats (a view whose answer carries a secret
        keeps that encrypted)."""
        return data

    def answer_replayed(self, data):
        """The stored answer as a repeat is given it (the inverse of ``answer_kept``)."""
        return data

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language", "Authorization"))
        limits = getattr(request, "rate_limit", None)
        if limits:
            (
                response["RateLimit-Limit"],
                response["RateLimit-Remaining"],
                response["RateLimit-Reset"],
            ) = map(str, limits)
        response.setdefault("Cache-Control", "private, no-store")
        return response

    # --- objects -----------------------------------------------------------------------------

    def account_queryset(self, queryset):
        """Only the key's account: another account's object is simply not found (404)."""
        if getattr(self, "swagger_fake_view", False):  # the schema generator's dry run
            return queryset.none()
        return queryset.filter(account_id=self.request.auth.account_id)

    def changed_since(self, queryset):
        since = updated_since(self.request)
        return queryset.filter(updated_at__gt=since) if since else queryset

    def with_etag(self, response, item):
        response["ETag"] = etag(item)
        return response

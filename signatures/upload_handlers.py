"""Receiving uploaded files without holding more of them than the size limit.

Django's own handlers keep a whole file (in memory up to ``FILE_UPLOAD_MAX_MEMORY_SIZE``, on
disk above it) before any form sees it, so a 200 MB upload costs 200 MB before being refused.
``BoundedUploadHandler`` keeps at most ``UPLOAD_POLICY["MAX_BYTES"]`` + 1 bytes of each file
(spooled to a temporary file above ``FILE_UPLOAD_MAX_MEMORY_SIZE``), reads and drops the rest,
and marks the file ``oversized`` with its real size, so that the form refuses it by name with a
clear message. ``RequestSizeLimitMiddleware`` bounds the request as a whole before it is read.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from reviewportal.problems import api_language, problem_json, wants_problem


class BoundedUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = settings.UPLOAD_POLICY["MAX_BYTES"]
        self.received = 0
        # Closed with the request's other files when the answer has gone out.
        self.file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        )

    def receive_data_chunk(self, raw_data, start):
        room = self.limit + 1 - self.received
        if room > 0:
            self.file.write(raw_data[:room])
        self.received += len(raw_data)
        return None  # no other handler gets the data

    def file_complete(self, file_size):
        self.file.seek(0)
        upload = UploadedFile(
            file=self.file,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        upload.oversized = self.received > self.limit
        return upload

    def upload_interrupted(self):
        if hasattr(self, "file"):
            self.file.close()


class RequestSizeLimitMiddleware:
    """Answers 413, before reading it, a request whose body announces more than
    ``UPLOAD_POLICY["MAX_REQUEST_BYTES"]``; nothing of it is read or kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        policy = settings.UPLOAD_POLICY
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > policy["MAX_REQUEST_BYTES"]:
            limits = {
                "limit_mb": policy["MAX_REQUEST_BYTES"] // 1_048_576,
                "file_mb": policy["MAX_BYTES"] // 1_048_576,
            }
            if wants_problem(request):
                with translation.override(api_language(request)):
                    response = problem_json(
                        413,
                        "request_too_large",
                        _("Request too large"),
                        _(
                            "The request is larger than %(limit_mb)d MB; each file may have at "
                            "most %(file_mb)d MB."
                        )
                        % limits,
                    )
            else:
                response = render(request, "413.html", limits, status=413)
            # The body was not read: the connection cannot carry another request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)

"""Resident ID numbers never reach a log line or an error report in full.

Both surfaces use the product's one mask (``mask_id_number``: first 6 and last 4 visible):

- ``IdNumberLogFilter`` (on every log handler, see ``settings.core.LOGGING``) masks anything
  shaped like an 18-character resident ID number in the formatted message and the traceback;
- ``IdNumberExceptionReporterFilter`` (``DEFAULT_EXCEPTION_REPORTER_FILTER``) does the same to
  the request data, headers and local variables of an error report, on top of Django's own
  hiding of settings named like secrets.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import SafeExceptionReporterFilter

from reviewportal.validators import mask_id_number

#: 6-digit region, 8-digit birth date, 3-digit sequence, check digit (0-9 or X).
ID_NUMBER_SHAPE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_id_numbers_in(text: str) -> str:
    """``text`` with every resident-ID-shaped run masked."""
    return ID_NUMBER_SHAPE.sub(lambda match: mask_id_number(match.group()), text)


class IdNumberLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id_numbers_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers_in(record.exc_text)
        return True


class IdNumberExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        cleaned = super().get_post_parameters(request)
        if not cleaned:
            return cleaned
        cleaned = cleaned.copy()
        for key in cleaned:
            cleaned.setlist(key, [_masked(v) for v in cleaned.getlist(key)])
        return cleaned

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, _masked(value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def get_safe_request_meta(self, request):
        return {
            key: _masked(value) for key, value in super().get_safe_request_meta(request).items()
        }


def _masked(value):
    if isinstance(value, str):
        return mask_id_numbers_in(value)
    try:
        shown = repr(value)
    except Exception:  # a broken __repr__ is the report's business, not ours
        return value
    masked = mask_id_numbers_in(shown)
    return value if masked == shown else masked

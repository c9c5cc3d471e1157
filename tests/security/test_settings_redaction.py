"""Resident ID numbers never reach a log line or an error report in full."""

from __future__ import annotations

import logging
import sys

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from reviewportal.redaction import IdNumberLogFilter, mask_id_numbers_in
from reviewportal.validators import mask_id_number

FULL = "110105199001010021"
MASKED = mask_id_number(FULL)


def test_mask_id_numbers_in_text_uses_the_one_mask():
    assert MASKED == "110105********0021"
    text = f"id={FULL}, other 11010519900101002X; order 1101051990010100211 stays"
    assert mask_id_numbers_in(text) == (
        f"id={MASKED}, other {mask_id_number('11010519900101002X')}; "
        "order 1101051990010100211 stays"
    )


def test_log_lines_mask_id_numbers_in_message_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("tests.redaction")
    handler = logging.StreamHandler()
    handler.addFilter(IdNumberLogFilter())
    records = []
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        logger.warning("qualification with %s refused", FULL)
        try:
            raise ValueError(f"bad {FULL}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert records[0].getMessage() == f"qualification with {MASKED} refused"
    assert FULL not in records[1].exc_text and MASKED in records[1].exc_text


def test_project_log_handlers_carry_the_filter(settings):
    assert "id_numbers" in settings.LOGGING["handlers"]["console"]["filters"]
    assert settings.LOGGING["filters"]["id_numbers"]["()"].endswith("IdNumberLogFilter")


@pytest.mark.django_db
def test_error_reports_mask_id_numbers_in_post_data_and_locals(settings):
    settings.DEBUG = False
    request = RequestFactory().post("/portal/qualifications/new/", {"legal_rep_id_number": FULL})
    try:
        agent_id_number = FULL  # noqa: F841 - a local variable the report shows
        raise RuntimeError("refused")
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        text = reporter.get_traceback_text()
        html = reporter.get_traceback_html()
    assert FULL not in text and FULL not in html
    assert MASKED in text

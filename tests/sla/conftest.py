"""Fixtures of the SLA tests: a clock that stands still at chosen instants (time-machine moves the
real clock that the services read; nothing of ours is mocked) and items submitted at them."""

from __future__ import annotations

from datetime import datetime

import pytest

from reviewportal.services import lifecycle as lc
from tests.factories import SignatureApplicationFactory

#: A Tuesday, an ordinary working day inside the seeded calendar: the tests do not depend on the
#: date they run on.
DEFAULT_NOW = "2026-11-24T10:00:00+08:00"


def at(text: str) -> datetime:
    """An aware datetime from ISO text that carries its offset."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


@pytest.fixture
def clock(time_machine):
    """``clock("2026-09-30T17:30:00+08:00")`` stops the clock at that instant. It starts at
    DEFAULT_NOW; modules name it in ``pytest.mark.usefixtures`` so that it is set before the
    other fixtures (an approved qualification, say) are built."""

    def move(text: str) -> datetime:
        time_machine.move_to(at(text), tick=False)
        return at(text)

    move(DEFAULT_NOW)
    return move


@pytest.fixture
def submit_signature(clock, approved_qualification, customer):
    """``submit_signature("ISO")``: a new signature application submitted at that instant."""

    def submit(text: str, **fields):
        clock(text)
        item = SignatureApplicationFactory(qualification=approved_qualification, **fields)
        return lc.review_submit(item=item, user=customer)

    return submit

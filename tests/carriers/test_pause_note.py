"""A filing pause's note: none unless one is given, kept as given, and gone when the pause is
changed without one (the console sends the whole form each time)."""

from __future__ import annotations

from datetime import date

import pytest

from carriers.models import Carrier, CarrierPause
from carriers.services.pauses import carrier_pause_save

pytestmark = pytest.mark.django_db


def test_a_pause_has_a_note_only_while_one_is_given(senior):
    unicom = Carrier.objects.get(code="cucc")
    days = {"starts_on": date(2027, 2, 1), "ends_on": date(2027, 2, 5)}
    pause = carrier_pause_save(carrier=unicom, user=senior, **days)
    assert CarrierPause.objects.get(pk=pause.pk).note == ""
    carrier_pause_save(carrier=unicom, user=senior, pause=pause, note="Spring Festival", **days)
    assert CarrierPause.objects.get(pk=pause.pk).note == "Spring Festival"
    carrier_pause_save(carrier=unicom, user=senior, pause=pause, **days)
    assert CarrierPause.objects.get(pk=pause.pk).note == ""

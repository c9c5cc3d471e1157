"""Valid-looking sample registration numbers for demo data and tests.

They pass the check-digit rules (GB 32100 and GB 11643) but are made up: the sequence number is
written into the organisation-code or birth-sequence part."""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric, uscc

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def sample_uscc(seq: int, *, region: str = "440300", kind: str = "91") -> str:
    """An 18-character unified social credit code with a correct check character."""
    body = f"{kind}{region}MA"
    n = seq
    code = ""
    for _ in range(7):
        n, r = divmod(n, len(_USCC_CHARS))
        code = _USCC_CHARS[r] + code
    number = body + code
    return number + uscc.calc_check_digit(number)


def sample_resident_id(seq: int, *, region: str = "110105", born: dt.date | None = None) -> str:
    """An 18-character resident ID number with a correct check digit."""
    born = born or dt.date(1980, 1, 1) + dt.timedelta(days=(seq * 37) % 9000)
    body = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")

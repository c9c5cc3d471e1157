"""docs/api.md stays true: every problem code the API's own code can answer is explained there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "api").glob("*.py")),
    ROOT / "reviewportal" / "unavailable.py",
    ROOT / "signatures" / "upload_handlers.py",
    ROOT / "reviewportal" / "services" / "api_keys.py",
]
ANSWERS = re.compile(
    r"(?:Problem|problem_response|problem_json)\(\s*\d{3},\s*\"([a-z_]+)\""
    r"|KeyRefused\(\s*\"([a-z_]+)\""
    r"|self\.code = \"([a-z_]+)\""
)
#: Not answers a client sees: the catch-all of an unforeseen DRF error, and the wrapper of a
#: stored answer that is replayed as it was.
NOT_ANSWERS = {"error", "replay"}


def test_every_problem_code_is_documented():
    codes = {
        code
        for source in SOURCES
        for match in ANSWERS.finditer(source.read_text())
        for code in match.groups()
        if code
    } - NOT_ANSWERS
    assert len(codes) > 15  # the pattern still finds them
    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs" / "api.md").read_text()))
    assert sorted(codes - documented) == []

"""The mutation run (scripts/mutation, pyproject.toml [tool.mutmut]) copies the project's packages
into mutants/ and runs the tests there: a package it does not copy makes the run end before its
first mutant (Django cannot import an installed app), and a pattern that matches no file mutates
nothing without saying so."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]


def test_every_installed_app_of_the_project_is_copied():
    ours = {
        app.split(".")[0]
        for app in settings.INSTALLED_APPS
        if (ROOT / app.split(".")[0] / "__init__.py").exists()
    }
    assert ours, "no app of the project found in INSTALLED_APPS"
    assert ours <= set(CONFIG["source_paths"]), sorted(ours - set(CONFIG["source_paths"]))


def test_every_mutated_pattern_matches_a_file():
    unmatched = [pattern for pattern in CONFIG["only_mutate"] if not list(ROOT.glob(pattern))]
    assert unmatched == []

"""The mutation run (scripts/mutation, pyproject.toml [tool.mutmut]) copies the project's packages
into mutants/ and runs the tests there: a package it does not copy makes the run end before its
first mutant (Django cannot import an installed app), and a pattern that matches no file mutates
nothing without saying so."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest
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


def _report():
    spec = importlib.util.spec_from_file_location(
        "mutation_report", ROOT / "scripts" / "mutation_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_equivalent_survivor_counts_while_its_function_is_unchanged(monkeypatch):
    report = _report()
    name = "reviewportal.permissions"
    data = {
        "exit_code_by_key": {
            f"{name}.x_rule__mutmut_1": 1,
            f"{name}.x_rule__mutmut_2": 0,
            f"{name}.x_other__mutmut_1": 0,
            f"{name}.x_other__mutmut_2": None,
        },
        "hash_by_function_name": {"x_rule": "aaa", "x_other": "bbb"},
    }
    monkeypatch.setattr(report, "_data", lambda module: data)
    judged = {f"{name}.x_rule__mutmut_2": {"hash": "aaa", "why": "the same"}}
    monkeypatch.setattr(report, "equivalents", lambda: judged)
    _module, counts, survivors, stale = report.row(name)
    assert (counts["killed"], counts["equivalent"], counts["survived"], counts["not run"]) == (
        1,
        1,
        1,
        1,
    )
    assert survivors == [f"{name}.x_other__mutmut_1"] and stale == []

    judged[f"{name}.x_rule__mutmut_2"]["hash"] = "changed since"
    _module, counts, survivors, stale = report.row(name)
    assert (counts["equivalent"], counts["survived"]) == (0, 2)
    assert stale == [f"{name}.x_rule__mutmut_2"]


def test_a_lapsed_record_is_judged_again_and_stale_records_are_forgotten(monkeypatch, tmp_path):
    """`--equivalent` replaces a record whose function has changed since (refusing only one that
    still holds), and `--forget-stale` drops the records that lapsed, whose mutant a test now
    kills or that no longer exists, keeping those that hold."""
    report = _report()
    name = "reviewportal.permissions"
    data = {
        "exit_code_by_key": {
            f"{name}.x_rule__mutmut_1": 0,
            f"{name}.x_rule__mutmut_2": 1,
            f"{name}.x_other__mutmut_1": 0,
        },
        "hash_by_function_name": {"x_rule": "new", "x_other": "bbb"},
    }
    monkeypatch.setattr(report, "_data", lambda module: data)
    monkeypatch.setattr(report, "core_modules", lambda: [name])
    monkeypatch.setattr(report, "ROOT", tmp_path)
    monkeypatch.setattr(report, "EQUIVALENT", tmp_path / "equivalent.toml")
    report.EQUIVALENT.write_text(
        f'["{name}.x_rule__mutmut_1"]\nhash = "old"\nwhy = "before the change"\n'
        f'["{name}.x_rule__mutmut_2"]\nhash = "new"\nwhy = "a test kills it now"\n'
        f'["{name}.x_other__mutmut_1"]\nhash = "bbb"\nwhy = "still holds"\n'
        f'["{name}.x_gone__mutmut_1"]\nhash = "ccc"\nwhy = "its function is gone"\n',
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="already recorded"):
        report.record_equivalent(f"{name}.x_other__mutmut_1", "again")

    assert report.record_equivalent(f"{name}.x_rule__mutmut_1", "judged again") == 0
    assert report.equivalents()[f"{name}.x_rule__mutmut_1"] == {
        "hash": "new",
        "why": "judged again",
    }

    assert report.forget_stale() == 0
    assert report.equivalents() == {
        f"{name}.x_rule__mutmut_1": {"hash": "new", "why": "judged again"},
        f"{name}.x_other__mutmut_1": {"hash": "bbb", "why": "still holds"},
    }

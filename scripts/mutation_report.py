"""The table of scripts/mutation: per module, how many mutants mutmut made, killed, and which
survived (read from mutmut's result files under mutants/).

    python scripts/mutation_report.py [module…]   the table (default: every core module)
    python scripts/mutation_report.py --modules   the core modules, one per line
"""

from __future__ import annotations

import glob
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# mutmut's exit codes (mutmut.stats.status_by_exit_code), by what they mean for the score.
KILLED = {1, 3}
SURVIVED = {0}
TIMEOUT = {36, -24, 24, 152, 255}
NO_TESTS = {5, 33}


def core_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    modules = []
    for pattern in config["only_mutate"]:
        for path in sorted(glob.glob(str(ROOT / pattern))):
            relative = Path(path).relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules.append(".".join(parts))
    return modules


def _meta(module: str) -> Path:
    base = ROOT / "mutants" / Path(*module.split("."))
    plain = base.with_suffix(".py.meta")
    return (
        plain
        if plain.exists() or not (base / "__init__.py.meta").exists()
        else (base / "__init__.py.meta")
    )


def results(module: str) -> dict[str, int | None]:
    meta = _meta(module)
    if not meta.exists():
        return {}
    return json.loads(meta.read_text())["exit_code_by_key"]


def row(module: str) -> tuple[str, Counter, list[str]]:
    codes = results(module)
    counts: Counter = Counter()
    survivors = []
    for name, code in codes.items():
        if code in KILLED:
            counts["killed"] += 1
        elif code in SURVIVED:
            counts["survived"] += 1
            survivors.append(name)
        elif code in TIMEOUT:
            counts["timeout"] += 1
        elif code in NO_TESTS:
            counts["no tests"] += 1
        elif code is None:
            counts["not run"] += 1
        else:
            counts["other"] += 1
    counts["mutants"] = len(codes)
    return module, counts, sorted(survivors)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--modules"]:
        print("\n".join(core_modules()))
        return 0
    modules = argv or core_modules()
    print("| module | mutants | killed | timeout | survived | no tests | not run | killed % |")
    print("|---|---|---|---|---|---|---|---|")
    listed = []
    for module, c, survivors in map(row, modules):
        tried = c["killed"] + c["timeout"] + c["survived"] + c["no tests"]
        score = f"{100 * (c['killed'] + c['timeout']) / tried:.1f}" if tried else "–"
        print(
            f"| `{module}` | {c['mutants']} | {c['killed']} | {c['timeout']} | {c['survived']} "
            f"| {c['no tests']} | {c['not run']} | {score} |"
        )
        listed.append((module, survivors))
    for module, survivors in listed:
        if survivors:
            print(f"\nSurvivors in `{module}` (`mutmut show NAME` prints each):")
            print("\n".join(f"- `{name}`" for name in survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

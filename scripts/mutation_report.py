"""The table of scripts/mutation: per module, how many mutants mutmut made, killed, and which
survived (read from mutmut's result files under mutants/).

    python scripts/mutation_report.py [module…]   the table (default: every core module)
    python scripts/mutation_report.py --modules   the core modules, one per line
    python scripts/mutation_report.py --save DIR  keep mutmut's verdicts and function hashes
    python scripts/mutation_report.py --restore DIR   put them back where mutants/ has none

The table reads mutants/, or the saved verdicts (docs/mutation/) where mutants/ has none.
"""

from __future__ import annotations

import glob
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "docs" / "mutation"

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


def _saved(meta: Path, directory: Path) -> Path:
    return directory / meta.relative_to(ROOT / "mutants").with_suffix(".json")


def results(module: str) -> dict[str, int | None]:
    meta = _meta(module)
    if meta.exists():
        return json.loads(meta.read_text())["exit_code_by_key"]
    saved = _saved(meta, SAVED)
    if saved.exists():
        return json.loads(saved.read_text())["exit_code_by_key"]
    return {}


def save(directory: Path) -> int:
    """Copy the verdicts and function hashes of mutmut's result files to ``directory``."""
    count = 0
    for module in core_modules():
        meta = _meta(module)
        if not meta.exists():
            continue
        data = json.loads(meta.read_text())
        target = _saved(meta, directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        kept = {
            "exit_code_by_key": dict(sorted(data["exit_code_by_key"].items())),
            "hash_by_function_name": dict(sorted(data["hash_by_function_name"].items())),
        }
        target.write_text(json.dumps(kept, indent=0) + "\n")
        count += 1
    print(f"saved the verdicts of {count} module(s) in {directory.relative_to(ROOT)}")
    return 0


def restore(directory: Path) -> int:
    """Write saved verdicts as mutmut's result files where mutants/ has none (mutmut keeps
    those of functions whose hash is unchanged and tests the others again)."""
    count = 0
    for module in core_modules():
        meta = _meta(module)
        saved = _saved(meta, directory)
        if meta.exists() or not saved.exists():
            continue
        data = json.loads(saved.read_text())
        meta.parent.mkdir(parents=True, exist_ok=True)
        full = {
            "exit_code_by_key": data["exit_code_by_key"],
            "hash_by_function_name": data["hash_by_function_name"],
            "type_check_error_by_key": {},
            "durations_by_key": {},
            "estimated_durations_by_key": {},
        }
        meta.write_text(json.dumps(full))
        count += 1
    if count:
        print(f"restored the saved verdicts of {count} module(s) into mutants/")
    return 0


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
    if argv[:1] == ["--save"]:
        return save(ROOT / argv[1])
    if argv[:1] == ["--restore"]:
        return restore(ROOT / argv[1])
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

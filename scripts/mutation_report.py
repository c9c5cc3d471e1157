"""The table of scripts/mutation: per module, how many mutants mutmut made, killed, and which
survived (read from mutmut's result files under mutants/).

    python scripts/mutation_report.py [module…]   the table (default: every core module)
    python scripts/mutation_report.py --modules   the core modules, one per line
    python scripts/mutation_report.py --save DIR  keep mutmut's verdicts and function hashes
    python scripts/mutation_report.py --restore DIR   put them back where mutants/ has none
    python scripts/mutation_report.py --equivalent NAME WHY   record a survivor as equivalent
    python scripts/mutation_report.py --forget-stale   drop the records that no longer hold

The table reads mutants/, or the saved verdicts (docs/mutation/) where mutants/ has none.
Equivalent mutants (the code behaves the same whatever a test does) are recorded in
docs/mutation/equivalent.toml with why and the hash of their function: the record holds while
the function is unchanged; once it changes (the mutant may be another now) the survivor counts
as a survivor again and the table says the record is stale.
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
EQUIVALENT = SAVED / "equivalent.toml"

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


def _data(module: str) -> dict:
    meta = _meta(module)
    if meta.exists():
        return json.loads(meta.read_text())
    saved = _saved(meta, SAVED)
    if saved.exists():
        return json.loads(saved.read_text())
    return {}


def results(module: str) -> dict[str, int | None]:
    return _data(module).get("exit_code_by_key", {})


def _function_of(module: str, name: str) -> str:
    """``x_func`` of ``module.x_func__mutmut_7`` (the key of mutmut's function hashes)."""
    return name[len(module) + 1 :].rsplit("__mutmut_", 1)[0]


def _module_of(name: str) -> str:
    for module in sorted(core_modules(), key=len, reverse=True):
        if name.startswith(module + ".x"):
            return module
    raise SystemExit(f"{name}: not a mutant of a core module")


def equivalents() -> dict[str, dict]:
    if not EQUIVALENT.exists():
        return {}
    return tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))


def record_equivalent(name: str, why: str) -> int:
    module = _module_of(name)
    data = _data(module)
    if name not in data.get("exit_code_by_key", {}):
        raise SystemExit(f"{name}: no such mutant in the last results")
    if data["exit_code_by_key"][name] not in SURVIVED:
        raise SystemExit(f"{name}: not a survivor (only survivors are judged equivalent)")
    digest = data["hash_by_function_name"][_function_of(module, name)]
    judged = equivalents()
    if name in judged and judged[name]["hash"] == digest:
        raise SystemExit(f"{name}: already recorded in {EQUIVALENT.relative_to(ROOT)}")
    # A record of the function's earlier source is replaced (the mutant may be another now).
    judged[name] = {"hash": digest, "why": why}
    _write_equivalents(judged)
    print(f"recorded {name} as equivalent")
    return 0


def _write_equivalents(judged: dict[str, dict]) -> None:
    # A JSON string is a TOML basic string (the same quotes and escapes).
    EQUIVALENT.write_text(
        "".join(
            f'\n["{name}"]\nhash = {json.dumps(entry["hash"])}\n'
            f"why = {json.dumps(entry['why'], ensure_ascii=False)}\n"
            for name, entry in judged.items()
        ),
        encoding="utf-8",
    )


def forget_stale() -> int:
    """Drop the records that no longer hold: the mutant is gone or killed, or its function's
    source has changed since it was judged (it is a survivor to judge again)."""
    judged = equivalents()
    stale = {name for module in core_modules() for name in row(module)[3]}
    for module in core_modules():
        gone = {n for n in judged if n.startswith(module + ".x")} - set(results(module))
        stale |= gone
    for name in sorted(stale):
        judged.pop(name, None)
        print(f"forgot {name}")
    _write_equivalents(judged)
    return 0


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


def row(module: str) -> tuple[str, Counter, list[str], list[str]]:
    data = _data(module)
    codes = data.get("exit_code_by_key", {})
    hashes = data.get("hash_by_function_name", {})
    judged = equivalents()
    counts: Counter = Counter()
    survivors = []
    stale = []
    for name, code in codes.items():
        if code in KILLED:
            counts["killed"] += 1
            if name in judged:
                stale.append(name)  # judged equivalent, yet a test tells it apart
        elif code in SURVIVED and name in judged:
            if judged[name]["hash"] == hashes.get(_function_of(module, name)):
                counts["equivalent"] += 1
            else:
                counts["survived"] += 1
                survivors.append(name)
                stale.append(name)
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
    return module, counts, sorted(survivors), sorted(stale)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--modules"]:
        print("\n".join(core_modules()))
        return 0
    if argv[:1] == ["--save"]:
        return save(ROOT / argv[1])
    if argv[:1] == ["--restore"]:
        return restore(ROOT / argv[1])
    if argv[:1] == ["--equivalent"] and len(argv) == 3:
        return record_equivalent(argv[1], argv[2])
    if argv[:1] == ["--forget-stale"]:
        return forget_stale()
    modules = argv or core_modules()
    print(
        "| module | mutants | killed | timeout | survived | equivalent | no tests | not run "
        "| killed % of non-equivalent |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    listed = []
    for module, c, survivors, stale in map(row, modules):
        tried = c["killed"] + c["timeout"] + c["survived"] + c["no tests"]
        score = f"{100 * (c['killed'] + c['timeout']) / tried:.1f}" if tried else "–"
        print(
            f"| `{module}` | {c['mutants']} | {c['killed']} | {c['timeout']} | {c['survived']} "
            f"| {c['equivalent']} | {c['no tests']} | {c['not run']} | {score} |"
        )
        listed.append((module, survivors, stale))
    for module, survivors, stale in listed:
        if survivors:
            print(f"\nSurvivors in `{module}` (`mutmut show NAME` prints each):")
            print("\n".join(f"- `{name}`" for name in survivors))
        if stale:
            print(
                "\nRecorded as equivalent, but their function has changed since or a test "
                f"kills them (scripts/mutation --forget-stale drops the records): {stale}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

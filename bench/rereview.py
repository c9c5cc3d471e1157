"""Bulk re-review (SPEC §7) at scale: 1,000,000 approved signatures in PostgreSQL.

Creates (drops and re-creates) the database ``reviewportal_bench`` on 127.0.0.1:5432 — never the
``test`` database of the suite — migrates it and fills it with straight rows (``COPY``): 2,000
customer accounts, each with an approved enterprise qualification and its materials, and
1,000,000 approved signatures, 10 % of them of type ``app`` (with their ICP screenshot), the rest
company abbreviations that still pass every rule. Then, each phase in its own process so that
its peak RSS (``resource.getrusage``) is its own:

1. naive dry run: a loop over the ORM on a sample, ``signature_findings`` per item (what the
   per-item pre-check does: a few queries per item);
2. ``rereview_run`` dry run over all 1,000,000;
3. naive committed run on a sample: the same loop calling ``review_flag_for_rereview`` for each
   blocked item, in one transaction rolled back at the end (so that phase 4 starts from the same
   data);
4. ``rereview_run --commit`` over all 1,000,000 (flags the 100,000 app names).

Goals (bench/README.md): dry run ≥ 20,000 items/s, committed run ≥ 5,000 items/s, peak RSS under
300 MB.

    .venv/bin/python bench/rereview.py [--items 1000000] [--sample 5000] [--batch-size 1000]
        [--database-url postgres://postgres@127.0.0.1:5432/reviewportal_bench] [--keep]
        [--commit-seconds S]

``--keep`` reuses the generated database (skips phase 0); phase 4 changes it, so a second run
with ``--keep`` measures a committed run that finds nothing left to flag (or, after
``--commit-seconds``, resumes the interrupted one). ``--commit-seconds S`` interrupts the committed
run from its batch callback after S seconds, as Ctrl-C would, and reports its rate so far (the
items are in random order, so the rate of a prefix is the rate of the whole).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder is sys.path[0]; a sibling module named like a standard one
# (bench/queue_page.py) would then shadow it. Import from the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reviewportal_bench"
ON = dt.date(2026, 5, 1)
ACCOUNTS = 2_000
APP_SHARE = 0.10
GOALS = {"dry": 20_000, "commit": 5_000, "rss_mb": 300}


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewportal.settings")
    import django

    django.setup()


# --- Phase 0: the data ---------------------------------------------------------------------------

# Characters that appear in no neutral word, so that no generated signature is neutral.
POOL = (
    "安百宝北贝博彩晨诚创达大德鼎东都方丰峰富港高歌广瀚浩和恒弘宏华辉汇佳嘉建江金锦京景久聚"
    "凯康朗乐力利联良林龙隆美明铭楠宁鹏平奇启千强青庆瑞润森山尚晟盛世顺思泰天通同拓万旺伟"
    "文希祥翔欣新鑫星兴旭轩雅扬阳耀益易逸银盈永优宇元远悦越云泽长振正之智中众卓资"
)
CITIES = ["深圳市", "北京", "上海", "杭州市", "广州市", "成都市", "南京市", "武汉市"]
INDUSTRIES = ["信息技术", "网络科技", "电子商务", "物流", "文化传媒", "软件"]
APP_SUFFIXES = ["助手", "商城", "出行", "生活", "优选", "到家", "管家", "钱包"]


def brands(count: int, rng: random.Random) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        seen.add("".join(rng.sample(POOL, 3)))
    return sorted(seen)


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def generate(items: int, seed: int = 2026) -> dict:
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    started = time.perf_counter()
    now = timezone.now()
    names = brands(ACCOUNTS, rng)

    from reviewportal.models import User

    senior = User.objects.create_user("bench-senior", password=None, is_staff=True)
    senior.groups.add(Group.objects.get(name="Senior reviewer"))

    def copy(table: str, columns: tuple[str, ...], rows) -> None:
        with connection.cursor() as cursor:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as stream:
                for row in rows:
                    stream.write_row(row)

    accounts = [
        (i + 1, f"ACCB{i + 1:08d}", f"{b}有限公司", "", True, now) for i, b in enumerate(names)
    ]
    copy(
        "reviewportal_account",
        ("id", "public_id", "name", "contact_email", "is_active", "created_at"),
        accounts,
    )
    # One customer user per account, without an e-mail address: the end-of-run notification
    # rows are written, no e-mail is queued.
    copy(
        "reviewportal_user",
        (
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "phone",
            "language",
            "account_id",
        ),
        (
            (
                "!",
                False,
                f"bench-customer-{a + 1}",
                "",
                "",
                "",
                False,
                True,
                now,
                "",
                "zh-hans",
                a + 1,
            )
            for a in range(ACCOUNTS)
        ),
    )
    qualification_names = [
        f"{CITIES[i % len(CITIES)]}{b}{INDUSTRIES[i % len(INDUSTRIES)]}有限公司"
        for i, b in enumerate(names)
    ]
    lifecycle_cols = ("public_id", "account_id", "state", "is_urgent", "suspended")
    lifecycle_cols += ("submitted_at", "decided_at", "created_at", "updated_at")
    copy(
        "signatures_qualification",
        (
            "id",
            *lifecycle_cols,
            "entity_kind",
            "name",
            "uscc",
            "legal_rep_name",
            "legal_rep_id_number",
            "agent_name",
            "agent_id_number",
            "is_mainland",
            "verified_domains",
        ),
        (
            (
                i + 1,
                f"QUAB{i + 1:08d}",
                i + 1,
                "approved",
                False,
                False,
                now,
                now,
                now,
                now,
                "enterprise",
                qualification_names[i],
                "91440300MA5BENCH01",
                "张三",
                "110101199003074514",
                "",
                "",
                True,
                "[]",
            )
            for i in range(ACCOUNTS)
        ),
    )
    kinds = ("business_license", "legal_rep_id_front", "legal_rep_id_back", "icp_screenshot")
    material_cols = ("id", "account_id", "kind", "file", "original_name", "mime_type")
    material_cols += ("extension", "size", "sha256", "created_at")
    copy(
        "signatures_material",
        material_cols,
        (
            (
                a * 4 + k + 1,
                a + 1,
                kind,
                f"bench/{a}/{kind}.png",
                f"{kind}.png",
                "image/png",
                ".png",
                1000,
                "0" * 64,
                now,
            )
            for a in range(ACCOUNTS)
            for k, kind in enumerate(kinds)
        ),
    )
    copy(
        "signatures_qualification_materials",
        ("qualification_id", "material_id"),
        ((a + 1, a * 4 + k + 1) for a in range(ACCOUNTS) for k in range(3)),
    )

    def signature_rows():
        for n in range(1, items + 1):
            a = rng.randrange(ACCOUNTS)
            brand = names[a]
            if rng.random() < APP_SHARE:
                sig_type, content = "app", brand + rng.choice(APP_SUFFIXES)
            else:
                sig_type = "company"
                industry = INDUSTRIES[a % len(INDUSTRIES)]
                content = rng.choice((brand, brand + industry[:2], brand + industry))
            yield (
                (
                    n,
                    f"SIGB{n:010d}",
                    a + 1,
                    "approved",
                    False,
                    False,
                    now,
                    now,
                    now,
                    now,
                    a + 1,
                    sig_type,
                    content,
                    "self",
                    "",
                )
            )

    app_ids: list[tuple[int, int]] = []

    def remember_apps(rows):
        for row in rows:
            if row[11] == "app":
                app_ids.append((row[0], (row[2] - 1) * 4 + 4))
            yield row

    copy(
        "signatures_signatureapplication",
        ("id", *lifecycle_cols, "qualification_id", "sig_type", "content", "purpose", "use_case"),
        remember_apps(signature_rows()),
    )
    copy(
        "signatures_signatureapplication_materials",
        ("signatureapplication_id", "material_id"),
        iter(app_ids),
    )
    with connection.cursor() as cursor:
        for table, key in (
            ("reviewportal_account", "id"),
            ("reviewportal_user", "id"),
            ("signatures_qualification", "id"),
            ("signatures_material", "id"),
            ("signatures_signatureapplication", "id"),
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), "
                f"(SELECT MAX({key}) FROM {table}))"
            )
        # As autovacuum leaves a table that has been in use: statistics, hint bits and the
        # visibility map set. Without it the first full read of freshly copied rows writes
        # every page back (hint bits), which is a cost of the load, not of the run.
        cursor.execute("VACUUM (ANALYZE)")
    return {
        "phase": "generate",
        "items": items,
        "apps": len(app_ids),
        "seconds": time.perf_counter() - started,
        "rss_mb": peak_rss_mb(),
    }


# --- Phases 1-4 ----------------------------------------------------------------------------------


def naive(sample: int, *, commit: bool) -> dict:
    from django.db import transaction

    from reviewportal.models import User
    from reviewportal.services.findings import blocking
    from reviewportal.services.lifecycle import review_flag_for_rereview
    from signatures.models import SignatureApplication
    from signatures.selectors import signature_findings

    senior = User.objects.get(username="bench-senior")
    found = flagged = 0
    started = time.perf_counter()

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            items = SignatureApplication.objects.filter(state="approved").order_by("pk")
            for item in items[:sample].iterator(chunk_size=1000):
                blocks = blocking(signature_findings(item, on=ON))
                if blocks:
                    found += 1
                    if commit:
                        review_flag_for_rereview(item=item, user=senior, findings=blocks)
                        flagged += 1
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return {
        "phase": "naive-commit" if commit else "naive-dry",
        "items": sample,
        "noncompliant": found,
        "flagged": flagged,
        "seconds": seconds,
        "items_per_s": sample / seconds,
        "rss_mb": peak_rss_mb(),
    }


def bulk(*, commit: bool, batch_size: int, budget: float | None = None) -> dict:
    from reviewportal.models import User
    from reviewportal.services.rereview import rereview_run

    user = User.objects.get(username="bench-senior") if commit else None
    report = ROOT / "var" / "bench" / f"rereview-{'commit' if commit else 'dry'}.csv"
    report.unlink(missing_ok=True)
    seen = {}

    def stop_after_budget(stats) -> None:
        # Interrupting from the batch callback is what Ctrl-C does between batches: the run
        # keeps every batch done and resumes from there when started again.
        seen["stats"] = stats
        if budget is not None and stats.elapsed > budget:
            raise KeyboardInterrupt

    started = time.perf_counter()
    partial = False
    try:
        stats = rereview_run(
            kind="signatures",
            on=ON,
            commit=commit,
            user=user,
            report_path=report,
            batch_size=batch_size,
            on_batch=stop_after_budget,
        )
    except KeyboardInterrupt:
        stats, partial = seen["stats"], True
    seconds = time.perf_counter() - started
    return {
        "phase": "commit" if commit else "dry",
        "partial": partial,
        "items": stats.checked,
        "noncompliant": stats.noncompliant,
        "flagged": stats.flagged,
        "accounts_notified": stats.accounts_notified,
        "seconds": seconds,
        "items_per_s": stats.checked / seconds,
        "rss_mb": peak_rss_mb(),
    }


def child(args) -> None:
    setup_django(args.database_url)
    load_before = os.getloadavg()
    if args.phase == "generate":
        result = generate(args.items)
    elif args.phase in ("naive-dry", "naive-commit"):
        result = naive(args.sample, commit=args.phase == "naive-commit")
    else:
        budget = args.commit_seconds if args.phase == "commit" else None
        result = bulk(commit=args.phase == "commit", batch_size=args.batch_size, budget=budget)
    # The 1-, 5- and 15-minute load averages when the phase started and ended: the machine is
    # shared, and a figure means little without them.
    result["load_before"] = [round(x, 2) for x in load_before]
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))


def run_phase(phase: str, args) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--database-url", args.database_url]
    command += ["--items", str(args.items), "--sample", str(args.sample)]
    command += ["--batch-size", str(args.batch_size)]
    if args.commit_seconds is not None:
        command += ["--commit-seconds", str(args.commit_seconds)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"phase {phase} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(result), flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="reuse the generated database")
    parser.add_argument(
        "--commit-seconds",
        type=float,
        default=None,
        help="interrupt the committed run after this long and report its rate so far",
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database_url.rstrip("/").endswith("/test"):
        raise SystemExit("refusing to use the test suite's database")
    if args.phase:
        child(args)
        return 0
    if not args.keep:
        create_database(args.database_url)
        run_phase("generate", args)
    results = {p: run_phase(p, args) for p in ("naive-dry", "dry", "naive-commit", "commit")}
    dry, commit = results["dry"], results["commit"]
    print()
    print(f"{'measure':<34}{'result':>14}{'goal':>12}")
    rows = [
        ("naive dry run (sample), items/s", results["naive-dry"]["items_per_s"], None),
        ("dry run, items/s", dry["items_per_s"], GOALS["dry"]),
        ("  ratio to naive", dry["items_per_s"] / results["naive-dry"]["items_per_s"], None),
        ("naive commit (sample), items/s", results["naive-commit"]["items_per_s"], None),
        ("committed run, items/s", commit["items_per_s"], GOALS["commit"]),
        ("  ratio to naive", commit["items_per_s"] / results["naive-commit"]["items_per_s"], None),
        ("  flagged/s", commit["flagged"] / commit["seconds"], None),
        ("peak RSS dry run, MB", dry["rss_mb"], None),
        ("peak RSS committed run, MB", commit["rss_mb"], GOALS["rss_mb"]),
    ]
    for label, value, goal in rows:
        print(f"{label:<34}{value:>14,.1f}{'' if goal is None else f'{goal:,}':>12}")
    missed = (
        dry["items_per_s"] < GOALS["dry"]
        or commit["items_per_s"] < GOALS["commit"]
        or max(dry["rss_mb"], commit["rss_mb"]) >= GOALS["rss_mb"]
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

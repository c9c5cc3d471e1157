"""``manage.py rereview signatures|templates`` — bulk re-review after a policy change (SPEC §7).

Dry run unless told ``--commit``. Exit status: 0 done, 2 bad input (nothing changed), 130
interrupted (run again with the same options to resume)."""

from __future__ import annotations

import datetime as dt
import sys
import time

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.kinds import rereview_run_choices
from reviewportal.services.rereview import (
    DEFAULT_BATCH_SIZE,
    RereviewInputError,
    RereviewStats,
    rereview_account,
    rereview_codes,
    rereview_operator,
    rereview_run,
)

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            _("--on %(value)r is not a date (YYYY-MM-DD), e.g. 2026-05-01") % {"value": text},
            returncode=EXIT_BAD_INPUT,
        ) from None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    return str(dt.timedelta(seconds=round(seconds)))


class Progress:
    """Count, rate and ETA on one terminal line, at most twice a second."""

    def __init__(self, stream, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.shown_at = 0.0
        self.dirty = False

    def __call__(self, stats: RereviewStats) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.shown_at < 0.5:
            return
        self.shown_at = now
        share = 100 * stats.checked / stats.total if stats.total else 100.0
        self.stream.write(
            "\r"
            + _(
                "checked %(checked)s/%(total)s (%(share).1f %%) · %(rate)s items/s · "
                "ETA %(eta)s · non-compliant %(found)s"
            )
            % {
                "checked": f"{stats.checked:,}",
                "total": f"{stats.total:,}",
                "share": share,
                "rate": f"{stats.rate:,.0f}",
                "eta": _duration(stats.eta),
                "found": f"{stats.noncompliant:,}",
            }
        )
        self.stream.flush()
        self.dirty = True

    def close(self) -> None:
        if self.dirty:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = _(
        "Re-run the pre-check over approved signatures or templates as of a date and, with "
        "--commit, put the ones that no longer pass back for re-review. Dry run by default."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[value for value, _label in rereview_run_choices()])
        parser.add_argument(
            "--rule",
            dest="rules",
            action="extend",
            nargs="+",
            default=[],
            metavar="CODE",
            help=_("check only these rule codes (repeatable; default: every rule)"),
        )
        parser.add_argument(
            "--on", default=None, help=_("check as of this date, YYYY-MM-DD (default: today)")
        )
        parser.add_argument(
            "--account", default=None, help=_("only this account (ACC… ID or number)")
        )
        parser.add_argument(
            "--commit", action="store_true", help=_("flag the items (default: dry run)")
        )
        parser.add_argument(
            "--suspend",
            action="store_true",
            help=_("also make flagged items unusable until reviewers decide"),
        )
        parser.add_argument(
            "--user",
            default=None,
            help=_("staff username in whose name items are flagged (needed with --commit)"),
        )
        parser.add_argument(
            "--report",
            default=None,
            help=_("CSV report path (default: var/rereview/<kind>-<time>.csv)"),
        )
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=_("items per batch")
        )
        progress = parser.add_mutually_exclusive_group()
        progress.add_argument(
            "--progress",
            action="store_true",
            default=None,
            help=_("show progress on stderr even when it is not a terminal"),
        )
        progress.add_argument(
            "--no-progress", dest="progress", action="store_false", help=_("never show progress")
        )

    # Operators and scripts read this output: stable English, like the other operators' tools.
    @no_translations
    def handle(self, *args, **o):
        kind = o["kind"]
        try:
            codes = rereview_codes(kind, [c for r in o["rules"] for c in r.split(",")])
            on = parse_date(o["on"]) if o["on"] else timezone.localdate()
            account = rereview_account(o["account"])
            user = rereview_operator(o["user"]) if o["commit"] else None
        except RereviewInputError as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from None
        if o["batch_size"] < 1:
            raise CommandError(_("--batch-size must be at least 1"), returncode=EXIT_BAD_INPUT)
        show = o["progress"] if o["progress"] is not None else sys.stderr.isatty()
        progress = Progress(self.stderr, enabled=show)
        try:
            stats = rereview_run(
                kind=kind,
                on=on,
                codes=codes,
                account=account,
                commit=o["commit"],
                suspend=o["suspend"],
                user=user,
                report_path=o["report"],
                batch_size=o["batch_size"],
                on_batch=progress,
            )
        except RereviewInputError as exc:
            progress.close()
            raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            progress.close()
            message = _("Interrupted.")
            if o["commit"]:
                message += " " + _(
                    "Batches already done are kept; run the same command again to resume."
                )
            raise CommandError(message, returncode=EXIT_INTERRUPTED) from None
        progress.close()
        self.stdout.write(self._summary(stats, on=on, codes=codes, suspend=o["suspend"]))

    def _summary(self, stats: RereviewStats, *, on, codes, suspend) -> str:
        lines = [
            _("Checked %(checked)s approved %(kind)s as of %(on)s (%(rules)s) in %(time)s.")
            % {
                "checked": f"{stats.checked:,}",
                "kind": stats.kind,
                "on": on.isoformat(),
                "rules": ", ".join(codes) or _("every rule"),
                "time": _duration(stats.elapsed),
            }
        ]
        if stats.resumed_after:
            lines.append(
                _("Resumed run %(run)s after item %(pk)s.")
                % {"run": stats.run_id, "pk": stats.resumed_after}
            )
        if stats.commit:
            lines.append(
                _(
                    "Non-compliant: %(found)s; flagged for re-review: %(flagged)s%(suspended)s; "
                    "kept (confirmed before): %(kept)s; skipped: %(skipped)s; accounts "
                    "notified: %(accounts)s."
                )
                % {
                    "found": f"{stats.noncompliant:,}",
                    "flagged": f"{stats.flagged:,}",
                    "suspended": _(" (suspended)") if suspend else "",
                    "kept": f"{stats.kept:,}",
                    "skipped": f"{stats.skipped:,}",
                    "accounts": f"{stats.accounts_notified:,}",
                }
            )
        else:
            lines.append(
                _(
                    "Dry run, nothing changed: %(flagged)s would be flagged for re-review, "
                    "%(kept)s kept (confirmed before). Run with --commit to flag them."
                )
                % {"flagged": f"{stats.flagged:,}", "kept": f"{stats.kept:,}"}
            )
        lines.append(_("Report: %(path)s") % {"path": stats.report_path})
        return "\n".join(lines)

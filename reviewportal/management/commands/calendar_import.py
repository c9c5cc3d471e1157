"""``manage.py calendar_import``: enter whole years into the business calendar (SPEC §6).

    calendar_import --year 2027 --csv FILE [--commit] [--replace]
    calendar_import --from-package [--years 2025 2026] [--commit] [--replace]

A dry run unless ``--commit``: it shows the holidays and make-up working days it would write. A
year already in the table is refused unless ``--replace``; a provisional one (weekends only,
entered by ``seed_demo`` before the notice was at hand) is replaced without it. The CSV format
is described in docs/calendar-csv-format.md. Exit status: 0 done (or dry run), 1 refused, 2 bad
input.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils.translation import gettext as _

from reviewportal.calendar_seed import parse_calendar_csv_with_hours
from reviewportal.errors import ReviewError
from reviewportal.services.calendar import (
    YearPlan,
    calendar_import,
    calendar_import_plan,
    calendar_package_rows,
)

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = _(
        "Enter whole years into the business calendar from a CSV of the State Council notice or "
        "from the chinese_calendar package. Dry run unless --commit."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--csv", type=Path, help=_("CSV of holidays and make-up days (needs --year)")
        )
        source.add_argument(
            "--from-package",
            action="store_true",
            help=_("take the years from the installed chinese_calendar package"),
        )
        parser.add_argument("--year", type=int, help=_("the year the CSV describes"))
        parser.add_argument(
            "--years",
            type=int,
            nargs="+",
            help=_("with --from-package: these years (default: those missing from the table)"),
        )
        parser.add_argument("--commit", action="store_true", help=_("write (default: dry run)"))
        parser.add_argument(
            "--replace", action="store_true", help=_("overwrite years already in the table")
        )

    # Operators' tools and scripts read this output: stable English, like /health/.
    @no_translations
    def handle(self, *args, csv, from_package, year, years, commit, replace, **options):
        hours = {}
        try:
            if csv is not None:
                if year is None:
                    raise CommandError(_("--csv needs --year"), returncode=EXIT_BAD_INPUT)
                if years:
                    raise CommandError(
                        _("--years goes with --from-package; use --year with --csv"),
                        returncode=EXIT_BAD_INPUT,
                    )
                rows, hours = parse_calendar_csv_with_hours(_read(csv), year)
                rows_by_year = {year: rows}
            else:
                if year is not None:
                    raise CommandError(
                        _("--year goes with --csv; use --years with --from-package"),
                        returncode=EXIT_BAD_INPUT,
                    )
                rows_by_year = calendar_package_rows(years=years)
            plans = calendar_import_plan(rows_by_year=rows_by_year, hours=hours)
        except (ValueError, ReviewError) as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from exc
        if not plans:
            self.stdout.write(_("Nothing to import: every year the package covers is in."))
            return
        for plan in plans:
            self._show(plan, replace=replace, hours=hours)
        present = [str(plan.year) for plan in plans if plan.refused_without_replace]
        if present and not replace:
            raise CommandError(
                _("Already in the calendar: %(years)s. Nothing written; --replace overwrites.")
                % {"years": ", ".join(present)}
            )
        if not commit:
            self.stdout.write(_("Dry run: nothing written. Run again with --commit to write."))
            return
        try:
            written = calendar_import(
                rows_by_year=rows_by_year,
                replace=replace,
                hours=hours,
                source="manage.py calendar_import",
            )
        except ReviewError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("Wrote %(days)s days for %(years)s.")
            % {
                "days": sum(len(plan.rows) for plan in written),
                "years": ", ".join(str(plan.year) for plan in written),
            }
        )
        change = written.change
        if change is not None:
            self.stdout.write(
                _(
                    "Open clocks: %(checked)s checked, %(moved)s moved, %(known)s pending due "
                    "times now known, %(cleared)s breaches cleared."
                )
                % {
                    "checked": change.clocks_checked,
                    "moved": change.clocks_moved,
                    "known": change.due_times_known,
                    "cleared": change.breaches_cleared,
                }
            )

    def _show(self, plan: YearPlan, *, replace: bool, hours: dict) -> None:
        if not plan.existing:
            status = _("new")
        elif plan.replaces_provisional:
            status = _(
                "replaces the provisional year (Monday–Friday working, no holidays), "
                "%(changed)s days change"
            ) % {"changed": len(plan.changes)}
        else:
            status = _("replaces %(n)s days in the table, %(changed)s of them change") % {
                "n": plan.existing,
                "changed": len(plan.changes),
            }
        self.stdout.write(
            _(
                "%(year)s: %(days)s days, %(working)s working; %(holidays)s holiday days, "
                "%(make_up)s make-up working days (%(status)s)"
            )
            % {
                "year": plan.year,
                "days": len(plan.rows),
                "working": plan.working_days,
                "holidays": plan.holidays,
                "make_up": plan.make_up_days,
                "status": status,
            }
        )
        for day, working, note in plan.exceptions:
            kind = _("workday") if working else _("holiday")
            own = f" {hours[day][0]:%H:%M}-{hours[day][1]:%H:%M}" if day in hours else ""
            self.stdout.write(f"  {day.isoformat()} {day:%a}  {kind:<8} {note}{own}".rstrip())
        for day, before, after in plan.changes if replace or plan.replaces_provisional else ():
            self.stdout.write(
                "  "
                + _("%(date)s changes from %(before)s to %(after)s")
                % {
                    "date": day.isoformat(),
                    "before": _("working") if before else _("day off"),
                    "after": _("working") if after else _("day off"),
                }
            )


def _read(path: Path) -> str:
    try:
        # utf-8-sig: a CSV saved by a spreadsheet starts with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc},
            returncode=EXIT_BAD_INPUT,
        ) from exc

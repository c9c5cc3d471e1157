"""``manage.py sla due --start ISO [--policy CODE]``: when is an item started then due? (SPEC §6)"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils.translation import gettext as _

from reviewportal.errors import CalendarNotConfiguredError, ReviewError
from reviewportal.models import SlaPolicy
from reviewportal.services.sla import business_tz, sla_due

# Bad input and a calendar that cannot answer both exit with 2, as SPEC §6 asks.
EXIT_BAD_INPUT = 2


def parse_start(text: str) -> datetime:
    """Parse an ISO 8601 instant; one without an offset is Beijing time (the opening hours')."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            _("--start %(value)r is not an ISO 8601 date and time, e.g. 2026-09-30T17:30:00+08:00")
            % {"value": text},
            returncode=EXIT_BAD_INPUT,
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=business_tz())
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise CommandError(
            _("--start %(value)r is out of range: it must fall within the years 1 to 9999 in UTC.")
            % {"value": text},
            returncode=EXIT_BAD_INPUT,
        ) from None
    return value


class Command(BaseCommand):
    help = _("Business-time SLA tools. 'due' prints when an item started at --start is due.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        due = actions.add_parser(
            "due",
            help=_("print the due time (ISO 8601 with offset) of a clock started at --start"),
        )
        due.add_argument(
            "--start",
            required=True,
            help=_("ISO 8601 start, e.g. 2026-09-30T17:30:00+08:00 (no offset: Beijing time)"),
        )
        due.add_argument(
            "--policy",
            choices=SlaPolicy.Code.values,
            default=SlaPolicy.Code.STANDARD,
            help=_("SLA policy whose target applies (default: standard)"),
        )

    # Operators' tools and scripts read this output: stable English, like /health/.
    @no_translations
    def handle(self, *args, action: str, start: str, policy: str, **options):
        begin = parse_start(start)
        try:
            due = sla_due(start=begin, policy=policy)
        except CalendarNotConfiguredError as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from exc
        except OverflowError:
            # Counting on from the very end of the calendar runs past the year 9999.
            raise CommandError(
                _("The due time of --start %(value)r would fall after the year 9999.")
                % {"value": start},
                returncode=EXIT_BAD_INPUT,
            ) from None
        except ReviewError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(due.isoformat())

"""``manage.py purge_staged_uploads [--commit]``: the staged uploads nobody used (files kept for
a refused form, attached to nothing, named by no revision, past UPLOAD_STAGED_HOURS and an
hour's grace). Without ``--commit`` it only says what it would delete."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from signatures.selectors import PURGE_GRACE, staged_for
from signatures.services import materials_staged_purge


class Command(BaseCommand):
    help = "Delete staged uploads nobody used (a dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--commit", action="store_true", help="delete them (without it: only count them)"
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=5000,
            help="at most this many in one run, oldest first (default 5000)",
        )

    def handle(self, *args, commit: bool, limit: int, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        age = (staged_for() + PURGE_GRACE).total_seconds() / 3600
        result = materials_staged_purge(commit=commit, limit=limit)
        what = f"{result.count} staged upload(s), {filesizeformat(result.size)}"
        if not commit:
            self.stdout.write(
                f"{what}, older than {age:g} hours and used by nothing: "
                + ("run with --commit to delete them." if result.count else "nothing to do.")
            )
            return
        self.stdout.write(f"Deleted {what}.")
        if result.files_left:
            raise CommandError(
                f"{len(result.files_left)} file(s) could not be deleted from storage (see the "
                "log); their rows are gone, so they are harmless and can be removed by hand."
            )

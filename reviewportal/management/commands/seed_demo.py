from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviewportal.demo import DEMO_PASSWORD, demo_seed, demo_state_counts


class Command(BaseCommand):
    help = "Create demo accounts, staff users and applications in every review state (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help="password for every demo login"
        )
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the logins")

    def handle(self, *args, password: str, quiet_logins: bool, **options):
        if settings.PRODUCTION:
            # Demo logins with a published password have no place on a real installation.
            raise CommandError(
                "seed_demo creates logins with a published password: refused in production "
                "(DJANGO_ENV=production).",
                returncode=2,
            )
        result = demo_seed(password=password)
        for year in result.provisional_years:
            self.stderr.write(
                f"warning: the calendar had no {year}; for the demo only, entered it "
                "provisionally as Monday–Friday working, no statutory holidays (due times that "
                "reach into it ignore that year's holidays). Import the State Council notice with "
                f"manage.py calendar_import --csv FILE --year {year} --commit"
            )
        for name in result.created_accounts:
            self.stdout.write(f"created demo account {name}")
        for name in result.existing_accounts:
            self.stdout.write(f"kept existing demo account {name}")
        for label, counts in demo_state_counts().items():
            by_state = ", ".join(f"{state} {n}" for state, n in counts.items())
            self.stdout.write(f"{label} by state: {by_state}")
        if quiet_logins:
            return
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {password})")
        for login in result.logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<16} {login.note}")
        if result.api_key:
            name, token = result.api_key
            self.stdout.write("")
            self.stdout.write(f"Demo API key ({name}, read and write; a new one each start)")
            self.stdout.write(f"  export KEY={token}")

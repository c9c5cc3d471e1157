"""Record that a signature was used for sending (for scripts of the sending platform)."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from carriers.services import UsageRefused, signature_usage_record
from signatures.models import SignatureApplication


class Command(BaseCommand):
    help = "Record the last use of a signature: signature_used SIG… [--at ISO-8601]"

    def add_arguments(self, parser):
        parser.add_argument("signature", help="public ID of the signature (SIG…)")
        parser.add_argument("--at", help="when it was used, ISO 8601 with offset (default now)")

    def handle(self, *args, **options):
        used_at = None
        if options["at"]:
            try:
                used_at = datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at: {exc}", returncode=2) from exc
        signature = SignatureApplication.objects.filter(public_id=options["signature"]).first()
        if signature is None:
            raise CommandError(f"no signature {options['signature']}", returncode=2)
        try:
            usage = signature_usage_record(signature=signature, used_at=used_at)
        except UsageRefused as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(f"{signature.public_id} last used {usage.last_used_at.isoformat()}")

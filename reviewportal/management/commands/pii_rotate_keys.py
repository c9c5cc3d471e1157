"""``manage.py pii_rotate_keys [--commit]``: re-encrypt every stored ID number under the first
key of ``FIELD_ENCRYPTION_KEYS`` (SPEC §10).

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS and keep the old ones after it; run
this command with ``--commit``; once it reports 0 to re-encrypt, drop the old keys. It also
recomputes the keyed hashes after a change of FIELD_HASH_KEY.

A dry run unless ``--commit``: it counts per column what it would re-encrypt. A committed run is
one transaction: a value no configured key opens stops it with nothing written. Exit status: 0
done (or dry run), 2 bad keys or a value no key opens.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, no_translations

from reviewportal.crypto import FieldDecryptionError, FieldKeysError
from reviewportal.services.sensitive import field_keys_rotate

EXIT_BAD_KEYS = 2


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored ID number under the first of FIELD_ENCRYPTION_KEYS and "
        "recompute keyed hashes. Dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="write (default: dry run)")
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows read per query (default 500)"
        )

    # Operators' tools read this output: stable English, like the other maintenance commands.
    @no_translations
    def handle(self, *args, commit: bool, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.", returncode=EXIT_BAD_KEYS)
        try:
            counts = field_keys_rotate(commit=commit, batch_size=batch_size)
        except (FieldKeysError, FieldDecryptionError) as exc:
            raise CommandError(f"{exc} Nothing was written.", returncode=EXIT_BAD_KEYS) from exc
        verb, hashed = (
            ("re-encrypted", "hashes recomputed")
            if commit
            else (
                "to re-encrypt",
                "hashes to recompute",
            )
        )
        for count in counts:
            self.stdout.write(
                f"{count.label}: {count.reencrypted} {verb}, {count.current} already under the "
                f"first key, {count.hashes} {hashed}"
            )
        total = sum(c.reencrypted for c in counts)
        if commit:
            self.stdout.write(self.style.SUCCESS(f"Done: {total} values re-encrypted."))
        else:
            self.stdout.write(
                f"Dry run: {total} values would be re-encrypted; nothing was written. "
                "Run with --commit to write."
            )

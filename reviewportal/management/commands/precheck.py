"""``python manage.py precheck signature|template …`` — the pre-check for support staff and
scripts (SPEC §4). Exit status: 0 no blocking finding, 1 blocked, 2 bad arguments."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from reviewportal.precheck import has_blocking
from signatures.models import EntityKind, MaterialKind, SignaturePurpose, SignatureType
from signatures.selectors import signature_precheck_values
from templates.models import Industry, TemplateKind
from templates.selectors import template_precheck_values

MATERIAL_KINDS = set(MaterialKind.values)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--on: not a date (YYYY-MM-DD): {value!r}", returncode=2) from exc


def _materials(value: str) -> frozenset[str]:
    kinds = frozenset(k.strip() for k in (value or "").split(",") if k.strip())
    unknown = sorted(kinds - MATERIAL_KINDS)
    if unknown:
        raise CommandError(
            f"--materials: unknown kind(s) {', '.join(unknown)}; known: "
            + ", ".join(sorted(MATERIAL_KINDS)),
            returncode=2,
        )
    return kinds


def _domains(value: str) -> tuple[str, ...]:
    return tuple(d.strip().lower() for d in (value or "").split(",") if d.strip())


class Command(BaseCommand):
    help = "Run the automatic pre-check on a signature or template given on the command line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        sig = sub.add_parser("signature", help="check a signature")
        sig.add_argument("--content", required=True)
        sig.add_argument("--type", dest="sig_type", required=True, choices=SignatureType.values)
        sig.add_argument("--entity-name", required=True, help="the qualification's registered name")
        sig.add_argument("--entity-kind", default="enterprise", choices=EntityKind.values)
        sig.add_argument("--purpose", default="self", choices=SignaturePurpose.values)
        sig.add_argument("--partner-name", default="", help="authorizing partner (other-use)")
        sig.add_argument(
            "--authorization-letter", action="store_true", help="a valid letter is on file"
        )
        sig.add_argument("--trademark-name", default="")
        sig.add_argument("--trademark-owner", default="")
        sig.add_argument("--non-mainland", action="store_true")
        tpl = sub.add_parser("template", help="check a template")
        tpl.add_argument("--content", required=True)
        tpl.add_argument("--kind", required=True, choices=TemplateKind.values)
        tpl.add_argument("--industry", default="", choices=["", *Industry.values])
        tpl.add_argument(
            "--domains", default="", help="the domains the entity owns, comma-separated"
        )
        tpl.add_argument(
            "--signature-not-approved", action="store_true", help="the signature is not approved"
        )
        for p in (sig, tpl):
            p.add_argument("--materials", default="", help="material kinds, comma-separated")
            p.add_argument("--on", default=None, help="check as of this date (YYYY-MM-DD)")
            p.add_argument("--json", action="store_true", help="print JSON")
            p.add_argument(
                "--lang", default=None, choices=["zh-hans", "en"], help="message language (en)"
            )
            # Sub-parsers do not inherit the command's own options; accept the common ones.
            p.add_argument("--verbosity", type=int, default=1, choices=[0, 1, 2, 3])
            for flag in ("--settings", "--pythonpath"):
                p.add_argument(flag)
            for flag in ("--traceback", "--no-color", "--force-color"):
                p.add_argument(flag, action="store_true")
            p.add_argument("--skip-checks", action="store_true")

    def handle(self, *args, **o):
        on = _date(o["on"]) if o["on"] else timezone.localdate()
        materials = _materials(o["materials"])
        # English unless asked otherwise, like the other operators' commands; support staff
        # who want the customer's wording pass --lang zh-hans.
        with translation.override(o["lang"] or "en"):
            if o["what"] == "signature":
                findings = signature_precheck_values(
                    content=o["content"],
                    sig_type=o["sig_type"],
                    entity_name=o["entity_name"],
                    entity_kind=o["entity_kind"],
                    purpose=o["purpose"],
                    is_mainland=not o["non_mainland"],
                    material_kinds=materials,
                    trademark_name=o["trademark_name"],
                    trademark_owner=o["trademark_owner"],
                    partner_name=o["partner_name"],
                    has_authorization_letter=o["authorization_letter"],
                    on=on,
                )
            else:
                findings = template_precheck_values(
                    content=o["content"],
                    kind=o["kind"],
                    industry=o["industry"],
                    material_kinds=materials,
                    verified_domains=_domains(o["domains"]),
                    signature_approved=not o["signature_not_approved"],
                    on=on,
                )
            rows = [
                {
                    "code": f.code,
                    "severity": str(f.severity),
                    "field": f.field,
                    "message": str(f.message),
                }
                for f in findings
            ]
        blocked = has_blocking(findings)
        if o["json"]:
            self.stdout.write(
                json.dumps({"passed": not blocked, "findings": rows}, ensure_ascii=False)
            )
        else:
            for row in rows:
                self.stdout.write(
                    f"{row['severity'].upper():5} {row['code']} [{row['field']}] {row['message']}"
                )
            self.stdout.write(("BLOCKED" if blocked else "PASSED") + f" (as of {on.isoformat()})")
        if blocked:
            raise SystemExit(1)

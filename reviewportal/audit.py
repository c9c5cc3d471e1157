"""Field-level change history (django-auditlog) of the records staff and customers edit.
Transitions are logged separately by django-fsm-log, and views of sensitive material by
``AccessLog``. ID numbers are masked in the history."""

from __future__ import annotations

from auditlog.registry import auditlog
from django.apps import apps

ID_FIELDS = ["legal_rep_id_number", "agent_id_number", "partner_legal_rep_id_number"]

REGISTERED = {
    "reviewportal.Account": {},
    "reviewportal.User": {"exclude_fields": ["password", "last_login"]},
    "reviewportal.ReasonCode": {},
    "reviewportal.WorkingDay": {},
    "reviewportal.SlaPolicy": {},
    "signatures.Qualification": {"mask_fields": ["legal_rep_id_number", "agent_id_number"]},
    "signatures.Trademark": {},
    "signatures.Authorization": {"mask_fields": ["partner_legal_rep_id_number"]},
    "signatures.SignatureApplication": {},
    "signatures.NeutralWord": {},
    "templates.TemplateApplication": {},
    "carriers.Carrier": {},
}


def register_audited_models() -> None:
    for label, options in REGISTERED.items():
        model = apps.get_model(label)
        if not auditlog.contains(model):
            auditlog.register(model, **options)

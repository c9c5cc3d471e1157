"""Writes for template applications."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reviewportal.errors import NotFoundForUser, ReviewError
from reviewportal.models import Account, ReviewState, User
from reviewportal.permissions import Action, require_account_writer, require_action
from reviewportal.selectors import live_twin
from reviewportal.services.lifecycle import (
    LIFECYCLE_EXCLUDE,
    lifecycle_transaction,
    lock,
    review_resubmit,
    review_submit,
)
from signatures.models import Material
from signatures.services import Upload, materials_resolve
from templates.models import TemplateApplication

TEMPLATE_FIELDS = ("signature", "name", "content", "kind", "industry", "remark")


def _check(application: TemplateApplication) -> None:
    account = application.account
    if application.signature.account_id != account.pk:
        raise NotFoundForUser(_("Signature not found."))
    if application.signature.state != ReviewState.APPROVED:
        raise ValidationError(
            {"signature": _("A template can only be submitted with an approved signature.")}
        )
    existing = live_twin(
        application,
        account_id=account.pk,
        signature_id=application.signature_id,
        content=application.content,
    )
    if existing is not None:
        message = _(
            "This signature already has a template with this text: %(item)s (%(name)s); "
            "open it instead of applying again."
        ) % {"item": existing.public_id, "name": existing.name}
        # The code on the field's error itself (a dict's own code is dropped by Django).
        raise ValidationError({"content": ValidationError(message, code="duplicate")})


def template_application_create(
    *,
    account: Account,
    user: User,
    materials: Iterable[Material | Upload] | None = None,
    submit: bool = False,
    **fields,
) -> TemplateApplication:
    """Create a template application as a draft (submitted when ``submit``). Its signature must
    belong to the account and be approved (seed 003: signature first, then templates)."""
    with transaction.atomic():
        require_account_writer(user, account.pk)
        unknown = set(fields) - set(TEMPLATE_FIELDS)
        if unknown:
            raise ReviewError(_("Unknown field: %(field)s") % {"field": ", ".join(sorted(unknown))})
        application = TemplateApplication(account=account, created_by=user, **fields)
        application.full_clean(exclude=LIFECYCLE_EXCLUDE)
        _check(application)
        application.save()
        application.materials.set(materials_resolve(account, materials, user=user))
        if submit:
            application = review_submit(item=application, user=user)
        return application


def template_application_update(
    *,
    application: TemplateApplication,
    user: User,
    materials: Iterable[Material | Upload] | None = None,
    **fields,
) -> TemplateApplication:
    """Edit a template application; a submitted one is resubmitted as a new revision."""
    with lifecycle_transaction():
        application = lock(application)
        require_account_writer(user, application.account_id)
        require_action(application, user, Action.EDIT)
        unknown = set(fields) - set(TEMPLATE_FIELDS)
        if unknown:
            raise ReviewError(_("Unknown field: %(field)s") % {"field": ", ".join(sorted(unknown))})
        for key, value in fields.items():
            setattr(application, key, value)
        application.full_clean(exclude=LIFECYCLE_EXCLUDE)
        _check(application)
        application.save()
        if materials is not None:
            application.materials.set(materials_resolve(application.account, materials, user=user))
        if application.state != ReviewState.DRAFT:
            application = review_resubmit(item=application, user=user)
        return application

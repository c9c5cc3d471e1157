from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reviewportal.identifiers import new_public_id


def _account_public_id() -> str:
    return new_public_id("ACC")


class Account(models.Model):
    """A customer organisation. Everything a customer sees is scoped to its account."""

    public_id = models.CharField(
        _("account ID"), max_length=20, unique=True, default=_account_public_id, editable=False
    )
    name = models.CharField(_("name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class User(AbstractUser):
    """A person: either a customer user (belongs to an account, never staff) or operator staff
    (no account; reaches the reviewer console through group permissions)."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("mobile"), max_length=32, blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A customer user can never be staff: customers never reach /admin/.
            models.CheckConstraint(
                condition=Q(account__isnull=True) | Q(is_staff=False, is_superuser=False),
                name="customer_users_are_not_staff",
            )
        ]

    @property
    def is_customer(self) -> bool:
        return self.account_id is not None

    def display_name(self) -> str:
        return self.get_full_name() or self.username

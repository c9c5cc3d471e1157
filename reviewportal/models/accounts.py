from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class AccountRole(models.TextChoices):
    """What a customer user may do in the account, in the portal and through the API alike."""

    #: Everything an admin does; the account's first user (who signed it up).
    OWNER = "owner", pgettext_lazy("account role", "Owner")
    #: Also manages the team, the API keys and the webhook endpoints.
    ADMIN = "admin", pgettext_lazy("account role", "Admin")
    #: Applies, edits, submits and withdraws.
    MEMBER = "member", pgettext_lazy("account role", "Member")
    #: Reads everything of the account and changes nothing.
    VIEWER = "viewer", pgettext_lazy("account role", "Read-only")


#: Roles that may change the account's applications, and those that also manage the account.
WRITER_ROLES = frozenset({AccountRole.OWNER, AccountRole.ADMIN, AccountRole.MEMBER})
MANAGER_ROLES = frozenset({AccountRole.OWNER, AccountRole.ADMIN})


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
    account_role = models.CharField(
        _("role in the account"),
        max_length=10,
        choices=AccountRole.choices,
        default=AccountRole.MEMBER,
        help_text=_("Customer users only: what the user may do in the account."),
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

    def may_write_for(self, account_id: int | None) -> bool:
        """Whether this user may change ``account_id``'s applications (not read-only)."""
        return (
            self.is_active
            and self.account_id is not None
            and self.account_id == account_id
            and self.account_role in WRITER_ROLES
        )

    def may_manage(self, account_id: int | None) -> bool:
        """Whether this user manages ``account_id``: its team, API keys and webhooks."""
        return (
            self.is_active
            and self.account_id is not None
            and self.account_id == account_id
            and self.account_role in MANAGER_ROLES
        )

    def display_name(self) -> str:
        return self.get_full_name() or self.username

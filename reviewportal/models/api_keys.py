"""API keys: how a customer account's programs reach the customer API (SPEC §9).

A key belongs to an account and acts as the account admin who created it, within its scope:
a ``read`` key reads, a ``write`` key also changes what its creator's role lets it change. The
secret is shown once, when the key is made; only its SHA-256 digest is kept (the secret is 256
random bits, so a slow password hash would add nothing but latency). A key stops working when
it is revoked, when it expires, when its creator leaves the account or is deactivated, and
outside its IP allow-list when it has one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    READ = "read", _("Read")
    #: Read and write.
    WRITE = "write", _("Read and write")


class ApiKey(models.Model):
    account = models.ForeignKey(
        "reviewportal.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    #: The public part of the key (``rpk_<key_id>_<secret>``), by which a request finds it.
    key_id = models.CharField(_("key ID"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(
        _("scope"), max_length=10, choices=ApiScope.choices, default=ApiScope.READ
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    #: Networks (CIDR) a request must come from; empty: anywhere.
    allowed_networks = models.JSONField(_("allowed networks"), default=list, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} (rpk_{self.key_id}_…)"

    @property
    def prefix(self) -> str:
        """What the key's holder may be shown of it after it was made."""
        return f"rpk_{self.key_id}_…"

    @property
    def may_write(self) -> bool:
        return self.scope == ApiScope.WRITE

"""Model fields that keep sensitive personal information encrypted at rest (see
``reviewportal.crypto``).

- ``EncryptedTextField``: a text value stored as a Fernet token, plaintext in Python (validators
  run on the plaintext); an empty value is stored empty, so "has a number" stays a plain
  comparison with ``""`` (check constraints keep working). Only ``exact ""`` and ``isnull``
  lookups are allowed: anything else would compare ciphertext.
- ``BlindIndexField``: the keyed hash of an ``EncryptedTextField`` beside it, kept in step on
  every save, for equality lookups.
- ``EncryptedKeysJSONField``: JSON in which the values under the names of encrypted fields
  (wherever they are nested) are stored as tokens, so that a frozen snapshot of a record holds
  its ID numbers as securely as the record does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.utils.translation import gettext_lazy as _

from reviewportal import crypto


class EncryptedExact(Exact):
    """``= ""`` only: a token differs each time a value is encrypted, so equality with a
    number can only be asked of its keyed hash."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None) and not hasattr(self.rhs, "resolve_expression"):
            name = getattr(getattr(self.lhs, "target", None), "name", "the field")
            raise FieldError(
                f"{name} is stored encrypted and cannot be compared with a value; "
                f"look it up by {name}_hash=blind_index(value)."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    description = _("Text encrypted at rest")

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EncryptedExact
        if lookup_name == "isnull":
            return IsNull
        return None

    def get_transform(self, lookup_name):
        return None

    def _what(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model else self.name

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, what=self._what())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def formfield(self, **kwargs):
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class BlindIndexField(models.CharField):
    """HMAC-SHA256 of the plaintext of ``source``; empty when it is empty."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (
            ("max_length", 64),
            ("blank", True),
            ("default", ""),
            ("editable", False),
            ("db_index", True),
        ):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = crypto.blind_index(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


class BlindIndexedModelMixin:
    """Saving an encrypted field with ``update_fields`` saves its keyed hash too."""

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            wanted = set(update_fields)
            wanted |= {
                f.name
                for f in self._meta.concrete_fields
                if isinstance(f, BlindIndexField) and f.source in wanted
            }
            kwargs["update_fields"] = wanted
        super().save(*args, **kwargs)


@functools.cache
def sensitive_keys() -> frozenset[str]:
    """The names of every encrypted field of the installed models: the keys whose values a
    snapshot keeps encrypted, and which every display masks."""
    return frozenset(
        field.name
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    )


def convert_sensitive(value: Any, convert: Callable[[str], str], keys: frozenset[str]) -> Any:
    """A copy of ``value`` (JSON data) with ``convert`` applied to every non-empty string found
    under one of ``keys``, at any depth."""
    if isinstance(value, dict):
        return {
            key: convert(inner)
            if key in keys and isinstance(inner, str) and inner
            else convert_sensitive(inner, convert, keys)
            for key, inner in value.items()
        }
    if isinstance(value, list | tuple):
        return [convert_sensitive(inner, convert, keys) for inner in value]
    return value


class EncryptedKeysJSONField(models.JSONField):
    description = _("JSON with its ID numbers encrypted at rest")

    def _what(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model else self.name

    def get_prep_value(self, value):
        return super().get_prep_value(convert_sensitive(value, crypto.encrypt, sensitive_keys()))

    def from_db_value(self, value, expression, connection):
        data = super().from_db_value(value, expression, connection)

        def decrypt(token: str) -> str:
            return crypto.decrypt(token, what=self._what())

        return convert_sensitive(data, decrypt, sensitive_keys())


def encrypted_fields() -> dict[type[models.Model], list[models.Field]]:
    """Every model holding encrypted values, with its encrypted and keyed-hash fields."""
    found: dict[type[models.Model], list[models.Field]] = {}
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField | EncryptedKeysJSONField | BlindIndexField)
        ]
        if fields and not model._meta.proxy:
            found[model] = fields
    return found

"""What every changelist of the console does with the query string it is given: a filter value
it cannot use (``?account=²``, ``?year=abc``, ``?id__in=<a 30-digit number>``) sends the reviewer
back to the unfiltered list with Django's "?e=1" notice instead of a server error, and a search
is bounded so that a pasted page of text cannot build a query the database refuses or takes
long over.

The site applies ``ConsoleLookupsAdmin`` to every model admin it registers (ours and those of
the libraries we use). This module imports no model: the admin site imports it while the app
registry is still loading.
"""

from __future__ import annotations

import functools
import re
from itertools import islice

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.utils.text import smart_split
from django.utils.translation import gettext as _

#: Defaults of ``REVIEW_POLICY["SEARCH_MAX_TERMS"]`` and ``["SEARCH_MAX_LENGTH"]``.
SEARCH_MAX_TERMS = 10
SEARCH_MAX_LENGTH = 200

#: What a filter value the database cannot take raises: ``int("²")`` and the like while the
#: queryset is built (ValueError, TypeError, ValidationError), and SQLite's refusal of an integer
#: wider than 64 bits when the count runs (OverflowError: Python's, raised before any SQL is
#: sent, so no transaction is harmed).
BAD_LOOKUP_ERRORS = (ValueError, TypeError, ValidationError, OverflowError)


def search_limits() -> tuple[int, int]:
    """The most words, and characters, a console search uses."""
    policy = getattr(settings, "REVIEW_POLICY", {})
    return (
        int(policy.get("SEARCH_MAX_TERMS", SEARCH_MAX_TERMS)),
        int(policy.get("SEARCH_MAX_LENGTH", SEARCH_MAX_LENGTH)),
    )


def bounded_search(search_term: str) -> tuple[str, bool]:
    """``search_term`` cut to at most the policy's number of words (as the admin splits them:
    quoted phrases are one word) and characters; and whether it had to be cut."""
    max_terms, max_length = search_limits()
    text = search_term or ""
    prefix = text[: max_length + 1]
    if len(text) > len(prefix) and not text[len(prefix)].isspace():
        # The cut fell inside a word: leave that word out rather than search for part of it.
        prefix = re.sub(r"\S+$", "", prefix)
    words = list(islice(smart_split(prefix), max_terms + 1))
    kept: list[str] = []
    length = 0
    for word in words[:max_terms]:
        length += len(word) + (1 if kept else 0)
        if length > max_length:
            break
        kept.append(word)
    bounded = " ".join(kept)
    return bounded, bounded != " ".join(words) or len(text) > max_length


class LookupGuardChangeList:
    """A ChangeList mixin: a filter value that cannot be used is an incorrect lookup (the admin
    then redirects to the list with "?e=1"), wherever it fails: in a custom filter's
    ``lookups`` or ``queryset``, in Django's own filters, or when the page is counted."""

    def get_queryset(self, request, exclude_parameters=None):
        try:
            return super().get_queryset(request, exclude_parameters)
        except BAD_LOOKUP_ERRORS as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request):
        try:
            return super().get_results(request)
        except BAD_LOOKUP_ERRORS as exc:
            raise IncorrectLookupParameters(exc) from exc


@functools.cache
def guarded_changelist(changelist_class: type) -> type:
    """``changelist_class`` with ``LookupGuardChangeList`` in front (one class per original)."""
    if issubclass(changelist_class, LookupGuardChangeList):
        return changelist_class
    return type(
        f"Guarded{changelist_class.__name__}", (LookupGuardChangeList, changelist_class), {}
    )


class ConsoleLookupsAdmin:
    """A ModelAdmin mixin: bad filter values give "?e=1", and searches are bounded (the first
    words, with a message saying the rest were left out)."""

    def get_changelist(self, request, **kwargs):
        return guarded_changelist(super().get_changelist(request, **kwargs))

    def get_search_results(self, request, queryset, search_term):
        bounded, cut = bounded_search(search_term)
        if cut:
            max_terms, max_length = search_limits()
            messages.warning(
                request,
                _(
                    "The search was too long: only its first words were searched for "
                    "(at most %(terms)s words and %(length)s characters)."
                )
                % {"terms": max_terms, "length": max_length},
                fail_silently=True,
            )
        return super().get_search_results(request, queryset, bounded)


def with_console_lookups(admin_class: type) -> type:
    """``admin_class`` with ``ConsoleLookupsAdmin`` in front (unchanged if it has it)."""
    if issubclass(admin_class, ConsoleLookupsAdmin):
        return admin_class
    return type(admin_class.__name__, (ConsoleLookupsAdmin, admin_class), {})

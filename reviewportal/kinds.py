"""The kinds of reviewable item, each registered once by the app that defines it.

The kernel, the console and the portal know no kind by name: what they need of one — the
reason codes that apply to it, its automatic findings, its portal pages, the qualification it
stands on and the documents a reviewer looks at — is what its app registers here from its
``AppConfig.ready()`` (``kind_register``). Adding a kind is its app and this one call
(docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

FindingsProvider = Callable[..., list[dict]]


def _none(item) -> None:
    return None


def _nothing(item) -> tuple:
    return ()


@dataclass(frozen=True)
class RereviewSource:
    """How bulk re-review reads a kind's approved items in batches."""

    #: The ``RereviewRun.kind`` of its runs (a choice of ``rereview_run_choices``).
    run_kind: str
    #: How the console and the command name such runs ("Signatures").
    run_label: object
    #: The pre-check rule kind its items are checked with.
    rule_kind: str
    #: The values a batch row reads (``values_list``): primary key, public id and account id
    #: first.
    fields: tuple[str, ...]
    #: ``inputs(on=, codes=)``: an object with ``read_ahead(values, after=)`` and
    #: ``__call__(values, after=, **read_ahead)`` that builds the rules' input of each row.
    inputs: Callable[..., object]
    #: How a report names the item of a row.
    label: Callable[[tuple], str]


@dataclass(frozen=True)
class ReviewKind:
    """What the kernel and the user interfaces need of one reviewable model."""

    #: The model (a subclass of ``ReviewableModel``).
    model: type
    #: The ``ReasonCode.applies_to`` value of the rejection reasons that apply to it (a choice
    #: of ``reason_scope_choices``), and how the reason catalogue names it ("Signatures").
    reason_scope: str
    reason_label: object
    #: ``findings(item, on=date)``: its automatic pre-check findings as JSON-able dicts.
    findings: FindingsProvider | None = None
    #: URL names of an item's portal page (taking ``public_id``) and of the list of them.
    portal_detail: str = ""
    portal_listing: str = ""
    #: The qualification (the company's real-name record) an item stands on, if any.
    qualification: Callable[[object], object | None] = _none
    #: Documents of other records a reviewer of the item looks at (beyond its own and its
    #: qualification's): e.g. a signature's authorization letter and trademark certificate.
    related_materials: Callable[[object], Iterable] = _nothing
    #: How bulk re-review reads its approved items (kinds it re-reviews only).
    rereview: RereviewSource | None = None
    #: The name customers' webhook events give it (``signature`` in ``signature.approved``);
    #: empty for a kind that sends no events.
    event_name: str = ""
    #: Whether its approved revisions are filed with every active carrier (SPEC §5): the
    #: carriers app then keeps a filing per carrier and revision, the pages show them.
    filed_with_carriers: bool = False


_KINDS: dict[type, ReviewKind] = {}

#: The ``ReasonCode.applies_to`` of a reason that applies to every kind.
ANY_SCOPE = "any"


def kind_register(kind: ReviewKind) -> None:
    _KINDS[kind.model] = kind


def kind_of(item_or_model) -> ReviewKind | None:
    """The registered kind of an item or a model (or of the nearest registered base class)."""
    model = item_or_model if isinstance(item_or_model, type) else type(item_or_model)
    for klass in model.__mro__:
        if klass in _KINDS:
            return _KINDS[klass]
    return None


def kinds() -> list[ReviewKind]:
    return list(_KINDS.values())


def filed_kinds() -> list[ReviewKind]:
    """The kinds filed with the carriers."""
    return [kind for kind in _KINDS.values() if kind.filed_with_carriers]


def rereview_source(run_kind: str) -> tuple[type, RereviewSource]:
    """The model and the batch reader of the kind whose re-review runs are ``run_kind``."""
    for kind in _KINDS.values():
        if kind.rereview is not None and kind.rereview.run_kind == run_kind:
            return kind.model, kind.rereview
    raise LookupError(f"no kind is re-reviewed as {run_kind!r}")


def findings_of(item, *, on: dt.date) -> list[dict]:
    kind = kind_of(item)
    if kind is None or kind.findings is None:
        return []
    return kind.findings(item, on=on)


def reason_scope_choices() -> list[tuple[str, object]]:
    """The choices of ``ReasonCode.applies_to``: every kind, then each registered kind's."""
    scopes = {ANY_SCOPE: _("Any application")}
    for kind in _KINDS.values():
        scopes.setdefault(kind.reason_scope, kind.reason_label)
    return list(scopes.items())


def rereview_run_choices() -> list[tuple[str, object]]:
    """The choices of ``RereviewRun.kind``: the runs of each kind that bulk re-review covers."""
    return [(k.rereview.run_kind, k.rereview.run_label) for k in _KINDS.values() if k.rereview]

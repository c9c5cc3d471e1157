""" "What changed since the last revision": two frozen snapshots compared field by field.

ID numbers are compared in full but shown only with the one mask (``mask_id_number``); a change
of one is marked ``masked``, because two different numbers may mask alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewportal.fields import sensitive_keys
from reviewportal.validators import mask_id_number


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any
    #: An ID number: ``before`` and ``after`` are masked, and may read alike.
    masked: bool = False


#: Snapshot keys that are bookkeeping, not data a reviewer compares (a change names the
#: qualification it changes; its revisions all do).
_NOT_COMPARED = frozenset({"change_of"})


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            if key in _NOT_COMPARED:
                continue
            if key == "materials":
                # Materials are compared on their own (``materials_diff``), by kind and checksum.
                continue
            flat.update(_flatten(inner, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


@dataclass(frozen=True)
class MaterialChange:
    """One material kind whose file differs: ``added`` (none before), ``removed`` (none now)
    or ``replaced`` (another file); names are the customer's file names."""

    kind: str
    change: str
    before: str = ""
    after: str = ""


def _by_kind(snapshot: dict | None) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for material in (snapshot or {}).get("materials") or []:
        found.setdefault(material.get("kind", ""), []).append(material)
    return found


def materials_diff(before: dict | None, after: dict) -> list[MaterialChange]:
    """The material kinds whose files differ between two snapshots, in kind order; empty when
    ``before`` is None."""
    if before is None:
        return []
    old, new = _by_kind(before), _by_kind(after)
    changes = []
    for kind in sorted(old.keys() | new.keys()):
        was = sorted(str(m.get("sha256", "")) for m in old.get(kind, []))
        now = sorted(str(m.get("sha256", "")) for m in new.get(kind, []))
        if was == now:
            continue
        names_before = ", ".join(str(m.get("name", "")) for m in old.get(kind, []))
        names_after = ", ".join(str(m.get("name", "")) for m in new.get(kind, []))
        change = "added" if not was else "removed" if not now else "replaced"
        changes.append(MaterialChange(kind, change, names_before, names_after))
    return changes


def _change(key: str, before: Any, after: Any) -> Change:
    if key.rsplit(".", 1)[-1] in sensitive_keys():
        return Change(
            field=key,
            before=mask_id_number(before or ""),
            after=mask_id_number(after or ""),
            masked=True,
        )
    return Change(field=key, before=before, after=after)


def snapshot_diff(before: dict | None, after: dict) -> list[Change]:
    """The fields whose value differs between two snapshots (nested fields as ``a.b``); empty
    when ``before`` is None (a first submission has nothing to compare with)."""
    if before is None:
        return []
    old, new = _flatten(before), _flatten(after)
    return [
        _change(key, old.get(key), new.get(key))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]

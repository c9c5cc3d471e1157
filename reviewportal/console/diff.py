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


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "materials":
                # Materials compare by what they are (kind and checksum), not by row id.
                flat[f"{prefix}{key}"] = sorted(
                    f"{m.get('kind')} · {m.get('name')} · {str(m.get('sha256', ''))[:12]}"
                    for m in inner or []
                )
            else:
                flat.update(_flatten(inner, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


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

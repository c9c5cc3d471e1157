"""What the review kernel announces, for the apps to act on without the kernel knowing them.

``revisions_created`` is sent inside the transaction that wrote the revisions (one submission,
resubmission or re-review flag, or a batch of them), with ``revisions``: the new Revision rows.
A receiver writes what goes with them in that same transaction (the signatures app marks the
materials their snapshots name, so that the upload clean-up never deletes a document the
history shows)."""

from __future__ import annotations

from django.dispatch import Signal

revisions_created = Signal()

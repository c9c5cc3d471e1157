"""What the review kernel announces, for the apps to act on without the kernel knowing them.

``revisions_created`` is sent inside the transaction that wrote the revisions (one submission,
resubmission or re-review flag, or a batch of them), with ``revisions``: the new Revision rows.
A receiver writes what goes with them in that same transaction (the signatures app marks the
materials their snapshots name, so that the upload clean-up never deletes a document the
history shows).

``item_approved`` is sent by ``review_approve`` inside its transaction, once the item is approved
and saved (the final approval, not a first one of four eyes), with ``item``, ``revision`` (the
approved one) and ``user``; ``sender`` is the item's model. A receiver writes what an approval
means for its app in that same transaction (the carriers app creates the filings of a signature
or template; the signatures app applies an approved qualification change); an error it raises
refuses the approval and rolls it back. Talking to the outside waits for the commit."""

from __future__ import annotations

from django.dispatch import Signal

revisions_created = Signal()
item_approved = Signal()

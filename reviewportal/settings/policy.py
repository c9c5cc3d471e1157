"""Policy: the numbers that are our own choices live here, in one place."""

from __future__ import annotations

from reviewportal.settings.environment import env

REVIEW_POLICY = {
    # How long a claim may sit idle before the item returns to the queue (minutes).
    "CLAIM_IDLE_MINUTES": env.int("REVIEW_CLAIM_IDLE_MINUTES", default=60),
    # Maximum length of customer-facing comments and internal notes.
    "COMMENT_MAX_LENGTH": 2000,
    # Reviewers' opening hours on working days, local time of BUSINESS_TIMEZONE (seed 000 §2.2).
    "BUSINESS_HOURS": ("09:00", "18:00"),
    "BUSINESS_TIMEZONE": "Asia/Shanghai",
    # Urgent tickets an account may have open or accepted per calendar month (declined ones do
    # not count: they cost no reviewer time).
    "URGENT_TICKETS_PER_MONTH": env.int("REVIEW_URGENT_TICKETS_PER_MONTH", default=5),
}

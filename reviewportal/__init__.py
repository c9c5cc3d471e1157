# The Celery app is loaded with Django so that ``delay_on_commit`` uses the configured broker.
from reviewportal.celery import app as celery_app

__all__ = ["celery_app"]

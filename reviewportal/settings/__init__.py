"""Settings for Review Portal, one module per topic.

Everything comes from the environment (django-environ) with embedded defaults, so that a fresh
checkout runs as a local demo on SQLite, a server-less Celery broker and private local file
storage, and the same code uses PostgreSQL, Redis and S3-compatible storage when DATABASE_URL,
REDIS_URL and the S3 variables are set. ``DJANGO_ENV=production`` makes every secret and deployment
fact required (see ``environment``); README "Running in production" lists the variables.
"""

from reviewportal.settings.api import *
from reviewportal.settings.carriers import *
from reviewportal.settings.core import *
from reviewportal.settings.email import *
from reviewportal.settings.environment import (
    BASE_DIR,
    MODE,
    PRODUCTION,
    VAR_DIR,
    refuse_unsafe_production,
)
from reviewportal.settings.pii import *
from reviewportal.settings.policy import *
from reviewportal.settings.security import *
from reviewportal.settings.storage import *
from reviewportal.settings.tasks import *
from reviewportal.settings.webhooks import *

__all__ = ["BASE_DIR", "MODE", "PRODUCTION", "VAR_DIR"]

refuse_unsafe_production()

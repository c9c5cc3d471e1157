import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewportal.settings")
application = get_wsgi_application()

# The task modules are imported now, in the worker's one thread, not by its request threads
# when they send their first tasks.
from reviewportal.services.dispatch import task_modules_import  # noqa: E402

task_modules_import()

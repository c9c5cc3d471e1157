"""Handing work to the Celery workers by a task's registered name.

Tasks are the top of the house: each takes ids and calls one service. A service that imported
its task's module to send it would make the task module and the service import each other, so
services send tasks by name through here; the names are constants next to the services that
send them, and the task modules register their tasks under those names (``name=``), which also
keeps the names stable when a task module moves (queued messages and the beat schedule refer to
them)."""

from __future__ import annotations

import threading

from reviewportal.celery import app

# Celery's autodiscovery returns at once, having imported nothing, to a thread that calls it
# while another thread is running it: the threads of a process discover one at a time.
_discovering = threading.Lock()


def task_modules_import() -> None:
    """Import every app's task module (Celery's autodiscovery), as a worker does at start; a web
    process does it before serving (reviewportal/wsgi.py)."""
    with _discovering:
        app.loader.import_default_modules()


def task_named(name: str):
    """The task registered as ``name`` (KeyError for a name no task module registers)."""
    task = app.tasks.get(name)
    if task is None:
        # Outside a worker (a command, a web process started otherwise) the apps' task
        # modules are imported when first needed.
        task_modules_import()
        task = app.tasks[name]
    return task

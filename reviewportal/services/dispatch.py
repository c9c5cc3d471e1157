"""Handing work to the Celery workers by a task's registered name.

Tasks are the top of the house: each takes ids and calls one service. A service that imported
its task's module to send it would make the task module and the service import each other, so
services send tasks by name through here; the names are constants next to the services that
send them, and the task modules register their tasks under those names (``name=``), which also
keeps the names stable when a task module moves (queued messages and the beat schedule refer to
them)."""

from __future__ import annotations

from reviewportal.celery import app


def task_named(name: str):
    """The task registered as ``name`` (KeyError for a name no task module registers)."""
    task = app.tasks.get(name)
    if task is None:
        # Outside a worker (a web process, a command) the apps' task modules are imported
        # when first needed: Celery's autodiscovery runs on the loader's default imports.
        app.loader.import_default_modules()
        task = app.tasks[name]
    return task

"""Every request runs within ``orphan_files_removed``: the files of uploads whose transaction
was rolled back (a form whose service refused after storing them) are deleted before the
answer goes out."""

from __future__ import annotations

from signatures.services import orphan_files_removed


class OrphanFilesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with orphan_files_removed():
            return self.get_response(request)

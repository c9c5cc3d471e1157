"""Tests of the pre-check engine and rules (SPEC §4). They need no database.

Under pytest-django the project's settings are used. When the tests run without it
(``pytest -p no:django tests/precheck``), Django is configured here with just what the rules
need: i18n and the two catalogues of rule messages.
"""

import os
from pathlib import Path

import django
from django.conf import settings

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    _ROOT = Path(__file__).resolve().parents[2]
    settings.configure(
        USE_I18N=True,
        LANGUAGE_CODE="zh-hans",
        LANGUAGES=[("zh-hans", "Simplified Chinese"), ("en", "English")],
        LOCALE_PATHS=[_ROOT / "signatures" / "locale", _ROOT / "templates" / "locale"],
        INSTALLED_APPS=[],
    )
    django.setup()

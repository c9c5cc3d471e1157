"""Safe by default: the demo uses no published secret, production refuses unsafe settings.

The settings are read afresh (as a new process would) by importing the settings package again
with a changed environment; one real ``manage.py`` run checks what an operator sees."""

from __future__ import annotations

import importlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from reviewportal.models import User

ROOT = Path(__file__).resolve().parents[2]

#: The production environment README documents ("Running in production"), with example values.
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-key-0123456789",
    "SITE_URL": "https://review.example.com",
    "DJANGO_ALLOWED_HOSTS": "review.example.com",
    "CARRIER_CALLBACK_SECRET_CMCC": "cmcc-callback-secret-0123456789abcdef",
    "CARRIER_CALLBACK_SECRET_CUCC": "cucc-callback-secret-0123456789abcdef",
    "CARRIER_CALLBACK_SECRET_CTCC": "ctcc-callback-secret-0123456789abcdef",
    "CARRIER_USAGE_TOKEN": "usage-token-0123456789abcdef0123456789",
    "EMAIL_URL": "smtp+tls://mailer:password@smtp.example.com:587",
    "FIELD_ENCRYPTION_KEYS": "Z3JlYXQtMzItYnl0ZS1rZXktZm9yLXRlc3RzLW9ubHk=",
    "FIELD_HASH_KEY": "lookup-hash-key-0123456789abcdef0123456789",
    "DATABASE_URL": "postgres://review:password@db.example.com:5432/review",
    "REDIS_URL": "redis://redis.example.com:6379/0",
    "S3_BUCKET_NAME": "review-materials",
}

#: Values that were once published as defaults: none may work in production.
PUBLISHED = {
    "DJANGO_SECRET_KEY": "insecure-local-demo-key-change-me-in-production",
    "CARRIER_CALLBACK_SECRET_CMCC": "demo-callback-cmcc",
    "CARRIER_CALLBACK_SECRET_CUCC": "demo-callback-cucc",
    "CARRIER_CALLBACK_SECRET_CTCC": "demo-callback-ctcc",
    "CARRIER_USAGE_TOKEN": "demo-usage-token",
}


def _clean_environ(monkeypatch, values: dict[str, str], var_dir: Path) -> None:
    for name in list(os.environ):
        if name.startswith(
            ("DJANGO_", "CARRIER_", "FIELD_", "EMAIL_", "SITE_URL", "DATABASE", "REDIS_", "S3_")
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("REVIEWPORTAL_VAR_DIR", str(var_dir))
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def load_settings(monkeypatch, tmp_path, **values):
    """The settings module a new process would get with exactly ``values`` set."""
    _clean_environ(monkeypatch, values, tmp_path / "var")
    saved = {n: m for n, m in sys.modules.items() if n.startswith("reviewportal.settings")}
    for name in saved:
        del sys.modules[name]
    try:
        return importlib.import_module("reviewportal.settings")
    finally:
        for name in [n for n in sys.modules if n.startswith("reviewportal.settings")]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_demo_runs_without_configuration_and_with_debug_off(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path)
    assert loaded.DEBUG is False
    assert loaded.PRODUCTION is False
    assert "*" not in loaded.ALLOWED_HOSTS


def test_demo_secrets_are_generated_per_installation_owner_only(monkeypatch, tmp_path):
    first = load_settings(monkeypatch, tmp_path / "one")
    again = load_settings(monkeypatch, tmp_path / "one")
    other = load_settings(monkeypatch, tmp_path / "two")
    secrets_file = tmp_path / "one" / "var" / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = json.loads(secrets_file.read_text())
    assert first.SECRET_KEY == again.SECRET_KEY == stored["DJANGO_SECRET_KEY"]
    assert first.SECRET_KEY != other.SECRET_KEY
    for code in ("cmcc", "cucc", "ctcc"):
        mine = first.CARRIER_POLICY["CALLBACK_SECRETS"][code]
        assert mine and mine != f"demo-callback-{code}"
        assert mine != other.CARRIER_POLICY["CALLBACK_SECRETS"][code]
    assert first.CARRIER_POLICY["USAGE_TOKEN"] not in {"", "demo-usage-token"}
    assert first.FIELD_ENCRYPTION_KEYS != other.FIELD_ENCRYPTION_KEYS


def test_demo_database_file_is_owner_only(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path)
    db = Path(loaded.DATABASES["default"]["NAME"])
    assert db.parent == tmp_path / "var"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_production_with_the_documented_environment_loads(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path, **PRODUCTION_ENV)
    assert loaded.DEBUG is False
    assert loaded.SECURE_SSL_REDIRECT and loaded.SESSION_COOKIE_SECURE and loaded.CSRF_COOKIE_SECURE
    assert loaded.SECURE_HSTS_SECONDS >= 31_536_000
    assert loaded.ALLOWED_HOSTS == ["review.example.com"]
    assert loaded.CSRF_TRUSTED_ORIGINS == ["https://review.example.com"]
    assert loaded.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded.EMAIL_HOST == "smtp.example.com"
    assert "CompressedManifest" in loaded.STORAGES["staticfiles"]["BACKEND"]


@pytest.mark.parametrize("variable", sorted(set(PRODUCTION_ENV) - {"DJANGO_ENV"}))
def test_production_refuses_to_start_without(variable, monkeypatch, tmp_path):
    values = {k: v for k, v in PRODUCTION_ENV.items() if k != variable}
    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings(monkeypatch, tmp_path, **values)
    assert variable in str(refused.value) or (
        variable == "EMAIL_URL" and "EMAIL_BACKEND" in str(refused.value)
    )


@pytest.mark.parametrize("variable", sorted(PUBLISHED))
def test_production_refuses_a_published_demo_secret(variable, monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match=f"{variable} is a demo value"):
        load_settings(monkeypatch, tmp_path, **{**PRODUCTION_ENV, variable: PUBLISHED[variable]})


def test_production_refuses_the_installations_generated_demo_secret(monkeypatch, tmp_path):
    demo = load_settings(monkeypatch, tmp_path)
    values = {**PRODUCTION_ENV, "CARRIER_USAGE_TOKEN": demo.CARRIER_POLICY["USAGE_TOKEN"]}
    with pytest.raises(ImproperlyConfigured, match="CARRIER_USAGE_TOKEN is a demo value"):
        load_settings(monkeypatch, tmp_path, **values)


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("EMAIL_URL", "consolemail://", "delivers no e-mail"),
        ("DJANGO_ALLOWED_HOSTS", "*", "must not contain '*'"),
        ("DJANGO_DEBUG", "1", "must be off"),
        ("SITE_URL", "http://review.example.com", "https://"),
        ("FIELD_ENCRYPTION_KEYS", "not-a-key", "not url-safe base64"),
        ("FIELD_ENCRYPTION_KEYS", "c2hvcnQ=", "not 32 url-safe base64 bytes"),
        ("DJANGO_SECRET_KEY", "short", "shorter than 50"),
        ("DATABASE_URL", "sqlite:////srv/review/db.sqlite3", "is not PostgreSQL"),
    ],
)
def test_production_refuses_unsafe_values(variable, value, problem, monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match=problem):
        load_settings(monkeypatch, tmp_path, **{**PRODUCTION_ENV, variable: value})


def test_production_shares_its_state_and_keeps_checked_connections(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path, **PRODUCTION_ENV)
    database = loaded.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)
    assert loaded.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert PRODUCTION_ENV["REDIS_URL"] == loaded.CELERY_BROKER_URL
    assert loaded.STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert loaded.STORAGES["default"]["OPTIONS"]["default_acl"] == "private"
    assert loaded.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_the_demo_opens_one_connection_per_request(monkeypatch, tmp_path):
    assert load_settings(monkeypatch, tmp_path).DATABASES["default"]["CONN_MAX_AGE"] == 0


def test_proxy_ssl_header_and_hsts_come_from_the_environment(monkeypatch, tmp_path):
    loaded = load_settings(
        monkeypatch,
        tmp_path,
        **PRODUCTION_ENV,
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto=https",
        DJANGO_SECURE_HSTS_SECONDS="600",
        DJANGO_SECURE_SSL_REDIRECT="0",
    )
    assert loaded.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert loaded.SECURE_HSTS_SECONDS == 600
    assert loaded.SECURE_SSL_REDIRECT is False


def _manage(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CARRIER_", "DATABASE_", "REDIS_", "S3_"))
    }
    base.update(env, REVIEWPORTAL_VAR_DIR=str(tmp_path / "var"))
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    done = _manage(["check", "--deploy"], PRODUCTION_ENV, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "System check identified no issues (0 silenced).\n"
    assert done.stderr == ""


def test_manage_names_the_variable_and_exits_2_without_a_traceback(tmp_path):
    env = {**PRODUCTION_ENV, "CARRIER_CALLBACK_SECRET_CUCC": "demo-callback-cucc"}
    done = _manage(["check"], env, tmp_path)
    assert done.returncode == 2
    assert "CARRIER_CALLBACK_SECRET_CUCC is a demo value" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.django_db
def test_seed_demo_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused in production") as refused:
        call_command("seed_demo", "--quiet-logins")
    assert refused.value.returncode == 2
    assert not User.objects.filter(username="reviewer").exists()

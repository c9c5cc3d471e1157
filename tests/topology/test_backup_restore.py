"""The backup of docs/deploy/ works: a ``pg_dump`` of the database restored into a fresh database
gives back the items, a material that opens (its file from the storage, its view logged) and the
ID numbers decrypted with the installation's key — and without that key they stay unreadable."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from tests.carriers.workers import database_url
from tests.factories import CustomerFactory, QualificationFactory, StaffFactory, make_material
from tests.topology.processes import ROOT

pytestmark = pytest.mark.services

#: Run in a process of its own on the restored database: open the material as a reviewer and
#: read the qualification's ID number.
OPEN_AFTER_RESTORE = r"""
import hashlib, json, sys
import django
django.setup()
from reviewportal.models import AccessLog, User
from signatures.models import Material, Qualification
from signatures.services import material_open
args = json.loads(sys.argv[1])
material = Material.objects.get(pk=args["material"])
with material_open(material=material, user=User.objects.get(pk=args["reviewer"])) as handle:
    digest = hashlib.sha256(handle.read()).hexdigest()
print(json.dumps({
    "sha256": digest,
    "id_number": Qualification.objects.get(pk=args["qualification"]).legal_rep_id_number,
    "views": AccessLog.objects.filter(action="view_material", object_id=material.pk).count(),
}))
"""


def _pg(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is needed to test backups (Debian: postgresql-client)")
    return path


def _libpq_env(settings_dict: dict) -> dict[str, str]:
    s = settings_dict
    values = {
        "PGHOST": s["HOST"] or "localhost",
        "PGPORT": str(s["PORT"] or 5432),
        "PGUSER": s["USER"] or "",
        "PGPASSWORD": s["PASSWORD"] or "",
    }
    return {**os.environ, **{k: v for k, v in values.items() if v}}


def _open_after_restore(settings, url: str, args: dict, **extra) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
        "PRIVATE_MEDIA_ROOT": settings.STORAGES["default"]["OPTIONS"]["location"],
        "DJANGO_SETTINGS_MODULE": "reviewportal.settings",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-c", OPEN_AFTER_RESTORE, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restored_dump_opens_its_material(settings, tmp_path):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    customer = CustomerFactory()
    reviewer = StaffFactory(role="Reviewer")
    qualification = QualificationFactory(account=customer.account)
    material = make_material(customer.account, "business_license", user=customer)
    qualification.materials.add(material)
    with material.file.open("rb") as handle:
        original = hashlib.sha256(handle.read()).hexdigest()

    source = connection.settings_dict
    env = _libpq_env(source)
    dump = tmp_path / "review.dump"
    subprocess.run(
        [_pg("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", source["NAME"]],
        env=env,
        check=True,
        timeout=300,
    )
    restored = f"restore_{uuid.uuid4().hex[:12]}"
    subprocess.run([_pg("createdb"), restored], env=env, check=True, timeout=60)
    try:
        subprocess.run(
            [_pg("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump)],
            env=env,
            check=True,
            timeout=300,
        )
        url = database_url({**source, "NAME": restored})
        args = {"material": material.pk, "reviewer": reviewer.pk, "qualification": qualification.pk}

        done = _open_after_restore(settings, url, args)
        assert done.returncode == 0, done.stderr[-3000:]
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        assert answer == {
            "sha256": original,
            "id_number": qualification.legal_rep_id_number,
            "views": 1,
        }

        # The dump alone is not enough: without the encryption key the ID numbers stay sealed.
        other_key = "b3RoZXIta2V5LW9mLTMyLWJ5dGVzLWZvci10ZXN0cyE="
        sealed = _open_after_restore(settings, url, args, FIELD_ENCRYPTION_KEYS=other_key)
        assert sealed.returncode != 0 or qualification.legal_rep_id_number not in sealed.stdout
    finally:
        subprocess.run(
            [_pg("dropdb"), "--if-exists", "--force", restored], env=env, check=False, timeout=60
        )

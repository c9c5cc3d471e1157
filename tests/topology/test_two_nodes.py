"""Two web nodes, two workers and one beat, as production runs them (``scripts/serve``), against
PostgreSQL, Redis and a private S3-compatible bucket (moto's server, started here): a customer
uploads and submits through node A, a reviewer claims, opens the material (streamed from the
bucket by the access-checked view, and logged) and approves through node B, the workers file the
approval with the stub carriers, and no node writes a file of its own."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import boto3
import httpx
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from carriers.models import CarrierFiling
from reviewportal.celery import app
from reviewportal.models import AccessLog
from signatures.models import Material, SignatureApplication
from tests.carriers.workers import database_url, delete_queues, run_queues
from tests.factories import PASSWORD, CustomerFactory, QualificationFactory, StaffFactory, png_bytes
from tests.states import walk_to
from tests.topology.processes import form_value, free_port, serve, start, stop, wait_http

pytestmark = [pytest.mark.services, pytest.mark.real_broker]

BUCKET = "review-materials"
S3_KEYS = {"S3_ACCESS_KEY_ID": "topology-test", "S3_SECRET_ACCESS_KEY": "topology-secret"}
FINAL = ("registered", "rejected")
FILING_DEADLINE_SECONDS = 120


def _login(client: httpx.Client, path: str, username: str) -> None:
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    done = client.post(
        path,
        data={
            "csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken"),
            "username": username,
            "password": PASSWORD,
        },
        headers={"Referer": str(page.url)},
    )
    assert done.status_code == 302, done.text[:2000]


def _node_env(settings, *, name: str, tmp: Path, queue: str, s3: str) -> dict[str, str]:
    """What every process of the installation shares (database, Redis, bucket, secrets), and
    the folders of its own that must stay empty of uploads."""
    policy = settings.CARRIER_POLICY
    queues = run_queues(queue)
    return {
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
        "CARRIER_USAGE_TOKEN": policy["USAGE_TOKEN"],
        **{
            f"CARRIER_CALLBACK_SECRET_{code.upper()}": value
            for code, value in policy["CALLBACK_SECRETS"].items()
        },
        "REVIEWPORTAL_VAR_DIR": str(tmp / name / "var"),
        "PRIVATE_MEDIA_ROOT": str(tmp / name / "media"),
        "S3_BUCKET_NAME": BUCKET,
        "S3_ENDPOINT_URL": s3,
        "S3_REGION": "us-east-1",
        **S3_KEYS,
        "CELERY_DEFAULT_QUEUE": queues["default"],
        "CARRIER_SUBMIT_QUEUE": queues["submit"],
        "CARRIER_CHECK_QUEUE": queues["check"],
        "CARRIER_STUB_TIME_SCALE": "1000000",  # a carrier's working day is a tenth of a second
        "CARRIER_FIRST_CHECK_SECONDS": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def s3_server(tmp_path):
    port = free_port()
    log = tmp_path / "s3.log"
    server = start(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env={}, log=log
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_http(endpoint, process=server, log=log, timeout=60)
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"],
        )
        s3.create_bucket(Bucket=BUCKET)
        s3.put_public_access_block(
            Bucket=BUCKET,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        yield endpoint, s3
    finally:
        stop(server)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_nodes_share_sessions_uploads_and_claims(settings, tmp_path, s3_server):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    endpoint, s3 = s3_server
    # The nodes check passwords with the real hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    customer = CustomerFactory()
    reviewer = StaffFactory(role="Reviewer")
    qualification = walk_to(
        QualificationFactory(account=customer.account),
        "approved",
        customer=customer,
        reviewer=StaffFactory(role="Reviewer"),
        senior=None,
    )

    queue = f"topology-{uuid.uuid4().hex[:12]}"
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.update(task_always_eager=False, task_default_queue=queue)
    ports = {"a": free_port(), "b": free_port()}
    processes, logs = [], {}
    try:
        for node, port in ports.items():
            env = _node_env(settings, name=f"web-{node}", tmp=tmp_path, queue=queue, s3=endpoint)
            env.update(WEB_BIND=f"127.0.0.1:{port}", WEB_WORKERS="2", WEB_THREADS="2")
            logs[node] = tmp_path / f"web-{node}.log"
            processes.append(serve("web", env=env, log=logs[node]))
        queues = ",".join(run_queues(queue).values())
        for name in ("worker-a", "worker-b"):
            env = _node_env(settings, name=name, tmp=tmp_path, queue=queue, s3=endpoint)
            env.update(WORKER_QUEUES=queues, WORKER_CONCURRENCY="2")
            processes.append(
                serve(
                    "worker",
                    f"--hostname={queue}-{name}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    env=env,
                    log=tmp_path / f"{name}.log",
                )
            )
        env = _node_env(settings, name="beat", tmp=tmp_path, queue=queue, s3=endpoint)
        env["BEAT_SCHEDULE_FILE"] = str(tmp_path / "beat" / "schedule")
        processes.append(serve("beat", env=env, log=tmp_path / "beat.log"))
        for index, (node, port) in enumerate(ports.items()):
            wait_http(f"http://127.0.0.1:{port}/health/", process=processes[index], log=logs[node])
        node_a = httpx.Client(base_url=f"http://127.0.0.1:{ports['a']}", timeout=30)
        node_b = httpx.Client(base_url=f"http://127.0.0.1:{ports['b']}", timeout=30)

        # The customer logs in on A; the session is the database's, so B knows them too.
        _login(node_a, "/portal/login/", customer.username)
        node_b.cookies = node_a.cookies
        assert node_b.get("/portal/").status_code == 200
        node_b.cookies = httpx.Cookies()

        # Upload and submit through A.
        form = node_a.get("/portal/signatures/new/")
        assert form.status_code == 200
        picture = png_bytes((120, 80), "white")
        sent = node_a.post(
            "/portal/signatures/new/",
            data={
                "csrfmiddlewaretoken": form_value(form.text, "csrfmiddlewaretoken"),
                "form_token": form_value(form.text, "form_token"),
                "qualification": qualification.public_id,
                "sig_type": "company",
                "purpose": "self",
                "content": "和讯华谷",
                "use_case": "登录验证码",
            },
            files={"other": ("screenshot.png", picture, "image/png")},
        )
        assert sent.status_code == 302, sent.text[:3000]
        item = SignatureApplication.objects.get(account=customer.account)
        assert item.state == "pending_review"
        (material,) = item.materials.all()
        key = f"materials/{material.file.name}"
        # Stored as the upload pipeline keeps it (metadata stripped), in the bucket only.
        stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert stored.startswith(b"\x89PNG") and len(stored) > 0
        grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
        assert "URI" not in grants[0]["Grantee"]  # the owner's, no group's (AllUsers)

        # A reviewer claims, opens the material and approves through B.
        _login(node_b, "/admin/login/?next=/admin/", reviewer.username)
        csrf = {"X-CSRFToken": node_b.cookies["csrftoken"]}
        base = "/admin/signatures/signatureapplication"
        claimed = node_b.post(f"{base}/claim-next/", headers=csrf)
        assert claimed.status_code == 302 and f"/{item.pk}/" in claimed.headers["Location"]
        item.refresh_from_db()
        assert item.claimed_by_id == reviewer.pk
        page = node_b.get(claimed.headers["Location"])
        assert page.status_code == 200
        assert f"{base}/{item.pk}/material/{material.pk}/" in page.text
        opened = node_b.get(f"{base}/{item.pk}/material/{material.pk}/")
        assert opened.status_code == 200 and opened.content == stored
        assert AccessLog.objects.filter(
            user=reviewer,
            action=AccessLog.Action.VIEW_MATERIAL,
            content_type=ContentType.objects.get_for_model(Material),
            object_id=material.pk,
        ).exists()
        # B's session is known on A too.
        staff_on_a = httpx.Client(base_url=node_a.base_url, cookies=node_b.cookies, timeout=30)
        assert staff_on_a.get(f"{base}/{item.pk}/change/").status_code == 200
        approved = node_b.post(f"{base}/{item.pk}/act/approve/", data={"comment": ""}, headers=csrf)
        assert approved.status_code == 302, approved.text[:2000]
        item.refresh_from_db()
        assert item.state == "approved"

        # The workers file it with the three stub carriers; each filing ends final.
        filings = CarrierFiling.objects.of(item)
        deadline = time.monotonic() + FILING_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if filings.count() == 3 and not filings.exclude(state__in=FINAL).exists():
                break
            time.sleep(0.5)
        states = sorted(filings.values_list("carrier__code", "state"))
        assert len(states) == 3 and all(state in FINAL for _code, state in states), (
            states,
            (tmp_path / "worker-a.log").read_text()[-3000:],
        )
    finally:
        for process in processes:
            stop(process)
        app.conf.update(saved)
        delete_queues(app, queue)

    # No process kept an upload of its own: every material is in the bucket.
    for name in ("web-a", "web-b", "worker-a", "worker-b", "beat"):
        media = tmp_path / name / "media"
        assert not media.exists() or not any(media.rglob("*")), (name, list(media.rglob("*")))
    assert Material.objects.filter(pk=material.pk).exists()
    for name in ("web-a", "web-b"):
        log = (tmp_path / f"{name}.log").read_text()
        assert "Traceback" not in log, log[-3000:]

"""``manage.py precheck`` as SPEC §4 specifies it: arguments, JSON shape, exit status 0/1/2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reviewportal.services import lifecycle as lc
from tests.factories import SignatureApplicationFactory

ROOT = Path(__file__).resolve().parents[2]
LICENCE = "business_license,legal_rep_id_front,legal_rep_id_back"
ENTITY = "深圳市和讯华谷信息技术有限公司"


def _run(*args, capsys):
    code = 0
    try:
        call_command("precheck", *args)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().out


@pytest.mark.django_db
def test_precheck_signature_passes_with_json_shape(capsys):
    code, out = _run(
        "signature",
        "--content",
        "和讯华谷",
        "--type",
        "company",
        "--entity-name",
        ENTITY,
        "--materials",
        LICENCE,
        "--json",
        capsys=capsys,
    )
    assert code == 0
    assert json.loads(out) == {"passed": True, "findings": []}


@pytest.mark.django_db
def test_precheck_signature_blocked_exits_1_with_findings(capsys):
    code, out = _run(
        "signature",
        "--content",
        "和讯华谷",
        "--type",
        "app",
        "--entity-name",
        ENTITY,
        "--materials",
        LICENCE,
        "--on",
        "2026-06-01",
        "--json",
        "--lang",
        "en",
        capsys=capsys,
    )
    assert code == 1
    body = json.loads(out)
    assert body["passed"] is False
    assert {"SIG_TYPE_NOT_ACCEPTED", "SIG_MATERIALS_MISSING"} <= {
        f["code"] for f in body["findings"]
    }
    for finding in body["findings"]:
        assert set(finding) == {"code", "severity", "field", "message"}
    assert any("2026-05-01" in f["message"] for f in body["findings"])


@pytest.mark.django_db
def test_precheck_signature_app_accepted_before_the_ban(capsys):
    code, _out = _run(
        "signature",
        "--content",
        "和讯华谷",
        "--type",
        "app",
        "--entity-name",
        ENTITY,
        "--materials",
        LICENCE + ",icp_screenshot",
        "--on",
        "2026-04-30",
        capsys=capsys,
    )
    assert code == 0


@pytest.mark.django_db
def test_precheck_signature_taken_uses_the_database(approved_qualification, customer, capsys):
    lc.review_submit(
        item=SignatureApplicationFactory(qualification=approved_qualification), user=customer
    )
    code, out = _run(
        "signature",
        "--content",
        "和讯华谷",
        "--type",
        "company",
        "--entity-name",
        "和讯华谷科技（北京）有限公司",
        "--materials",
        LICENCE,
        "--json",
        capsys=capsys,
    )
    assert code == 1
    assert "SIG_TAKEN" in {f["code"] for f in json.loads(out)["findings"]}
    # The holder itself is not "another entity".
    code, _ = _run(
        "signature",
        "--content",
        "和讯华谷",
        "--type",
        "company",
        "--entity-name",
        ENTITY,
        "--materials",
        LICENCE,
        capsys=capsys,
    )
    assert code == 0


@pytest.mark.django_db
def test_precheck_template_link_not_owned(capsys):
    code, out = _run(
        "template",
        "--content",
        "您的订单已发货，详情见abc.cn查看",
        "--kind",
        "notification",
        "--domains",
        "example.com",
        "--json",
        capsys=capsys,
    )
    assert code == 1
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert {"TPL_LINK_NOT_OWNED", "TPL_FILING_REQUIRED"} <= codes


@pytest.mark.django_db
def test_precheck_template_passes(capsys):
    code, out = _run(
        "template",
        "--content",
        "您的验证码为${code}，5分钟内有效。",
        "--kind",
        "verification",
        capsys=capsys,
    )
    assert code == 0
    assert out.strip().startswith("PASSED")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        [
            "signature",
            "--content",
            "x",
            "--type",
            "company",
            "--entity-name",
            "y",
            "--on",
            "2026-13-01",
        ],
        [
            "signature",
            "--content",
            "x",
            "--type",
            "company",
            "--entity-name",
            "y",
            "--materials",
            "selfie",
        ],
    ],
)
def test_precheck_bad_values_are_command_errors_with_status_2(args):
    with pytest.raises(CommandError) as excinfo:
        call_command("precheck", *args)
    assert excinfo.value.returncode == 2


@pytest.mark.parametrize(
    "args",
    [
        ["template", "--content", "x", "--kind", "bogus"],
        ["signature", "--content", "x", "--type", "company"],
        ["fax", "--content", "x"],
        [
            "signature",
            "--content",
            "x",
            "--type",
            "company",
            "--entity-name",
            "y",
            "--on",
            "tomorrow",
        ],
    ],
)
def test_precheck_bad_arguments_exit_2_from_the_shell(args, tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "precheck", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"REVIEWPORTAL_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip()

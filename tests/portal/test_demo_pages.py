"""Every portal page of every demo customer renders: items in every state, a qualification
change, re-review, other-use with an authorization, a live-streaming template."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from reviewportal.models import User
from signatures.models import Qualification, SignatureApplication
from templates.models import TemplateApplication


@pytest.mark.django_db
def test_demo_customers_pages_render(client):
    call_command("seed_demo", "--quiet-logins")
    for username in ("hexun", "hospital", "xinghe", "yuncheng", "yunqi"):
        user = User.objects.get(username=username)
        client.force_login(user)
        urls = [
            reverse("portal:dashboard"),
            reverse("portal:notifications"),
            reverse("portal:account"),
            reverse("signatures:qualification_list"),
            reverse("signatures:signature_list"),
            reverse("signatures:signature_create"),
            reverse("templates:template_list"),
            reverse("templates:template_create"),
        ]
        account = user.account_id
        for q in Qualification.objects.filter(account_id=account):
            urls.append(reverse("signatures:qualification_detail", args=[q.public_id]))
        for s in SignatureApplication.objects.filter(account_id=account):
            urls.append(reverse("signatures:signature_detail", args=[s.public_id]))
        for t in TemplateApplication.objects.filter(account_id=account):
            urls.append(reverse("templates:template_detail", args=[t.public_id]))
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)

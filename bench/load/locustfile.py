"""The load scenario (bench/load/run.py starts the servers and runs it headless).

Customers (three in four users) browse their lists, type a signature with the live pre-check
answering and submit templates; reviewers claim the head of the template queue, open its review
page and approve it. Every user logs in once at its start (reported as "login", outside the
goal: a password hash is meant to be slow). With LOAD_MEASURE_SECONDS set, the figures are of
that many seconds after the last user has logged in: the statistics are reset then (PBKDF2's
logins take most of the CPU while they last, and would be counted against the pages), and
locust stops when the time is up; LOAD_MARKS names a file that gets a line at each of the two
moments, for the runner to read the CPU used in between. The users are locust's FastHttpUser
(geventhttpclient), which costs the generator several times less CPU per request than HttpUser
(requests): on two cores the generator shares the CPU with the servers it measures. The users
are spread over the hosts of LOAD_HOSTS (comma-separated), one host per user, as a load balancer
with sticky sessions would."""

from __future__ import annotations

import itertools
import os
import random
import re
import time

import gevent
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
_next_host = itertools.cycle(HOSTS or ["http://127.0.0.1:8000"])
PASSWORD = os.environ.get("LOAD_PASSWORD", "ReviewDemo-2026")
#: The demo customers with an approved signature (a template needs one).
CUSTOMERS = ["hexun", "hospital", "xinghe"]
REVIEWERS = ["reviewer", "reviewer2", "senior", "senior2"]
# What a customer types, letter by letter, into the signature form.
TYPED = ["和", "和讯", "和讯华", "和讯华谷", "和讯华谷1", "和讯华谷信息"]
_counter = itertools.count(1)


def _field(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    return found.group(1) if found else None


#: Think time between a user's tasks, in seconds (LOAD_WAIT="0.5,1.5"; "0,0": none, each user
#: sends its next request as soon as the last is answered, which measures capacity).
_WAIT = [float(x) for x in os.environ.get("LOAD_WAIT", "0.5,1.5").split(",")]


MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS", "0"))
MARKS = os.environ.get("LOAD_MARKS", "")
_logged_in = 0


def _mark(what: str) -> None:
    if MARKS:
        with open(MARKS, "a") as out:
            out.write(f"{what} {time.time()}\n")


def _stop(environment) -> None:
    _mark("measured")
    gevent.sleep(1.0)  # for the runner to read the CPU used before the processes end
    environment.runner.quit()


def _one_more_logged_in(environment) -> None:
    """Once every user has logged in, the measured window starts."""
    global _logged_in
    _logged_in += 1
    if MEASURE_SECONDS and _logged_in == environment.runner.target_user_count:
        environment.stats.reset_all()
        _mark("measuring")
        gevent.spawn_later(MEASURE_SECONDS, _stop, environment)


class Portal(FastHttpUser):
    abstract = True
    wait_time = between(*_WAIT)

    def __init__(self, environment):
        self.host = next(_next_host)
        super().__init__(environment)

    def login(self, path: str, username: str) -> None:
        page = self.client.get(path, name="login")
        self.client.post(
            path,
            data={
                "csrfmiddlewaretoken": _field(page.text, "csrfmiddlewaretoken") or "",
                "username": username,
                "password": PASSWORD,
            },
            name="login",
            allow_redirects=False,
        )
        _one_more_logged_in(self.environment)

    def csrf(self) -> dict:
        token = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")
        return {"X-CSRFToken": token}


class Customer(Portal):
    weight = 3

    def on_start(self):
        self.login("/portal/login/", random.choice(CUSTOMERS))

    @task(4)
    def lists(self):
        for path, name in [
            ("/portal/", "dashboard"),
            ("/portal/signatures/", "signature list"),
            ("/portal/templates/", "template list"),
        ]:
            self.client.get(path, name=name)

    @task(3)
    def live_precheck(self):
        """The signature form opened, then the live pre-check as each letter is typed."""
        page = self.client.get("/portal/signatures/new/", name="signature form")
        found = re.search(r'<option value="(QUA[0-9A-Z]+)"', page.text)
        self.qualification = found.group(1) if found else ""
        for typed in TYPED:
            self.client.get(
                "/portal/signatures/precheck/",
                params={"qualification": self.qualification, "sig_type": "company",
                        "purpose": "self", "content": typed},
                name="live pre-check",
            )  # fmt: skip

    @task(2)
    def submit_template(self):
        with self.client.get(
            "/portal/templates/new/", name="template form", catch_response=True
        ) as form:
            signature = re.search(r'<option value="(SIG[0-9A-Z]+)"', form.text)
            if not signature:
                form.failure("no approved signature to choose")
                return
        n = next(_counter)
        with self.client.post(
            "/portal/templates/new/",
            data={
                "csrfmiddlewaretoken": _field(form.text, "csrfmiddlewaretoken") or "",
                "form_token": _field(form.text, "form_token") or "",
                "signature": signature.group(1),
                "name": f"压测通知{n}",
                "kind": "notification",
                "industry": "general",
                "content": f"您的订单${{order}}已发货，批次{n}，请注意查收。",
                "remark": "",
            },
            name="submit template",
            allow_redirects=False,
            catch_response=True,
        ) as sent:
            if sent.status_code != 302:
                sent.failure(f"not submitted: {sent.status_code}")


class Reviewer(Portal):
    weight = 1
    QUEUE = "/admin/templates/templateapplication/"

    def on_start(self):
        self.login("/admin/login/?next=/admin/", random.choice(REVIEWERS))

    @task(1)
    def queue(self):
        self.client.get(self.QUEUE, name="queue")

    @task(3)
    def claim_review_decide(self):
        with self.client.post(
            f"{self.QUEUE}claim-next/", headers=self.csrf(), name="claim next",
            allow_redirects=False, catch_response=True,
        ) as claimed:  # fmt: skip
            if claimed.status_code != 302:
                claimed.failure(f"claim answered {claimed.status_code}")
                return
            target = claimed.headers.get("Location", "")
        item = re.search(r"/(\d+)/change/", target)
        if not item:
            return  # the queue was empty: back to the list
        self.client.get(target, name="review page")
        with self.client.post(
            f"{self.QUEUE}{item.group(1)}/act/approve/", data={"comment": ""},
            headers=self.csrf(), name="approve", allow_redirects=False, catch_response=True,
        ) as decided:  # fmt: skip
            if decided.status_code != 302:
                decided.failure(f"approve answered {decided.status_code}")

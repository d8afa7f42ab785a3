"""Month-end load: the mix of requests the province sends in the last days of a month.

Run by ``bench/run.py`` (which builds the province, starts gunicorn and writes the users file):

    BENCH_LOAD_USERS=bench/.cache/load_users.json locust -f bench/load/locustfile.py \
        --headless --host http://127.0.0.1:PORT -u 100 -r 5 -t 85s

Users start at 5 per second (a sign-in each); the statistics restart ``BENCH_SETTLE_SECONDS``
(5) after the last one started, so only the steady state is measured. Every virtual user signs
in as a different synthetic person (all share one password) and then sends ONE request per
task at random (Poisson) times, ``BENCH_USER_RATE`` (1) per second on average, scheduled on the
clock and not after the previous answer, so ``-u N`` offers N requests/s whatever the response
times — as many independent people would.
Three kinds of users, by weight (about the share of month-end requests each kind sends):

- staff (27 of 40 users): the home page (what I owe this month), my month (the page
  ``/evaluation/my/`` when it answers 200, else the API detail of my evaluation), saving my
  self-assessment (API ``POST /api/v1/evaluations/{id}/self-assessment/``, six criteria and a
  comment, not submitted, so it can be saved again), and now and then signing in again;
- managers (12 of 40): my team (``/evaluation/team/`` or the API list of the month's
  self-assessed evaluations I see), scoring one of my reports (API ``manager-score``, not
  submitted), the home page, signing in again;
- approvers — agency heads of agencies of every size, the largest first (1 of 40): the
  approval board (``/evaluation/approval/`` or the API
  approval preview of one unit: the engine rates the agency with its quotas), the home page,
  signing in again. Approval itself needs the second factor and is not in the mix.

The users are locust's ``FastHttpUser`` (geventhttpclient): the load generator shares the
machine's two cores with the server, and ``HttpUser`` (requests) spent about three times as much
CPU per request (bench/run.py prints the load generator's share as ``locust``).

Sign-in is Django's login form with django-axes in front; the passwords are right, so no
failure is ever counted and nobody is locked out (run.py also clears old attempts). Each
sign-in checks the Argon2id hash (OWASP parameters, staff/hashers.py): about 30–40 ms of CPU.
Requests are never redirected silently: any answer but the expected one is a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time

import gevent
from locust import FastHttpUser, events, task

with open(os.environ["BENCH_LOAD_USERS"]) as users_file:
    USERS = json.load(users_file)
PAGES = USERS.get("pages", {})
PERIOD = USERS["period"]
PASSWORD = USERS["password"]
CRITERIA = USERS["criteria"]
COUNTERS = {kind: itertools.count() for kind in ("staff", "managers", "approvers")}


SETTLE = float(os.environ.get("BENCH_SETTLE_SECONDS", "5"))
RATE = float(os.environ.get("BENCH_USER_RATE", "1"))  # requests per second per user


@events.spawning_complete.add_listener
def _reset_after_settling(user_count: int, **_kwargs) -> None:
    """Count only the steady state: the statistics restart ``BENCH_SETTLE_SECONDS`` after the
    last user has started (its sign-in and the backlog of the ramp are not measured)."""
    environment = getattr(_reset_after_settling, "environment", None)
    if environment is not None:
        gevent.spawn_later(SETTLE, environment.stats.reset_all)


@events.init.add_listener
def _keep_environment(environment, **_kwargs) -> None:
    _reset_after_settling.environment = environment


def _scores(low: float = 0.6) -> dict[str, int]:
    return {code: round(mx * random.uniform(low, 1.0)) for code, mx in CRITERIA.items()}


class MonthEndUser(FastHttpUser):
    abstract = True
    kind = "staff"

    def wait_time(self) -> float:
        """Poisson arrivals at a constant mean rate: the next request is due an exponentially
        distributed time after the previous one was DUE (not after it answered), so a slow
        answer does not lower the offered rate, and the users' requests do not fall into step
        (``constant_throughput`` users started together fire together, in bursts)."""
        now = time.monotonic()
        self.due = max(self.due, now - 1 / RATE) + random.expovariate(RATE)
        return max(0.0, self.due - now)

    def on_start(self) -> None:
        self.due = time.monotonic() + random.uniform(0, 1 / RATE)
        people = USERS[self.kind]
        self.me = people[next(COUNTERS[self.kind]) % len(people)]
        self.client.get("/accounts/login/", name="login page", allow_redirects=False)
        self.sign_in()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == name), "")

    def sign_in(self) -> None:
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.me["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookie("csrftoken"),
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")

    def page(self, path: str, name: str) -> None:
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{name} answered {response.status_code}")

    def api_post(self, path: str, body: dict, name: str) -> None:
        with self.client.post(
            path,
            json=body,
            name=name,
            headers={"X-CSRFToken": self.cookie("csrftoken")},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{name} answered {response.status_code}: {response.text[:200]}")


class StaffUser(MonthEndUser):
    weight = 27
    kind = "staff"

    @task(6)
    def home(self) -> None:
        self.page("/", "home")

    @task(6)
    def my_month(self) -> None:
        if PAGES.get("my_month"):
            self.page("/evaluation/my/", "my month (page)")
        else:
            self.page(f"/api/v1/evaluations/{self.me['evaluation']}/", "my month (API)")

    @task(6)
    def save_self_assessment(self) -> None:
        self.api_post(
            f"/api/v1/evaluations/{self.me['evaluation']}/self-assessment/",
            {"scores": _scores(), "comment": "Hoàn thành các nhiệm vụ được giao.", "submit": False},
            "self-assessment (API)",
        )

    @task(1)
    def sign_in_again(self) -> None:
        self.sign_in()


class ManagerUser(MonthEndUser):
    weight = 12
    kind = "managers"

    @task(8)
    def team(self) -> None:
        if PAGES.get("team"):
            self.page("/evaluation/team/", "team (page)")
        else:
            self.page(
                f"/api/v1/evaluations/?period={PERIOD}&status=self_assessed", "team (API list)"
            )

    @task(8)
    def score(self) -> None:
        evaluation = random.choice(self.me["reports"])
        self.api_post(
            f"/api/v1/evaluations/{evaluation}/manager-score/",
            {"scores": _scores(0.5), "manager_comment": "Đạt yêu cầu.", "submit": False},
            "manager score (API)",
        )

    @task(2)
    def home(self) -> None:
        self.page("/", "home")

    @task(1)
    def sign_in_again(self) -> None:
        self.sign_in()


class ApproverUser(MonthEndUser):
    weight = 1
    kind = "approvers"

    @task(8)
    def board(self) -> None:
        if PAGES.get("approval"):
            self.page("/evaluation/approval/", "approval board (page)")
        else:
            self.page(
                f"/api/v1/approvals/preview/?period={PERIOD}&unit={self.me['unit']}",
                "approval preview (API)",
            )

    @task(2)
    def home(self) -> None:
        self.page("/", "home")

    @task(1)
    def sign_in_again(self) -> None:
        self.sign_in()

"""CPU per request of the month-end mix, one request type at a time, in-process.

    .venv/bin/python bench/per_request.py [--staff 50000] [--months 12] [--repeat 30]
        [--only NAME,...] [--profile DIR] [--no-gc-freeze]

Signs in (Django's test client, the real login form and password hasher) as the people
``bench/run.py`` gives its load users — a staff member with a draft, a manager with
self-assessed reports, the head of the largest agency and of a small one — and sends each kind
of request of the locust mix ``--repeat`` times on the synthetic province (PostgreSQL, built or
reused like ``bench/run.py``). Prints one line per request type: the median CPU time of this
process (``resource.getrusage``: Django's own work; PostgreSQL's is elsewhere), the median wall
time and the status. It says where a request's cost is, not how the server holds up under load
(that is ``bench/run.py --only load``). ``--profile DIR`` also writes one cProfile file per
request type (``DIR/<name>.prof``, read with ``python -m pstats``) of its ``--repeat`` requests.

Like a web worker, the process loads ``config.wsgi``, which freezes the startup objects out of
the garbage collector's reach; ``--no-gc-freeze`` measures without that. A last line says how
many collections the requests caused and how long they took (``gc.callbacks``).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import setup_path

setup_path()


BOARD = "/evaluation/approval/"


class CollectionTimer:
    """How many garbage collections of each generation ran while installed, and their time."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._started = 0.0

    def __enter__(self) -> CollectionTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            generation = info["generation"]
            self.count[generation] += 1
            self.seconds[generation] += time.perf_counter() - self._started

    def line(self) -> str:
        young = self.seconds[0] + self.seconds[1]
        return (
            f"gc: {self.count[2]} full collections, {self.seconds[2] * 1000:.0f} ms; "
            f"{self.count[0] + self.count[1]} young ones, {young * 1000:.0f} ms; "
            f"startup objects frozen: {gc.get_freeze_count()}"
        )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(
    name: str, send: Callable[[int], object], repeat: int, profile: Path | None = None
) -> str:
    cpu, wall, status = [], [], None
    profiler = cProfile.Profile() if profile else None
    for i in range(repeat):
        cpu_start, wall_start = _cpu(), time.perf_counter()
        if profiler:
            profiler.enable()
        status = send(i).status_code
        if profiler:
            profiler.disable()
        cpu.append((_cpu() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
    if profiler and profile:
        profile.mkdir(parents=True, exist_ok=True)
        slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
        profiler.dump_stats(profile / f"{slug}.prof")
    cpu.sort()
    wall.sort()
    return (
        f"request_cpu {name}: {cpu[len(cpu) // 2]:.1f} ms CPU, "
        f"{wall[len(wall) // 2]:.1f} ms wall (median of {repeat}, status {status})"
    )


def measure(
    months: int, repeat: int, only: set[str] | None = None, profile: Path | None = None
) -> list[str]:
    from django.test import Client

    from bench import province
    from bench.run import load_users

    users = load_users(months, 40)
    staff, manager = users["staff"][0], users["managers"][0]
    largest, small = users["approvers"][0], users["approvers"][-1]
    # Two sets of points, one request after the other: every save changes every criterion, as
    # the locust users' random points do (a save that changes nothing would cost less).
    score_sets = [
        {code: round(maximum * share) for code, maximum in users["criteria"].items()}
        for share in (0.6, 0.9)
    ]

    def signed_in(username: str) -> Client:
        client = Client()
        client.get("/accounts/login/")
        response = client.post(
            "/accounts/login/", {"username": username, "password": province.PASSWORD}
        )
        assert response.status_code == 302, (username, response.status_code)
        return client

    def sign_in(_i: int):
        return Client().post(
            "/accounts/login/", {"username": staff["username"], "password": province.PASSWORD}
        )

    person, boss = signed_in(staff["username"]), signed_in(manager["username"])
    head_large, head_small = signed_in(largest["username"]), signed_in(small["username"])

    def save_self_assessment(i: int):
        body = {"scores": score_sets[i % 2], "comment": "Hoàn thành.", "submit": False}
        return person.post(
            f"/api/v1/evaluations/{staff['evaluation']}/self-assessment/",
            json.dumps(body),
            content_type="application/json",
        )

    def manager_score(i: int):
        report = manager["reports"][i % len(manager["reports"])]
        body = {
            "scores": score_sets[i // len(manager["reports"]) % 2],
            "manager_comment": "Đạt yêu cầu.",
            "submit": False,
        }
        return boss.post(
            f"/api/v1/evaluations/{report}/manager-score/",
            json.dumps(body),
            content_type="application/json",
        )

    cases: list[tuple[str, Callable[[int], object], int]] = [
        ("sign-in", sign_in, max(3, repeat // 6)),
        ("home (staff)", lambda _i: person.get("/"), repeat),
        ("my month (page)", lambda _i: person.get("/evaluation/my/"), repeat),
        ("self-assessment (API)", save_self_assessment, repeat),
        ("team (page)", lambda _i: boss.get("/evaluation/team/"), repeat),
        ("manager score (API)", manager_score, repeat),
        ("home (manager)", lambda _i: boss.get("/"), repeat),
        ("approval board, small agency", lambda _i: head_small.get(BOARD), repeat),
        (
            "approval board, largest agency",
            lambda _i: head_large.get(BOARD),
            max(3, repeat // 6),
        ),
    ]
    lines = []
    for name, send, times in cases:
        if only and not any(word in name for word in only):
            continue
        send(0)  # warm: templates, imports, prepared statements
        lines.append(_measure(name, send, times, profile))
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", default="", help="request types whose name holds one of these")
    parser.add_argument("--profile", type=Path, help="write DIR/<request type>.prof")
    parser.add_argument(
        "--no-gc-freeze", action="store_true", help="leave the startup objects to the collector"
    )
    args = parser.parse_args()
    from bench import province
    from bench.run import environment

    # The web workers' settings of bench/run.py; Django's test client names its host testserver.
    env = environment(os.environ["DATABASE_URL"])
    env["ALLOWED_HOSTS"] += ",testserver"
    os.environ.update(env)

    province.ensure(os.environ["DATABASE_URL"], staff=args.staff, months=args.months)
    if not args.no_gc_freeze:
        import config.wsgi  # noqa: F401 — freezes the startup objects, as in a web worker
    only = {word.strip() for word in args.only.split(",") if word.strip()}
    with CollectionTimer() as collections:
        measure(args.months, args.repeat, only or None, args.profile)
    print(collections.line(), flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: a rendered project served by gunicorn on PostgreSQL, under 1, 4 and 16 users.

    .venv/bin/python -m bench.serve [--seconds S] [--workers N]

Renders a project with the tests' resources (an owner-scoped note, an org-scoped project and
more) from a temporary tagged copy of this checkout's template, creates and migrates a
throwaway database on the PostgreSQL server of SCOPECRAFT_TEST_POSTGRES (else the one
`scripts/postgres` gives), and serves it with its own serve command (gunicorn, N workers) on
127.0.0.1. For each number of concurrent users it runs the mixed workload of
`tests.service.mixed_request` (creates, reads, lists, updates, foreign reads), then `GET
/healthz` (no database: the framework's floor) for as long, and prints requests/s and
p50/p99 latency side by side. The database is dropped and the server stopped at the end.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench._template import admin_url, check, databases, isolated_env, template_repo
from tests.service import Answer, call, gunicorn, mixed_request, sign_up
from tests.support import PACKAGE, RESOURCE_SPECS, SCOPECRAFT

CONCURRENCY = (1, 4, 16)


def render(work: Path, env: dict[str, str]) -> Path:
    """A project with RESOURCE_SPECS, rendered from this checkout's template, tagged."""
    template = template_repo(work, env)
    project = work / "notes-api"
    resources = [option for spec in RESOURCE_SPECS for option in ("--resource", spec)]
    check([SCOPECRAFT, "new-project", project, "--template", template, *resources], work, env)
    return project


def load(
    request: Callable[[int, random.Random], Answer], users: int, seconds: float
) -> list[Answer]:
    """`users` threads, the n-th calling `request(n, rng)` back to back for `seconds`."""
    answers: list[Answer] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work(index: int) -> None:
        rng = random.Random(index)
        while time.monotonic() < deadline:
            answer = request(index, rng)
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return answers


def figures(answers: list[Answer], seconds: float) -> str:
    latencies = sorted((a.finished - a.started) * 1000 for a in answers)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    failed = sum(1 for a in answers if not 0 < a.status < 500)
    return f"{len(answers):>9}{len(answers) / seconds:>8.0f}{p50:>9.1f}{p99:>9.1f}{failed:>8}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement (5)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    options = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="scopecraft-bench-") as tmp,
        databases(admin_url(), 1) as (url,),
    ):
        work = Path(tmp)
        env = isolated_env(work / "home")
        project = render(work, env)
        served = {
            **env,
            "PYTHONPATH": "src",
            "DATABASE_URL": url,
            "APP_ENV": "production",
            "SECRET_KEY": uuid.uuid4().hex,
            "WEB_CONCURRENCY": str(options.workers),
            "TOKEN_RATE_LIMIT": "1000 per hour",
        }
        flask = [sys.executable, "-m", "flask", "--app", PACKAGE, "db", "upgrade"]
        check(flask, project, served)
        with gunicorn(project, served, work / "gunicorn.log") as server:
            users = [sign_up(server.url, f"user{n}@example.com") for n in range(16)]
            rows = []
            for count in CONCURRENCY:

                def mixed(index: int, rng: random.Random) -> Answer:
                    user = users[index]
                    others = [other for other in users if other is not user]
                    return mixed_request(server.url, user, others, rng)

                def floor(_index: int, _rng: random.Random) -> Answer:
                    return call(server.url, "GET", "/healthz")

                mixed_answers = load(mixed, count, options.seconds)
                floor_answers = load(floor, count, options.seconds)
                rows.append((count, "mixed", figures(mixed_answers, options.seconds)))
                rows.append((count, "/healthz", figures(floor_answers, options.seconds)))

    cores = os.cpu_count()
    print(
        f"\ngunicorn, {options.workers} sync workers, PostgreSQL, {options.seconds:g} s per row;"
        f" the load generator (Python threads, one connection per request) shares this"
        f" machine's {cores} cores with gunicorn and PostgreSQL, so the figures are a floor:"
        " compare rows of one run, not runs on different machines."
    )
    header = f"{'users':>5}  {'workload':<9}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
    print(f"{header}{'failed':>8}")
    for count, workload, row in rows:
        print(f"{count:>5}  {workload:<9}{row}")


if __name__ == "__main__":
    main()

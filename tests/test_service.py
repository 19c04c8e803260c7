"""A generated project as a production service: gunicorn with 4 workers on PostgreSQL and Redis.

Several users drive an owner-scoped and an org-scoped resource at once; then the database goes
away (a TCP proxy this test owns resets every connection; the shared server is never touched)
and comes back. Users stay apart, an outage is 503 with one log line per request, the service
recovers by itself, and the login limit holds across workers through Redis.
"""

import json
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from threading import Thread
from urllib.parse import urlsplit

import pytest

from tests.service import (
    PASSWORD,
    Answer,
    TcpProxy,
    User,
    call,
    drive,
    gunicorn,
    sign_up,
    wrong_answer,
)
from tests.support import PACKAGE, flask, output, run

WORKERS = 4
LOGIN_LIMIT = 6
TRAFFIC_SECONDS = 4.0
OUTAGE_SECONDS = 3.0
RECOVERY_SECONDS = 5.0


@pytest.fixture
def database_proxy(postgres_url: str) -> Iterator[TcpProxy]:
    parts = urlsplit(postgres_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    yield proxy
    proxy.close()


def production_env(env: dict[str, str], **settings: str) -> dict[str, str]:
    return {**env, "APP_ENV": "production", "SECRET_KEY": uuid.uuid4().hex, **settings}


def server_errors(answers: list[Answer]) -> list[str]:
    return [f"{a.method} {a.path}: {a.status} {a.body}" for a in answers if not 0 < a.status < 500]


@pytest.mark.heavy(2)
def test_four_workers_keep_users_apart_through_a_database_outage_and_share_the_login_limit(
    resources_project_copy: Path,
    postgres_url: str,
    database_proxy: TcpProxy,
    redis_url: str,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    project = resources_project_copy
    flask(project, env, postgres_url, "db", "upgrade")
    served = production_env(
        env,
        DATABASE_URL=database_proxy.url(postgres_url),
        WEB_CONCURRENCY=str(WORKERS),
        LOG_FORMAT="json",
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=f"scopecraft-test-{uuid.uuid4().hex}",
        TOKEN_RATE_LIMIT=f"{LOGIN_LIMIT} per hour",
    )
    with gunicorn(project, served, tmp_path / "gunicorn.log") as server:
        users = [sign_up(server.url, f"{name}@example.com") for name in ("alice", "bob", "carol")]

        # Three sign-ins so far; the rest of the limit is shared by all four workers, and a
        # forged X-Forwarded-For (no trusted proxy) does not open a new allowance.
        bad_password = {"email": "alice@example.com", "password": PASSWORD + "!"}
        attempts = [
            call(server.url, "POST", "/auth/tokens", body=bad_password, headers=forged)
            for forged in [{}, {"X-Forwarded-For": "198.51.100.7"}] * (LOGIN_LIMIT + 1)
        ]
        statuses = [answer.status for answer in attempts]
        allowed = LOGIN_LIMIT - len(users)
        assert statuses == [401] * allowed + [429] * (len(attempts) - allowed), statuses

        # Steady traffic: nothing fails, nobody sees another user's objects.
        answers = drive(server.url, users, TRAFFIC_SECONDS, threads_per_user=2, seed=1)
        assert len(answers) > 50, f"only {len(answers)} requests in {TRAFFIC_SECONDS} s"
        wrong = [problem for user, a in answers if (problem := wrong_answer(a, user, users))]
        assert not wrong, wrong[:10]

        # The outage, under the same traffic.
        during: list[tuple[User, Answer]] = []
        seconds = 1.0 + OUTAGE_SECONDS + RECOVERY_SECONDS + 1.0
        traffic = Thread(target=lambda: during.extend(drive(server.url, users, seconds, 2, seed=2)))
        traffic.start()
        time.sleep(1.0)
        cut_at = time.monotonic()
        database_proxy.cut()
        time.sleep(0.5)
        ready = call(server.url, "GET", "/readyz")
        live = call(server.url, "GET", "/healthz")
        time.sleep(OUTAGE_SECONDS - 0.5)
        restored_at = time.monotonic()
        database_proxy.restore()
        traffic.join()
        recovered_ready = call(server.url, "GET", "/readyz")

    outage = [a for _, a in during if a.started > cut_at + 0.1 and a.finished < restored_at]
    before = [a for _, a in during if a.finished < cut_at]
    after = [a for _, a in during if a.started > restored_at]
    unavailable = [a for _, a in during if a.status == 503] + [ready]

    assert ready.status == 503 and ready.headers.get("retry-after"), ready
    assert live.status == 200, live
    assert recovered_ready.status == 200, recovered_ready
    assert not server_errors(before), server_errors(before)
    assert len(outage) >= 20, f"only {len(outage)} requests during the outage"
    assert {a.status for a in outage} == {503}, sorted({a.status for a in outage})
    for answer in outage:
        assert answer.headers.get("retry-after") == "5", answer
        assert answer.body["error"]["code"] == "service_unavailable", answer
    assert not [a for _, a in during if a.status in (0, 500)], "a request failed or got 500"
    first_success = min((a for a in after if a.status < 500), key=lambda a: a.finished)
    recovery = first_success.finished - restored_at
    assert recovery < RECOVERY_SECONDS, f"the first success came {recovery:.1f} s after"
    late = [a for a in after if a.started > restored_at + RECOVERY_SECONDS]
    assert late and not server_errors(late), server_errors(late)
    wrong = [p for user, a in during if (p := wrong_answer(a, user, users, outage=True))]
    assert not wrong, wrong[:10]
    foreign_reads = [a for _, a in answers + during if a.status == 404]
    assert foreign_reads, "the workload read no other user's object"
    every = [a for _, a in answers + during] + attempts + [ready, live, recovered_ready]
    assert all(a.headers.get("x-request-id") for a in every), "a response had no X-Request-Id"

    # Logs: one JSON object per line; one line per 503, no stack trace, no secret.
    lines = server.log_lines()
    records = [json.loads(line) for line in lines]
    outage_lines = [r for r in records if "unavailable" in r["message"]]
    assert len(outage_lines) == len(unavailable), (len(outage_lines), len(unavailable))
    assert all(r["level"] == "WARNING" and "exception" not in r for r in outage_lines)
    assert not [r for r in records if r["level"] in ("ERROR", "CRITICAL")], "errors were logged"
    security = [r["security"]["event"] for r in records if "security" in r]
    assert "authentication.failed" in security and "access.not_found" in security, security
    text = "\n".join(lines)
    assert PASSWORD not in text and not any(user.token in text for user in users)
    print(
        f"\nservice: {len(answers)} requests in {TRAFFIC_SECONDS} s before the outage;"
        f" {len(during)} around it, {len(outage)} during it ({len(unavailable)} 503s in all),"
        f" {len(outage_lines)} log lines for them, {len(lines)} log lines in all;"
        f" first success {recovery:.2f} s after the database returned"
    )


def test_gunicorn_refuses_a_malformed_variable_in_one_line(
    project_copy: Path, env: dict[str, str]
) -> None:
    for variable, value in (
        ("PORT", "eighty"),
        ("WEB_CONCURRENCY", "4.5"),
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("LOG_FORMAT", "xml"),
        ("DATABASE_URL", "postgres//db.example"),
        ("TOKEN_RATE_LIMIT", "ten a minute"),
        ("RATELIMIT_STORAGE_URI", "redis//localhost:6379"),
    ):
        served = production_env(env, PYTHONPATH="src", **{variable: value})
        done = run([sys.executable, "-m", f"{PACKAGE}.serve"], project_copy, served, timeout=60)
        lines = (done.stdout + done.stderr).strip().splitlines()
        assert done.returncode != 0, output(done)
        assert len(lines) == 1 and variable in lines[0], output(done)
        # A URL may hold a password: it is named, never echoed.
        assert (value in lines[0]) is not variable.endswith(("_URL", "_URI")), output(done)


def test_gunicorn_warns_once_when_several_workers_count_limits_in_memory(
    project_copy: Path, env: dict[str, str], tmp_path: Path
) -> None:
    served = production_env(env, WEB_CONCURRENCY="2", RATELIMIT_STORAGE_URI="memory://")
    with gunicorn(project_copy, served, tmp_path / "gunicorn.log") as server:
        assert call(server.url, "GET", "/healthz").status == 200
    warnings = [line for line in server.log_lines() if "RATELIMIT_STORAGE_URI" in line]
    assert len(warnings) == 1 and "each of the 2 workers" in warnings[0], server.log_lines()

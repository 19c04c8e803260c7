"""Benchmark: `POST /auth/tokens` with a known email and a wrong password, and with an unknown
email, side by side. Both must cost the same: a sign-in must not tell which emails have accounts.

    .venv/bin/python -m bench.login [--requests N] [--ref REV]

Renders a project with `scopecraft new-project` from a temporary tagged copy of this checkout's
template (or of the template at git revision REV, to measure an older release), then, in a
subprocess on the project's package, signs in N times with each kind of email, alternating, on
an in-memory SQLite database with the rate limit lifted. Prints both medians and their ratio.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._template import REPO, SCOPECRAFT, check, isolated_env, template_repo

PACKAGE = "login_bench"
KINDS = ("known email, wrong password", "unknown email")


def measure(requests: int) -> None:
    """In the rendered project: time each kind of sign-in, print one line of seconds per kind."""
    import importlib

    package = importlib.import_module(PACKAGE)
    db = importlib.import_module(f"{PACKAGE}.extensions").db
    provision = importlib.import_module(f"{PACKAGE}.testing").provision
    app = package.create_app(
        {"APP_ENV": "testing", "DATABASE_URL": "sqlite://", "TOKEN_RATE_LIMIT": "100000/minute"}
    )
    with app.app_context():
        db.create_all()
    known = provision(app).bob.email
    client = app.test_client()
    emails = dict(zip(KINDS, (known, "nobody@example.com"), strict=True))
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    bodies: dict[str, set[bytes]] = {kind: set() for kind in KINDS}
    for _ in range(requests):
        for kind, email in emails.items():
            started = time.perf_counter()
            response = client.post("/auth/tokens", json={"email": email, "password": "a guess"})
            timings[kind].append(time.perf_counter() - started)
            assert response.status_code == 401, response.get_data(as_text=True)
            bodies[kind].add(response.get_data())
    assert bodies[KINDS[0]] == bodies[KINDS[1]], "the two answers differ"
    for kind in KINDS:
        print(" ".join(f"{seconds:.6f}" for seconds in timings[kind]))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=31, help="sign-ins of each kind (31)")
    parser.add_argument("--ref", help="render the template of this git revision instead")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure is not None:
        measure(options.requests)
        return

    with tempfile.TemporaryDirectory(prefix="scopecraft-bench-") as tmp:
        work = Path(tmp)
        env = isolated_env(work / "home")
        template = template_repo(work, env, options.ref)
        project = work / "project"
        check(
            [SCOPECRAFT, "new-project", project, "--package", PACKAGE, "--template", template],
            work,
            env,
        )
        measured = check(
            [
                sys.executable,
                "-m",
                "bench.login",
                "--measure",
                project,
                "--requests",
                str(options.requests),
            ],
            project,
            {**env, "PYTHONPATH": os.pathsep.join([str(project / "src"), str(REPO)])},
        )

    lines = measured.strip().splitlines()[-len(KINDS) :]
    medians = {
        kind: statistics.median(float(value) for value in line.split())
        for kind, line in zip(KINDS, lines, strict=True)
    }
    source = f"template at {options.ref}" if options.ref else "this checkout's template"
    print(f"POST /auth/tokens, {options.requests} sign-ins of each kind, {source}")
    print(f"{'':32}{'median ms':>10}")
    for kind, median in medians.items():
        print(f"{kind:32}{median * 1000:10.1f}")
    ratio = medians[KINDS[1]] / medians[KINDS[0]]
    print(f"ratio unknown / known (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()

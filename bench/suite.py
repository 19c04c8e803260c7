"""Benchmark: the generated test suite's own speed, as a user runs it on every change.

    .venv/bin/python -m bench.suite [--ref REV] [--no-postgres]

Renders the demo project (the four resources of `scripts/demo`) and a project with twice its
resources, runs each project's suite as its README says (`python -m pytest`) on SQLite and on a
new PostgreSQL database, and prints per run: wall time, tests, the mean per-test set-up (from
pytest's durations) as a ratio to one `create_app()` measured in the same project, and the
marginal cost of a resource (the difference between the two projects, per added resource).
With `--ref REV` the same is measured, in the same run, for the template at git revision REV
(an earlier release), so that each figure has its "before" beside it.
"""

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench._template import (
    REPO,
    SCOPECRAFT,
    admin_url,
    check,
    databases,
    isolated_env,
    template_repo,
)

DEMO = [
    "note --field title:str:200 --field body?:text --field priority:int"
    " --field amount:decimal:10,2 --field done:bool --field due_on?:date"
    " --field remind_at?:datetime",
    "bookmark --field url:str:2000 --field label?:str:80 --field note?:ref:note",
    "project --scope org --field name:str:100 --field budget?:decimal",
    "task --parent project --field title:str:200 --field done:bool --field estimate?:decimal:6,1",
]
# The same four again under other names: twice the demo's resources.
TWICE = DEMO + [
    spec.replace("note", "memo")
    .replace("bookmark", "link")
    .replace("project", "board")
    .replace("task", "card")
    for spec in DEMO
]
CREATE_APP = """
import statistics, time
from {package} import create_app
create_app({{"APP_ENV": "testing", "DATABASE_URL": "sqlite://"}})
times = []
for _ in range(15):
    started = time.perf_counter()
    create_app({{"APP_ENV": "testing", "DATABASE_URL": "sqlite://"}})
    times.append(time.perf_counter() - started)
print(statistics.median(times))
"""
# One test's reset (tests/apps.py: settings, rate limits, the database back to the baseline),
# beside the least a transaction per test would cost (BEGIN, SAVEPOINT, ROLLBACK).
RESET = """
import os, statistics, time
from tests.apps import SessionApps
from tests.database import ServerDatabases
from {package}.extensions import db
url = os.environ.get("TEST_DATABASE_URL")
server = ServerDatabases(url) if url else None
apps = SessionApps(server.worker() if server else "sqlite://", server)
app = apps.shared({{}})
apps.start(app, set())
resets, rollbacks = [], []
for _ in range(50):
    started = time.perf_counter()
    apps.start(app, set())
    resets.append(time.perf_counter() - started)
    with app.app_context():
        started = time.perf_counter()
        with db.engine.connect() as connection:
            outer = connection.begin()
            connection.begin_nested()
            outer.rollback()
        rollbacks.append(time.perf_counter() - started)
apps.close()
print(statistics.median(resets), statistics.median(rollbacks))
"""
SETUP = re.compile(r"^\s*([\d.]+)s setup\s", re.MULTILINE)
PASSED = re.compile(r"(\d+) passed")


def render(work: Path, template: Path, name: str, specs: list[str], env: dict[str, str]) -> Path:
    dest = work / name
    resources = [option for spec in specs for option in ("--resource", spec)]
    check([SCOPECRAFT, "new-project", dest, "--template", template, *resources], work, env)
    return dest


def create_app_seconds(project: Path, env: dict[str, str]) -> float:
    package = project.name.replace("-", "_")
    code = CREATE_APP.format(package=package)
    return float(check([sys.executable, "-c", code], project, {**env, "PYTHONPATH": "src"}))


def reset_seconds(project: Path, env: dict[str, str]) -> tuple[float, float]:
    """The median reset of one test, and of one transaction rolled back, in seconds."""
    code = RESET.format(package=project.name.replace("-", "_"))
    out = check([sys.executable, "-c", code], project, {**env, "PYTHONPATH": "src"})
    reset, rollback = map(float, out.split())
    return reset, rollback


@contextmanager
def database_env(engine: str, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """`env` as is for SQLite; with TEST_DATABASE_URL naming a new database for PostgreSQL."""
    if engine == "sqlite":
        yield env
        return
    with databases(admin_url(), 1) as (url,):
        yield {**env, "TEST_DATABASE_URL": url}


def run_suite(project: Path, env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, tests passed, and the mean set-up seconds per test."""
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    started = time.perf_counter()
    out = check([*args, "--durations=0", "--durations-min=0"], project, env)
    wall = time.perf_counter() - started
    passed = PASSED.search(out)
    if passed is None:
        sys.exit(f"{project.name}: no test passed\n{out[-2000:]}")
    setups = [float(seconds) for seconds in SETUP.findall(out)]
    tests = int(passed.group(1))
    return wall, tests, sum(setups) / tests


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--ref", help="also measure the template of this git revision")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scopecraft-bench-suite-") as tmp:
        work = Path(tmp)
        env = isolated_env(work / "home")
        versions = {"this checkout": None} | ({options.ref: options.ref} if options.ref else {})
        rows: list[str] = []
        resets: list[str] = []
        for label, ref in versions.items():
            (work / label).mkdir()
            template = template_repo(work / label, env, ref)
            projects = {
                4: render(work / label, template, "demo", DEMO, env),
                8: render(work / label, template, "twice", TWICE, env),
            }
            one_app = create_app_seconds(projects[4], env)
            engines = ["sqlite"] + ([] if options.no_postgres else ["postgresql"])
            for engine in engines:
                results = {}
                for count, project in projects.items():
                    with database_env(engine, env) as run_env:
                        results[count] = run_suite(project, run_env)
                        if ref is None and count == 4:
                            reset, rollback = reset_seconds(project, run_env)
                            resets.append(
                                f"| {engine} | {reset * 1000:.1f} ms | {rollback * 1000:.2f} ms "
                                f"| {reset / one_app:.2f}x |"
                            )
                marginal = (results[8][0] - results[4][0]) / 4
                for count, (wall, tests, setup) in results.items():
                    rows.append(
                        f"| {label} | {engine} | {count} | {tests} | {wall:.1f} s "
                        f"| {setup * 1000:.1f} ms | {setup / one_app:.2f}x "
                        f"| {one_app * 1000:.0f} ms | {marginal:.1f} s |"
                    )
        print(
            "| template | database | resources | tests | wall | mean set-up | set-up / "
            "create_app | create_app | per resource |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        print()
        print("| database | reset per test | transaction rolled back | reset / create_app |")
        print("|---|---|---|---|")
        print("\n".join(resets))
        print(f"(rendered from {REPO})")


if __name__ == "__main__":
    main()

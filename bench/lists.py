"""Benchmark: what a list page costs as the rows behind it grow, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.lists [--requests N]

Renders a project (an owner-scoped note, an org-scoped project and its child task) from a
temporary tagged copy of this checkout's template. For each database it fills two throwaway
databases side by side, one with 1,000 and one with 100,000 rows in each of five lists: alice's
notes, acme's projects, one project's tasks, carol's organizations and acme's members (bob's
1,000 notes sit beside alice's in both). Then it times, through the app (Flask's test client:
routing, token, scope, query, JSON), the first page and the last full page (20 items each; past
98 % of 1,000 rows and 99.98 % of 100,000), both sizes in each round of requests in a shuffled
order, and prints the medians and the ratios 100k/1k side by side: of the whole request, and of
the list query alone. Before that, EXPLAIN of each list query at 100,000 rows (EXPLAIN ANALYZE on
PostgreSQL, EXPLAIN QUERY PLAN on SQLite).

PostgreSQL is the server of SCOPECRAFT_TEST_POSTGRES (an admin URL), else the one
`scripts/postgres` gives; its databases are dropped at the end. The machine is shared: compare
the ratios, measured in one run, not the absolute times.
"""

import argparse
import importlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, literal, select

from bench._template import SCOPECRAFT, admin_url, check, databases, isolated_env, template_repo

PACKAGE = "lists_api"
RESOURCES = (
    "note --field title:str:200",
    "project --scope org --field name:str:100",
    "task --parent project --field title:str:200",
)
SIZES = (1_000, 100_000)
PAGE = 20
NOISE = 1_000  # bob's notes, beside alice's
BATCH = 10_000
# Every generated row is older than the principals `provision` makes, in creation order.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def render(work: Path) -> Path:
    """The benchmark's project, rendered from this checkout's template, committed and tagged."""
    env = isolated_env(work / "home")
    template = template_repo(work, env)
    project = work / "lists-api"
    resources = [option for spec in RESOURCES for option in ("--resource", spec)]
    check([SCOPECRAFT, "new-project", project, "--template", template, *resources], work, env)
    return project


@dataclass
class Lists:
    """One filled database: its app, and for each of the five lists its reader's credentials and
    user id, its URL and the position (created_at, public id) that starts its last full page."""

    app: Any
    readers: dict[str, tuple[dict[str, str], int]]  # name -> (headers, user id)
    last_page_after: dict[str, tuple[str, datetime, uuid.UUID]]  # name -> (url, time, id)

    def headers(self, name: str) -> dict[str, str]:
        return self.readers[name][0]

    def url(self, name: str, page: str) -> str:
        collection, created_at, public_id = self.last_page_after[name]
        if page == "first":
            return f"{collection}?limit={PAGE}"
        pagination = importlib.import_module(f"{PACKAGE}.pagination")
        with self.app.test_request_context(collection):
            cursor = pagination.encode_cursor(pagination.Position(created_at, public_id))
        return f"{collection}?limit={PAGE}&cursor={cursor}"


def model(path: str, name: str) -> Any:
    return getattr(importlib.import_module(f"{PACKAGE}.{path}"), name)


def rows_at(count: int) -> list[tuple[datetime, uuid.UUID]]:
    """Creation times a millisecond apart from EPOCH, and fresh public ids, in list order."""
    return [(EPOCH + timedelta(milliseconds=i), uuid.uuid4()) for i in range(count)]


def bulk(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start : start + BATCH])


def act_as(connection: Any, user_id: int) -> None:
    """On PostgreSQL, write the next rows as `user_id`: row-level security checks every insert
    into an owned table against the transaction's caller, as it does for the app."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.set_config("app.user_id", str(user_id), True)))


def fill(database_url: str, size: int) -> Lists:
    """Create the schema, the principals and `size` rows in each list of alice's."""
    package = importlib.import_module(PACKAGE)
    db = model("extensions", "db")
    app = package.create_app({"APP_ENV": "development", "DATABASE_URL": database_url})
    with app.app_context():
        db.create_all()
    principals = model("testing", "provision")(app)
    User, Organization, Membership, Role = (
        model("accounts.models", name) for name in ("User", "Organization", "Membership", "Role")
    )
    Note, Project, Task = (
        model(f"resources.{name.lower()}.model", name) for name in ("Note", "Project", "Task")
    )
    acme_id = principals.orgs["acme"]
    lists: dict[str, tuple[str, datetime, uuid.UUID]] = {}
    with app.app_context(), db.engine.begin() as connection:
        alice = connection.scalar(select(User.id).where(User.email == "alice@example.com"))
        bob = connection.scalar(select(User.id).where(User.email == "bob@example.com"))
        carol = connection.scalar(select(User.id).where(User.email == "carol@example.com"))
        acme = connection.scalar(select(Organization.id).where(Organization.public_id == acme_id))
        act_as(connection, alice)

        def stamp(created_at: datetime, public_id: uuid.UUID) -> dict[str, Any]:
            return {"public_id": public_id, "created_at": created_at, "updated_at": created_at}

        notes = rows_at(size)
        bulk(
            connection,
            Note.__table__,
            [
                {**stamp(*row), "owner_id": alice, "title": f"note {i}"}
                for i, row in enumerate(notes)
            ],
        )
        act_as(connection, bob)
        bulk(
            connection,
            Note.__table__,
            [{**stamp(*row), "owner_id": bob, "title": "bob's"} for row in rows_at(NOISE)],
        )
        act_as(connection, alice)
        lists["notes"] = ("/notes", *notes[size - PAGE - 1])

        projects = rows_at(size)
        project_rows = [
            {**stamp(*row), "org_id": acme, "creator_id": alice, "name": f"project {i}"}
            for i, row in enumerate(projects)
        ]
        bulk(connection, Project.__table__, project_rows)
        lists["projects"] = (f"/orgs/{acme_id}/projects", *projects[size - PAGE - 1])
        parent = projects[0][1]
        parent_id = connection.scalar(select(Project.id).where(Project.public_id == parent))

        tasks = rows_at(size)
        bulk(
            connection,
            Task.__table__,
            [
                {
                    **stamp(*row),
                    "org_id": acme,
                    "creator_id": alice,
                    "project_id": parent_id,
                    "title": f"task {i}",
                }
                for i, row in enumerate(tasks)
            ],
        )
        lists["tasks"] = (f"/orgs/{acme_id}/projects/{parent}/tasks", *tasks[size - PAGE - 1])

        orgs = rows_at(size)
        bulk(
            connection,
            Organization.__table__,
            [{**stamp(*row), "name": f"Bench org {i}"} for i, row in enumerate(orgs)],
        )
        # carol's, not alice's: on PostgreSQL the org policy reads the caller's memberships once
        # per statement, so alice in 100,000 organizations would slow her org-scoped lists.
        bench_orgs = select(
            Organization.id,
            literal(carol),
            literal(Role.MEMBER.value),
            Organization.created_at,
            Organization.created_at,
        ).where(Organization.name.like("Bench org %"))
        connection.execute(
            insert(Membership.__table__).from_select(
                ["org_id", "user_id", "role", "created_at", "updated_at"], bench_orgs
            )
        )
        lists["orgs"] = ("/orgs", *orgs[size - PAGE - 1])

        members = rows_at(size)
        bulk(
            connection,
            User.__table__,
            [
                {**stamp(*row), "email": f"member{i}@bench.invalid", "password_hash": "-"}
                for i, row in enumerate(members)
            ],
        )
        bench_users = select(
            literal(acme), User.id, literal(Role.MEMBER.value), User.created_at, User.created_at
        ).where(User.email.like("member%@bench.invalid"))
        connection.execute(
            insert(Membership.__table__).from_select(
                ["org_id", "user_id", "role", "created_at", "updated_at"], bench_users
            )
        )
        lists["members"] = (f"/orgs/{acme_id}/members", *members[size - PAGE - 1])
    with app.app_context(), db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    readers = {name: (principals.alice.headers, alice) for name in lists}
    readers["orgs"] = (principals.carol.headers, carol)
    return Lists(app, readers, lists)


def timed(client: Any, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or len(response.get_json()) != PAGE:
        sys.exit(f"GET {url}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return elapsed


Medians = dict[tuple[str, str, int], float]  # (list, page, size) -> seconds


def measure(small: Lists, large: Lists, requests: int) -> tuple[Medians, Medians]:
    """Median seconds per (list, page, size) of the whole request and of its list query alone.

    Each round requests every page of both sizes once, in a shuffled order, so the two sizes
    share whatever else the machine is doing.
    """
    requests_taken: dict[tuple[str, str, int], list[float]] = {}
    queries_taken: dict[tuple[str, str, int], list[float]] = {}
    current: list[tuple[str, str, int]] = []

    def started(connection: Any, *_args: Any) -> None:
        connection.info["bench_started"] = time.perf_counter()

    def finished(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if current and " ORDER BY " in statement and " LIMIT " in statement:
            elapsed = time.perf_counter() - connection.info["bench_started"]
            queries_taken.setdefault(current[0], []).append(elapsed)

    plans = [
        ((name, page, size), lists.app.test_client(), lists.url(name, page), lists.headers(name))
        for name in small.last_page_after
        for page in ("first", "last")
        for size, lists in ((SIZES[0], small), (SIZES[1], large))
    ]
    for _, client, url, headers in plans:  # warm up caches and connection pools
        for _ in range(5):
            timed(client, url, headers)
    engines = [engine_of(lists) for lists in (small, large)]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", started)
        event.listen(engine, "after_cursor_execute", finished)
    shuffle = random.Random(0).shuffle
    try:
        for _ in range(requests):
            shuffle(plans)
            for key, client, url, headers in plans:
                current[:] = [key]
                requests_taken.setdefault(key, []).append(timed(client, url, headers))
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", started)
            event.remove(engine, "after_cursor_execute", finished)
    return (
        {key: statistics.median(values) for key, values in requests_taken.items()},
        {key: statistics.median(values) for key, values in queries_taken.items()},
    )


def engine_of(lists: Lists) -> Any:
    with lists.app.app_context():
        return model("extensions", "db").engine


def explain(lists: Lists, name: str, page: str, dialect: str) -> str:
    """The plan of the list query one request of this page runs, with its real parameters."""
    db = model("extensions", "db")
    captured: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if " ORDER BY " in statement and " LIMIT " in statement:
            captured.append((statement, parameters))

    engine = engine_of(lists)
    event.listen(engine, "before_cursor_execute", record)
    try:
        lists.app.test_client().get(lists.url(name, page), headers=lists.headers(name))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    (statement, parameters), *_ = captured
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    with lists.app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if dialect == "postgresql":  # as the reader, like the request: the policies hold
                reader = str(lists.readers[name][1])
                cursor.execute("SELECT set_config('app.user_id', %s, true)", (reader,))
            cursor.execute(prefix + statement, parameters)
            plan = [" | ".join(str(v) for v in row[-1:]) for row in cursor.fetchall()]
        finally:
            connection.close()
    return "\n".join(f"    {line}" for line in [statement.replace("\n", " "), *plan])


def run_database(
    label: str, urls: Sequence[str], requests: int, report: Callable[[str], None]
) -> tuple[Medians, Medians]:
    started = time.perf_counter()
    small, large = (fill(url, size) for url, size in zip(urls, SIZES, strict=True))
    report(f"{label}: filled in {time.perf_counter() - started:.0f} s")
    medians = measure(small, large, requests)
    dialect = "postgresql" if label == "PostgreSQL" else "sqlite"
    for name in large.last_page_after:
        for page in ("first", "last"):
            report(f"\nEXPLAIN, {label}, {name}, {page} page at {SIZES[1]:,} rows:")
            report(explain(large, name, page, dialect))
    return medians


def table(results: dict[str, Medians]) -> str:
    small, large = SIZES
    header = (
        f"{'list':10}{'database':12}{'first 1k':>10}{'first 100k':>12}{'ratio':>8}"
        f"{'last 1k':>10}{'last 100k':>11}{'ratio':>8}"
    )
    lines = [header]
    for label, medians in results.items():
        for name in ("notes", "projects", "tasks", "orgs", "members"):
            cells = f"{name:10}{label:12}"
            for page, width in (("first", 12), ("last", 11)):
                low, high = medians[(name, page, small)], medians[(name, page, large)]
                cells += f"{low * 1000:8.2f}ms{high * 1000:{width - 2}.2f}ms{high / low:7.2f}x"
            lines.append(cells)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page (100)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scopecraft-bench-") as tmp:
        work = Path(tmp)
        project = render(work)
        sys.path.insert(0, str(project / "src"))
        results = {}
        sqlite_urls = [f"sqlite:///{work / f'lists-{size}.sqlite3'}" for size in SIZES]
        results["SQLite"] = run_database("SQLite", sqlite_urls, options.requests, print)
        with databases(admin_url(), len(SIZES)) as urls:
            results["PostgreSQL"] = run_database("PostgreSQL", urls, options.requests, print)
    print(f"\nMedian of {options.requests} requests per page, {PAGE} items, through the app:")
    print(table({label: whole for label, (whole, _) in results.items()}))
    print("\nMedian time of the list query alone (execute, as the app's engine sees it):")
    print(table({label: query for label, (_, query) in results.items()}))


if __name__ == "__main__":
    main()

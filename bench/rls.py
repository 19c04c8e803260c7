"""Benchmark: what row-level security costs an owner-scoped item GET, on PostgreSQL.

    SCOPECRAFT_TEST_POSTGRES="$(bash scripts/postgres)" .venv/bin/python -m bench.rls \\
        [--requests N] [--warmup W] [--rows K]

A project with one owner-scoped resource is rendered by `scopecraft new-project` from a temporary
tagged copy of this checkout's template (as the test fixture builds it). Two empty databases are
made on the server SCOPECRAFT_TEST_POSTGRES names (an admin URL, as for the tests) and migrated
with `flask db upgrade`; each gets the six test principals and K notes for alice and for bob. The
second database then has its policies switched off. Three views answer `GET` of one of alice's
notes, with alice's token, side by side in one process (Flask's test client, no HTTP server):
after W untimed requests each, N requests each, interleaved one by one in rotating order, so
that the load of a shared machine weighs on the three alike:

- `generated, policies on`: the generated view (route policy, scope, repository, guard) on the
  first database, row-level security on: the default set-up;
- `generated, policies off`: the same view on the second database;
- `hand-written, policies off`: a plain view on the second database, registered in the same
  app: the same bearer token check (`find_active_token`), an unscoped lookup by public id, the
  same response schema.

It prints the median time per request of each view, its ratio to the hand-written one, and the
SQL statements each sends (counted at the engine; the pool's pre-ping on checkout, and the
transaction's BEGIN and ROLLBACK, come on top for every view alike). Targets: policies on at most
1.15x the hand-written view; at most 3 statements.
"""

import argparse
import importlib
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._template import SCOPECRAFT, check, databases, isolated_env, template_repo

PACKAGE = "bench_api"
RESOURCE = "note --field title:str:200 --field body?:text"


def fill(url: str, rows: int) -> None:
    """`rows` notes for alice and for bob, each written as its owner (the policies hold)."""
    import psycopg

    with psycopg.connect(url) as connection:
        for email in ("alice@example.com", "bob@example.com"):
            (user_id,) = connection.execute(
                "SELECT id FROM users WHERE email = %s", (email,)
            ).fetchone() or (None,)
            connection.execute("SELECT set_config('app.user_id', %s, true)", (str(user_id),))
            connection.execute(
                "INSERT INTO notes (public_id, owner_id, title, created_at, updated_at)"
                " SELECT gen_random_uuid(), %s, 'note ' || n, now(), now()"
                " FROM generate_series(1, %s) AS n",
                (user_id, rows),
            )
            connection.commit()


def statements_per_request(engine: Any, get: Callable[[], Any]) -> int:
    """The SQL statements `engine` sends while `get` runs."""
    from sqlalchemy import event

    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        get()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per view (3000)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed requests first (100)")
    parser.add_argument("--rows", type=int, default=10_000, help="notes of alice and of bob")
    options = parser.parse_args()
    admin_url = os.environ.get("SCOPECRAFT_TEST_POSTGRES")
    if not admin_url:
        sys.exit("set SCOPECRAFT_TEST_POSTGRES to a PostgreSQL admin URL (bash scripts/postgres)")

    with (
        tempfile.TemporaryDirectory(prefix="scopecraft-bench-") as tmp,
        databases(admin_url, 2) as (on_url, off_url),
    ):
        work = Path(tmp)
        env = isolated_env(work / "home")
        project = work / "bench-api"
        template = template_repo(work, env)
        check(
            [SCOPECRAFT, "new-project", project, "--template", template, "--resource", RESOURCE],
            work,
            env,
        )
        for url in (on_url, off_url):
            flask_env = {**env, "PYTHONPATH": "src", "DATABASE_URL": url, "APP_ENV": "development"}
            check(
                [sys.executable, "-m", "flask", "--app", PACKAGE, "db", "upgrade"],
                project,
                flask_env,
            )
        measure(project, on_url, off_url, options)


def measure(project: Path, on_url: str, off_url: str, options: argparse.Namespace) -> None:
    sys.path.insert(0, str(project / "src"))
    os.environ["SECRET_KEY"] = "bench-" + uuid.uuid4().hex
    from flask import Blueprint, abort
    from sqlalchemy import select, text

    def module(name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.{name}")

    db = module("extensions").db
    public: Callable[[Callable[..., Any]], Callable[..., Any]] = module("security.access").public
    guard = module("security.guard")
    principal, tokens = module("security.principal"), module("security.tokens")
    model, schemas = module("resources.note.model"), module("resources.note.schemas")

    # The hand-written view reads notes without a caller on purpose; its warning would cost time.
    logging.getLogger(f"{PACKAGE}.security.rls").setLevel(logging.ERROR)
    hand_written = Blueprint("hand_written", __name__)

    @hand_written.route("/plain/notes/<uuid:note_id>")
    @public  # the route audit wants a policy; this view checks the token itself
    def plain_note(note_id: uuid.UUID) -> Any:
        if tokens.find_active_token(principal.bearer_token() or "") is None:
            abort(401)
        with guard.scoped_statements():  # unscoped on purpose: the guard would log it
            query = select(model.Note).where(model.Note.public_id == note_id)
            found = db.session.scalars(query).one_or_none()
        if found is None:
            abort(404)
        return schemas.NoteOut().dump(found)

    gets: dict[str, Callable[[], Any]] = {}
    engines: dict[str, Any] = {}
    for database, url in (("on", on_url), ("off", off_url)):
        app = importlib.import_module(PACKAGE).create_app(
            {"APP_ENV": "production", "DATABASE_URL": url}
        )
        if database == "off":
            app.register_blueprint(hand_written)
        headers = module("testing").provision(app).alice.headers
        fill(url, options.rows)
        client = app.test_client()
        created = client.post("/notes", json={"title": "the one"}, headers=headers)
        assert created.status_code == 201, created.get_json()
        note_id = created.get_json()["id"]
        with app.app_context():
            engines[database] = db.engine
        paths = {"generated": f"/notes/{note_id}", "hand-written": f"/plain/notes/{note_id}"}
        for view, path in paths.items():
            if view == "generated" or database == "off":
                gets[f"{view}, policies {database}"] = getter(client, path, headers)
    with engines["off"].begin() as connection:
        connection.execute(text("ALTER TABLE notes DISABLE ROW LEVEL SECURITY"))

    labels = ["hand-written, policies off", "generated, policies off", "generated, policies on"]
    bodies = {label: gets[label]().get_json() for label in labels}
    assert len({body["title"] for body in bodies.values()}) == 1, bodies
    statements = {
        label: statements_per_request(engines[label.rsplit(" ", 1)[1]], gets[label])
        for label in labels
    }
    timings: dict[str, list[float]] = {label: [] for label in labels}
    for _ in range(options.warmup):
        for label in labels:
            gets[label]()
    for number in range(options.requests):
        shift = number % len(labels)
        for label in labels[shift:] + labels[:shift]:
            started = time.perf_counter()
            gets[label]()
            timings[label].append(time.perf_counter() - started)

    baseline = statistics.median(timings[labels[0]])
    print(f"item GET of one of alice's notes; {options.rows} notes each for alice and bob")
    print(f"median of {options.requests} requests per view, interleaved, on PostgreSQL")
    for label in labels:
        median = statistics.median(timings[label])
        print(
            f"  {label:28}{median * 1000:8.3f} ms{median / baseline:7.2f}x"
            f"{statements[label]:4d} statements"
        )
    ratio = statistics.median(timings[labels[2]]) / baseline
    print(f"generated with policies on / hand-written: {ratio:.2f}x (target <= 1.15x)")
    print(f"SQL statements per owner-scoped item GET: {statements[labels[2]]} (target <= 3)")


def getter(client: Any, path: str, headers: dict[str, str]) -> Callable[[], Any]:
    """A function that GETs `path` with `headers` and checks the answer is 200."""

    def get() -> Any:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response

    return get


if __name__ == "__main__":
    main()

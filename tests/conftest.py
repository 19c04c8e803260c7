"""Fixtures: a tagged template repository built from the working tree, projects rendered from it,
and throwaway PostgreSQL databases; and the order tests run in.

Everything renders from a temporary copy of `copier.yml` and `template/`, committed and tagged,
so the tests see the working tree's template without the checkout having to be clean, and
Copier records a commit that really exists.
"""

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support import (
    GIT_IDENTITY,
    REPO,
    RESOURCE_SPECS,
    SCOPECRAFT,
    TEMPLATE_TAG,
    git,
    isolated_env,
    output,
    run,
)

# Modules whose module-scoped fixtures are costly to build (a virtual environment with the
# wheel, projects made by old releases and updated): one pytest-xdist worker runs each of them
# whole. Every other test goes to whichever worker is free.
ONE_WORKER_MODULES = frozenset(
    {
        "tests/test_resource_merge.py",
        "tests/test_schema_upgrade.py",
        "tests/test_update.py",
        "tests/test_wheel.py",
    }
)


def work_unit(nodeid: str) -> str:
    """What one worker runs together: the test's module if in ONE_WORKER_MODULES, or the test."""
    module = nodeid.partition("::")[0]
    return module if module in ONE_WORKER_MODULES else nodeid


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heavy tests first, heaviest first; the others after them, in collection order.

    `scripts/test` runs the suite on pytest-xdist workers, which take the work units
    (`work_unit`) in this order: started first, the long tests (`@pytest.mark.heavy(weight)`)
    overlap, and the short ones fill the gaps at the end. A unit's tests stay together, so that
    a module-scoped fixture is built once in a serial run too. Every worker sorts the same way.
    """
    weight: dict[str, float] = {}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        unit = work_unit(item.nodeid)
        heavy = item.get_closest_marker("heavy")
        cost = float(heavy.args[0]) if heavy and heavy.args else 1.0 if heavy else 0.0
        weight[unit] = max(weight.get(unit, 0.0), cost)
        first.setdefault(unit, index)

    def rank(pair: tuple[int, pytest.Item]) -> tuple[float, int, int]:
        unit = work_unit(pair[1].nodeid)
        return (-weight[unit], first[unit], pair[0])

    items[:] = [item for _, item in sorted(enumerate(items), key=rank)]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadgroup` sends each work unit (`work_unit`) to one worker, in the order above.

    The units are named here, by module, rather than with `xdist_group` marks: pytest-xdist 3.8
    groups by rewriting node ids, which pytest 9.2 ignores (pytest-xdist issue 1386), so its own
    loadgroup would split the modules. Any other `--dist` is pytest-xdist's own.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class WorkUnitScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnitScheduling(config, log)


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME with no git identity and no Copier settings, shared by every subprocess."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def env(home: Path) -> dict[str, str]:
    """The environment for commands that need no git identity of their own."""
    return isolated_env(home)


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    """The working tree's template, committed and tagged in a fresh repository."""
    repo = tmp_path_factory.mktemp("template") / "scopecraft"
    repo.mkdir()
    shutil.copy2(REPO / "copier.yml", repo / "copier.yml")
    shutil.copytree(
        REPO / "template",
        repo / "template",
        ignore=shutil.ignore_patterns("__pycache__", "*.py[co]", ".pytest_cache", ".ruff_cache"),
    )
    commit_env = isolated_env(home, **GIT_IDENTITY)
    git(repo, commit_env, "init", "--quiet", "--initial-branch=main")
    git(repo, commit_env, "add", "--all")
    git(repo, commit_env, "commit", "--quiet", "--no-verify", "--message", "Template under test")
    git(repo, commit_env, "tag", TEMPLATE_TAG)
    return repo


@pytest.fixture(scope="session")
def project(
    tmp_path_factory: pytest.TempPathFactory, template_repo: Path, env: dict[str, str]
) -> Path:
    """A project rendered once by the CLI, by a user with no git identity configured.

    Tests must not change it; the ones that run code in it use `project_copy`.
    """
    dest = tmp_path_factory.mktemp("projects") / "notes-api"
    done = run([SCOPECRAFT, "new-project", dest, "--template", template_repo], dest.parent, env)
    assert done.returncode == 0, output(done)
    return dest


@pytest.fixture
def project_copy(project: Path, tmp_path: Path) -> Path:
    """A private copy of the rendered project, git history included, to run code in."""
    return Path(shutil.copytree(project, tmp_path / project.name, symlinks=True))


@pytest.fixture(scope="session")
def resources_project(
    tmp_path_factory: pytest.TempPathFactory, template_repo: Path, env: dict[str, str]
) -> Path:
    """A project rendered once with RESOURCE_SPECS, by a user with no git identity.

    Tests must not change it; the ones that run code in it use `resources_project_copy`.
    """
    dest = tmp_path_factory.mktemp("projects") / "notes-api"
    resources = [option for spec in RESOURCE_SPECS for option in ("--resource", spec)]
    done = run(
        [SCOPECRAFT, "new-project", dest, "--template", template_repo, *resources],
        dest.parent,
        env,
    )
    assert done.returncode == 0, output(done)
    return dest


@pytest.fixture
def resources_project_copy(resources_project: Path, tmp_path: Path) -> Path:
    """A private copy of `resources_project`, git history included, to run code in."""
    return Path(shutil.copytree(resources_project, tmp_path / "copy" / "notes-api", symlinks=True))


def _required_service(variable: str, script: str) -> str:
    """The URL in `variable`; without it, skip, or fail when SCOPECRAFT_REQUIRE_POSTGRES=1."""
    url = os.environ.get(variable)
    if not url:
        message = f"{variable} is not set ({script} provides a server)"
        if os.environ.get("SCOPECRAFT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{message}, and SCOPECRAFT_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    return url


@pytest.fixture
def redis_url() -> str:
    """The URL of a Redis server (SCOPECRAFT_TEST_REDIS), required like PostgreSQL in CI."""
    return _required_service("SCOPECRAFT_TEST_REDIS", "scripts/redis")


@contextmanager
def _fresh_databases(admin_url: str) -> Iterator[Callable[[], str]]:
    """`make()` returns the URL of a new, empty database on the server of `admin_url`; every
    database made is dropped when the block ends."""
    import psycopg
    from psycopg import sql

    names: list[str] = []

    def make() -> str:
        name = f"scopecraft_test_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        names.append(name)
        return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))

    try:
        yield make
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for name in names:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture
def make_postgres_url() -> Iterator[Callable[[], str]]:
    """Make fresh, empty PostgreSQL databases: `make_postgres_url()` returns the URL of a new one;
    each is dropped after the test.

    The server comes from SCOPECRAFT_TEST_POSTGRES (an admin URL); without it the test is
    skipped, or fails when SCOPECRAFT_REQUIRE_POSTGRES=1.
    """
    admin_url = _required_service("SCOPECRAFT_TEST_POSTGRES", "scripts/postgres")
    with _fresh_databases(admin_url) as make:
        yield make


@pytest.fixture
def postgres_url(make_postgres_url: Callable[[], str]) -> str:
    """The URL of a fresh, empty PostgreSQL database, dropped after the test."""
    return make_postgres_url()


@pytest.fixture
def postgres_url_if_available() -> Iterator[str | None]:
    """Like `postgres_url`, for a test that also runs without PostgreSQL: None instead of a
    skip when no server is configured (still a failure when SCOPECRAFT_REQUIRE_POSTGRES=1)."""
    admin_url = os.environ.get("SCOPECRAFT_TEST_POSTGRES")
    if not admin_url:
        if os.environ.get("SCOPECRAFT_REQUIRE_POSTGRES") == "1":
            pytest.fail("SCOPECRAFT_TEST_POSTGRES is not set, and SCOPECRAFT_REQUIRE_POSTGRES=1")
        yield None
        return
    with _fresh_databases(admin_url) as make:
        yield make()

"""What every benchmark needs around the project it measures: commands that fail loudly in an
isolated environment, this checkout's template as a tagged repository, and throwaway PostgreSQL
databases.

The benchmarks run as modules from the repository root (`python -m bench.NAME`), so that they
import this module and the tests' helpers alike.
"""

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import generator

REPO = Path(__file__).resolve().parent.parent
SCOPECRAFT = Path(sys.executable).parent / "scopecraft"


def check(args: Sequence[str | Path], cwd: Path, env: dict[str, str]) -> str:
    """Run a command and return its output; exit with its output if it fails."""
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def isolated_env(home: Path) -> dict[str, str]:
    """This environment for the commands of a benchmark: git and Copier read no configuration
    but `home`'s (made here), and no Flask or database setting of the caller leaks in."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "COPIER_", "FLASK_"))
        and key not in ("DATABASE_URL", "TEST_DATABASE_URL")
    }
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1")
    return env


def template_repo(work: Path, env: dict[str, str], ref: str | None = None) -> Path:
    """copier.yml and template/ (of the working tree, or of git revision `ref`), committed and
    tagged with this checkout's version in a fresh repository `work/template`."""
    repo = work / "template"
    repo.mkdir()
    if ref is None:
        shutil.copy2(REPO / "copier.yml", repo / "copier.yml")
        shutil.copytree(
            REPO / "template",
            repo / "template",
            ignore=shutil.ignore_patterns(
                "__pycache__", "*.py[co]", ".pytest_cache", ".ruff_cache"
            ),
        )
    else:
        archive = subprocess.run(
            ["git", "archive", ref, "copier.yml", "template"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(repo)], input=archive.stdout, check=True)
    identity = ["-c", "user.name=Bench", "-c", "user.email=bench@localhost"]
    check(["git", "init", "--quiet", "--initial-branch=main"], repo, env)
    check(["git", "add", "--all"], repo, env)
    check(["git", *identity, "commit", "--quiet", "--no-verify", "-m", "Template"], repo, env)
    check(["git", "tag", f"v{generator.__version__}"], repo, env)
    return repo


def admin_url() -> str:
    """SCOPECRAFT_TEST_POSTGRES, else the server `scripts/postgres` gives."""
    url = os.environ.get("SCOPECRAFT_TEST_POSTGRES")
    if url:
        return url
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "postgres")], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"no PostgreSQL server: {done.stderr.strip()}")
    return done.stdout.strip()


@contextmanager
def databases(admin: str, count: int) -> Iterator[list[str]]:
    """`count` new, empty databases on the server of the admin URL `admin`; dropped afterwards."""
    import psycopg
    from psycopg import sql

    names = [f"scopecraft_bench_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield [urlunsplit(urlsplit(admin)._replace(path=f"/{name}")) for name in names]
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

"""Helpers for the tests: isolated subprocess environments, git, and directory snapshots."""

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCOPECRAFT = BIN / "scopecraft"
RUFF = BIN / "ruff"

# The tag the tests give the template repository, and the package every rendered project gets.
TEMPLATE_TAG = "v0.1.0"
PACKAGE = "notes_api"

# The resources of the project most tests share: every field type, a reference, an org-scoped
# resource and a child; written as `new-project --resource SPEC` arguments.
RESOURCE_SPECS = (
    "note --field title:str:200 --field body?:text --field priority:int --field amount:decimal "
    "--field done:bool --field due_on?:date --field remind_at?:datetime",
    "bookmark --field label:str:80 --field note?:ref:note",
    "project --scope org --field name:str:100",
    "task --parent project --field title:str:200 --field estimate?:decimal:6,1",
)

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Scopecraft Tests",
    "GIT_AUTHOR_EMAIL": "tests@scopecraft.invalid",
    "GIT_COMMITTER_NAME": "Scopecraft Tests",
    "GIT_COMMITTER_EMAIL": "tests@scopecraft.invalid",
}

# Settings a developer's shell may carry that would change what a subprocess does.
_INHERITED_PREFIXES = ("GIT_", "COPIER_", "PYTEST_", "FLASK_")
_INHERITED_NAMES = ("DATABASE_URL", "TEST_DATABASE_URL", "APP_ENV", "PYTHONPATH")


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with its own HOME (no git identity, no Copier settings) plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_INHERITED_PREFIXES) and key not in _INHERITED_NAMES
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        GIT_CONFIG_NOSYSTEM="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def run(
    args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command and capture its output as text; never raises on a non-zero exit."""
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    """Run git in `cwd` and return its stripped stdout; fail the test if git fails."""
    done = run(["git", *args], cwd, env)
    assert done.returncode == 0, f"git {' '.join(args)} failed in {cwd}:\n{done.stderr}"
    return done.stdout.strip()


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` with a hash of its content, to prove nothing was written."""
    state = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        state[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return state


def content_digest(root: Path) -> str:
    """One hash of every file's path and content under `root`, except in `.git`.

    Git may refresh its index on a read-only command; everything a user sees must stay the same.
    """
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] == ".git" or not path.is_file():
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_generated_suite(project: Path, env: dict[str, str]) -> None:
    """Run a rendered project's own test suite; it must pass and test something."""
    done = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env)
    assert done.returncode == 0, output(done)
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed and int(passed.group(1)) > 0, output(done)


def flask(project: Path, env: dict[str, str], database_url: str, *args: str) -> str:
    """Run `flask --app PACKAGE ARGS` in a rendered project against `database_url`."""
    flask_env = {**env, "PYTHONPATH": "src", "DATABASE_URL": database_url, "APP_ENV": "development"}
    done = run([sys.executable, "-m", "flask", "--app", PACKAGE, *args], project, flask_env)
    assert done.returncode == 0, output(done)
    return done.stdout + done.stderr


def output(done: subprocess.CompletedProcess[str]) -> str:
    """A command's exit status and output, for assertion messages."""
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"

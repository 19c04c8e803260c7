"""The few git operations Scopecraft needs, run as subprocesses that fail with GitError."""

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from generator._errors import GitError

# Set by git hooks and some tools; inherited, they would point every call at another repository.
_REDIRECTING_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")

# Used for Scopecraft's own commit only, when the user has no git identity configured.
FALLBACK_IDENTITY = {"user.name": "Scopecraft", "user.email": "scopecraft@localhost"}


def git(cwd: Path, *args: str, config: Mapping[str, str] | None = None) -> str:
    """Run `git [-c KEY=VALUE]... ARGS` in `cwd` and return its stripped stdout."""
    options = [
        option for key, value in (config or {}).items() for option in ("-c", f"{key}={value}")
    ]
    env = {key: value for key, value in os.environ.items() if key not in _REDIRECTING_VARIABLES}
    try:
        done = subprocess.run(
            ["git", *options, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH; Scopecraft needs it") from exc
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise GitError(f"git {args[0]} failed in {cwd}: {lines[-1]}")
    return done.stdout.strip()


def repo_root(path: Path) -> Path | None:
    """The root of the git work tree containing `path`, or None outside one."""
    try:
        return Path(git(path, "rev-parse", "--show-toplevel")).resolve()
    except GitError:
        return None


def head_commit(repo: Path) -> str | None:
    """The full hash of HEAD, or None in a repository without commits."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError:
        return None


def uncommitted_changes(repo: Path) -> list[str]:
    """`git status --porcelain` lines: modified, staged and untracked (not ignored) files."""
    status = git(repo, "status", "--porcelain")
    return status.splitlines() if status else []


def has_identity(repo: Path) -> bool:
    """Whether git can name an author and committer in `repo` without guessing."""
    try:
        git(repo, "var", "GIT_AUTHOR_IDENT")
        git(repo, "var", "GIT_COMMITTER_IDENT")
    except GitError:
        return False
    return True


def init_and_commit_all(repo: Path, message: str) -> str:
    """Make `repo` a git repository on main with everything in one commit; return its hash."""
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    identity = None if has_identity(repo) else FALLBACK_IDENTITY
    git(repo, "commit", "--quiet", "--no-verify", "--message", message, config=identity)
    return git(repo, "rev-parse", "HEAD")

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


def git(cwd: Path, *args: str, config: Mapping[str, str] | None = None, strip: bool = True) -> str:
    """Run `git [-c KEY=VALUE]... ARGS` in `cwd` and return its stdout, stripped unless not."""
    stdout = git_bytes(cwd, *args, config=config)
    text = stdout.decode("utf-8", errors="surrogateescape")
    return text.strip() if strip else text


def git_bytes(
    cwd: Path,
    *args: str,
    config: Mapping[str, str] | None = None,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    allowed: tuple[int, ...] = (0,),
) -> bytes:
    """Run `git [-c KEY=VALUE]... ARGS` in `cwd`, with `input` on stdin and `env` added to the
    environment; return its stdout as bytes. An exit status outside `allowed` raises GitError."""
    done = _run(cwd, args, config=config, input=input, env=env)
    if done.returncode not in allowed:
        stderr = done.stderr.decode("utf-8", errors="replace")
        lines = stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        # git's own diagnosis is its first `fatal:` line; advice may follow it.
        fatal = [line for line in lines if line.startswith("fatal: ")]
        reason = fatal[0] if fatal else lines[-1]
        raise GitError(f"git {args[0]} failed in {cwd}: {reason}")
    return done.stdout


def _run(
    cwd: Path,
    args: tuple[str, ...],
    *,
    config: Mapping[str, str] | None = None,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> "subprocess.CompletedProcess[bytes]":
    options = [
        option for key, value in (config or {}).items() for option in ("-c", f"{key}={value}")
    ]
    environment = {
        key: value for key, value in os.environ.items() if key not in _REDIRECTING_VARIABLES
    }
    environment.update(env or {})
    try:
        return subprocess.run(
            ["git", *options, *args],
            cwd=cwd,
            env=environment,
            input=input,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH; Scopecraft needs it") from exc


def merge_file(
    cwd: Path, ours: Path, base: Path, theirs: Path, labels: tuple[str, str, str]
) -> tuple[bytes, bool] | None:
    """`git merge-file` of three files, run in `cwd` (whose configuration sets the conflict
    style): the merged content and whether it holds conflicts; None if git cannot merge them
    (binary files)."""
    options = [option for label in labels for option in ("-L", label)]
    done = _run(cwd, ("merge-file", "-p", *options, "--", str(ours), str(base), str(theirs)))
    # The exit status is the number of conflicts (at most 127), or negative on an error.
    if done.returncode > 127:
        return None
    return done.stdout, done.returncode > 0


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
    return git(repo, "status", "--porcelain", strip=False).splitlines()


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
    return commit_all(repo, message)


def commit_all(repo: Path, message: str) -> str:
    """Commit every change in `repo`, as the user or else as Scopecraft; return the hash.

    Hooks are skipped: the commit holds generated code, which passes the project's own checks.
    """
    git(repo, "add", "--all")
    identity = None if has_identity(repo) else FALLBACK_IDENTITY
    git(repo, "commit", "--quiet", "--no-verify", "--message", message, config=identity)
    return git(repo, "rev-parse", "HEAD")


def clone(repo: Path, dest: Path) -> None:
    """Clone `repo`'s HEAD into `dest` (a local clone hard-links the immutable objects)."""
    git(dest.parent, "clone", "--quiet", str(repo), str(dest))


def restore(repo: Path) -> None:
    """Throw away every change since HEAD, including untracked files (not ignored ones)."""
    git(repo, "reset", "--quiet", "--hard", "HEAD")
    git(repo, "clean", "--quiet", "-fd")


def staged_changes(repo: Path) -> list[tuple[str, str]]:
    """Stage every change in `repo`; return (status letter A/M/D, path) for each file."""
    git(repo, "add", "--all")
    return _name_status(
        git(repo, "diff", "--cached", "--name-status", "--no-renames", "-z", "HEAD", strip=False)
    )


def committed_changes(repo: Path, commit: str = "HEAD") -> list[tuple[str, str]]:
    """(status letter A/M/D, path) for each file `commit` changed."""
    return _name_status(
        git(repo, "show", "--name-status", "--no-renames", "-z", "--format=", commit, strip=False)
    )


def _name_status(listing: str) -> list[tuple[str, str]]:
    """Parse `--name-status -z` output: a status word then a path, each NUL-terminated."""
    words = listing.lstrip("\n").split("\0")
    return [(words[i][0], words[i + 1]) for i in range(0, len(words) - 1, 2) if words[i]]


def conflicts(repo: Path) -> list[str]:
    """Files an update left conflicted: unmerged, with a `.rej` beside them, or with markers."""
    unmerged = _entries(git(repo, "ls-files", "--unmerged", "-z", strip=False))
    found = {entry.split("\t", 1)[1] for entry in unmerged}
    # Untracked files, ignored ones included, limited to *.rej.
    found.update(_entries(git(repo, "ls-files", "--others", "-z", "--", "*.rej", strip=False)))
    changed = _entries(git(repo, "diff", "--name-only", "-z", "HEAD", strip=False))
    changed += _entries(git(repo, "ls-files", "--others", "--exclude-standard", "-z", strip=False))
    for path in changed:
        if path not in found and _has_conflict_markers(repo / path):
            found.add(path)
    return sorted(found)


def _entries(listing: str) -> list[str]:
    return [entry for entry in listing.split("\0") if entry]


def _has_conflict_markers(path: Path) -> bool:
    try:
        content = path.read_bytes()
    except OSError:
        return False
    return content.startswith(b"<<<<<<< ") or b"\n<<<<<<< " in content

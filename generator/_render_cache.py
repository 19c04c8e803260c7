"""Renders of a project kept in its own git object store, so that the next change renders once.

A change to a project's answers merges the difference between two renders at its template
commit: with the answers it records and with the new ones. The first is the second of the change
before it. Copier renders the same files from the same answers file (every render input is a
recorded question, and the file names the template source and commit), so a render stored under
a digest of the answers file's exact bytes stands in for rendering it again.

A render is stored as a git tree in the project's repository (its blobs compressed and shared
with the project's own), named by a small file under `.git/scopecraft/renders/`; no ref, no
commit, nothing in the work tree. An entry that is missing, or whose objects git has since
pruned, is a miss, and the caller renders.
"""

import hashlib
import os
import stat
from importlib.metadata import version
from pathlib import Path

from generator._errors import GitError
from generator._git import git, git_bytes

# Part of every key: a change to how renders are made or stored makes older entries misses.
_FORMAT = "scopecraft render cache 1"

# Entries kept per repository; older ones are removed (git prunes their objects in time).
_KEPT = 16

_EXECUTABLE = 0o100755
_REGULAR = 0o100644


def key(answers: bytes, folder: str) -> str:
    """The key of the render of a project whose answers file holds `answers`, in a directory
    named `folder` (a template may use the name)."""
    digest = hashlib.sha256()
    for part in (_FORMAT, version("copier"), folder):
        digest.update(part.encode() + b"\0")
    digest.update(answers)
    return digest.hexdigest()


def load(repo: Path, entry: str) -> dict[str, bytes] | None:
    """The files of the render stored as `entry`, by path; None if there is none."""
    try:
        tree = (_entries(repo) / entry).read_text(encoding="ascii").strip()
        listing = git_bytes(repo, "ls-tree", "-r", "-z", "--full-tree", tree)
        paths, blobs = [], []
        for record in filter(None, listing.split(b"\0")):
            meta, path = record.split(b"\t", 1)
            _, kind, blob = meta.split()
            if kind != b"blob":
                return None
            paths.append(os.fsdecode(path))
            blobs.append(blob)
        return dict(zip(paths, _read_blobs(repo, blobs), strict=True))
    except (OSError, GitError, ValueError):
        return None


def store(repo: Path, entry: str, render: Path, scratch: Path) -> None:
    """Keep the render in `render` (but a `.git` in it) as `entry`; `scratch` is a directory for
    a temporary index.

    Best effort: a render that cannot be stored (a symlink in it, a read-only repository) is
    simply rendered again next time.
    """
    found = []
    for directory, subdirectories, names in os.walk(render):
        if directory == str(render) and ".git" in subdirectories:
            subdirectories.remove(".git")
        found += [Path(directory, name) for name in [*subdirectories, *names]]
    paths = sorted(path for path in found if path.is_symlink() or not path.is_dir())
    if any(path.is_symlink() or "\n" in str(path) for path in paths):
        return
    try:
        blobs = git_bytes(
            repo,
            "hash-object",
            "-w",
            "--no-filters",
            "--stdin-paths",
            input="".join(f"{path}\n" for path in paths).encode(errors="surrogateescape"),
        ).split()
        index = b"".join(
            b"%o %s\t%s\0" % (_mode(path), blob, os.fsencode(path.relative_to(render).as_posix()))
            for path, blob in zip(paths, blobs, strict=True)
        )
        index_file = {"GIT_INDEX_FILE": str(scratch / f"{entry}.index")}
        git_bytes(repo, "update-index", "-z", "--add", "--index-info", input=index, env=index_file)
        tree = git_bytes(repo, "write-tree", env=index_file).decode().strip()
        entries = _entries(repo)
        entries.mkdir(parents=True, exist_ok=True)
        (entries / entry).write_text(f"{tree}\n", encoding="ascii")
        for stale in sorted(entries.iterdir(), key=lambda path: path.stat().st_mtime)[:-_KEPT]:
            stale.unlink()
    except (OSError, GitError):
        return


def _entries(repo: Path) -> Path:
    return Path(git(repo, "rev-parse", "--absolute-git-dir")) / "scopecraft" / "renders"


def _mode(path: Path) -> int:
    return _EXECUTABLE if path.stat().st_mode & stat.S_IXUSR else _REGULAR


def _read_blobs(repo: Path, blobs: list[bytes]) -> list[bytes]:
    """The contents of `blobs`, read by one `git cat-file --batch`."""
    output = git_bytes(repo, "cat-file", "--batch", input=b"".join(b + b"\n" for b in blobs))
    contents, offset = [], 0
    for blob in blobs:
        header_end = output.index(b"\n", offset)
        name, kind, size = output[offset:header_end].split()
        if name != blob or kind != b"blob":
            raise ValueError(f"unexpected object {name!r} in the render cache")
        start = header_end + 1
        contents.append(output[start : start + int(size)])
        offset = start + int(size) + 1
    return contents

"""The difference between two renders of a project, carried into it by a 3-way merge.

For each file the old and the new render disagree on, the old render is the base, the new one
is theirs and the project's file is ours. The rules are those of Copier's update, which a test
holds this module to:

- a file the template no longer renders is deleted, edited or not;
- the answers file is the new render's;
- a file only the new render has is created; where the project already has a different file
  there, the two are merged as if both had started from an empty file;
- a changed file the user has not edited takes the new render; an edited one is merged by
  `git merge-file`. Overlapping edits are left between conflict markers and unmerged in the
  index, with the base, the user's and the template's versions as stages 1, 2 and 3. Where git
  cannot merge (binary files), the user's file stays, unmerged; there Copier differs, and
  silently takes the template's;
- a file the user deleted stays deleted, unless it matches `_skip_if_exists`: such a file is
  rendered whenever it is missing, and never touched while it exists (migrations are written
  once).
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator import _git
from generator._errors import RenderError

# Copier's labels for the three sides of a conflict, so that both leave the same markers.
LABELS = ("before updating", "last update", "after updating")


@dataclass(frozen=True)
class FileMerge:
    """What the merge does to one file of the project."""

    path: str
    status: str  # created, changed or deleted
    content: bytes | None = None  # None when deleted
    # Permission bits of a created file (the template's, as Copier sets them).
    mode: int | None = None
    conflict: bool = False
    # The old and the new render's versions (or an empty file), for the stages of a conflict.
    base: Path | None = None
    theirs: Path | None = None


def plan(
    project: Path,
    old: Mapping[str, bytes],
    new: Path,
    skip_if_exists: Callable[[str], bool],
    answers_file: str,
    scratch: Path,
) -> list[FileMerge]:
    """Merge the difference between the renders `old` (the files' content by path) and `new` (a
    directory) into the files of `project`, in memory; `scratch` is an empty directory for the
    base versions `git merge-file` reads."""
    new_files = files_under(new)
    merges = []
    for path in sorted(old.keys() | new_files.keys()):
        if path == answers_file and path in new_files:
            merge = _take(path, project, new_files[path])
        else:
            merge = _merge(
                path, project, old.get(path), new_files.get(path), skip_if_exists, scratch
            )
        if merge is not None:
            merges.append(merge)
    return merges


def _merge(
    path: str,
    project: Path,
    base: bytes | None,
    theirs: Path | None,
    skip_if_exists: Callable[[str], bool],
    scratch: Path,
) -> FileMerge | None:
    ours = project / path
    exists = ours.exists()
    if exists and not ours.is_file():
        raise RenderError(f"{path} is a directory in the project but a file in the template")
    if theirs is None:
        return FileMerge(path, "deleted") if exists and not ours.is_symlink() else None
    template = theirs.read_bytes()
    if not exists:
        if base is None or skip_if_exists(path):
            return FileMerge(path, "created", template, _permissions(theirs))
        return None  # deleted by the user
    if base == template or skip_if_exists(path):
        return None
    mine = ours.read_bytes()
    if mine == template:
        return None
    if mine == base:
        return FileMerge(path, "changed", template)
    # Files both sides added merge as if from an empty one.
    base_file = scratch / "base" / path
    base_file.parent.mkdir(parents=True, exist_ok=True)
    base_file.write_bytes(base or b"")
    merged = _git.merge_file(project, ours, base_file, theirs, LABELS)
    if merged is None:
        # git cannot merge these (binary files): the user's file stays, to be resolved.
        return FileMerge(path, "changed", mine, conflict=True, base=base_file, theirs=theirs)
    content, conflict = merged
    if content == mine:
        return None
    return FileMerge(path, "changed", content, conflict=conflict, base=base_file, theirs=theirs)


def _take(path: str, project: Path, theirs: Path) -> FileMerge | None:
    """The new render's file, whatever the project's is."""
    ours = project / path
    template = theirs.read_bytes()
    if not ours.is_file():
        return FileMerge(path, "created", template, _permissions(theirs))
    return None if ours.read_bytes() == template else FileMerge(path, "changed", template)


def apply(project: Path, repo: Path, merges: list[FileMerge]) -> list[str]:
    """Write the merges into the project; record each conflict's stages in the index. Returns
    the conflicted paths."""
    for merge in merges:
        target = project / merge.path
        if merge.content is None:
            target.unlink()
            _remove_empty_directories(target.parent, project)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(merge.content)
        if merge.mode is not None:
            target.chmod(merge.mode)
    conflicts = [merge for merge in merges if merge.conflict]
    if conflicts:
        _record_stages(project, repo, conflicts)
    return [merge.path for merge in conflicts]


def _record_stages(project: Path, repo: Path, conflicts: list[FileMerge]) -> None:
    """Mark the conflicted files unmerged, as Copier does after its own `git merge-file`."""
    prefix = project.relative_to(repo).as_posix()
    in_repo = {
        (merge.path if prefix == "." else f"{prefix}/{merge.path}"): merge for merge in conflicts
    }
    sides = sorted({side for merge in conflicts for side in (merge.base, merge.theirs) if side})
    hashed = _git.git_bytes(
        repo,
        "hash-object",
        "-w",
        "--stdin-paths",
        input="".join(f"{side}\n" for side in sides).encode(errors="surrogateescape"),
    )
    blobs = dict(zip(sides, hashed.split(), strict=True))
    staged = _git.git_bytes(
        repo, "--literal-pathspecs", "ls-files", "--stage", "-z", "--", *in_repo
    ).split(b"\0")
    lines = []
    for entry in filter(None, staged):
        meta, raw_path = entry.split(b"\t", 1)
        mode, blob, _ = meta.split()
        path = os.fsdecode(raw_path)
        merge = in_repo[path]
        lines.append(b"0 %s\t%s" % (b"0" * 40, raw_path))
        lines.append(b"%s %s 2\t%s" % (mode, blob, raw_path))
        for stage, side in ((1, merge.base), (3, merge.theirs)):
            if side is not None:
                lines.append(b"%s %s %d\t%s" % (mode, blobs[side], stage, raw_path))
    _git.git_bytes(repo, "update-index", "-z", "--index-info", input=b"\0".join(lines) + b"\0")


def files_under(root: Path) -> dict[str, Path]:
    """Every file under `root`, by its path relative to it."""
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory, name)
            found[path.relative_to(root).as_posix()] = path
    return found


def _permissions(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def _remove_empty_directories(directory: Path, project: Path) -> None:
    """Remove `directory` and its parents, up to `project`, while they are empty."""
    while directory != project and directory.is_relative_to(project):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent

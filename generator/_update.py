"""A change to a project's answers, applied as one Copier update and one commit.

The update first runs in a clone of the project's HEAD (the preflight): it proves that the
template renders with the new answers and lists exactly which files change, which is all that
`--dry-run` shows. Only then does it run in the project itself, where Copier's 3-way merge keeps
the user's edits. Any failure there restores the project to its last commit, which was clean
before the change began; conflicts are left for the user to resolve, uncommitted.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import _copier, _git
from generator._errors import ScopecraftError
from generator._project import Project, check_template_source

_STATUS = {"A": "created", "M": "changed", "D": "deleted"}


@dataclass(frozen=True)
class FileChange:
    """One file the change creates, changes or deletes, and whether it conflicts."""

    status: str
    path: str
    conflict: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a change did, or would do with `--dry-run`."""

    project: Project
    files: list[FileChange]
    dry_run: bool
    commit: str | None = None
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def change_project(
    project: Project, data: dict[str, Any], message: str, *, dry_run: bool
) -> Outcome:
    """Apply `data` (new answers) to `project` and commit it as `message`; or only preview it."""
    check_template_source(project)
    files, warnings = preflight(project, data)
    if dry_run:
        return Outcome(project, files, dry_run=True, warnings=warnings)
    return apply(project, data, message, files)


def preflight(
    project: Project, data: dict[str, Any], *, to: str | None = None
) -> tuple[list[FileChange], list[str]]:
    """Run the update (to template version `to`, else the recorded one) in a throwaway clone of
    the project's HEAD; list the files it touches."""
    with tempfile.TemporaryDirectory(prefix="scopecraft-preflight-") as tmp:
        clone = Path(tmp) / project.repo.name
        _git.clone(project.repo, clone)
        warnings = _copier.update(clone / project.path.relative_to(project.repo), data, to=to)
        conflicts = set(_git.conflicts(clone))
        files = [
            FileChange(_STATUS.get(status, "changed"), path, path in conflicts)
            for status, path in _git.staged_changes(clone)
        ]
    return _files_in_project(project, files), warnings


def apply(
    project: Project, data: dict[str, Any], message: str, planned: list[FileChange]
) -> Outcome:
    """Run the update in the project and commit it; restore the project if anything fails."""
    try:
        warnings = _copier.update(project.path, data)
        conflicts = _in_project(project, _git.conflicts(project.repo))
        if conflicts:
            return Outcome(project, planned, False, conflicts=conflicts, warnings=warnings)
        commit = _git.commit_all(project.repo, message)
    except ScopecraftError as exc:
        _git.restore(project.repo)
        raise type(exc)(f"{exc}; the project was restored to its last commit") from exc
    except BaseException:
        _git.restore(project.repo)
        raise
    files = [
        FileChange(_STATUS.get(status, "changed"), path)
        for status, path in _git.committed_changes(project.repo, commit)
    ]
    return Outcome(
        project, _files_in_project(project, files), False, commit=commit, warnings=warnings
    )


def _in_project(project: Project, paths: list[str]) -> list[str]:
    """Repository paths made relative to the project, which may sit below the repository root."""
    return [f.path for f in _files_in_project(project, [FileChange("changed", p) for p in paths])]


def _files_in_project(project: Project, files: list[FileChange]) -> list[FileChange]:
    """The files under the project, with paths relative to it."""
    prefix = project.path.relative_to(project.repo).as_posix() + "/"
    if prefix == "./":
        return files
    return [
        FileChange(f.status, f.path.removeprefix(prefix), f.conflict)
        for f in files
        if f.path.startswith(prefix)
    ]


def report_files(outcome: Outcome, *, dry_run_verbs: bool = False) -> list[str]:
    """One line per file, created first, then changed, then deleted."""
    verbs = {"created": "create", "changed": "change", "deleted": "delete"}
    order = {"created": 0, "changed": 1, "deleted": 2}
    lines = []
    for file in sorted(outcome.files, key=lambda f: (order[f.status], f.path)):
        verb = verbs[file.status] if dry_run_verbs else file.status
        note = "  (conflicts with your edits)" if file.conflict else ""
        lines.append(f"  {verb:<8} {file.path}{note}")
    return lines

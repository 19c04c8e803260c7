"""A change to a project's answers at its template commit, as one 3-way merge and one commit.

render -> merge -> (dry run: report) -> write -> (conflicts: report, uncommitted) -> commit.

The project is rendered with the answers it records and with the new ones, both at the recorded
template commit (`_replay`), and the difference between the two renders is merged into the
project (`_merge`), keeping the user's edits: the files Copier's own update would leave, at about
the cost of one render. Nothing touches the project until both renders have succeeded, so a
template that fails to render changes nothing, and `--dry-run` stops before writing with the
list of files, conflicts included. A failure while writing or committing restores the project to
its last commit, which was clean before the change began; conflicts are left for the user to
resolve, uncommitted. The new render is kept (`_render_cache`): the next change starts from it.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import _git, _merge, _render_cache, _replay
from generator._answers import ANSWERS_FILE
from generator._errors import RenderError, ScopecraftError
from generator._project import Project, check_template_source


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
    with tempfile.TemporaryDirectory(prefix="scopecraft-change-") as tmp:
        scratch = Path(tmp)
        renders = _replay.render(project, data, scratch)
        merges = _merge.plan(
            project.path,
            renders.old,
            renders.new,
            renders.skip_if_exists,
            ANSWERS_FILE,
            scratch / "merge",
        )
        files = [FileChange(merge.status, merge.path, merge.conflict) for merge in merges]
        if dry_run:
            return Outcome(project, files, dry_run=True, warnings=renders.warnings)
        outcome = _apply(project, merges, message, files, renders.warnings)
        _render_cache.store(project.repo, renders.new_key, renders.new, scratch)
        if renders.rendered_old is not None:
            old_dir, old_key = renders.rendered_old
            _render_cache.store(project.repo, old_key, old_dir, scratch)
    return outcome


def _apply(
    project: Project,
    merges: list[_merge.FileMerge],
    message: str,
    files: list[FileChange],
    warnings: list[str],
) -> Outcome:
    """Write the merge into the project and commit it; restore the project if anything fails."""
    restored = "; the project was restored to its last commit"
    try:
        conflicts = _merge.apply(project.path, project.repo, merges)
        if conflicts:
            return Outcome(project, files, False, conflicts=conflicts, warnings=warnings)
        commit = _git.commit_all(project.repo, message)
    except ScopecraftError as exc:
        _git.restore(project.repo)
        raise type(exc)(f"{exc}{restored}") from exc
    except OSError as exc:
        _git.restore(project.repo)
        raise RenderError(f"cannot write {exc.filename or 'the project'}: {exc}{restored}") from exc
    except BaseException:
        _git.restore(project.repo)
        raise
    return Outcome(project, files, False, commit=commit, warnings=warnings)


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

"""`scopecraft update`: bring a project to a newer template release, keeping the user's edits.

open -> check the source -> choose the release -> preflight in a clone -> update -> detect
conflicts -> report. Every refusal (dirty tree, no answers file, unreachable source, unknown
version, downgrade) comes before anything is written; "already at vX" is a no-op.

The update is Copier's own (`run_update` to the release's tag, inline conflicts), so plain
`copier update --defaults` in the project gives the same files. Unlike add-resource, it is left
uncommitted: a new template release changes code the user owns, so they review it and run their
tests before committing. The output says so, since every scopecraft command refuses the project
until that commit exists.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import _copier, _git
from generator._errors import RenderError, ScopecraftError, UsageError
from generator._migrations import head, read_revisions, release_answers, release_questions
from generator._project import Project, check_template_source, open_project
from generator._releases import (
    Release,
    changelog_between,
    find,
    newest,
    read_file,
    releases,
    version_of,
)
from generator._update import FileChange, report_files
from generator._update import Outcome as _FilesOutcome

ABORT = "git reset --hard && git clean -fd"


@dataclass(frozen=True)
class UpdateRequest:
    """What the user asked for, as given on the command line."""

    to: str | None = None
    dry_run: bool = False
    project: str | None = None


@dataclass(frozen=True)
class Updated:
    """What an update did, would do (`dry_run`), or why it had nothing to do (`target` is None)."""

    project: Project
    source: str
    old: str
    target: Release | None
    newest: Release | None
    dry_run: bool = False
    files: list[FileChange] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    changelog: list[str] | None = None
    warnings: list[str] = field(default_factory=list)


def update(request: UpdateRequest) -> Updated:
    """Update the project as `request` asks; raise ScopecraftError, writing nothing, if it can't."""
    project = open_project(request.project)
    source = check_template_source(project)
    old = str(project.answers["_commit"])
    current = version_of(old)
    if current is None:
        raise RenderError(
            f"the project records template commit {old}, which is not a release version, so "
            "scopecraft cannot tell which releases are newer; use `copier update --defaults`"
        )
    available = releases(source)
    latest = newest(available)
    target = _choose(available, latest, request.to, source)
    # Nothing newer: the project is at the newest release, or past it (rendered from a commit
    # after the last tag). Only a version asked for by name can be a downgrade.
    if (
        target is None
        or target.version == current
        or (request.to is None and target.version < current)
    ):
        return Updated(project, source, old, None, latest)
    if target.version < current:
        raise UsageError(
            f"{target.tag} is older than the project's template {old}: downgrades are not "
            "supported (Copier cannot merge backwards); check out an older commit of the project "
            "instead"
        )
    changelog = changelog_between(source, current, target)
    data = _release_migrations(project, source, target)
    files, warnings = preflight(project, target, data)
    if request.dry_run:
        return Updated(project, source, old, target, latest, True, files, [], changelog, warnings)
    conflicts, warnings = _apply(project, target, data)
    return Updated(
        project, source, old, target, latest, False, files, conflicts, changelog, warnings
    )


def _choose(
    available: list[Release], latest: Release | None, wanted: str | None, source: str
) -> Release | None:
    """The release to update to: the one `--to` names, else the newest (None: no releases)."""
    if wanted is None:
        return latest
    release = find(available, wanted)
    if release is None:
        names = ", ".join(r.tag for r in available) or "none"
        raise UsageError(
            f"the template source {source} has no version {wanted!r} (its releases: {names})"
        )
    return release


def _release_migrations(project: Project, source: str, target: Release) -> dict[str, Any]:
    """Answers for the release migrations `target` adds and the project has not recorded yet.

    Copier's own defaults put each after the last recorded migration; passing them explicitly
    makes them revise the project's real head, so the user's own migrations keep one history.
    """
    config = read_file(source, target.tag, "copier.yml")
    questions = release_questions(config or "")
    pending = [question for question in questions if question not in project.answers]
    if not pending:
        return {}
    revisions = read_revisions(project.path)
    recorded = [str(m.get("revision", "")) for m in project.migrations]
    return release_answers(
        pending,
        project.migrations,
        [*(r.id for r in revisions), *recorded],
        head(revisions, project.package_name),
    )


_STATUS = {"A": "created", "M": "changed", "D": "deleted"}


def preflight(
    project: Project, target: Release, data: dict[str, Any]
) -> tuple[list[FileChange], list[str]]:
    """Run the update in a throwaway clone of the project's HEAD; list the files it touches."""
    with tempfile.TemporaryDirectory(prefix="scopecraft-preflight-") as tmp:
        clone = Path(tmp) / project.repo.name
        _git.clone(project.repo, clone)
        within = clone / project.path.relative_to(project.repo)
        warnings = _copier.update(within, data, to=target.tag)
        conflicts = set(_git.conflicts(clone))
        files = [
            FileChange(_STATUS.get(status, "changed"), path, path in conflicts)
            for status, path in _git.staged_changes(clone)
        ]
    return _files_in_project(project, files), warnings


def _apply(project: Project, target: Release, data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Run the update in the project; restore its last commit if Copier or git fails."""
    try:
        warnings = _copier.update(project.path, data, to=target.tag)
        conflicts = _in_project(project, _git.conflicts(project.repo))
    except ScopecraftError as exc:
        _git.restore(project.repo)
        raise type(exc)(f"{exc}; the project was restored to its last commit") from exc
    except BaseException:
        _git.restore(project.repo)
        raise
    return conflicts, warnings


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


def commit_message(target: Release) -> str:
    """The commit the user is told to make: `Update to Scopecraft template v0.2.0`."""
    return f"Update to Scopecraft template {target.tag} (scopecraft update)"


def report(updated: Updated) -> str:
    """What the update changed (or would change), the template's changelog, and what next."""
    project = updated.project
    name = f"{project.package_name} in {project.path}"
    target = updated.target
    if target is None:
        latest, current = updated.newest, version_of(updated.old)
        if latest is None:
            newest_note = f"{updated.source} has no release tags"
        elif current is not None and current > latest.version:
            newest_note = f"newer than {latest.tag}, the newest release of {updated.source}"
        else:
            newest_note = f"the newest release of {updated.source}"
        return f"{name} is already at template {updated.old} ({newest_note}); nothing to do."
    files = report_files(
        _FilesOutcome(project, updated.files, updated.dry_run), dry_run_verbs=updated.dry_run
    )
    if updated.dry_run:
        lines = [f"Dry run: updating {name} from template {updated.old} to {target.tag} would:"]
        lines += files or ["  change nothing but the recorded template version"]
    else:
        lines = [f"Updated {name} from template {updated.old} to {target.tag} (not committed):"]
        lines += files
    lines += [f"  warning  {warning}" for warning in updated.warnings]
    lines += ["", *_changelog_lines(updated)]
    if updated.dry_run:
        if any(file.conflict for file in updated.files):
            lines.append("The files marked conflict would be left with conflict markers.")
        lines.append("Nothing was written.")
        return "\n".join(lines)
    if updated.conflicts:
        return "\n".join(lines)
    lines += [
        "",
        "Nothing is committed: review the update and run the tests first.",
        "  git diff",
        "  python -m pytest",
        f'  git add --all && git commit -m "{commit_message(target)}"',
        "Until you commit, scopecraft commands refuse this project, since its tree is dirty.",
        f"To abort the update: {ABORT}",
    ]
    return "\n".join(lines)


def _changelog_lines(updated: Updated) -> list[str]:
    target = updated.target
    assert target is not None
    if updated.changelog is None:
        return [f"The template has no CHANGELOG.md at {target.tag}."]
    if not updated.changelog:
        return [f"CHANGELOG.md at {target.tag} lists no release after {updated.old}."]
    return [
        f"Template changes since {updated.old} (CHANGELOG.md):",
        *(f"  {line}" if line.strip() else "" for line in updated.changelog),
    ]


def conflict_report(updated: Updated) -> str:
    """The conflicted files, and how to finish or abort (printed to stderr)."""
    target = updated.target
    assert target is not None
    lines = [
        f"scopecraft: error: the update to {target.tag} conflicts with your edits in "
        f"{len(updated.conflicts)} file(s); nothing was committed:"
    ]
    lines += [f"  {path}" for path in updated.conflicts]
    lines += [
        "To finish: in each file keep the lines you want and delete the <<<<<<< ======= >>>>>>> "
        "markers, then",
        "  git add --all && python -m pytest",
        f'  git commit -m "{commit_message(target)}"',
        f"To abort and return to the last commit: {ABORT}",
    ]
    return "\n".join(lines)

"""An existing project: found, checked clean and updatable, and its answers read.

Commands that change a project refuse to start unless the change can be one reviewable commit
that `git revert` undoes: the project has its answers file, sits in a git repository with
commits, and has nothing uncommitted.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import _git
from generator._answers import ANSWERS_FILE, read_answers
from generator._bundle import HOME_BUNDLE, refresh_home_bundle
from generator._errors import RenderError, UsageError
from generator._migrations import release_questions_answered
from generator._resources import Resource
from generator._source import is_url

# Dirty files named in a refusal; the rest are counted.
_LISTED_DIRTY_FILES = 5


@dataclass(frozen=True)
class Project:
    """A project made by Scopecraft (or by `copier copy` from its template)."""

    path: Path
    repo: Path
    answers: dict[str, Any]

    @property
    def package_name(self) -> str:
        return str(self.answers.get("package_name", "app"))

    @property
    def resources(self) -> list[Resource]:
        return list(self.answers.get("resources") or [])

    @property
    def migrations(self) -> list[dict[str, Any]]:
        return list(self.answers.get("migrations") or [])

    @property
    def releases(self) -> list[dict[str, Any]]:
        """The template release migrations the answers record (`upgrade_X_Y`), oldest first."""
        return [self.answers[q] for q in release_questions_answered(self.answers)]


def project_dir(option: str | None) -> Path:
    """The directory of the project at `option` (default: the current directory).

    Raises UsageError unless it exists and holds the answers file.
    """
    path = Path(option or ".").expanduser().resolve()
    if not path.is_dir():
        raise UsageError(f"project directory {path} does not exist")
    if not (path / ANSWERS_FILE).is_file():
        raise UsageError(
            f"{path} has no {ANSWERS_FILE}, so it is not a Scopecraft project; "
            "run the command in the project's directory or pass --project DIR"
        )
    return path


def open_project(option: str | None) -> Project:
    """The project at `option` (default: the current directory), checked ready for a change."""
    path = project_dir(option)
    repo = _git.repo_root(path)
    if repo is None or _git.head_commit(repo) is None:
        raise UsageError(
            f"{path} is not in a git repository with commits; Scopecraft makes each change one "
            "commit, so commit the project first (git init && git add --all && git commit)"
        )
    dirty = [line[3:] for line in _git.uncommitted_changes(repo)]
    if dirty:
        listed = ", ".join(dirty[:_LISTED_DIRTY_FILES])
        more = len(dirty) - _LISTED_DIRTY_FILES
        raise UsageError(
            f"{repo} has uncommitted changes ({listed}{f' and {more} more' if more > 0 else ''}); "
            "commit or stash them first, so that this change is a commit of its own"
        )
    answers = read_answers(path)
    _check_resources_answer(path, answers)
    return Project(path, repo, answers)


def _check_resources_answer(path: Path, answers: dict[str, Any]) -> None:
    """The answers must hold what the CLI reads from them; hand-edited ones may not."""
    resources, migrations = answers.get("resources") or [], answers.get("migrations") or []
    well_formed = isinstance(resources, list) and isinstance(migrations, list)
    for resource in resources if well_formed else []:
        well_formed = well_formed and (
            isinstance(resource, dict)
            and {"name", "plural", "scope", "fields"} <= resource.keys()
            and isinstance(resource["fields"], list)
            and all(isinstance(field, dict) and "name" in field for field in resource["fields"])
        )
    if not well_formed:
        raise RenderError(
            f"the resources or migrations recorded in {path / ANSWERS_FILE} are malformed; "
            "restore the file from git"
        )


def check_template_source(project: Project) -> str:
    """The template source the project records, if it can still be found; else RenderError."""
    source = project.answers.get("_src_path")
    commit = project.answers.get("_commit")
    if not source or not commit:
        raise RenderError(
            f"{ANSWERS_FILE} records no template source or commit, so the project cannot be "
            "updated; was it copied from a template that is not a git repository?"
        )
    source = str(source)
    refresh_home_bundle(source)
    if not is_url(source) and not Path(source).expanduser().exists():
        restore = (
            "install scopecraft (its wheel carries the template) and run this command again"
            if source == HOME_BUNDLE
            else "restore it there"
        )
        raise RenderError(
            f"the project's template source {source} (in {ANSWERS_FILE}) no longer exists; "
            f"{restore}, since Copier re-renders the template to merge your edits"
        )
    return source

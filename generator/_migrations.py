"""The project's Alembic history, read from `migrations/versions/*.py` without importing it.

A resource migration must revise the project's current head, whoever wrote the migrations before
it (Scopecraft, or the user with `flask db migrate`), and take a revision id nobody has used.

A template release that changes tables existing before it adds one migration of its own, recorded
in the answers under a question `upgrade_X_Y` (copier.yml): written once, when the project first
reaches the release, after the migrations it had then.
"""

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator._errors import RenderError, UsageError

VERSIONS = Path("migrations") / "versions"

# The template's own first migration, `0001_accounts.py`: the root every project starts from.
FIRST_REVISION = "0001"

# Scopecraft numbers its revisions; the user's own revisions may have Alembic's hex ids.
_NUMBERED = re.compile(r"\A[0-9]{4}\Z")

# A copier.yml question recording the migration of template release X.Y: `upgrade_X_Y`.
RELEASE_QUESTION = re.compile(r"\Aupgrade_([0-9]+)_([0-9]+)\Z")


@dataclass(frozen=True)
class Revision:
    """One migration file: its revision id and the ids it revises (several for a merge)."""

    id: str
    down: tuple[str, ...]
    path: str


def read_revisions(project: Path) -> list[Revision]:
    """Every revision under the project's `migrations/versions/`."""
    revisions = []
    for path in sorted((project / VERSIONS).glob("*.py")):
        relative = path.relative_to(project).as_posix()
        try:
            tree = ast.parse(path.read_bytes(), filename=relative)
        except (OSError, SyntaxError, ValueError) as exc:
            raise UsageError(f"cannot read migration {relative}: {exc}") from exc
        values = _module_constants(tree, ("revision", "down_revision"))
        if "revision" not in values:
            continue
        revision, down = values["revision"], values.get("down_revision")
        if isinstance(down, str):
            down = (down,)
        if not isinstance(revision, str) or not (
            down is None
            or (isinstance(down, tuple | list) and all(isinstance(d, str) for d in down))
        ):
            raise UsageError(
                f"migration {relative} has a revision or down_revision Scopecraft cannot read"
            )
        revisions.append(Revision(revision, tuple(down or ()), relative))
    return revisions


def _module_constants(tree: ast.Module, names: tuple[str, ...]) -> dict[str, object]:
    """Literal values assigned at module level to `names` (`x = ...` or `x: T = ...`)."""
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                found[target.id] = value
    return found


def head(revisions: Iterable[Revision], package_name: str) -> str:
    """The single revision nothing revises; refuse none, or several until they are merged."""
    revisions = list(revisions)
    revised = {down for revision in revisions for down in revision.down}
    heads = sorted({revision.id for revision in revisions} - revised)
    if not heads:
        raise UsageError(
            f"no Alembic revision found in {VERSIONS}; the project needs its migrations"
        )
    if len(heads) > 1:
        raise UsageError(
            f"the migrations have {len(heads)} heads ({', '.join(heads)}); merge them with "
            f"`flask --app {package_name} db merge heads`, commit, and retry"
        )
    return heads[0]


def next_revision(ids: Iterable[str]) -> str:
    """The next free Scopecraft revision id: one more than the highest 4-digit id, as `%04d`."""
    numbers = [int(id_) for id_ in ids if _NUMBERED.match(id_)]
    number = max(numbers, default=int(FIRST_REVISION)) + 1
    if number > 9999:
        raise UsageError("the 4-digit migration ids are exhausted (9999 reached)")
    return f"{number:04d}"


def next_slot(project: Path, recorded: Iterable[str], package_name: str) -> tuple[str, str]:
    """(revision, down_revision) for the project's next migration.

    It revises the current head and takes an id above every numbered revision, those in the
    files and those `recorded` in the `migrations` answer, so that no id is ever reused.
    """
    revisions = read_revisions(project)
    down = head(revisions, package_name)
    return next_revision([*(r.id for r in revisions), *recorded]), down


def release_questions(copier_yml: str) -> list[str]:
    """The release migration questions a template's copier.yml defines, oldest release first."""
    try:
        config = yaml.safe_load(copier_yml)
    except yaml.YAMLError as exc:
        raise RenderError(f"the template's copier.yml cannot be read: {exc}") from exc
    names = [str(key) for key in config or {} if RELEASE_QUESTION.match(str(key))]
    return sorted(names, key=_release_version)


def release_questions_answered(answers: dict[str, Any]) -> list[str]:
    """The release migration questions recorded in a project's answers, oldest release first."""
    return sorted((key for key in answers if RELEASE_QUESTION.match(key)), key=_release_version)


def _release_version(question: str) -> tuple[int, int]:
    match = RELEASE_QUESTION.match(question)
    assert match is not None, question
    return int(match.group(1)), int(match.group(2))


def release_file(question: str, revision: str) -> str:
    """The file of a release migration: `migrations/versions/0005_release_0_2.py`."""
    return (VERSIONS / f"{revision}_{question.replace('upgrade_', 'release_', 1)}.py").as_posix()


def live_resources(migrations: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The resource snapshots whose tables the `migrations` answer leaves in place, in order."""
    live: list[dict[str, Any]] = []
    for migration in migrations:
        resource = migration["resource"]
        live = [r for r in live if r["name"] != resource["name"]]
        if migration["action"] == "create":
            live.append(resource)
    return live


def release_answers(
    questions: Sequence[str], migrations: Sequence[dict[str, Any]], ids: Iterable[str], down: str
) -> dict[str, dict[str, Any]]:
    """Answers for release migrations the project has not recorded yet, revising `down` in turn.

    Each takes the next free revision after `ids` and upgrades the tables of every resource the
    recorded migrations created (none in a new project). This is what copier.yml computes itself
    when a plain `copier update` reaches the release; Scopecraft passes it explicitly so that
    the migration revises the project's real head, the user's own migrations included.
    """
    answers: dict[str, dict[str, Any]] = {}
    taken = list(ids)
    resources = live_resources(migrations)
    for question in questions:
        revision = next_revision(taken)
        answers[question] = {"revision": revision, "down_revision": down, "resources": resources}
        taken.append(revision)
        down = revision
    return answers

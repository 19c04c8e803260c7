"""add-resource and remove-resource leave exactly what Copier's own update leaves.

scopecraft renders the project twice at its template commit and merges the difference itself;
Copier's `update` (`copier update --defaults --vcs-ref=:current: --data-file ...`) does the same
change its own way. Both run on copies of one project whose user has edited, added and deleted
files, and the two trees (and, with a conflict, the unmerged index entries) must be identical.

The template is the one under test plus what a later release may bring: a recorded question
whose default is computed from other answers, a computed value (`when: false`), and a file
that an `_exclude` entry leaves out of updates (`_copier_operation`).
"""

import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import _render_cache
from tests.support import (
    BIN,
    GIT_IDENTITY,
    PACKAGE,
    RESOURCE_SPECS,
    SCOPECRAFT,
    TEMPLATE_TAG,
    content_digest,
    git,
    isolated_env,
    output,
    run,
)

REGISTRY = f"src/{PACKAGE}/resources/__init__.py"
TESTS_REGISTRY = "tests/resources/registry.py"

# Files the template variant adds: one rendered on every change, one left out of updates.
API_DOC = "API.md"
RENDERED_ONCE = "RESOURCES.md"

# The user's commit in the project, before any change.
APPENDED = {
    "README.md": "\n## Deployment\n\nDeployed by the platform team.\n",
    f"src/{PACKAGE}/resources/note/routes.py": (
        '\n\ndef short_title(title: str) -> str:\n    """A title cut for logs."""\n'
        "    return title[:40]\n"
    ),
    TESTS_REGISTRY: "\n# Hand-written resources are registered in conftest.py.\n",
    f"src/{PACKAGE}/resources/task/model.py": "\n# A note on tasks.\n",
    "migrations/versions/*_create_notes.py": "\n# Reviewed by the DBA.\n",
    RENDERED_ONCE: "\nEdited by hand.\n",
    API_DOC: "\nSee also the OpenAPI document.\n",
}
ADDED_FILES = {
    "NOTES.txt": "The user's own file.\n",
    f"src/{PACKAGE}/resources/task/extra.py": '"""Helpers beside a generated resource."""\n',
}
# A generated file the user deleted stays deleted.
DELETED = "tests/resources/test_bookmark.py"
REGISTRY_DOCSTRING = (
    '"""The project\'s resources, registered by Scopecraft from the `resources` answer."""\n'
)


def only(project: Path, pattern: str) -> Path:
    """The one file of `project` that `pattern` names (migration numbers vary by release)."""
    found = sorted(project.glob(pattern))
    assert len(found) == 1, f"{pattern}: {found}"
    return found[0]


@dataclass(frozen=True)
class Edited:
    """A project rendered from the template variant, with the user's edits committed."""

    project: Path
    template: Path


@pytest.fixture(scope="module")
def user_env(home: Path) -> dict[str, str]:
    return isolated_env(home, **GIT_IDENTITY)


@pytest.fixture(scope="module")
def template_variant(
    tmp_path_factory: pytest.TempPathFactory, template_repo: Path, user_env: dict[str, str]
) -> Path:
    """The template under test with a computed recorded question, a computed value and a file
    left out of updates, committed and tagged in a clone."""
    repo = tmp_path_factory.mktemp("variant") / "scopecraft"
    git(repo.parent, user_env, "clone", "--quiet", str(template_repo), str(repo))
    config_path = repo / "copier.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["_exclude"].append(
        f"{{% if _copier_operation == 'update' %}}{RENDERED_ONCE}{{% endif %}}"
    )
    config["api_title"] = {
        "type": "str",
        "help": "Title of the API documentation",
        "default": "{{ project_name }} API ({{ resources | length }} resources at first)",
    }
    config["resource_names"] = {
        "type": "str",
        "default": "{{ resources | map(attribute='name') | join(', ') }}",
        "when": False,
    }
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (repo / "template" / f"{API_DOC}.jinja").write_text(
        "# {{ api_title }}\n\nResources: {{ resource_names }}.\n\nThe API serves JSON only.\n",
        encoding="utf-8",
    )
    (repo / "template" / f"{RENDERED_ONCE}.jinja").write_text(
        "# Resources at creation\n\n{{ resource_names }}\n", encoding="utf-8"
    )
    git(repo, user_env, "add", "--all")
    git(repo, user_env, "commit", "--quiet", "--message", "A later release's features")
    git(repo, user_env, "tag", "--force", TEMPLATE_TAG)
    return repo


@pytest.fixture(scope="module")
def edited(
    tmp_path_factory: pytest.TempPathFactory,
    template_variant: Path,
    env: dict[str, str],
    user_env: dict[str, str],
) -> Edited:
    project = tmp_path_factory.mktemp("edited") / "notes-api"
    resources = [option for spec in RESOURCE_SPECS for option in ("--resource", spec)]
    done = run(
        [SCOPECRAFT, "new-project", project, "--template", template_variant, *resources],
        project.parent,
        env,
    )
    assert done.returncode == 0, output(done)
    registry = project / REGISTRY
    content = registry.read_text(encoding="utf-8")
    assert REGISTRY_DOCSTRING in content
    registry.write_text(
        content.replace(REGISTRY_DOCSTRING, f"{REGISTRY_DOCSTRING}# Plugins register their own.\n"),
        encoding="utf-8",
    )
    for path, addition in APPENDED.items():
        with only(project, path).open("a", encoding="utf-8") as edited_file:
            edited_file.write(addition)
    for path, content in ADDED_FILES.items():
        (project / path).write_text(content, encoding="utf-8")
    (project / DELETED).unlink()
    git(project, user_env, "add", "--all")
    git(project, user_env, "commit", "--quiet", "--message", "My edits")
    return Edited(project, template_variant)


def copy_of(project: Path, dest: Path) -> Path:
    return Path(shutil.copytree(project, dest / project.name, symlinks=True))


def recorded(project: Path) -> dict[str, Any]:
    answers: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return answers


def copier_update(project: Path, answers: dict[str, Any], env: dict[str, str]) -> None:
    """Copier's own update of `project` at its template commit, to `answers`' resources."""
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data.yml"
        data.write_text(
            yaml.safe_dump({key: answers[key] for key in ("resources", "migrations")}),
            encoding="utf-8",
        )
        done = run(
            [BIN / "copier", "update", "--defaults", "--vcs-ref=:current:", "--data-file", data],
            project,
            env,
        )
    assert done.returncode == 0, output(done)


def scopecraft(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([SCOPECRAFT, *args], project, env)


def assert_same_tree(mine: Path, copiers: Path, env: dict[str, str]) -> None:
    """The same files with the same content, and the same unmerged index entries."""
    differences = run(["diff", "-r", "-x", ".git", mine, copiers], mine.parent, env).stdout
    assert content_digest(mine) == content_digest(copiers), differences
    assert git(mine, env, "ls-files", "--unmerged") == git(copiers, env, "ls-files", "--unmerged")


def test_add_then_remove_equal_copiers_update_on_an_edited_project(
    edited: Edited, env: dict[str, str], user_env: dict[str, str], tmp_path: Path
) -> None:
    mine, copiers = copy_of(edited.project, tmp_path / "a"), copy_of(edited.project, tmp_path / "b")

    # new-project kept no render (the variant's `_exclude` depends on the operation), so this
    # first change renders the recorded answers too.
    assert not (mine / ".git" / "scopecraft").exists()
    done = scopecraft(
        mine, env, "add-resource", "comment", "--parent", "note", "--field", "body:text"
    )

    assert done.returncode == 0, output(done)
    copier_update(copiers, recorded(mine), env)
    assert_same_tree(mine, copiers, env)
    git(copiers, user_env, "add", "--all")
    git(copiers, user_env, "commit", "--quiet", "--message", "Copier's add")
    # What each kind of edit became, beyond being equal.
    assert "# Plugins register their own." in (mine / REGISTRY).read_text(encoding="utf-8")
    assert "comment_blp" in (mine / REGISTRY).read_text(encoding="utf-8")
    assert not (mine / DELETED).exists()
    assert (mine / RENDERED_ONCE).read_text(encoding="utf-8").endswith("Edited by hand.\n")
    api_doc = (mine / API_DOC).read_text(encoding="utf-8")
    assert "(4 resources at first)" in api_doc
    assert "note, bookmark, project, task, comment" in api_doc
    assert api_doc.endswith("See also the OpenAPI document.\n")

    # The next change starts from the render the first one kept.
    done = scopecraft(mine, env, "remove-resource", "task")

    assert done.returncode == 0, output(done)
    copier_update(copiers, recorded(mine), env)
    assert_same_tree(mine, copiers, env)
    assert not (mine / f"src/{PACKAGE}/resources/task/model.py").exists()
    assert (mine / f"src/{PACKAGE}/resources/task/extra.py").is_file()
    assert git(mine, env, "status", "--porcelain") == ""
    assert git(mine, env, "log", "-1", "--format=%s") == (
        "Remove resource task (scopecraft remove-resource)"
    )


def test_the_first_change_starts_from_new_projects_render_and_equals_copiers(
    resources_project: Path, env: dict[str, str], user_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(resources_project, tmp_path / "base")
    kept = list((project / ".git" / "scopecraft" / "renders").iterdir())
    assert len(kept) == 1, "new-project keeps its render for the first change"
    for path, addition in APPENDED.items():
        for found in project.glob(path):  # only what this project has
            with found.open("a", encoding="utf-8") as edited_file:
                edited_file.write(addition)
    git(project, user_env, "commit", "--quiet", "--all", "--message", "My edits")
    mine, copiers = copy_of(project, tmp_path / "a"), copy_of(project, tmp_path / "b")

    done = scopecraft(mine, env, "add-resource", "memo", "--parent", "task", "--field", "rank:int")

    assert done.returncode == 0, output(done)
    copier_update(copiers, recorded(mine), env)
    assert_same_tree(mine, copiers, env)


def test_a_deleted_migration_is_rendered_again_as_copier_does(
    edited: Edited, env: dict[str, str], user_env: dict[str, str], tmp_path: Path
) -> None:
    # Migrations match `_skip_if_exists`: Copier renders such a file whenever it is missing.
    project = copy_of(edited.project, tmp_path / "base")
    migration = only(project, "migrations/versions/*_create_tasks.py")
    migration.unlink()
    git(project, user_env, "commit", "--quiet", "--all", "--message", "Drop a migration")
    mine, copiers = copy_of(project, tmp_path / "a"), copy_of(project, tmp_path / "b")

    done = scopecraft(mine, env, "add-resource", "memo", "--field", "title:str")

    assert done.returncode == 0, output(done)
    copier_update(copiers, recorded(mine), env)
    assert_same_tree(mine, copiers, env)
    assert (mine / migration.relative_to(project)).is_file()


def test_a_conflict_equals_copiers_markers_and_index_stages(
    edited: Edited, env: dict[str, str], user_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(edited.project, tmp_path / "base")
    registry = project / REGISTRY
    content = registry.read_text(encoding="utf-8")
    registry.write_text(content.replace("    task_blp,\n", "    task_blp,  # last\n"))
    git(project, user_env, "commit", "--quiet", "--all", "--message", "A conflicting edit")
    mine, copiers = copy_of(project, tmp_path / "a"), copy_of(project, tmp_path / "b")
    head = git(mine, env, "rev-parse", "HEAD")

    done = scopecraft(mine, env, "add-resource", "memo", "--field", "title:str")

    assert done.returncode == 1, output(done)
    assert f"  {REGISTRY}" in done.stderr.splitlines()
    assert git(mine, env, "rev-parse", "HEAD") == head
    assert "<<<<<<< before updating" in (mine / REGISTRY).read_text(encoding="utf-8")
    copier_update(copiers, recorded(mine), env)
    assert_same_tree(mine, copiers, env)
    assert git(mine, env, "status", "--porcelain") == git(copiers, env, "status", "--porcelain")


def test_a_project_below_the_repository_root_merges_like_copier(
    template_repo: Path, env: dict[str, str], user_env: dict[str, str], tmp_path: Path
) -> None:
    monorepo = tmp_path / "base" / "monorepo"
    project = monorepo / "services" / "notes-api"
    new_project: list[str | Path] = [SCOPECRAFT, "new-project", project, "--template"]
    new_project += [template_repo, "--no-git", "--resource", RESOURCE_SPECS[0]]
    done = run(new_project, tmp_path, env)
    assert done.returncode == 0, output(done)
    (monorepo / "README.md").write_text("Our services.\n")
    git(monorepo, user_env, "init", "--quiet")
    git(monorepo, user_env, "add", "--all")
    git(monorepo, user_env, "commit", "--quiet", "--message", "Monorepo")
    registry = project / REGISTRY
    registry.write_text(registry.read_text().replace("    note_blp,\n", "    note_blp,  # first\n"))
    git(monorepo, user_env, "commit", "--quiet", "--all", "--message", "A conflicting edit")
    mine, copiers = copy_of(monorepo, tmp_path / "a"), copy_of(monorepo, tmp_path / "b")
    subproject = Path("services", "notes-api")

    done = scopecraft(
        mine, env, "add-resource", "memo", "--field", "title:str", "--project", str(subproject)
    )

    assert done.returncode == 1, output(done)
    assert f"  {REGISTRY}" in done.stderr.splitlines()
    copier_update(copiers / subproject, recorded(mine / subproject), env)
    assert_same_tree(mine, copiers, env)
    assert f"services/notes-api/{REGISTRY}" in git(mine, env, "ls-files", "--unmerged")


def test_dry_run_lists_the_conflicts_it_would_leave_and_writes_nothing(
    edited: Edited, env: dict[str, str], user_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(edited.project, tmp_path)
    registry = project / REGISTRY
    content = registry.read_text(encoding="utf-8")
    registry.write_text(content.replace("    task_blp,\n", "    task_blp,  # last\n"))
    git(project, user_env, "commit", "--quiet", "--all", "--message", "A conflicting edit")
    digest, head = content_digest(project), git(project, env, "rev-parse", "HEAD")

    done = scopecraft(project, env, "add-resource", "memo", "--field", "title:str", "--dry-run")

    assert done.returncode == 0, output(done)
    lines = done.stdout.splitlines()
    assert f"  change   {REGISTRY}  (conflicts with your edits)" in lines
    assert f"  change   {TESTS_REGISTRY}" in lines
    assert "The files marked conflict would be left with conflict markers." in lines
    assert content_digest(project) == digest
    assert git(project, env, "rev-parse", "HEAD") == head
    assert git(project, env, "status", "--porcelain") == ""


def test_a_failed_commit_restores_the_last_commit(project_copy: Path, env: dict[str, str]) -> None:
    # git runs this hook for every ref update, --no-verify or not: no branch may move.
    hook = project_copy / ".git" / "hooks" / "reference-transaction"
    hook.write_text(
        "#!/bin/sh\n"
        '[ "$1" = prepared ] || exit 0\n'
        "while read -r old new ref; do\n"
        '  case "$ref" in refs/heads/*) [ "$old" = "$new" ] || exit 1;; esac\n'
        "done\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    digest, head = content_digest(project_copy), git(project_copy, env, "rev-parse", "HEAD")

    done = scopecraft(project_copy, env, "add-resource", "memo", "--field", "title:str")

    assert done.returncode == 1, output(done)
    assert len(done.stderr.splitlines()) == 1, output(done)
    assert "git commit failed" in done.stderr
    assert "the project was restored to its last commit" in done.stderr
    assert content_digest(project_copy) == digest
    assert git(project_copy, env, "rev-parse", "HEAD") == head
    assert git(project_copy, env, "status", "--porcelain") == ""


# The render cache -------------------------------------------------------------------------------


def init_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    git(path, env, "init", "--quiet")
    return path


@pytest.fixture
def isolated_git(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Git run by this process, as the render cache runs it, without the developer's config."""
    for name in ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(name, env[name])


@pytest.mark.usefixtures("isolated_git")
def test_a_stored_render_comes_back_byte_for_byte(tmp_path: Path, env: dict[str, str]) -> None:
    repo = init_repo(tmp_path / "repo", env)
    render = tmp_path / "render"
    files = {
        ".copier-answers.yml": b"_commit: v0.1.0\n",
        "src/pkg/a b.py": b"print('space in the name')\n",
        "scripts/run.sh": b"#!/bin/sh\necho run\n",
        "empty.txt": b"",
        "data/latin1.txt": "caf\u00e9".encode("latin-1"),
        "crlf.txt": b"one\r\ntwo\r\n",
    }
    for path, content in files.items():
        (render / path).parent.mkdir(parents=True, exist_ok=True)
        (render / path).write_bytes(content)
    (render / "scripts/run.sh").chmod(0o755)
    entry = _render_cache.key(b"answers", "render")

    _render_cache.store(repo, entry, render, tmp_path)

    assert _render_cache.load(repo, entry) == files
    assert git(repo, env, "status", "--porcelain") == ""
    assert git(repo, env, "for-each-ref") == ""


@pytest.mark.usefixtures("isolated_git")
def test_a_missing_or_pruned_render_is_a_miss(tmp_path: Path, env: dict[str, str]) -> None:
    repo = init_repo(tmp_path / "repo", env)
    render = tmp_path / "render"
    render.mkdir()
    (render / "a.txt").write_text("a\n")
    entry = _render_cache.key(b"answers", "render")

    assert _render_cache.load(repo, entry) is None

    _render_cache.store(repo, entry, render, tmp_path)
    assert _render_cache.load(repo, entry) == {"a.txt": b"a\n"}
    git(repo, env, "prune", "--expire=now")

    assert _render_cache.load(repo, entry) is None


def test_keys_differ_by_answers_and_folder() -> None:
    keys = {
        _render_cache.key(b"a: 1\n", "notes-api"),
        _render_cache.key(b"a: 2\n", "notes-api"),
        _render_cache.key(b"a: 1\n", "other"),
    }
    assert len(keys) == 3

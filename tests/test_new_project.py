"""A project rendered by `scopecraft new-project`: recorded for updates, committed, linted, and
passing its own test suite on SQLite and PostgreSQL, against the dependency ranges it declares."""

import importlib.metadata
import os
import sqlite3
import tomllib
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from packaging.requirements import Requirement

from tests.support import (
    GIT_IDENTITY,
    PACKAGE,
    RUFF,
    SCOPECRAFT,
    flask,
    git,
    isolated_env,
    output,
    run,
    run_generated_suite,
)


def answers(project: Path) -> dict[str, Any]:
    recorded: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return recorded


def test_answers_record_an_updatable_template_source(
    project: Path, template_repo: Path, env: dict[str, str]
) -> None:
    recorded = answers(project)

    assert recorded["_src_path"] == str(template_repo)
    assert Path(recorded["_src_path"]).is_absolute()
    assert git(template_repo, env, "rev-parse", "--verify", f"{recorded['_commit']}^{{commit}}")
    assert recorded["package_name"] == PACKAGE
    assert recorded["project_name"] == "notes-api"
    assert recorded["resources"] == []


def test_project_is_one_clean_commit_on_main(project: Path, env: dict[str, str]) -> None:
    assert git(project, env, "rev-list", "--count", "HEAD") == "1"
    assert git(project, env, "branch", "--show-current") == "main"
    assert git(project, env, "status", "--porcelain") == ""


def test_commit_falls_back_to_scopecraft_identity_without_git_config(
    project: Path, env: dict[str, str]
) -> None:
    author = git(project, env, "log", "-1", "--format=%an <%ae>")
    assert author == "Scopecraft <scopecraft@localhost>"


def test_commit_uses_the_configured_git_identity(
    template_repo: Path, home: Path, tmp_path: Path
) -> None:
    env = isolated_env(home, **GIT_IDENTITY)
    dest = tmp_path / "notes-api"

    done = run([SCOPECRAFT, "new-project", dest, "--template", template_repo], tmp_path, env)

    assert done.returncode == 0, output(done)
    author = git(dest, env, "log", "-1", "--format=%an <%ae>")
    assert author == f"{GIT_IDENTITY['GIT_AUTHOR_NAME']} <{GIT_IDENTITY['GIT_AUTHOR_EMAIL']}>"


def test_no_git_renders_into_an_existing_empty_directory_without_a_repository(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "notes-api"
    dest.mkdir()

    done = run(
        [SCOPECRAFT, "new-project", dest, "--template", template_repo, "--no-git"], tmp_path, env
    )

    assert done.returncode == 0, output(done)
    assert not (dest / ".git").exists()
    assert answers(dest)["package_name"] == PACKAGE


def test_report_names_the_project_and_the_recorded_template_commit(
    project: Path, template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "notes-api"

    done = run([SCOPECRAFT, "new-project", dest, "--template", template_repo], tmp_path, env)

    assert done.returncode == 0, output(done)
    assert done.stderr == ""
    assert str(dest) in done.stdout
    assert PACKAGE in done.stdout
    assert f"{template_repo} at {answers(dest)['_commit']}" in done.stdout


def test_generated_project_passes_ruff(project: Path, env: dict[str, str]) -> None:
    for check in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = run([RUFF, *check], project, env)
        assert done.returncode == 0, output(done)


def test_generated_dependencies_are_installed_here_within_their_declared_ranges(
    project: Path,
) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    unmet = []
    for line in pyproject["project"]["dependencies"]:
        requirement = Requirement(line)
        unmet += [f"{line}: {problem}" for problem in _unmet(requirement)]
    assert unmet == []


def _unmet(requirement: Requirement, extra: str = "") -> list[str]:
    """Why `requirement`, or a requirement of its extras, is not satisfied here; empty if it is."""
    if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
        return []
    try:
        distribution = importlib.metadata.distribution(requirement.name)
    except importlib.metadata.PackageNotFoundError:
        return [f"{requirement.name} is not installed"]
    if not requirement.specifier.contains(distribution.version, prereleases=True):
        return [f"{requirement.name} {distribution.version} is installed"]
    problems = []
    for name in requirement.extras:
        for nested in distribution.requires or []:
            nested_requirement = Requirement(nested)
            if nested_requirement.marker and nested_requirement.marker.evaluate({"extra": name}):
                problems += _unmet(nested_requirement, name)
    return problems


@pytest.mark.heavy(2)
def test_generated_suite_passes_on_sqlite(project_copy: Path, env: dict[str, str]) -> None:
    run_generated_suite(project_copy, env)


@pytest.mark.heavy(3)
def test_generated_suite_passes_on_postgres(
    project_copy: Path, env: dict[str, str], postgres_url: str
) -> None:
    run_generated_suite(project_copy, {**env, "TEST_DATABASE_URL": postgres_url})


def db_upgrade(project: Path, env: dict[str, str], database_url: str) -> None:
    flask(project, env, database_url, "db", "upgrade")


def test_migrations_upgrade_an_empty_sqlite_database(
    project_copy: Path, env: dict[str, str], tmp_path: Path
) -> None:
    database = tmp_path / "empty.sqlite"
    database.touch()

    db_upgrade(project_copy, env, f"sqlite:///{database}")

    with sqlite3.connect(database) as connection:
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert len(versions) == 1


def test_migrations_upgrade_an_empty_postgres_database(
    project_copy: Path, env: dict[str, str], postgres_url: str
) -> None:
    import psycopg

    db_upgrade(project_copy, env, postgres_url)

    with psycopg.connect(postgres_url) as connection:
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert len(versions) == 1


def test_update_at_the_current_version_changes_nothing(
    project_copy: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in set(os.environ) - set(env):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    copier.run_update(
        project_copy,
        vcs_ref=copier.VcsRef.CURRENT,
        defaults=True,
        overwrite=True,
        quiet=True,
        settings=copier.Settings(),
    )

    assert git(project_copy, env, "status", "--porcelain") == ""

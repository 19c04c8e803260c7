"""Updates carry the schema (DESIGN §7.7): a project made by release 0.1.0 and brought to this
template with `scopecraft update` ends, after `flask db upgrade`, with the same PostgreSQL schema
as a project made fresh from this template with the same resources: columns, indexes,
constraints, row-level security and policies.

Release 0.1.0 is taken from the repository's own history: its CLI renders the old project, as a
user's installed 0.1.0 did, from a template repository whose `v0.1.0` tag holds the 0.1.0
template; the working tree's template is then committed on top as `v0.2.0`.
"""

import io
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.support import (
    GIT_IDENTITY,
    REPO,
    RESOURCE_SPECS,
    SCOPECRAFT,
    flask,
    git,
    isolated_env,
    output,
    run,
)

RELEASE_0_1 = "b37e03f"  # the commit of release 0.1.0
NEW_TAG = "v0.2.0"

# The catalog of the public schema, one query per kind of object; rows are compared as sets.
CATALOG = {
    "columns": """
        SELECT table_name, column_name, data_type, is_nullable, column_default,
               character_maximum_length, numeric_precision, numeric_scale
        FROM information_schema.columns WHERE table_schema = 'public'
    """,
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    """,
    "row security": """
        SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
    """,
    "policies": """
        SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check
        FROM pg_policies WHERE schemaname = 'public'
    """,
    "functions": """
        SELECT proname, pg_get_functiondef(oid) FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace
    """,
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
        WHERE NOT tgisinternal
    """,
}


def catalog(url: str) -> dict[str, set[tuple[object, ...]]]:
    import psycopg

    with psycopg.connect(url) as connection:
        return {kind: set(connection.execute(query).fetchall()) for kind, query in CATALOG.items()}


def extract(commit: str, dest: Path) -> Path:
    """The repository's files at `commit`, as `git archive` writes them, under `dest`."""
    env = isolated_env(dest.parent)
    exists = run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], REPO, env)
    if exists.returncode != 0:
        pytest.fail(
            f"commit {commit} (release 0.1.0) is not in this clone; these tests need the "
            "repository's history (a full, not shallow, clone)"
        )
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=REPO, env=env, capture_output=True
    )
    assert archive.returncode == 0, archive.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def commit_template(repo: Path, source: Path, tag: str, env: dict[str, str]) -> None:
    """Replace the template in `repo` with the one in `source`, commit it and tag it."""
    for name in ("copier.yml", "template"):
        target = repo / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    shutil.copy2(source / "copier.yml", repo / "copier.yml")
    shutil.copytree(
        source / "template",
        repo / "template",
        ignore=shutil.ignore_patterns("__pycache__", "*.py[co]", ".pytest_cache", ".ruff_cache"),
    )
    commit_env = {**env, **GIT_IDENTITY}
    git(repo, commit_env, "add", "--all")
    git(repo, commit_env, "commit", "--quiet", "--no-verify", "--message", f"Template {tag}")
    git(repo, commit_env, "tag", tag)


def resource_options() -> list[str]:
    return [option for spec in RESOURCE_SPECS for option in ("--resource", spec)]


@pytest.fixture(scope="module")
def made_at_0_1(tmp_path_factory: pytest.TempPathFactory, home: Path) -> tuple[Path, Path]:
    """(the template repository, tagged v0.1.0 then NEW_TAG; a project that release 0.1.0's CLI
    made from v0.1.0 with owner, org, nested and ref resources)."""
    root = tmp_path_factory.mktemp("release-0.1.0")
    release = extract(RELEASE_0_1, root / "scopecraft-0.1.0")
    env = isolated_env(home)
    repo = root / "scopecraft"
    repo.mkdir()
    git(repo, env, "init", "--quiet", "--initial-branch=main")
    commit_template(repo, release, "v0.1.0", env)
    project = root / "notes-api"
    old_cli = {**env, "PYTHONPATH": str(release)}
    options = resource_options()
    done = run(
        [sys.executable, "-m", "generator", "new-project", project, "--template", repo, *options],
        root,
        old_cli,
    )
    assert done.returncode == 0, output(done)
    commit_template(repo, REPO, NEW_TAG, env)
    return repo, project


@pytest.fixture
def old_project(made_at_0_1: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the project made at 0.1.0, git history included."""
    return Path(shutil.copytree(made_at_0_1[1], tmp_path / "notes-api", symlinks=True))


def update(project: Path, env: dict[str, str]) -> None:
    done = run([SCOPECRAFT, "update", "--to", NEW_TAG], project, env)
    assert done.returncode == 0, output(done)


@pytest.mark.heavy(2)
def test_an_updated_project_has_the_schema_of_a_fresh_one(
    made_at_0_1: tuple[Path, Path],
    old_project: Path,
    env: dict[str, str],
    make_postgres_url: Callable[[], str],
    tmp_path: Path,
) -> None:
    repo, _ = made_at_0_1
    updated_url, fresh_url = make_postgres_url(), make_postgres_url()
    flask(old_project, env, updated_url, "db", "upgrade")
    update(old_project, env)
    flask(old_project, env, updated_url, "db", "upgrade")

    fresh = tmp_path / "fresh" / "notes-api"
    fresh.parent.mkdir()
    done = run(
        [SCOPECRAFT, "new-project", fresh, "--template", repo, *resource_options()],
        fresh.parent,
        env,
    )
    assert done.returncode == 0, output(done)
    flask(fresh, env, fresh_url, "db", "upgrade")

    updated, made_fresh = catalog(updated_url), catalog(fresh_url)
    for kind in CATALOG:
        assert updated[kind] == made_fresh[kind], (
            f"{kind} differ; only after the update: {sorted(updated[kind] - made_fresh[kind])}; "
            f"only in the fresh project: {sorted(made_fresh[kind] - updated[kind])}"
        )
    flask(old_project, env, updated_url, "db", "check")


def test_the_release_migration_revises_the_users_own_head(
    old_project: Path, env: dict[str, str], postgres_url: str
) -> None:
    versions = old_project / "migrations" / "versions"
    last = max(path.name[:4] for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    (versions / "1a2b3c4d5e6f_index_user_emails.py").write_text(
        '"""The user\'s own migration."""\n\nfrom alembic import op\n\n'
        f'revision = "1a2b3c4d5e6f"\ndown_revision = "{last}"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n"
        '    op.create_index("ix_users_created_at", "users", ["created_at"])\n\n\n'
        "def downgrade() -> None:\n"
        '    op.drop_index("ix_users_created_at", table_name="users")\n',
        encoding="utf-8",
    )
    commit_env = {**env, **GIT_IDENTITY}
    git(old_project, commit_env, "add", "--all")
    git(old_project, commit_env, "commit", "--quiet", "--message", "Index user emails")

    update(old_project, env)
    answers = yaml.safe_load((old_project / ".copier-answers.yml").read_text(encoding="utf-8"))
    release = answers["upgrade_0_2"]
    assert release["down_revision"] == "1a2b3c4d5e6f", release
    assert release["revision"] == f"{int(last) + 1:04d}", release
    assert sorted(r["name"] for r in release["resources"]) == sorted(
        r["name"] for r in answers["resources"]
    )
    assert (versions / f"{release['revision']}_release_0_2.py").is_file()
    flask(old_project, env, postgres_url, "db", "upgrade")
    heads = flask(old_project, env, postgres_url, "db", "heads")
    assert heads.split() == [release["revision"], "(head)"], heads


def test_the_release_migration_downgrades_and_upgrades_again(
    old_project: Path, env: dict[str, str], postgres_url: str
) -> None:
    """Its downgrade takes the 0.1 tables back to what 0.1 made: no policy, no row security."""
    update(old_project, env)
    flask(old_project, env, postgres_url, "db", "upgrade")
    upgraded = catalog(postgres_url)
    assert upgraded["policies"], "the release migration created no policy"
    answers = yaml.safe_load((old_project / ".copier-answers.yml").read_text(encoding="utf-8"))
    flask(
        old_project, env, postgres_url, "db", "downgrade", answers["upgrade_0_2"]["down_revision"]
    )
    downgraded = catalog(postgres_url)
    assert downgraded["policies"] == set(), downgraded["policies"]
    assert all(not rls and not force for _, rls, force in downgraded["row security"])
    flask(old_project, env, postgres_url, "db", "upgrade")
    again = catalog(postgres_url)
    for kind in CATALOG:
        assert again[kind] == upgraded[kind], f"{kind} differ after a downgrade and an upgrade"

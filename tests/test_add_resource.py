"""`add-resource`, `remove-resource` and `new-project --resource`, run as a user runs them.

Projects are rendered by the CLI from the tagged template fixture and changed with real Copier
updates and real git. Every refusal must leave the project exactly as it was: no file written,
nothing staged, no commit.
"""

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import (
    GIT_IDENTITY,
    PACKAGE,
    RUFF,
    SCOPECRAFT,
    TEMPLATE_TAG,
    content_digest,
    flask,
    git,
    isolated_env,
    output,
    run,
    run_generated_suite,
)

RESOURCE_FILES = ("__init__.py", "model.py", "routes.py", "schemas.py")
REGISTRIES = (
    ".copier-answers.yml",
    f"src/{PACKAGE}/body_limit.py",
    f"src/{PACKAGE}/resources/__init__.py",
    "tests/resources/registry.py",
)
REGISTRY = f"src/{PACKAGE}/resources/__init__.py"


@pytest.fixture
def user_env(home: Path) -> dict[str, str]:
    """The environment of a user with a git identity, making commits of their own."""
    return isolated_env(home, **GIT_IDENTITY)


def scopecraft(
    cwd: Path, env: dict[str, str], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    return run([SCOPECRAFT, *args], cwd, env)


def answers(project: Path) -> dict[str, Any]:
    recorded: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return recorded


def resource_files(name: str) -> set[str]:
    return {f"src/{PACKAGE}/resources/{name}/{file}" for file in RESOURCE_FILES} | {
        f"tests/resources/test_{name}.py"
    }


def committed(project: Path, env: dict[str, str]) -> dict[str, set[str]]:
    """The files HEAD added, modified and deleted."""
    changes: dict[str, set[str]] = {"A": set(), "M": set(), "D": set()}
    listing = git(project, env, "show", "--name-status", "--no-renames", "--format=", "HEAD")
    for line in listing.splitlines():
        status, path = line.split("\t")
        changes[status].add(path)
    return changes


def revision_of(path: Path) -> tuple[str, str]:
    """(revision, down_revision) as written in a migration file."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(" = ")
        if name in ("revision", "down_revision"):
            values[name] = value.strip('"')
    return values["revision"], values["down_revision"]


@contextmanager
def unchanged(project: Path, env: dict[str, str]) -> Iterator[None]:
    """Assert that the block leaves the project's files, index and history exactly as they were."""
    status = git(project, env, "status", "--porcelain")
    head = git(project, env, "rev-parse", "HEAD")
    digest = content_digest(project)
    yield
    assert git(project, env, "status", "--porcelain") == status
    assert git(project, env, "rev-parse", "HEAD") == head
    assert content_digest(project) == digest


def assert_refused(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2 with exactly one line on stderr that names the problem, and no traceback."""
    assert done.returncode == 2, output(done)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, output(done)
    assert lines[0].startswith("scopecraft: error: "), output(done)
    for fragment in fragments:
        assert fragment in lines[0], output(done)


# The project rendered with RESOURCE_SPECS ---------------------------------------------------


def test_resources_are_recorded_as_the_template_reads_them(resources_project: Path) -> None:
    recorded = answers(resources_project)
    note_fields = [
        {"name": "title", "type": "str", "required": True, "max_length": 200},
        {"name": "body", "type": "text", "required": False, "max_length": 10000},
        {"name": "priority", "type": "int", "required": True},
        {"name": "amount", "type": "decimal", "required": True, "precision": 12, "scale": 2},
        {"name": "done", "type": "bool", "required": True},
        {"name": "due_on", "type": "date", "required": False},
        {"name": "remind_at", "type": "datetime", "required": False},
    ]
    bookmark_fields = [
        {"name": "label", "type": "str", "required": True, "max_length": 80},
        {"name": "note", "type": "ref", "required": False, "target": "note"},
    ]
    project_fields = [{"name": "name", "type": "str", "required": True, "max_length": 100}]
    task_fields = [
        {"name": "title", "type": "str", "required": True, "max_length": 200},
        {"name": "estimate", "type": "decimal", "required": False, "precision": 6, "scale": 1},
    ]
    assert recorded["resources"] == [
        {
            "name": "note",
            "plural": "notes",
            "article": "a",
            "scope": "owner",
            "parent": None,
            "fields": note_fields,
        },
        {
            "name": "bookmark",
            "plural": "bookmarks",
            "article": "a",
            "scope": "owner",
            "parent": None,
            "fields": bookmark_fields,
        },
        {
            "name": "project",
            "plural": "projects",
            "article": "a",
            "scope": "org",
            "parent": None,
            "fields": project_fields,
        },
        {
            "name": "task",
            "plural": "tasks",
            "article": "a",
            "scope": "org",
            "parent": "project",
            "fields": task_fields,
        },
    ]
    parent_tables = [None, None, None, "projects"]
    expected_migrations = []
    # The template's release migration comes first (0002); the resources follow it.
    for number, (resource, parent_table) in enumerate(
        zip(recorded["resources"], parent_tables, strict=True), start=3
    ):
        fields = [
            {**field, "target_table": "notes"} if field["type"] == "ref" else field
            for field in resource["fields"]
        ]
        expected_migrations.append(
            {
                "revision": f"{number:04d}",
                "down_revision": f"{number - 1:04d}",
                "action": "create",
                # A migration needs no article: its snapshot holds the names and fields only.
                "resource": {
                    **{key: value for key, value in resource.items() if key != "article"},
                    "parent_table": parent_table,
                    "fields": fields,
                },
            }
        )
    assert recorded["migrations"] == expected_migrations
    versions = sorted(path.name for path in (resources_project / "migrations/versions").iterdir())
    assert versions == [
        "0001_accounts.py",
        "0002_release_0_2.py",
        "0003_create_notes.py",
        "0004_create_bookmarks.py",
        "0005_create_projects.py",
        "0006_create_tasks.py",
    ]
    assert recorded["upgrade_0_2"] == {"revision": "0002", "down_revision": "0001", "resources": []}


def test_project_with_resources_passes_ruff(resources_project: Path, env: dict[str, str]) -> None:
    for check in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = run([RUFF, *check], resources_project, env)
        assert done.returncode == 0, output(done)


@pytest.mark.heavy(3)
def test_project_with_resources_passes_its_suite_on_sqlite(
    resources_project_copy: Path, env: dict[str, str]
) -> None:
    run_generated_suite(resources_project_copy, env)


@pytest.mark.heavy(4)
def test_project_with_resources_passes_its_suite_on_postgres(
    resources_project_copy: Path, env: dict[str, str], postgres_url: str
) -> None:
    run_generated_suite(resources_project_copy, {**env, "TEST_DATABASE_URL": postgres_url})


def test_resource_migrations_build_the_models_schema_on_sqlite(
    resources_project_copy: Path, env: dict[str, str], tmp_path: Path
) -> None:
    database = tmp_path / "empty.sqlite"
    url = f"sqlite:///{database}"

    flask(resources_project_copy, env, url, "db", "upgrade")
    flask(resources_project_copy, env, url, "db", "check")

    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"notes", "bookmarks", "projects", "tasks"} <= tables
    assert version == [("0006",)]


def test_resource_migrations_build_the_models_schema_on_postgres(
    resources_project_copy: Path, env: dict[str, str], postgres_url: str
) -> None:
    import psycopg

    flask(resources_project_copy, env, postgres_url, "db", "upgrade")
    flask(resources_project_copy, env, postgres_url, "db", "check")

    with psycopg.connect(postgres_url) as connection:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert version == [("0006",)]


# add-resource and remove-resource in sequence -----------------------------------------------


@pytest.mark.heavy(3)
def test_resources_added_in_a_row_are_one_commit_each_and_removal_drops_one(
    project_copy: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = project_copy
    steps = [
        ("note", "notes", ["--field", "title:str:200", "--field", "due_on?:date"]),
        ("bookmark", "bookmarks", ["--field", "label:str", "--field", "note?:ref:note"]),
        ("project", "projects", ["--scope", "org", "--field", "name:str:100"]),
    ]
    # After the template's 0001 and its release migration, 0002.
    for number, (name, plural, options) in enumerate(steps, start=3):
        done = scopecraft(tmp_path, env, "add-resource", name, *options, "--project", project)

        assert done.returncode == 0, output(done)
        assert done.stderr == ""
        assert f"flask --app {PACKAGE} db upgrade" in done.stdout
        assert git(project, env, "status", "--porcelain") == ""
        assert git(project, env, "log", "-1", "--format=%s") == (
            f"Add resource {name} (scopecraft add-resource)"
        )
        assert git(project, env, "log", "-1", "--format=%an") == "Scopecraft"
        migration = f"migrations/versions/{number:04d}_create_{plural}.py"
        assert committed(project, env) == {
            "A": resource_files(name) | {migration},
            "M": set(REGISTRIES),
            "D": set(),
        }
        assert revision_of(project / migration) == (f"{number:04d}", f"{number - 1:04d}")
    assert git(project, env, "rev-list", "--count", "HEAD") == "4"
    assert [r["name"] for r in answers(project)["resources"]] == ["note", "bookmark", "project"]

    done = scopecraft(project, env, "remove-resource", "bookmark")

    assert done.returncode == 0, output(done)
    assert git(project, env, "status", "--porcelain") == ""
    assert git(project, env, "log", "-1", "--format=%s") == (
        "Remove resource bookmark (scopecraft remove-resource)"
    )
    drop = "migrations/versions/0006_drop_bookmarks.py"
    assert committed(project, env) == {
        "A": {drop},
        "M": set(REGISTRIES),
        "D": resource_files("bookmark"),
    }
    assert revision_of(project / drop) == ("0006", "0005")
    assert (project / "migrations/versions/0004_create_bookmarks.py").is_file()
    recorded = answers(project)
    assert [r["name"] for r in recorded["resources"]] == ["note", "project"]
    assert [(m["revision"], m["action"]) for m in recorded["migrations"]] == [
        ("0003", "create"),
        ("0004", "create"),
        ("0005", "create"),
        ("0006", "drop"),
    ]
    assert recorded["migrations"][3]["resource"]["fields"][1]["target_table"] == "notes"

    run_generated_suite(project, env)


def test_a_new_migration_revises_the_users_own_head(
    project_copy: Path, env: dict[str, str], user_env: dict[str, str]
) -> None:
    versions = project_copy / "migrations" / "versions"
    (versions / "1a2b3c4d5e6f_add_index.py").write_text(
        '"""A migration of the user\'s own."""\n\n'
        'revision: str = "1a2b3c4d5e6f"\n'
        'down_revision: str | None = "0002"\n\n\n'
        "def upgrade() -> None:\n    pass\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )
    git(project_copy, user_env, "add", "--all")
    git(project_copy, user_env, "commit", "--quiet", "--message", "My migration")

    done = scopecraft(project_copy, env, "add-resource", "note", "--field", "title:str")

    assert done.returncode == 0, output(done)
    assert revision_of(versions / "0003_create_notes.py") == ("0003", "1a2b3c4d5e6f")


def test_several_alembic_heads_are_refused_until_merged(
    project_copy: Path, env: dict[str, str], user_env: dict[str, str]
) -> None:
    versions = project_copy / "migrations" / "versions"
    for revision in ("aaaa1111", "bbbb2222"):
        (versions / f"{revision}_branch.py").write_text(
            f'revision = "{revision}"\ndown_revision = "0002"\n'
        )
    git(project_copy, user_env, "add", "--all")
    git(project_copy, user_env, "commit", "--quiet", "--message", "Two branches")

    with unchanged(project_copy, env):
        done = scopecraft(project_copy, env, "add-resource", "note", "--field", "title:str")

    assert_refused(done, "2 heads (aaaa1111, bbbb2222)", f"flask --app {PACKAGE} db merge heads")


# Refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(["Memo", "--field", "title:str"], ["'Memo'", "not snake_case"], id="upper"),
        pytest.param(["memo\n", "--field", "title:str"], ["not snake_case"], id="newline"),
        pytest.param(["m" * 31, "--field", "title:str"], ["2-30 characters"], id="too-long"),
        pytest.param(["m", "--field", "title:str"], ["not snake_case"], id="too-short"),
        pytest.param(["1memo", "--field", "title:str"], ["not snake_case"], id="digit-first"),
        pytest.param(["me__mo", "--field", "title:str"], ["double or trailing"], id="double-_"),
        pytest.param(["memo_", "--field", "title:str"], ["double or trailing"], id="trailing-_"),
        pytest.param(["class", "--field", "title:str"], ["Python keyword"], id="keyword"),
        pytest.param(["select", "--field", "title:str"], ["SQL reserved word"], id="sql"),
        pytest.param(["member", "--field", "title:str"], ["taken by the project"], id="built-in"),
        pytest.param(["note", "--field", "title:str"], ["already taken", "'note'"], id="exists"),
        pytest.param(["tasks", "--field", "title:str"], ["already taken", "'task'"], id="plural"),
        pytest.param(
            ["memo", "--plural", "notes", "--field", "title:str"],
            ["plural 'notes'", "already taken"],
            id="plural-exists",
        ),
        pytest.param(
            ["memo", "--plural", "Memos", "--field", "title:str"],
            ["plural 'Memos'", "not snake_case"],
            id="plural-bad",
        ),
        pytest.param(["sheep", "--field", "name:str"], ["'sheep'", "--plural"], id="sheep"),
        pytest.param(["series", "--field", "name:str"], ["'series'", "--plural"], id="series"),
        pytest.param(["memo"], ["no fields"], id="no-fields"),
        pytest.param(["memo", "--field", "title:varchar"], ["unknown type 'varchar'"], id="type"),
        pytest.param(["memo", "--field", "title"], ["has no type"], id="no-type"),
        pytest.param(["memo", "--field", "Title:str"], ["field name 'Title'"], id="field-name"),
        pytest.param(["memo", "--field", "limit:int"], ["SQL reserved word"], id="field-sql"),
        pytest.param(["memo", "--field", "title:str:0"], ["from 1 to 10000"], id="str-length"),
        pytest.param(["memo", "--field", "body:text:60001"], ["from 1 to 60000"], id="text-len"),
        pytest.param(["memo", "--field", "total:decimal:16,2"], ["PRECISION,SCALE"], id="dec-p"),
        pytest.param(["memo", "--field", "total:decimal:4,5"], ["PRECISION,SCALE"], id="dec-s"),
        pytest.param(["memo", "--field", "count:int:5"], ["takes no option"], id="int-option"),
        pytest.param(
            ["memo", "--field", "title:str", "--field", "title:text"], ["given twice"], id="dup"
        ),
        pytest.param(
            ["memo", "--field", "note:ref:note", "--field", "note_id:int"],
            ["'note_id'", "clashes with field 'note'"],
            id="ref-column-clash",
        ),
        pytest.param(["memo", "--field", "owner_id:int"], ["already has"], id="reserved-field"),
        pytest.param(["memo", "--field", "public:ref:note"], ["'public_id'"], id="reserved-col"),
        pytest.param(
            ["memo", "--parent", "project", "--field", "project_id:int"],
            ["names its link to 'project'"],
            id="parent-field",
        ),
        pytest.param(
            ["memo", "--parent", "nope", "--field", "title:str"],
            ["--parent 'nope' is not a resource"],
            id="unknown-parent",
        ),
        pytest.param(
            ["memo", "--parent", "project", "--scope", "owner", "--field", "title:str"],
            ["does not match the org scope"],
            id="parent-scope",
        ),
        pytest.param(
            ["memo", "--scope", "team", "--field", "title:str"], ["not one of"], id="bad-scope"
        ),
        pytest.param(
            ["memo", "--field", "other:ref:nope"], ["ref target 'nope'"], id="unknown-target"
        ),
        pytest.param(
            ["memo", "--field", "other:ref:project"],
            ["org-scoped and 'memo' is owner-scoped"],
            id="target-scope",
        ),
        pytest.param(
            ["memo", "--scope", "org", "--field", "other:ref:task"],
            ["nested under 'project'"],
            id="nested-target",
        ),
    ],
)
def test_bad_resources_are_refused_and_change_nothing(
    args: list[str], fragments: list[str], resources_project: Path, env: dict[str, str]
) -> None:
    with unchanged(resources_project, env):
        done = scopecraft(resources_project, env, "add-resource", *args)

    assert_refused(done, *fragments)


def test_nesting_deeper_than_three_levels_is_refused(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "notes-api"
    specs = [
        "project --scope org --field name:str",
        "task --parent project --field title:str",
        "comment --parent task --field body:text",
        "reaction --parent comment --field kind:str",
    ]
    resources = [option for spec in specs for option in ("--resource", spec)]

    done = scopecraft(tmp_path, env, "new-project", dest, "--template", template_repo, *resources)

    assert_refused(done, "--parent 'comment' is already 3 levels deep")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("spec", "fragments"),
    [
        pytest.param(
            "bookmark --field note:ref:note", ["ref target 'note'", "not a resource"], id="later"
        ),
        pytest.param("note --field title:str --dry-run", ["unknown option --dry-run"], id="opt"),
        pytest.param("note --field 'title:str", ["No closing quotation"], id="quoting"),
        pytest.param("news --field title:str", ["'news'", "--plural"], id="same-plural"),
    ],
)
def test_bad_resource_specs_of_new_project_are_refused(
    spec: str, fragments: list[str], template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "notes-api"

    done = scopecraft(
        tmp_path,
        env,
        "new-project",
        dest,
        "--template",
        template_repo,
        "--resource",
        spec,
        "--resource",
        "note --field title:str",
    )

    assert_refused(done, *fragments)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        pytest.param("nope", ["'nope' is not a resource"], id="missing"),
        pytest.param("project", ["parent of task", "remove task first"], id="parent"),
        pytest.param("note", ["referenced by bookmark.note"], id="ref-target"),
    ],
)
def test_removing_a_missing_or_needed_resource_is_refused(
    name: str, fragments: list[str], resources_project: Path, env: dict[str, str]
) -> None:
    with unchanged(resources_project, env):
        done = scopecraft(resources_project, env, "remove-resource", name)

    assert_refused(done, *fragments)


def test_removing_a_resource_that_other_code_imports_is_refused_naming_the_files(
    resources_project_copy: Path, env: dict[str, str], user_env: dict[str, str]
) -> None:
    project = resources_project_copy
    package = project / "src" / PACKAGE
    (package / "reports.py").write_text(
        '"""Reports."""\n\nfrom .resources.bookmark.model import Bookmark\n\nKINDS = [Bookmark]\n'
    )
    (package / "exports").mkdir()
    (package / "exports" / "__init__.py").write_text(
        f'"""Exports."""\n\nfrom {PACKAGE}.resources import bookmark\n\nMODULES = [bookmark]\n'
    )
    (package / "notes_only.py").write_text('"""Unrelated."""\n\nfrom .resources import note\n')
    git(project, user_env, "add", "--all")
    git(project, user_env, "commit", "--quiet", "--message", "Custom code")

    with unchanged(project, env):
        done = scopecraft(project, env, "remove-resource", "bookmark")

    assert_refused(
        done,
        f"src/{PACKAGE}/exports/__init__.py",
        f"src/{PACKAGE}/reports.py",
        "remove those imports first",
    )
    assert "notes_only" not in done.stderr, output(done)


def test_dirty_project_is_refused_naming_the_files(
    resources_project_copy: Path, env: dict[str, str]
) -> None:
    project = resources_project_copy
    with (project / "README.md").open("a") as readme:
        readme.write("\nMy notes.\n")
    (project / "scratch.txt").write_text("not committed\n")

    with unchanged(project, env):
        done = scopecraft(project, env, "add-resource", "memo", "--field", "title:str")

    assert_refused(done, "README.md", "scratch.txt", "commit or stash")


def test_directory_without_answers_file_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")

    done = scopecraft(tmp_path, env, "add-resource", "memo", "--field", "title:str")

    assert_refused(done, "no .copier-answers.yml", "--project DIR")
    assert [path.name for path in tmp_path.iterdir()] == ["app.py"]


def test_project_outside_git_is_refused(project: Path, env: dict[str, str], tmp_path: Path) -> None:
    copy = Path(shutil.copytree(project, tmp_path / "copy", ignore=shutil.ignore_patterns(".git")))
    digest = content_digest(copy)

    done = scopecraft(tmp_path, env, "remove-resource", "memo", "--project", copy)

    assert_refused(done, "not in a git repository")
    assert content_digest(copy) == digest


def test_project_whose_template_is_gone_fails_in_one_line(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    template = tmp_path / "template"
    git(tmp_path, env, "clone", "--quiet", str(template_repo), str(template))
    project = tmp_path / "notes-api"
    done = scopecraft(tmp_path, env, "new-project", project, "--template", template)
    assert done.returncode == 0, output(done)
    shutil.rmtree(template)

    with unchanged(project, env):
        done = scopecraft(project, env, "add-resource", "memo", "--field", "title:str")

    assert done.returncode == 1, output(done)
    assert len(done.stderr.splitlines()) == 1, output(done)
    assert f"template source {template}" in done.stderr
    assert "no longer exists" in done.stderr


@pytest.fixture
def template_failing_on_resources(template_repo: Path, home: Path, tmp_path: Path) -> Path:
    """The template under test plus a file that fails to render once there is a resource."""
    repo = tmp_path / "broken-template"
    commit_env = isolated_env(home, **GIT_IDENTITY)
    git(tmp_path, commit_env, "clone", "--quiet", str(template_repo), str(repo))
    broken = (
        repo / "template" / "{% yield r from resources %}zz_{{ r.name }}{% endyield %}.txt.jinja"
    )
    broken.write_text("{{ r.name | no_such_filter }}\n")
    git(repo, commit_env, "add", "--all")
    git(repo, commit_env, "commit", "--quiet", "--message", "Break the template")
    git(repo, commit_env, "tag", "--force", TEMPLATE_TAG)
    return repo


def test_failed_render_never_touches_the_project(
    template_failing_on_resources: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = tmp_path / "notes-api"
    done = scopecraft(
        tmp_path, env, "new-project", project, "--template", template_failing_on_resources
    )
    assert done.returncode == 0, output(done)

    with unchanged(project, env):
        done = scopecraft(project, env, "add-resource", "memo", "--field", "title:str")

    assert done.returncode == 1, output(done)
    assert len(done.stderr.splitlines()) == 1, output(done)
    assert "no_such_filter" in done.stderr
    assert "Traceback" not in done.stderr


# Dry runs, merges and conflicts ---------------------------------------------------------------


def test_dry_run_lists_the_files_and_writes_nothing(
    resources_project: Path, env: dict[str, str]
) -> None:
    with unchanged(resources_project, env):
        done = scopecraft(
            resources_project,
            env,
            "add-resource",
            "comment",
            "--parent",
            "task",
            "--field",
            "body:text",
            "--dry-run",
        )

    assert done.returncode == 0, output(done)
    listed = {tuple(line.split()) for line in done.stdout.splitlines() if line.startswith("  ")}
    assert listed == {
        *(("create", path) for path in resource_files("comment")),
        ("create", "migrations/versions/0007_create_comments.py"),
        *(("change", path) for path in REGISTRIES),
    }
    assert "Nothing was written." in done.stdout


def test_dry_run_of_a_removal_lists_the_deleted_files(
    resources_project: Path, env: dict[str, str]
) -> None:
    with unchanged(resources_project, env):
        done = scopecraft(resources_project, env, "remove-resource", "task", "--dry-run")

    assert done.returncode == 0, output(done)
    listed = {tuple(line.split()) for line in done.stdout.splitlines() if line.startswith("  ")}
    assert listed == {
        *(("delete", path) for path in resource_files("task")),
        ("create", "migrations/versions/0007_drop_tasks.py"),
        *(("change", path) for path in REGISTRIES),
    }


def commit_user_edit(project: Path, user_env: dict[str, str], old: str, new: str) -> None:
    """Edit the generated resource registry and commit, as the user would."""
    registry = project / REGISTRY
    content = registry.read_text(encoding="utf-8")
    assert old in content
    registry.write_text(content.replace(old, new, 1), encoding="utf-8")
    git(project, user_env, "commit", "--quiet", "--all", "--message", "My edit")


def test_user_edit_to_the_registry_survives_an_addition(
    project_copy: Path, env: dict[str, str], user_env: dict[str, str]
) -> None:
    comment = "# Hand-written blueprints are registered in create_app(), not here."
    docstring = (
        '"""The project\'s resources, registered by Scopecraft from the `resources` answer."""\n'
    )
    commit_user_edit(project_copy, user_env, docstring, f"{docstring}{comment}\n")

    done = scopecraft(project_copy, env, "add-resource", "note", "--field", "title:str")

    assert done.returncode == 0, output(done)
    registry = (project_copy / REGISTRY).read_text(encoding="utf-8")
    assert comment in registry
    assert "note_blp" in registry
    assert git(project_copy, env, "status", "--porcelain") == ""
    assert git(project_copy, env, "rev-list", "--count", "HEAD") == "3"


def test_conflicting_user_edit_is_reported_and_not_committed(
    project_copy: Path, env: dict[str, str], user_env: dict[str, str]
) -> None:
    commit_user_edit(
        project_copy,
        user_env,
        "BLUEPRINTS: list[Blueprint] = []",
        "BLUEPRINTS: list[Blueprint] = []  # filled in by plugins",
    )
    head = git(project_copy, env, "rev-parse", "HEAD")

    done = scopecraft(project_copy, env, "add-resource", "note", "--field", "title:str")

    assert done.returncode == 1, output(done)
    assert "conflicts with your edits" in done.stderr
    assert f"  {REGISTRY}" in done.stderr.splitlines()
    assert "git reset --hard && git clean -fd" in done.stderr
    assert "Traceback" not in done.stderr
    assert git(project_copy, env, "rev-parse", "HEAD") == head
    assert REGISTRY in git(project_copy, env, "ls-files", "--unmerged")
    assert "<<<<<<< " in (project_copy / REGISTRY).read_text(encoding="utf-8")

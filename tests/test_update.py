"""`scopecraft update` (and plain `copier update`) from release v0.1.0 to v0.2.0.

The template repository is a clone of the tagged fixture (v0.1.0), in which a project with three
resources is rendered and edited by its user; then a v0.2.0 release is committed and tagged on
top: a changed resource template, README and security module, a new file, and a CHANGELOG entry.
Every refusal must leave the project exactly as it was.
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

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
    run_generated_suite,
)

NEW_TAG = "v0.2.0"
# note (owner), project (org) and task (a child of project).
SPECS = (RESOURCE_SPECS[0], RESOURCE_SPECS[2], RESOURCE_SPECS[3])

ROUTES = f"src/{PACKAGE}/resources/note/routes.py"
AUDIT = f"src/{PACKAGE}/security/audit.py"

# The v0.2.0 template changes, as (template file, old text, new text).
ROUTES_TEMPLATE = (
    "template/src/{{ package_name }}/resources/"
    "{% yield r from resources %}{{ r.name }}{% endyield %}/routes.py.jinja"
)
AUDIT_DOCSTRING = '"""Structured security events, all on one named logger.'
TEMPLATE_CHANGES = (
    (ROUTES_TEMPLATE, "and the caller's scope.", "and the caller's scope, never around it."),
    (
        "template/README.md.jinja",
        "# {{ project_name }}\n",
        "# {{ project_name }}\n\nRelease two.\n",
    ),
    (
        "template/src/{{ package_name }}/security/audit.py",
        AUDIT_DOCSTRING,
        '"""Structured security events, all on one named logger (never on the root one).',
    ),
)
NEW_FILE = "SECURITY.md"
CHANGELOG = """# Changelog

## [Unreleased]

## [0.2.0] - 2025-06-01

### Changed

- Resource routes and the audit module explain themselves better; README says "Release two".

## [0.1.0] - 2025-05-01

### Added

- The first template.
"""

# The user's edits, committed in the v0.1.0 project: appended, far from the template's changes.
USER_EDITS = {
    ROUTES: '\n\ndef short_title(title: str) -> str:\n    """A title cut for logs."""\n'
    "    return title[:40]\n",
    "README.md": "\n## Deployment\n\nDeployed by the platform team.\n",
    AUDIT: "\n\nAUDIT_LOGGER_NAME = logger.name\n",
}


@dataclass(frozen=True)
class Releases:
    """The template repository with both releases, and the project rendered at v0.1.0."""

    repo: Path
    project: Path


@pytest.fixture(scope="module")
def user_env(home: Path) -> dict[str, str]:
    return isolated_env(home, **GIT_IDENTITY)


@pytest.fixture(scope="module")
def releases(
    tmp_path_factory: pytest.TempPathFactory,
    template_repo: Path,
    env: dict[str, str],
    user_env: dict[str, str],
) -> Releases:
    """Render and edit a v0.1.0 project, then release v0.2.0 of the template."""
    base = tmp_path_factory.mktemp("releases")
    repo = base / "scopecraft"
    git(base, user_env, "clone", "--quiet", str(template_repo), str(repo))
    project = base / "v1" / "notes-api"
    resources = [option for spec in SPECS for option in ("--resource", spec)]
    done = run([SCOPECRAFT, "new-project", project, "--template", repo, *resources], base, env)
    assert done.returncode == 0, output(done)
    for path, addition in USER_EDITS.items():
        with (project / path).open("a", encoding="utf-8") as edited:
            edited.write(addition)
    git(project, user_env, "commit", "--quiet", "--all", "--message", "My edits")

    for path, old, new in TEMPLATE_CHANGES:
        changed = repo / path
        content = changed.read_text(encoding="utf-8")
        assert old in content, path
        changed.write_text(content.replace(old, new, 1), encoding="utf-8")
    (repo / "template" / NEW_FILE).write_text("Report vulnerabilities privately.\n")
    (repo / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    git(repo, user_env, "add", "--all")
    git(repo, user_env, "commit", "--quiet", "--message", "Release 0.2.0")
    git(repo, user_env, "tag", NEW_TAG)
    return Releases(repo, project)


def copy_of(project: Path, dest: Path) -> Path:
    """A private copy of a project, git history included."""
    return Path(shutil.copytree(project, dest / project.name, symlinks=True))


def scopecraft(
    cwd: Path, env: dict[str, str], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    return run([SCOPECRAFT, *args], cwd, env)


def answers(project: Path) -> dict[str, Any]:
    recorded: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return recorded


@dataclass(frozen=True)
class Updated:
    """A copy of the v0.1.0 project after `scopecraft update`, then committed by its user."""

    project: Path
    done: subprocess.CompletedProcess[str]
    status: str
    head_before: str
    head_after_update: str


@pytest.fixture(scope="module")
def updated(
    releases: Releases,
    tmp_path_factory: pytest.TempPathFactory,
    env: dict[str, str],
    user_env: dict[str, str],
) -> Updated:
    project = copy_of(releases.project, tmp_path_factory.mktemp("updated"))
    head = git(project, env, "rev-parse", "HEAD")
    done = scopecraft(project, env, "update")
    status = git(project, env, "status", "--porcelain")
    head_after = git(project, env, "rev-parse", "HEAD")
    git(project, user_env, "add", "--all")
    git(project, user_env, "commit", "--quiet", "--message", "Update to v0.2.0")
    return Updated(project, done, status, head, head_after)


# The update ------------------------------------------------------------------------------------


def test_update_brings_the_release_and_keeps_the_users_edits(updated: Updated) -> None:
    assert updated.done.returncode == 0, output(updated.done)
    project = updated.project
    assert answers(project)["_commit"] == NEW_TAG
    for path, addition in USER_EDITS.items():
        assert addition in (project / path).read_text(encoding="utf-8"), path
    assert "never around it." in (project / ROUTES).read_text(encoding="utf-8")
    assert "Release two." in (project / "README.md").read_text(encoding="utf-8")
    assert "(never on the root one)" in (project / AUDIT).read_text(encoding="utf-8")
    assert (project / NEW_FILE).is_file()
    for other in ("project", "task"):
        routes = project / f"src/{PACKAGE}/resources/{other}/routes.py"
        assert "never around it." in routes.read_text(encoding="utf-8")


def test_update_is_left_uncommitted_and_says_so(updated: Updated) -> None:
    assert updated.head_after_update == updated.head_before
    assert f" M {ROUTES}" in updated.status.splitlines()
    assert f"?? {NEW_FILE}" in updated.status.splitlines()
    stdout = updated.done.stdout
    assert f"from template {TEMPLATE_TAG} to {NEW_TAG} (not committed)" in stdout
    assert "Until you commit, scopecraft commands refuse this project" in stdout
    assert "git reset --hard && git clean -fd" in stdout


def test_update_summarises_files_and_the_changelog_since_the_old_release(updated: Updated) -> None:
    lines = updated.done.stdout.splitlines()
    assert f"  created  {NEW_FILE}" in lines
    assert f"  changed  {ROUTES}" in lines
    assert "  changed  README.md" in lines
    assert "  ## [0.2.0] - 2025-06-01" in lines
    assert any("Release two" in line for line in lines)
    assert "  ## [0.1.0] - 2025-05-01" not in lines
    assert "The first template." not in updated.done.stdout


@pytest.mark.heavy(3)
def test_updated_project_passes_its_generated_suite(
    updated: Updated, env: dict[str, str], tmp_path: Path
) -> None:
    run_generated_suite(copy_of(updated.project, tmp_path), env)


def test_plain_copier_update_gives_the_same_files(
    releases: Releases, updated: Updated, env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(releases.project, tmp_path)

    done = run([BIN / "copier", "update", "--defaults"], project, env)

    assert done.returncode == 0, output(done)
    assert content_digest(project) == content_digest(updated.project)


def test_update_to_the_current_version_changes_nothing(
    updated: Updated, env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(updated.project, tmp_path)
    digest, head = content_digest(project), git(project, env, "rev-parse", "HEAD")

    for args in ((), ("--to", "0.2.0"), ("--to", NEW_TAG)):
        done = scopecraft(project, env, "update", *args)

        assert done.returncode == 0, output(done)
        assert f"already at template {NEW_TAG}" in done.stdout
        assert content_digest(project) == digest
        assert git(project, env, "rev-parse", "HEAD") == head
        assert git(project, env, "status", "--porcelain") == ""


# Refusals --------------------------------------------------------------------------------------


def assert_refused(
    done: subprocess.CompletedProcess[str], *fragments: str, exit_code: int = 2
) -> None:
    """One line on stderr naming the problem, no traceback, the expected exit status."""
    assert done.returncode == exit_code, output(done)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, output(done)
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0], output(done)


def test_downgrade_is_refused_and_changes_nothing(
    updated: Updated, env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(updated.project, tmp_path)
    digest, head = content_digest(project), git(project, env, "rev-parse", "HEAD")

    done = scopecraft(project, env, "update", "--to", TEMPLATE_TAG)

    assert_refused(done, TEMPLATE_TAG, "older than", NEW_TAG, "downgrades are not supported")
    assert content_digest(project) == digest
    assert git(project, env, "rev-parse", "HEAD") == head


def test_unknown_version_is_refused_and_changes_nothing(
    releases: Releases, env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(releases.project, tmp_path)
    digest = content_digest(project)

    done = scopecraft(project, env, "update", "--to", "9.9.9")

    assert_refused(done, "no version '9.9.9'", TEMPLATE_TAG, NEW_TAG)
    assert content_digest(project) == digest


def test_dirty_tree_is_refused_naming_the_files(
    releases: Releases, env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(releases.project, tmp_path)
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("Unsaved work.\n")
    (project / "scratch.txt").write_text("notes\n")
    digest = content_digest(project)

    done = scopecraft(project, env, "update")

    assert_refused(done, "README.md", "scratch.txt", "commit or stash")
    assert content_digest(project) == digest
    assert answers(project)["_commit"] == TEMPLATE_TAG


def test_directory_without_answers_file_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")

    done = scopecraft(tmp_path, env, "update")

    assert_refused(done, "no .copier-answers.yml", "--project DIR")
    assert [path.name for path in tmp_path.iterdir()] == ["app.py"]


def test_unreachable_template_source_is_refused(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    template = tmp_path / "template"
    git(tmp_path, env, "clone", "--quiet", str(template_repo), str(template))
    project = tmp_path / "notes-api"
    done = scopecraft(tmp_path, env, "new-project", project, "--template", template)
    assert done.returncode == 0, output(done)
    shutil.rmtree(template)
    digest = content_digest(project)

    done = scopecraft(project, env, "update")

    assert_refused(done, f"template source {template}", "no longer exists", exit_code=1)
    assert content_digest(project) == digest


# Dry run and conflicts -------------------------------------------------------------------------


def test_dry_run_lists_files_and_changelog_and_writes_nothing(
    releases: Releases, env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(releases.project, tmp_path)
    digest = content_digest(project)

    done = scopecraft(project, env, "update", "--dry-run")

    assert done.returncode == 0, output(done)
    lines = done.stdout.splitlines()
    assert f"  create   {NEW_FILE}" in lines
    assert f"  change   {ROUTES}" in lines
    assert "  ## [0.2.0] - 2025-06-01" in lines
    assert "Nothing was written." in lines
    assert content_digest(project) == digest
    assert git(project, env, "status", "--porcelain") == ""


def test_overlapping_edit_is_reported_as_a_conflict(
    releases: Releases, env: dict[str, str], user_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_of(releases.project, tmp_path)
    audit = project / AUDIT
    mine = '"""Structured security events, on the logger our SIEM reads.'
    audit.write_text(audit.read_text(encoding="utf-8").replace(AUDIT_DOCSTRING, mine, 1))
    git(project, user_env, "commit", "--quiet", "--all", "--message", "My docstring")
    head = git(project, env, "rev-parse", "HEAD")

    done = scopecraft(project, env, "update")

    assert done.returncode == 1, output(done)
    assert f"the update to {NEW_TAG} conflicts with your edits" in done.stderr
    assert f"  {AUDIT}" in done.stderr.splitlines()
    assert "git add --all && python -m pytest" in done.stderr
    assert "git reset --hard && git clean -fd" in done.stderr
    assert "Traceback" not in done.stderr
    assert git(project, env, "rev-parse", "HEAD") == head
    assert AUDIT in git(project, env, "ls-files", "--unmerged")
    content = audit.read_text(encoding="utf-8")
    assert "<<<<<<< " in content
    assert mine in content
    assert "(never on the root one)" in content
    assert "  ## [0.2.0] - 2025-06-01" in done.stdout.splitlines()


def test_doctor_notes_the_available_update_without_failing_for_it(
    releases: Releases, env: dict[str, str]
) -> None:
    done = scopecraft(releases.project, env, "doctor")

    lines = done.stdout.splitlines()
    assert f"  note     update available: {TEMPLATE_TAG} -> {NEW_TAG}; run `scopecraft update`" in (
        lines
    )
    # The user's edit of a security module is the one problem of this project.
    problems = [line for line in lines if line.startswith("  problem")]
    assert len(problems) == 1, output(done)
    assert AUDIT in problems[0]
    assert done.returncode == 1, output(done)

"""The CLI's own behaviour: help, version, and input errors refused before anything is written."""

import importlib.metadata
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import generator
from tests.support import (
    GIT_IDENTITY,
    REPO,
    SCOPECRAFT,
    TEMPLATE_TAG,
    git,
    isolated_env,
    output,
    run,
    snapshot,
)


@pytest.mark.parametrize(
    ("args", "example"),
    [
        (["--help"], "new-project"),
        (["new-project", "--help"], "new-project"),
        (["add-resource", "--help"], "add-resource"),
        (["remove-resource", "--help"], "remove-resource"),
        (["update", "--help"], "update"),
        (["doctor", "--help"], "doctor"),
    ],
)
def test_help_is_fast_and_shows_an_example(
    args: list[str], example: str, env: dict[str, str], tmp_path: Path
) -> None:
    started = time.monotonic()
    done = run([SCOPECRAFT, *args], tmp_path, env)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, output(done)
    assert f"Example: scopecraft {example}" in done.stdout
    assert elapsed < 5, f"scopecraft {' '.join(args)} took {elapsed:.1f}s"


COMMANDS = ("new-project", "add-resource", "remove-resource", "update", "doctor", "verify")


def test_help_summarises_each_command_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    done = run([SCOPECRAFT, "--help"], tmp_path, {**env, "COLUMNS": "80"})
    assert done.returncode == 0, output(done)
    listing = done.stdout.split("Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in listing] == list(COMMANDS), done.stdout
    for line in listing:
        summary = line.split(maxsplit=1)[1]
        assert summary.endswith(".") and not summary.endswith("..."), line


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_no_type_labels_after_flags(
    command: str, env: dict[str, str], tmp_path: Path
) -> None:
    done = run([SCOPECRAFT, *([command] if command else []), "--help"], tmp_path, env)
    assert done.returncode == 0, output(done)
    assert "<bool>" not in done.stdout, done.stdout
    flags = [line for line in done.stdout.splitlines() if line.lstrip().startswith("--")]
    assert flags, done.stdout
    assert all("<" not in line.strip().split("  ")[0] for line in flags), flags


def test_help_does_not_import_copier(env: dict[str, str], tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "import generator.cli\n"
        "assert 'copier' not in sys.modules, 'importing generator.cli imported copier'\n"
        "for command in ('new-project', 'add-resource', 'remove-resource', 'update', 'doctor'):\n"
        "    try:\n"
        "        generator.cli.app([command, '--help'], prog_name='scopecraft')\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert 'copier' not in sys.modules, '--help imported copier'\n"
    )
    done = run([sys.executable, "-c", probe], tmp_path, env)
    assert done.returncode == 0, output(done)


def test_version_prints_the_single_version(env: dict[str, str], tmp_path: Path) -> None:
    done = run([SCOPECRAFT, "--version"], tmp_path, env)
    assert done.returncode == 0, output(done)
    assert done.stdout == f"scopecraft {generator.__version__}\n"
    assert importlib.metadata.version("scopecraft") == generator.__version__


def assert_refused(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2 with exactly one line on stderr that names the problem, and no traceback."""
    assert done.returncode == 2, output(done)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, output(done)
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0], output(done)


def test_non_empty_destination_is_refused(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "notes-api"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine\n")
    before = snapshot(tmp_path)

    done = run([SCOPECRAFT, "new-project", dest, "--template", template_repo], tmp_path, env)

    assert_refused(done, str(dest), "not empty")
    assert snapshot(tmp_path) == before


def test_destination_that_is_a_file_is_refused(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "notes-api"
    dest.write_text("a file\n")
    before = snapshot(tmp_path)

    done = run([SCOPECRAFT, "new-project", dest, "--template", template_repo], tmp_path, env)

    assert_refused(done, str(dest), "not a directory")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("package", "problem"),
    [
        pytest.param("Notes", "not snake_case", id="upper-case"),
        pytest.param("class", "Python keyword", id="keyword"),
        pytest.param("flask", "reserved", id="reserved"),
        pytest.param("notes\n", "not snake_case", id="trailing-newline"),
        pytest.param("n" * 41, "2-40 characters", id="too-long"),
        pytest.param("bad__name", "double or trailing underscore", id="double-underscore"),
        pytest.param("notes_", "double or trailing underscore", id="trailing-underscore"),
    ],
)
def test_bad_package_name_is_refused(
    package: str, problem: str, template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "notes-api"
    before = snapshot(tmp_path)

    done = run(
        [SCOPECRAFT, "new-project", dest, "--package", package, "--template", template_repo],
        tmp_path,
        env,
    )

    assert_refused(done, repr(package), problem)
    assert snapshot(tmp_path) == before


def test_bad_package_name_from_destination_says_to_pass_package(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "2nd.api"
    before = snapshot(tmp_path)

    done = run([SCOPECRAFT, "new-project", dest, "--template", template_repo], tmp_path, env)

    assert_refused(done, "'2nd.api'", "not snake_case", "--package")
    assert snapshot(tmp_path) == before


def test_template_that_is_not_a_git_repository_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    plain = tmp_path / "plain-template"
    plain.mkdir()
    shutil.copy2(REPO / "copier.yml", plain / "copier.yml")
    before = snapshot(tmp_path)

    done = run(
        [SCOPECRAFT, "new-project", tmp_path / "notes-api", "--template", plain], tmp_path, env
    )

    assert_refused(done, str(plain), "not the root of a git repository")
    assert snapshot(tmp_path) == before


def test_subdirectory_of_a_git_repository_is_refused_as_template(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    subdirectory = template_repo / "template"
    before = snapshot(tmp_path)

    done = run(
        [SCOPECRAFT, "new-project", tmp_path / "notes-api", "--template", subdirectory],
        tmp_path,
        env,
    )

    assert_refused(done, str(subdirectory), "not the root of a git repository")
    assert snapshot(tmp_path) == before


def test_dirty_template_repository_is_refused(
    template_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dirty = tmp_path / "dirty-template"
    git(tmp_path, env, "clone", "--quiet", str(template_repo), str(dirty))
    (dirty / "template" / "NEW.md").write_text("not committed\n")
    before = snapshot(tmp_path)

    done = run(
        [SCOPECRAFT, "new-project", tmp_path / "notes-api", "--template", dirty], tmp_path, env
    )

    assert_refused(done, str(dirty), "uncommitted changes", "commit or stash")
    assert snapshot(tmp_path) == before


def test_installed_without_a_checkout_asks_for_a_template(
    env: dict[str, str], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    shutil.copytree(
        REPO / "generator", site / "generator", ignore=shutil.ignore_patterns("__pycache__")
    )
    work = tmp_path / "work"
    work.mkdir()
    before = snapshot(work)

    done = run(
        [sys.executable, "-m", "generator", "new-project", "notes-api"],
        work,
        {**env, "PYTHONPATH": str(site)},
    )

    assert_refused(done, "not running from a source checkout", "--template")
    assert snapshot(work) == before


@pytest.fixture
def broken_template(template_repo: Path, home: Path, tmp_path: Path) -> Path:
    """The template under test plus one file that fails to render (an unknown Jinja filter)."""
    repo = tmp_path / "broken-template"
    commit_env = isolated_env(home, **GIT_IDENTITY)
    git(tmp_path, commit_env, "clone", "--quiet", str(template_repo), str(repo))
    (repo / "template" / "zz_broken.txt.jinja").write_text("{{ package_name | no_such_filter }}\n")
    git(repo, commit_env, "add", "--all")
    git(repo, commit_env, "commit", "--quiet", "--message", "Break the template")
    git(repo, commit_env, "tag", "--force", TEMPLATE_TAG)
    return repo


def assert_render_failed(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 1, output(done)
    assert len(done.stderr.splitlines()) == 1, output(done)
    assert "no_such_filter" in done.stderr
    assert "Traceback" not in done.stderr


def test_failed_render_removes_the_directories_it_created(
    broken_template: Path, env: dict[str, str], tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "nested" / "notes-api"

    done = run([SCOPECRAFT, "new-project", dest, "--template", broken_template], work, env)

    assert_render_failed(done)
    assert list(work.iterdir()) == []


def test_failed_render_leaves_an_empty_destination_empty(
    broken_template: Path, env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "notes-api"
    dest.mkdir()

    done = run([SCOPECRAFT, "new-project", dest, "--template", broken_template], tmp_path, env)

    assert_render_failed(done)
    assert dest.is_dir()
    assert list(dest.iterdir()) == []

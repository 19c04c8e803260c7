"""`scopecraft doctor`: a clean project passes; each kind of damage is one problem line.

Each case damages a private copy of the shared project with resources in one way, and doctor
must report exactly that, exit 1, and write nothing.
"""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import PACKAGE, SCOPECRAFT, content_digest, output, run

HAND_WRITTEN_ROUTE = '''

@blp.route("/version", methods=["GET"])
def version() -> dict[str, str]:
    """The deployed version; its author forgot the access policy."""
    return {"version": "1"}
'''


def delete(relative: str) -> Callable[[Path], None]:
    def damage(project: Path) -> None:
        (project / relative).unlink()

    return damage


def append(relative: str, text: str) -> Callable[[Path], None]:
    def damage(project: Path) -> None:
        with (project / relative).open("a", encoding="utf-8") as file:
            file.write(text)

    return damage


def replace_answer(old: str, new: str) -> Callable[[Path], None]:
    def damage(project: Path) -> None:
        answers = project / ".copier-answers.yml"
        content = answers.read_text(encoding="utf-8")
        assert old in content
        answers.write_text(content.replace(old, new, 1), encoding="utf-8")

    return damage


def add_file(relative: str, text: str) -> Callable[[Path], None]:
    def damage(project: Path) -> None:
        (project / relative).write_text(text, encoding="utf-8")

    return damage


CONFLICT = "<<<<<<< before updating\nold\n=======\nnew\n>>>>>>> after updating\n"


@pytest.mark.parametrize(
    ("damage", "fragments"),
    [
        pytest.param(
            delete("tests/resources/test_note.py"),
            ("tests/resources/test_note.py: missing", "resource note has no tests", "git checkout"),
            id="deleted-test-module",
        ),
        pytest.param(
            delete("migrations/versions/0005_create_projects.py"),
            ("migrations/versions/0005_create_projects.py: missing", "create migration"),
            id="deleted-migration",
        ),
        pytest.param(
            delete("migrations/versions/0002_release_0_2.py"),
            ("migrations/versions/0002_release_0_2.py: missing", "upgrade_0_2 migration"),
            id="deleted-release-migration",
        ),
        pytest.param(
            append(f"src/{PACKAGE}/security/scope.py", "\nTRUSTED = True\n"),
            (f"src/{PACKAGE}/security/scope.py: differs from template v0.1.0", "hand edit"),
            id="edited-security-module",
        ),
        pytest.param(
            append("README.md", CONFLICT),
            ("README.md: conflict markers",),
            id="conflict-marker",
        ),
        pytest.param(
            add_file("README.md.rej", "@@ -1 +1 @@\n-a\n+b\n"),
            ("README.md.rej: a rejected update hunk",),
            id="rej-file",
        ),
        pytest.param(
            append(f"src/{PACKAGE}/health.py", HAND_WRITTEN_ROUTE),
            ("route without an access policy: health.version (GET /version)", "@public"),
            id="route-without-policy",
        ),
        pytest.param(
            replace_answer("_commit: v0.1.0", "_commit: ''"),
            (".copier-answers.yml: records no _commit", "never edit it by hand"),
            id="answers-without-commit",
        ),
        pytest.param(
            replace_answer("resources:\n", "resources: 5\nunused:\n"),
            (".copier-answers.yml: `resources` is not a list",),
            id="malformed-resources",
        ),
    ],
)
def test_doctor_reports_each_kind_of_damage_in_one_line(
    damage: Callable[[Path], None],
    fragments: tuple[str, ...],
    resources_project: Path,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    project = Path(shutil.copytree(resources_project, tmp_path / "notes-api", symlinks=True))
    damage(project)
    digest = content_digest(project)

    done = run([SCOPECRAFT, "doctor", "--project", project], tmp_path, env)

    assert done.returncode == 1, output(done)
    problems = [line for line in done.stdout.splitlines() if line.startswith("  problem")]
    assert len(problems) == 1, output(done)
    for fragment in fragments:
        assert fragment in problems[0], output(done)
    assert done.stdout.startswith("scopecraft doctor: 1 problem in "), output(done)
    assert "Traceback" not in done.stderr
    assert content_digest(project) == digest


def test_deleted_routes_are_reported_and_so_is_the_app_that_no_longer_starts(
    resources_project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    project = Path(shutil.copytree(resources_project, tmp_path / "notes-api", symlinks=True))
    delete(f"src/{PACKAGE}/resources/task/routes.py")(project)

    done = run([SCOPECRAFT, "doctor", "--project", project], tmp_path, env)

    assert done.returncode == 1, output(done)
    problems = [line for line in done.stdout.splitlines() if line.startswith("  problem")]
    assert len(problems) == 2, output(done)
    assert (
        f"src/{PACKAGE}/resources/task/routes.py: missing (resource task has no routes"
        in (problems[0])
    )
    assert "create_app() fails: ModuleNotFoundError" in problems[1]


def test_clean_project_passes_with_a_short_summary(
    resources_project: Path, env: dict[str, str]
) -> None:
    digest = content_digest(resources_project)

    done = run([SCOPECRAFT, "doctor"], resources_project, env)

    assert done.returncode == 0, output(done)
    assert done.stdout.startswith(f"OK: {resources_project} (template v0.1.0, 4 resources)")
    for check in ("answers file", "security modules", "route policies", "conflicts"):
        assert check in done.stdout
    assert "problem" not in done.stdout
    assert content_digest(resources_project) == digest


def test_doctor_refuses_a_directory_that_is_not_a_project(
    env: dict[str, str], tmp_path: Path
) -> None:
    done = run([SCOPECRAFT, "doctor", "--project", tmp_path], tmp_path, env)

    assert done.returncode == 2, output(done)
    assert "no .copier-answers.yml" in done.stderr

"""`scopecraft verify`: the generated tests must fail for every security mutant, and the command
reports survivors, equivalents and a broken suite the way its help promises."""

import re
import shutil
import time
from pathlib import Path

import pytest

from tests.support import SCOPECRAFT, output, run

# A suite that notices nothing: every mutant survives it.
BLIND_SUITE = "def test_nothing_is_checked():\n    pass\n"
VERIFY_TIMEOUT = 3600
DATABASE_OPERATORS = (
    "drop-row-policy",
    "session-identity",
    "bypass-row-security",
    "drop-with-check",
)


def verify(project: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    done = run(
        [SCOPECRAFT, "verify", "--project", project, *args], project, env, timeout=VERIFY_TIMEOUT
    )
    return done.returncode, done.stdout + done.stderr


def blind(project: Path) -> Path:
    """`project` with its tests replaced by one that checks nothing."""
    shutil.rmtree(project / "tests")
    (project / "tests").mkdir()
    (project / "tests" / "test_blind.py").write_text(BLIND_SUITE, encoding="utf-8")
    return project


@pytest.mark.heavy(10)
def test_the_generated_tests_kill_every_mutant(
    resources_project_copy: Path, env: dict[str, str]
) -> None:
    """The gate: owner-scoped, org-scoped, nested and ref: resources, every mutant killed. The
    database layer's mutants need PostgreSQL: without it they are reported, not run."""
    started = time.monotonic()
    code, text = verify(resources_project_copy, env)
    summary = re.search(r"^(\d+)/(\d+) mutants killed", text, re.MULTILINE)
    assert code == 0 and summary, text
    killed, total = map(int, summary.groups())
    assert killed == total >= 70, text
    assert "missing" not in text and "survived" not in text, text
    not_run = re.findall(r"^not run\s+(\S+)\s+src/notes_api/security/rls\.py:\d+", text, re.M)
    assert sorted(set(not_run)) == sorted(DATABASE_OPERATORS), text
    assert f"; {len(not_run)} not run: they need PostgreSQL" in text, text
    print(f"scopecraft verify: {summary.group(0)}, {time.monotonic() - started:.0f}s")


@pytest.mark.heavy(4)
def test_the_generated_tests_kill_every_database_mutant_on_postgres(
    resources_project_copy: Path, env: dict[str, str], postgres_url: str
) -> None:
    """The gate of the database layer: its mutants, run on PostgreSQL, are all killed."""
    started = time.monotonic()
    on_postgres = {**env, "TEST_DATABASE_URL": postgres_url}
    code, text = verify(resources_project_copy, on_postgres, "--only", "security/rls.py")
    summary = re.search(r"^(\d+)/(\d+) mutants killed", text, re.MULTILINE)
    assert code == 0 and summary, text
    killed, total = map(int, summary.groups())
    assert killed == total == 4 + 3, text  # a policy dropped per resource table, and 3 more
    assert {line.split()[1] for line in text.splitlines() if line.startswith("killed")} == set(
        DATABASE_OPERATORS
    ), text
    assert "not run" not in text and "survived" not in text, text
    print(f"scopecraft verify on PostgreSQL: {summary.group(0)}, {time.monotonic() - started:.0f}s")


def test_database_mutants_without_postgres_are_reported_not_run(
    resources_project_copy: Path, env: dict[str, str]
) -> None:
    started = time.monotonic()
    code, text = verify(resources_project_copy, env, "--only", "security/rls.py")
    assert code == 0, text
    lines = [line for line in text.splitlines() if line.startswith("not run")]
    assert len(lines) == 7 and all("(needs PostgreSQL: TEST_DATABASE_URL)" in x for x in lines)
    assert "0/0 mutants killed" in text and "; 7 not run: they need PostgreSQL" in text, text
    assert time.monotonic() - started < 60, "the suite ran although no mutant could"


def test_a_survivor_fails_the_check_until_listed_as_equivalent(
    resources_project_copy: Path, env: dict[str, str]
) -> None:
    project = blind(resources_project_copy)
    code, text = verify(project, env, "--only", "upper-case-ids")
    assert code == 1, text
    assert re.search(
        r"^survived\s+upper-case-ids\s+src/notes_api/security/converters\.py:\d+", text, re.M
    )
    assert "0/1 mutants killed" in text, text
    key = "upper-case-ids security/converters.py:PublicIdConverter"
    assert f"survivor: {key}" in text, text

    (project / ".scopecraft-verify.toml").write_text(
        f'[equivalent]\n"{key}" = "this project accepts either case"\n', encoding="utf-8"
    )
    code, text = verify(project, env, "--only", "upper-case-ids")
    assert code == 0, text
    assert "(equivalent: this project accepts either case)" in text, text
    assert "1 survived, 1 of them listed as equivalent" in text, text


def test_a_suite_that_fails_unchanged_stops_the_check(
    resources_project_copy: Path, env: dict[str, str]
) -> None:
    project = blind(resources_project_copy)
    (project / "tests" / "test_blind.py").write_text(
        "def test_broken():\n    assert False\n", encoding="utf-8"
    )
    code, text = verify(project, env, "--only", "upper-case-ids")
    assert code == 1, text
    assert "the project's tests fail before any mutation" in text, text
    assert "tests/test_blind.py::test_broken" in text, text


def test_a_bad_equivalent_table_or_project_is_one_line(
    resources_project_copy: Path, env: dict[str, str], tmp_path: Path
) -> None:
    (resources_project_copy / ".scopecraft-verify.toml").write_text("[equivalent]\nx = 1\n")
    code, text = verify(resources_project_copy, env, "--only", "upper-case-ids")
    assert code == 2 and text.startswith("scopecraft: error:"), text
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text
    code, text = verify(tmp_path, env)
    assert code == 2 and "has no package under src/" in text, text


def test_list_names_every_mutant_by_its_key(resources_project: Path, env: dict[str, str]) -> None:
    done = run([SCOPECRAFT, "verify", "--list"], resources_project, env)
    assert done.returncode == 0, output(done)
    assert "drop-owner-condition resources/note/model.py:Notes" in done.stdout
    assert "drop-parent-condition resources/task/model.py:Tasks" in done.stdout
    assert "drop-row-policy security/rls.py:tasks  (needs PostgreSQL" in done.stdout
    assert re.search(r"^\d+ mutants$", done.stdout, re.MULTILINE), done.stdout


def test_help_is_fast_and_shows_an_example(env: dict[str, str], tmp_path: Path) -> None:
    started = time.monotonic()
    done = run([SCOPECRAFT, "verify", "--help"], tmp_path, env)
    assert done.returncode == 0, output(done)
    assert "Example: scopecraft verify" in done.stdout
    assert time.monotonic() - started < 5

"""Two independent layers (DESIGN §7.3), each proven alone on PostgreSQL in a rendered project
with owner-scoped, org-scoped, nested and ref: resources.

- The application layer alone: the whole generated suite passes with row-level security off
  (TEST_ROW_SECURITY=off), so no isolation test leans on the policies; only the database
  layer's own tests are skipped.
- The database layer alone: the generated tests/security/test_row_security.py (raw SQL as an
  outsider, the identity per transaction, the role check) and the migrations' policies test run
  in the normal PostgreSQL run (test_add_resource.py); test_verify.py proves they fail when any
  database guarantee is broken.

Here too: a resource's policy goes with its drop migration and comes back with its downgrade.
The release migration's policies, for tables made before 0.2, are in test_schema_upgrade.py.
"""

import re
import sys
from pathlib import Path

import pytest

from tests.support import SCOPECRAFT, flask, output, run

PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
# The generated modules that prove the database layer.
DATABASE_LAYER = ("tests/security/test_row_security.py", "tests/test_migrations.py")
SUITE_TIMEOUT = 1800  # the whole generated suite on PostgreSQL, on a loaded machine


@pytest.mark.heavy(4)
def test_the_application_layer_alone_passes_the_suite_on_postgres(
    resources_project_copy: Path, env: dict[str, str], postgres_url: str
) -> None:
    done = run(
        [*PYTEST, "-rs"],
        resources_project_copy,
        {**env, "TEST_DATABASE_URL": postgres_url, "TEST_ROW_SECURITY": "off"},
        timeout=SUITE_TIMEOUT,
    )
    assert done.returncode == 0, output(done)
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed and int(passed.group(1)) > 300, output(done)
    skipped = re.findall(r"^SKIPPED \[(\d+)\] (\S+?):\d+: (.*)$", done.stdout, re.MULTILINE)
    assert {path for _, path, _ in skipped} == set(DATABASE_LAYER), output(done)
    assert all("with row-level security on" in reason for _, _, reason in skipped), skipped


def row_security_of_notes(url: str) -> set[tuple[object, ...]]:
    """The policies of the notes table and its row security flags; empty without the table."""
    import psycopg

    with psycopg.connect(url) as connection:
        found = connection.execute(
            "SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = 'notes'"
        ).fetchall()
        flags = connection.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'notes'"
        ).fetchall()
    return set(found) | {("enabled, forced", *row) for row in flags}


def scopecraft(project: Path, env: dict[str, str], *args: str) -> None:
    done = run([SCOPECRAFT, *args, "--project", project], project, env)
    assert done.returncode == 0, output(done)


def test_a_resources_policy_goes_with_its_drop_migration_and_its_downgrade_brings_it_back(
    project_copy: Path, env: dict[str, str], postgres_url: str
) -> None:
    scopecraft(project_copy, env, "add-resource", "note", "--field", "title:str")
    flask(project_copy, env, postgres_url, "db", "upgrade")
    created = row_security_of_notes(postgres_url)
    assert {row[0] for row in created} == {"owner_rows", "enabled, forced"}, created
    assert ("enabled, forced", True, True) in created, created
    scopecraft(project_copy, env, "remove-resource", "note")
    flask(project_copy, env, postgres_url, "db", "upgrade")
    assert row_security_of_notes(postgres_url) == set(), "notes or its policy outlived the drop"
    flask(project_copy, env, postgres_url, "db", "downgrade", "--", "-1")
    assert row_security_of_notes(postgres_url) == created, "the downgrade lost the policy"

"""Field options at their edges: a resource whose `str`, `text` and `decimal` fields take the
smallest and largest options the CLI accepts renders a ruff-clean project whose resource tests
pass on SQLite and PostgreSQL. Its input suite sends every string at its maximum length in
4-byte characters, so the derived `MAX_CONTENT_LENGTH` is proved for the largest bodies the
template can render, and the hostile values for the narrowest fields."""

import re
import sys
from pathlib import Path

import pytest

from tests.support import RUFF, SCOPECRAFT, output, run

EDGE_SPEC = (
    "edge --field tiny:str:1 --field wide:str:10000 --field brief?:text:1"
    " --field essay:text:60000 --field fraction:decimal:15,15 --field whole:decimal:15,0"
    " --field digit:decimal:1,0 --field tenth?:decimal:1,1"
)


@pytest.fixture
def edge_project(tmp_path: Path, template_repo: Path, env: dict[str, str]) -> Path:
    dest = tmp_path / "edges"
    done = run(
        [SCOPECRAFT, "new-project", dest, "--template", template_repo, "--resource", EDGE_SPEC],
        tmp_path,
        env,
    )
    assert done.returncode == 0, output(done)
    return dest


@pytest.mark.heavy(3)
def test_fields_at_the_edges_of_their_options_pass_their_tests(
    edge_project: Path, env: dict[str, str], postgres_url_if_available: str | None
) -> None:
    for check in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = run([RUFF, *check], edge_project, env)
        assert done.returncode == 0, output(done)
    databases = {"SQLite": env}
    if postgres_url_if_available is not None:
        databases["PostgreSQL"] = {**env, "TEST_DATABASE_URL": postgres_url_if_available}
    for database, database_env in databases.items():
        done = run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/resources"],
            edge_project,
            database_env,
        )
        assert done.returncode == 0, f"on {database}: {output(done)}"
        passed = re.search(r"(\d+) passed", done.stdout)
        assert passed and int(passed.group(1)) >= 50, f"on {database}: {output(done)}"

"""Schemathesis against a generated app on a real loopback server, as alice and bob: no failure
of its authorization, authentication and schema checks over the fixed seeds, on SQLite and on
PostgreSQL, and a planted object-level authorization bug is found."""

import re
import sys
from pathlib import Path

from generator._mutants import ProjectSource, find_mutants
from tests.support import PACKAGE, output, run

FUZZ_TIMEOUT = 1200


def fuzz(project: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    done = run(
        [sys.executable, "scripts/schemathesis.py", *args],
        project,
        {**env, "PYTHONPATH": str(project / "src")},
        timeout=FUZZ_TIMEOUT,
    )
    return done.returncode, output(done)


def tail(text: str) -> str:
    """The failures and summary of a Schemathesis report, not its every request."""
    start = text.find("=== FAILURES ===")
    return text[start - 40 :] if start >= 0 else text[-6000:]


def test_schemathesis_finds_no_failure_as_two_peers(
    resources_project_copy: Path, env: dict[str, str], postgres_url_if_available: str | None
) -> None:
    """Seeds 1 and 2 on SQLite, and on PostgreSQL when a server is configured (always in CI)."""
    databases = ["SQLite"]
    if postgres_url_if_available is not None:
        env = {**env, "TEST_DATABASE_URL": postgres_url_if_available}
        databases.append("TEST_DATABASE_URL")
    code, text = fuzz(resources_project_copy, env)
    assert code == 0, tail(text)
    runs = re.findall(r"(\d+) generated, (\d+) passed", text)
    seeds = re.findall(r"^Seed: (\d+)$", text, re.MULTILINE)
    started = re.findall(r"^Schemathesis with seed (\d+) on (\S+)$", text, re.MULTILINE)
    operations = re.findall(r"Selected: (\d+)/(\d+)", text)
    expected = [(seed, database) for database in databases for seed in ("1", "2")]
    assert started == expected and [seed for seed, _ in expected] == seeds, tail(text)
    assert len(runs) == len(expected), tail(text)
    assert all(generated == passed and int(generated) > 500 for generated, passed in runs)
    assert all(int(selected) >= 30 for selected, _ in operations), operations
    print(f"schemathesis: {started}, operations {operations}, cases {runs}")


def test_schemathesis_catches_a_lookup_outside_the_scope(
    resources_project_copy: Path, env: dict[str, str]
) -> None:
    source = ProjectSource(resources_project_copy, PACKAGE)
    mutants, _ = find_mutants(source)
    unscoped = next(m for m in mutants if m.operator == "unscoped-find")
    texts = {module.path: module.text for module in source.modules}
    for path, text in unscoped.apply(texts).items():
        (resources_project_copy / path).write_text(text, encoding="utf-8")
    code, text = fuzz(resources_project_copy, env, "--seed", "1")
    assert code == 1, tail(text)
    assert "Object-level authorization bypass" in text, tail(text)
    assert re.search(r"`bob` received the `\w+` that `alice` owns", text), tail(text)

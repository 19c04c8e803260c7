"""Schemathesis against a generated app on a real loopback server, as two users who share no
organization: no failure of any of its checks over the fixed seeds, on SQLite and on PostgreSQL;
every item operation of the OpenAPI document answered 2xx for a live object in every run, as the
run's own NDJSON report shows; and a planted object-level authorization bug is found."""

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator._mutants import ProjectSource, find_mutants
from tests.support import PACKAGE, output, run

# Six seeded runs; scripts/test runs other heavy tests beside them, on a loaded machine.
FUZZ_TIMEOUT = 2400


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


def item_operations(document: dict[str, Any]) -> set[str]:
    """`METHOD /path` of every operation on one object: its path takes an id, and is not a
    collection (no path continues it with an id), as `/notes/{note_id}` and
    `/me/invitations/{invitation_id}/accept` are and `/orgs/{org_id}/members` is not."""
    paths = document["paths"]
    collections = {path.rsplit("/", 1)[0] for path in paths if path.endswith("}")}
    return {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method in operations
        if method != "parameters" and "{" in path and path not in collections
    }


def exchanges(report: Path) -> Iterator[tuple[str, int]]:
    """`(METHOD /path, status)` of every request a Schemathesis NDJSON report recorded."""
    with report.open(encoding="utf-8") as lines:
        for line in lines:
            finished = json.loads(line).get("ScenarioFinished")
            if finished is None:
                continue
            recorder = finished["recorder"]
            for case_id, interaction in recorder.get("interactions", {}).items():
                if interaction.get("response") is None:
                    continue
                case = recorder["cases"][case_id]["value"]
                yield f"{case['method']} {case['path']}", interaction["response"]["status_code"]


def item_coverage(report: Path) -> dict[str, tuple[int, int]]:
    """For each item operation of the document the run fuzzed: (2xx answers, requests)."""
    document = json.loads(report.with_suffix(".openapi.json").read_text(encoding="utf-8"))
    calls: Counter[str] = Counter()
    successes: Counter[str] = Counter()
    for operation, status in exchanges(report):
        calls[operation] += 1
        successes[operation] += 200 <= status < 300
    return {op: (successes[op], calls[op]) for op in sorted(item_operations(document))}


@pytest.mark.heavy(6)
def test_schemathesis_finds_no_failure_and_reaches_every_object(
    resources_project_copy: Path,
    env: dict[str, str],
    postgres_url_if_available: str | None,
    tmp_path: Path,
) -> None:
    """Seeds 1 to 3 on SQLite, and on PostgreSQL when a server is configured (always in CI)."""
    databases = ["SQLite"]
    if postgres_url_if_available is not None:
        env = {**env, "TEST_DATABASE_URL": postgres_url_if_available}
        databases.append("TEST_DATABASE_URL")
    reports = tmp_path / "reports"
    code, text = fuzz(resources_project_copy, env, "--report-dir", str(reports))
    assert code == 0, tail(text)
    runs = re.findall(r"(\d+) generated, (\d+) passed", text)
    seeds = re.findall(r"^Seed: (\d+)$", text, re.MULTILINE)
    started = re.findall(r"^Schemathesis with seed (\d+) on (\S+)$", text, re.MULTILINE)
    operations = re.findall(r"Selected: (\d+)/(\d+)", text)
    expected = [(seed, database) for database in databases for seed in ("1", "2", "3")]
    assert started == expected and [seed for seed, _ in expected] == seeds, tail(text)
    assert len(runs) == len(expected), tail(text)
    assert all(generated == passed and int(generated) > 500 for generated, passed in runs)
    assert all(int(selected) >= 30 for selected, _ in operations), operations
    print(f"schemathesis: {started}, operations {operations}, cases {runs}")
    for seed, database in expected:
        coverage = item_coverage(reports / f"{database}-seed{seed}.ndjson")
        assert len(coverage) >= 15, coverage
        print(f"item operations answering 2xx, seed {seed} on {database}:")
        for operation, (successes, calls) in coverage.items():
            print(f"  {successes:4}/{calls:<4} {operation}")
        unreached = [operation for operation, (successes, _) in coverage.items() if not successes]
        assert not unreached, f"seed {seed} on {database}: no 2xx for {unreached}"


@pytest.mark.heavy(2)
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
    assert re.search(r"`bob` received the `\w+` that `acme_admin` owns", text), tail(text)

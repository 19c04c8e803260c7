"""English in generated projects: articles and plurals come from inflect, never from a rule of
thumb. A project with names that trip such rules ("an invoice", "an hour log", "a user note",
person -> people) carries no wrong article in any file nor in its OpenAPI document."""

import json
import re
import sys
from pathlib import Path

import pytest

from generator._resources import article
from tests.support import PACKAGE, SCOPECRAFT, output, run

SPECS = (
    "invoice --field total:decimal:10,2",
    "estimate --scope org --field amount:int",
    "hour_log --parent estimate --field minutes:int",
    "user_note --field body:text",
    "person --field name:str:100",
    "analysis --field summary:text",
    "criterion --field label:str:80",
)
LABELS = ("invoice", "estimate", "hour log", "user note", "person", "analysis", "criterion")
OPENAPI = (
    "import json; from {package} import create_app; "
    "app = create_app({{'APP_ENV': 'testing', 'DATABASE_URL': 'sqlite://'}}); "
    "print(json.dumps(app.test_client().get('/openapi.json').get_json()))"
)


def wrong_articles(text: str, where: str) -> list[str]:
    """Every "a LABEL" or "an LABEL" in `text` whose article English does not use."""
    found = []
    for label in LABELS:
        spelled = label.replace(" ", r"[ _]")
        for match in re.finditer(rf"\b(an?) {spelled}\b", text, re.IGNORECASE):
            if match.group(1).lower() != article(label.replace(" ", "_")):
                found.append(f"{where}: {match.group(0)!r}")
    return found


@pytest.fixture(scope="module")
def english_project(
    tmp_path_factory: pytest.TempPathFactory, template_repo: Path, env: dict[str, str]
) -> Path:
    dest = tmp_path_factory.mktemp("english") / "ledger"
    resources = [option for spec in SPECS for option in ("--resource", spec)]
    options: list[str | Path] = ["--package", PACKAGE, "--template", template_repo, "--no-git"]
    done = run([SCOPECRAFT, "new-project", dest, *options, *resources], dest.parent, env)
    assert done.returncode == 0, output(done)
    return dest


def test_plurals_are_english_in_urls_and_tables(english_project: Path, env: dict[str, str]) -> None:
    recorded = (english_project / ".copier-answers.yml").read_text()
    for plural in ("invoices", "estimates", "hour_logs", "people", "analyses", "criteria"):
        assert f"plural: {plural}" in recorded, plural
    for wrong in ("persons", "analysises", "criterions"):
        assert wrong not in recorded, wrong


def test_no_generated_file_nor_the_openapi_document_has_a_wrong_article(
    english_project: Path, env: dict[str, str]
) -> None:
    problems = []
    seen = 0
    for path in sorted(english_project.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text(errors="replace")
            seen += len(re.findall(r"\ban (?:invoice|estimate|hour log|analysis)\b", text))
            problems += wrong_articles(text, str(path.relative_to(english_project)))

    done = run(
        [sys.executable, "-c", OPENAPI.format(package=PACKAGE)],
        english_project,
        {**env, "PYTHONPATH": "src"},
    )
    assert done.returncode == 0, output(done)
    spec = json.loads(done.stdout)
    assert "/people" in spec["paths"] and "/analyses" in spec["paths"], sorted(spec["paths"])
    document = json.dumps(spec)
    seen += len(re.findall(r"\ban (?:invoice|estimate|hour log|analysis)\b", document))
    problems += wrong_articles(document, "openapi.json")

    assert problems == []
    assert seen > 0, "no article before a resource name was found at all: the check saw nothing"

"""copier.yml: the question set, the absence of unsafe features, and validators that hold."""

import ast
import re
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml

from generator._names import PACKAGE_NAME, RESERVED_PACKAGE_NAMES
from tests.support import REPO

UNSAFE_OR_UNREPLAYABLE = ("_tasks", "_migrations", "_jinja_extensions", "_external_data")


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "copier.yml").read_text(encoding="utf-8"))
    return loaded


def test_questions_are_exactly_the_recorded_inputs(config: dict[str, Any]) -> None:
    questions = {key for key in config if not key.startswith("_")}
    assert questions == {"package_name", "project_name", "resources", "migrations", "upgrade_0_2"}


def test_template_needs_no_trust_and_replays_from_answers_alone(config: dict[str, Any]) -> None:
    assert [key for key in UNSAFE_OR_UNREPLAYABLE if key in config] == []
    assert config["_subdirectory"] == "template"


def test_python_validation_uses_copier_yml_rules(config: dict[str, Any]) -> None:
    validator = config["package_name"]["validator"]
    pattern = re.search(r"regex_search\('([^']*)'\)", validator)
    reserved = re.search(r"package_name in (\[[^\]]*\])", validator)
    assert pattern and reserved, "copier.yml's package_name validator changed shape"
    # Written `\\A...\\Z` in copier.yml: a Jinja string literal unescapes it once.
    assert pattern.group(1).replace("\\\\", "\\") == PACKAGE_NAME.pattern
    assert set(ast.literal_eval(reserved.group(1))) == RESERVED_PACKAGE_NAMES


@pytest.mark.parametrize("package_name", ["name\n", "class", "bad__name"])
def test_copier_rejects_bad_package_name(
    package_name: str, template_repo: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "project"
    with pytest.raises(ValueError, match="package_name"):
        copier.run_copy(
            str(template_repo),
            dest,
            data={"package_name": package_name, "project_name": "notes-api", "resources": []},
            vcs_ref="HEAD",
            defaults=True,
            quiet=True,
            settings=copier.Settings(),
        )
    assert not dest.exists()

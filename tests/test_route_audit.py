"""Deny by default, proved on real code: deleting any one view's policy decorator from a rendered
project makes `create_app()` refuse to start, and the refusal names that endpoint."""

import re
import sys
from pathlib import Path

import pytest

from tests.support import PACKAGE, output, run

POLICY_LINE = re.compile(r"^@(public|authenticated|org_member|org_admin|org_owner)\n", re.M)
BLUEPRINT_NAME = re.compile(r'^blp = Blueprint\(\s*"([a-z_]+)"', re.M)
CREATE_APP = (
    f"from {PACKAGE} import create_app; "
    "create_app({'APP_ENV': 'testing', 'DATABASE_URL': 'sqlite://'})"
)


def policy_declarations(src: Path) -> list[tuple[Path, int, str]]:
    """(file, offset of the decorator line, endpoint) for every policy decorator in `src`."""
    found = []
    for path in sorted(src.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        blueprint = BLUEPRINT_NAME.search(text)
        for match in POLICY_LINE.finditer(text):
            view = re.search(r"^def ([a-z_0-9]+)\(", text[match.end() :], re.M)
            assert blueprint and view, f"{path}: a policy decorator outside a blueprint view"
            found.append((path, match.start(), f"{blueprint.group(1)}.{view.group(1)}"))
    return found


def test_removing_any_policy_stops_the_app_naming_the_endpoint(
    project_copy: Path, env: dict[str, str]
) -> None:
    src = project_copy / "src"
    declarations = policy_declarations(src / PACKAGE)
    assert len(declarations) >= 15, f"expected every account route, found {declarations}"
    app_env = {**env, "PYTHONPATH": str(src)}
    assert run([sys.executable, "-c", CREATE_APP], project_copy, app_env).returncode == 0

    for path, offset, endpoint in declarations:
        original = path.read_text(encoding="utf-8")
        line_end = original.index("\n", offset) + 1
        path.write_text(original[:offset] + original[line_end:], encoding="utf-8")
        try:
            done = run([sys.executable, "-c", CREATE_APP], project_copy, app_env)
        finally:
            path.write_text(original, encoding="utf-8")
        assert done.returncode != 0, f"the app started without {endpoint}'s policy"
        assert "RouteAuditError" in done.stderr, output(done)
        assert endpoint in done.stderr, f"the refusal does not name {endpoint}:\n{output(done)}"


@pytest.mark.parametrize("decorator", ["@public", "@authenticated", "@org_member"])
def test_every_policy_kind_is_in_use(project_copy: Path, decorator: str) -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in (project_copy / "src").rglob("*.py"))
    assert f"\n{decorator}\n" in text

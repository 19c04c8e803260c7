"""`scopecraft new-project`: parse -> validate -> plan -> render -> verify -> commit -> report.

Everything that can be checked is checked before Copier runs, so a mistake writes nothing. Once
rendering starts, any failure removes what was written.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import __version__, _copier, _git
from generator._answers import ANSWERS_FILE, read_answers
from generator._destination import check_destination, restored_on_failure
from generator._errors import RenderError
from generator._names import check_package_name, default_package_name, project_name_for
from generator._source import resolve_template


@dataclass(frozen=True)
class NewProject:
    """What the user asked for, as given on the command line."""

    dest: str
    package: str | None = None
    template: str | None = None
    git: bool = True


@dataclass(frozen=True)
class Plan:
    """A validated request: every name checked, every path absolute."""

    dest: Path
    package_name: str
    project_name: str
    template: str
    git: bool

    def answers(self) -> dict[str, Any]:
        """The answers given to Copier; every render input is a question it records."""
        return {
            "package_name": self.package_name,
            "project_name": self.project_name,
            "resources": [],
        }


@dataclass(frozen=True)
class Created:
    """A rendered project, for the report."""

    plan: Plan
    template_commit: str
    project_commit: str | None
    warnings: list[str]


def new_project(request: NewProject) -> Created:
    """Create a project as `request` asks; raise ScopecraftError, leaving nothing, on failure."""
    return create(plan(request))


def plan(request: NewProject) -> Plan:
    """Validate the request and resolve its paths; writes nothing."""
    dest = Path(request.dest).expanduser().resolve()
    check_destination(dest)
    if request.package is None:
        package_name = check_package_name(
            default_package_name(dest), hint=f" (from the name of {dest}); pass --package NAME"
        )
    else:
        package_name = check_package_name(request.package)
    return Plan(
        dest=dest,
        package_name=package_name,
        project_name=project_name_for(package_name),
        template=resolve_template(request.template),
        git=request.git,
    )


def create(plan: Plan) -> Created:
    """Render, verify and commit the planned project; undo everything if a step fails."""
    with restored_on_failure(plan.dest):
        warnings = _copier.copy(plan.template, plan.dest, plan.answers())
        template_commit = verify(plan)
        project_commit = None
        if plan.git:
            project_commit = _git.init_and_commit_all(
                plan.dest, f"Generate {plan.package_name} with Scopecraft {__version__}"
            )
    return Created(plan, template_commit, project_commit, warnings)


def verify(plan: Plan) -> str:
    """Check that the answers file makes the project updatable; return the template commit."""
    answers = read_answers(plan.dest)
    commit = answers.get("_commit")
    if not commit:
        raise RenderError(
            f"Copier recorded no template commit in {ANSWERS_FILE}, so the project could never "
            f"be updated; is {plan.template} a git repository root?"
        )
    if answers.get("_src_path") != plan.template:
        raise RenderError(
            f"{ANSWERS_FILE} records template {answers.get('_src_path')!r} instead of "
            f"{plan.template!r}"
        )
    return str(commit)


def report(created: Created) -> str:
    """What was created, and what to do next."""
    plan = created.plan
    lines = [
        f"Created {plan.project_name} in {plan.dest}",
        f"  package   {plan.package_name}",
        f"  template  {plan.template} at {created.template_commit}",
    ]
    if created.project_commit:
        lines.append(f"  git       branch main, commit {created.project_commit[:12]}")
    else:
        lines.append("  git       not initialised (--no-git); commit before updating the project")
    lines += [f"  warning   {warning}" for warning in created.warnings]
    lines += [
        "",
        "Next steps:",
        f"  cd {plan.dest}",
        "  python -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]'",
        "  python -m pytest",
    ]
    return "\n".join(lines)

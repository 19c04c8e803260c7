"""`scopecraft new-project`: parse -> validate -> plan -> render -> verify -> commit -> report.

Everything that can be checked is checked before Copier runs, so a mistake writes nothing. Once
rendering starts, any failure removes what was written.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import __version__, _copier, _git, _render_cache
from generator._answers import ANSWERS_FILE, read_answers
from generator._destination import check_destination, restored_on_failure
from generator._errors import RenderError
from generator._migrations import FIRST_REVISION, next_revision, release_answers, release_questions
from generator._names import check_package_name, default_package_name, project_name_for
from generator._releases import read_file
from generator._resources import Resource, build_resource, migration_entry, parse_resource_spec
from generator._source import CONFIG_FILES, resolve_template, template_ref


@dataclass(frozen=True)
class NewProject:
    """What the user asked for, as given on the command line."""

    dest: str
    package: str | None = None
    template: str | None = None
    git: bool = True
    resources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A validated request: every name checked, every path absolute."""

    dest: Path
    package_name: str
    project_name: str
    template: str
    git: bool
    resources: list[Resource] = field(default_factory=list)
    migrations: list[dict[str, Any]] = field(default_factory=list)
    # The template's release migrations (`upgrade_X_Y` answers), first in the new history.
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The template version to render: HEAD of the source, or the installed release's tag.
    ref: str = "HEAD"

    def answers(self) -> dict[str, Any]:
        """The answers given to Copier; every render input is a question it records."""
        return {
            "package_name": self.package_name,
            "project_name": self.project_name,
            "resources": self.resources,
            "migrations": self.migrations,
            **self.releases,
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
    resources = plan_resources(request.resources)
    template = resolve_template(request.template)
    ref = template_ref(template)
    releases = release_answers(
        template_releases(template, ref), [], [FIRST_REVISION], FIRST_REVISION
    )
    base = [entry["revision"] for entry in releases.values()][-1:] or [FIRST_REVISION]
    return Plan(
        dest=dest,
        package_name=package_name,
        project_name=project_name_for(package_name),
        template=template,
        git=request.git,
        resources=resources,
        migrations=create_migrations(resources, base[0]),
        releases=releases,
        ref=ref,
    )


def template_releases(template: str, ref: str) -> list[str]:
    """The release migration questions of the template at `ref` (none before release 0.2)."""
    for name in CONFIG_FILES:
        config = read_file(template, ref, name)
        if config is not None:
            return release_questions(config)
    return []


def plan_resources(specs: tuple[str, ...]) -> list[Resource]:
    """The resources of `--resource SPEC`s, each checked against those before it, so a parent
    or ref target comes first."""
    resources: list[Resource] = []
    for spec in specs:
        resources.append(build_resource(parse_resource_spec(spec), resources))
    return resources


def create_migrations(resources: list[Resource], base: str) -> list[dict[str, Any]]:
    """The create migrations of `resources`, chained from `base`: the template's last own
    revision (its first, or the release migration after it)."""
    migrations: list[dict[str, Any]] = []
    down = base
    for index, resource in enumerate(resources):
        revision = next_revision([down])
        migrations.append(
            migration_entry("create", resource, resources[: index + 1], revision, down)
        )
        down = revision
    return migrations


def create(plan: Plan) -> Created:
    """Render, verify and commit the planned project; undo everything if a step fails."""
    with restored_on_failure(plan.dest):
        copied = _copier.copy(plan.template, plan.dest, plan.answers(), vcs_ref=plan.ref)
        template_commit = verify(plan)
        project_commit = None
        if plan.git:
            project_commit = _git.init_and_commit_all(
                plan.dest, f"Generate {plan.package_name} with Scopecraft {__version__}"
            )
            if copied.same_in_update:
                keep_render(plan.dest)
    return Created(plan, template_commit, project_commit, copied.warnings)


def keep_render(dest: Path) -> None:
    """Keep the render for the first change to the project: it renders its answers once only."""
    with tempfile.TemporaryDirectory(prefix="scopecraft-new-") as scratch:
        answers = (dest / ANSWERS_FILE).read_bytes()
        _render_cache.store(dest, _render_cache.key(answers, dest.name), dest, Path(scratch))


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
        *(
            f"  resource  {r['name']} ({r['scope']}-scoped"
            + (f", under {r['parent']})" if r["parent"] else ")")
            for r in plan.resources
        ),
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
        f"  cp .env.example .env && flask --app {plan.package_name} db upgrade",
    ]
    return "\n".join(lines)

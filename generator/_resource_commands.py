"""`scopecraft add-resource` and `remove-resource`: one resource more or fewer in the answers.

Each is parse -> validate -> plan -> render -> merge -> commit -> report: the resource is checked
against the project's others, a migration entry is appended that revises the current Alembic
head, and `_update.change_project` does the rest.
"""

from dataclasses import dataclass

from generator._errors import UsageError
from generator._importers import importers
from generator._migrations import next_slot
from generator._project import Project, open_project
from generator._resources import (
    Resource,
    ResourceRequest,
    build_resource,
    check_removable,
    migration_entry,
)
from generator._update import Outcome, change_project, report_files


@dataclass(frozen=True)
class AddResource:
    """What the user asked for, as given on the command line."""

    resource: ResourceRequest
    project: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class RemoveResource:
    """What the user asked for, as given on the command line."""

    name: str
    project: str | None = None
    dry_run: bool = False


def add_resource(request: AddResource) -> Outcome:
    """Add the resource to the project as one commit (or show what would change)."""
    project = open_project(request.project)
    resources = project.resources
    resource = build_resource(request.resource, resources)
    resources.append(resource)
    migration = _migration(project, "create", resource, resources)
    return change_project(
        project,
        {"resources": resources, "migrations": [*project.migrations, migration]},
        commit_message("add", resource["name"]),
        dry_run=request.dry_run,
    )


def remove_resource(request: RemoveResource) -> Outcome:
    """Remove the resource from the project as one commit (or show what would change)."""
    project = open_project(request.project)
    resources = project.resources
    resource = check_removable(request.name, resources)
    users = importers(project.path, project.package_name, resource["name"])
    if users:
        raise UsageError(
            f"resource {resource['name']!r} is still imported by {', '.join(users)}; "
            "remove those imports first, or the project would not start"
        )
    migration = _migration(project, "drop", resource, resources)
    resources.remove(resource)
    return change_project(
        project,
        {"resources": resources, "migrations": [*project.migrations, migration]},
        commit_message("remove", resource["name"]),
        dry_run=request.dry_run,
    )


def _migration(
    project: Project, action: str, resource: Resource, resources: list[Resource]
) -> dict[str, object]:
    recorded = [str(m.get("revision", "")) for m in [*project.migrations, *project.releases]]
    revision, down = next_slot(project.path, recorded, project.package_name)
    return migration_entry(action, resource, resources, revision, down)


def commit_message(verb: str, name: str) -> str:
    """The commit of one change: `Add resource note (scopecraft add-resource)`."""
    return f"{verb.capitalize()} resource {name} (scopecraft {verb}-resource)"


def report(outcome: Outcome, verb: str, name: str) -> str:
    """What changed (or would change), and what to do next."""
    project = outcome.project
    past = {"add": "Added", "remove": "Removed"}[verb]
    where = f"{project.package_name} in {project.path}"
    if outcome.dry_run:
        lines = [f"Dry run: {verb}-resource {name} would change {where}:"]
        lines += report_files(outcome, dry_run_verbs=True)
        lines += [f"  warning  {warning}" for warning in outcome.warnings]
        if any(file.conflict for file in outcome.files):
            lines.append("The files marked conflict would be left with conflict markers.")
        lines.append("Nothing was written.")
        return "\n".join(lines)
    lines = [f"{past} resource {name} {'to' if verb == 'add' else 'from'} {where}"]
    lines += report_files(outcome)
    lines += [f"  warning  {warning}" for warning in outcome.warnings]
    if outcome.commit:
        lines.append(f"  commit   {outcome.commit[:12]} {commit_message(verb, name)}")
    lines += [
        "",
        "Next steps:",
        f"  flask --app {project.package_name} db upgrade"
        + ("   # drops the table and its rows" if verb == "remove" else ""),
        "  python -m pytest",
        "Review the change with `git show HEAD`; undo it with `git revert HEAD`, or with "
        "`git reset --hard HEAD~1` before you push or upgrade a database.",
    ]
    return "\n".join(lines)


def conflict_report(outcome: Outcome, verb: str, name: str) -> str:
    """The conflicted files, and how to finish or abort (printed to stderr)."""
    lines = [
        f"scopecraft: error: {verb}-resource {name} conflicts with your edits in "
        f"{len(outcome.conflicts)} file(s); nothing was committed:"
    ]
    lines += [f"  {path}" for path in outcome.conflicts]
    lines += [
        "Resolve the <<<<<<< / >>>>>>> markers, then commit:",
        f'  git add --all && git commit -m "{commit_message(verb, name)}"',
        "Or abort and return to the last commit:",
        "  git reset --hard && git clean -fd",
    ]
    return "\n".join(lines)

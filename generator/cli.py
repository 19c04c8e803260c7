"""The `scopecraft` command line: parse the arguments, run one command, report errors in one line.

Importing this module must stay cheap: Copier is imported by the commands, never here.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from generator._bundle import version_line
from generator._errors import ScopecraftError
from generator._new_project import NewProject, new_project, report
from generator._resource_commands import (
    AddResource,
    RemoveResource,
    add_resource,
    conflict_report,
    remove_resource,
)
from generator._resource_commands import report as change_report
from generator._resources import ResourceRequest
from generator._update import Outcome

app = typer.Typer(
    name="scopecraft",
    epilog="Example: scopecraft new-project notes-api",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: one line per command, no type labels after options.
    rich_markup_mode=None,
)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn a ScopecraftError or an interruption into one line on stderr and an exit code."""
    try:
        yield
    except ScopecraftError as exc:
        typer.echo(f"scopecraft: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("scopecraft: interrupted; nothing was kept", err=True)
        raise typer.Exit(130) from None


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_line())
        raise typer.Exit()


@app.callback()
def scopecraft(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Generate Flask JSON APIs where every object is reachable only through its owner's scope."""


@app.command(
    "new-project",
    short_help="Create a project from the template.",
    epilog="Example: scopecraft new-project ~/code/notes-api --package notes_api "
    "--resource 'note --field title:str:200 --field due_on?:date'",
)
def new_project_command(
    dest: Annotated[
        str,
        typer.Argument(metavar="DEST", help="Directory to create; it must not exist or be empty."),
    ],
    package: Annotated[
        str | None,
        typer.Option(
            "--package",
            metavar="NAME",
            help="Python package name (snake_case). Default: DEST's name, lowercased, - as _.",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="SRC",
            help="Template: a clean git repository root, a git bundle file or a URL. "
            "Default: the checkout scopecraft runs from, else the bundle its wheel carries.",
        ),
    ] = None,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Do not make DEST a git repository.")
    ] = False,
    resources: Annotated[
        list[str] | None,
        typer.Option(
            "--resource",
            metavar="SPEC",
            help="A resource to generate, written as add-resource's arguments in one quoted "
            "string: 'project --scope org --field name:str:100'. Repeatable; in order, so a "
            "parent or ref target comes first.",
        ),
    ] = None,
) -> None:
    """Create a new Flask project in DEST from the Scopecraft template."""
    with reported_errors():
        created = new_project(
            NewProject(dest, package, template, git=not no_git, resources=tuple(resources or ()))
        )
    typer.echo(report(created))


ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project", metavar="DIR", help="The project to change. Default: the current directory."
    ),
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="List the files that would be created, changed or deleted; write nothing."
    ),
]


@app.command(
    "add-resource",
    short_help="Add a resource to a project, as one commit.",
    epilog="Example: scopecraft add-resource note --field title:str:200 --field 'body?:text' "
    "--field 'due_on?:date'",
)
def add_resource_command(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The resource's name: snake_case, singular.")
    ],
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            metavar="NAME:TYPE[:OPTION]",
            help="A field; repeat for each. Types: str[:MAX_LENGTH] (default 255), "
            "text[:MAX_LENGTH], int, decimal[:P,S] (default 12,2), bool, date, datetime, "
            "ref:RESOURCE. NAME? makes it optional: due_on?:date.",
        ),
    ] = None,
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope",
            metavar="owner|org",
            help="Who reaches it: its owner, or an organization's members. "
            "Default: the parent's scope, else owner.",
        ),
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option(
            "--parent",
            metavar="RESOURCE",
            help="Nest it under an existing resource's item URL.",
        ),
    ] = None,
    plural: Annotated[
        str | None,
        typer.Option(
            "--plural",
            metavar="WORD",
            help="Its plural: table name and URL segment. Default: its English plural.",
        ),
    ] = None,
    dry_run: DryRunOption = False,
    project: ProjectOption = None,
) -> None:
    """Add a resource (model, routes, schemas, migration, tests) to a project, as one commit."""
    request = ResourceRequest(name, tuple(fields or ()), scope, parent, plural)
    with reported_errors():
        outcome = add_resource(AddResource(request, project, dry_run))
    _finish(outcome, "add", name)


@app.command(
    "remove-resource",
    short_help="Remove a resource from a project, as one commit.",
    epilog="Example: scopecraft remove-resource note --dry-run",
)
def remove_resource_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The resource to remove.")],
    dry_run: DryRunOption = False,
    project: ProjectOption = None,
) -> None:
    """Remove a resource's files from a project and add a migration dropping its table."""
    with reported_errors():
        outcome = remove_resource(RemoveResource(name, project, dry_run))
    _finish(outcome, "remove", name)


def _finish(outcome: Outcome, verb: str, name: str) -> None:
    if outcome.conflicts:
        typer.echo(conflict_report(outcome, verb, name), err=True)
        raise typer.Exit(1)
    typer.echo(change_report(outcome, verb, name))


@app.command(
    "update",
    short_help="Update a project to a newer template release.",
    epilog="Example: scopecraft update --dry-run; scopecraft update --to 0.2.0",
)
def update_command(
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="VERSION",
            help="The template release to update to, e.g. 0.2.0 or v0.2.0. Default: the newest.",
        ),
    ] = None,
    dry_run: DryRunOption = False,
    project: ProjectOption = None,
) -> None:
    """Update a project to a newer template release, keeping your edits; left uncommitted.

    Conflicts are left as <<<<<<< markers, listed, and exit 1.
    """
    from generator import _template_update

    with reported_errors():
        updated = _template_update.update(_template_update.UpdateRequest(to, dry_run, project))
    typer.echo(_template_update.report(updated))
    if updated.conflicts:
        typer.echo(_template_update.conflict_report(updated), err=True)
        raise typer.Exit(1)


@app.command(
    "doctor",
    short_help="Check a project; one line per problem.",
    epilog="Example: scopecraft doctor --project ~/code/notes-api",
)
def doctor_command(
    project: Annotated[
        str | None,
        typer.Option(
            "--project", metavar="DIR", help="The project to check. Default: the current directory."
        ),
    ] = None,
) -> None:
    """Check a project: answers file, resource files and migrations, security modules, route
    policies, conflicts. One line per problem; exits 1 when there is any."""
    from generator import _doctor

    with reported_errors():
        found = _doctor.doctor(project)
    typer.echo(_doctor.report(found))
    if found.problems:
        raise typer.Exit(1)


@app.command(
    "verify",
    short_help="Prove the project's tests catch each security regression.",
    epilog="Example: scopecraft verify --project ~/code/notes-api",
)
def verify_command(
    project: Annotated[
        str | None,
        typer.Option(
            "--project", metavar="DIR", help="The project to check. Default: the current directory."
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, metavar="N", help="Test suites run at the same time."),
    ] = 2,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Per mutant; over it, killed.")
    ] = 900.0,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="TEXT",
            help="Run only the mutants whose key contains TEXT (repeatable), e.g. Notes.",
        ),
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="List the mutants and their keys; run nothing.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Show each mutant's key, first failing test, time."),
    ] = False,
) -> None:
    """Break the project's security one mutant at a time; its tests must fail for each.

    Exits 1 when a mutant survives that .scopecraft-verify.toml does not list as equivalent.
    """
    from generator import _verify

    with reported_errors():
        if list_only:
            typer.echo(_verify.listing(project, tuple(only or ())))
            return
        options = _verify.Verify(project, workers, timeout, tuple(only or ()), verbose)
        report = _verify.verify(options, typer.echo)
    typer.echo(_verify.summary(report))
    if report.failing:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the `scopecraft` console script."""
    app(prog_name="scopecraft")

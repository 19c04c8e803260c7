"""The `scopecraft` command line: parse the arguments, run one command, report errors in one line.

Importing this module must stay cheap: Copier is imported by the commands, never here.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from generator import __version__
from generator._errors import ScopecraftError
from generator._new_project import NewProject, new_project, report

app = typer.Typer(
    name="scopecraft",
    epilog="Example: scopecraft new-project notes-api",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
        typer.echo(f"scopecraft {__version__}")
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
    epilog="Example: scopecraft new-project ~/code/notes-api --package notes_api",
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
            help="Template: a clean git repository root or a URL. "
            "Default: the checkout scopecraft runs from.",
        ),
    ] = None,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Do not make DEST a git repository.")
    ] = False,
) -> None:
    """Create a new Flask project in DEST from the Scopecraft template."""
    with reported_errors():
        created = new_project(NewProject(dest, package, template, git=not no_git))
    typer.echo(report(created))


def main() -> None:
    """Entry point of the `scopecraft` console script."""
    app(prog_name="scopecraft")

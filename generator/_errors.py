"""Errors Scopecraft reports to the user: one line each, with the exit code that fits."""


class ScopecraftError(Exception):
    """A failure the CLI reports as one line on stderr before exiting with `exit_code`."""

    exit_code = 1

    def __str__(self) -> str:
        # Copier and git messages may span lines; the user gets one.
        return " ".join(super().__str__().split())


class UsageError(ScopecraftError):
    """The input cannot work (a name, a destination, a template source): fix it and retry."""

    exit_code = 2


class RenderError(ScopecraftError):
    """Copier could not render the template, or rendered something unusable."""


class GitError(ScopecraftError):
    """A git command failed."""

"""Copier behind one door: imported lazily, isolated from user settings, every failure mapped.

Copier and its dependencies take a noticeable time to import, so they are imported only when a
command renders; `scopecraft --help` never pays for them. Each operation runs with
`settings=Settings()`, so a user's `~/.config/copier` defaults and trust list cannot change the
output, and `unsafe=False`, because the template needs no tasks, migrations or extensions.
"""

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator._errors import RenderError, UsageError

# Copier reports a rejected answer as a plain ValueError starting with one of these.
_INPUT_ERROR_PREFIXES = ("Validation error for question", "Invalid choice for")


def load() -> None:
    """Import Copier now: before forking a process that renders, so that it inherits it."""
    import copier._main
    import jinja2
    import plumbum

    del copier, jinja2, plumbum


@dataclass(frozen=True)
class Copied:
    """A new project's render: its warnings, and whether an update renders the same files."""

    warnings: list[str]
    # False when an `_exclude` entry depends on `_copier_operation`, which only changes what
    # files a render writes; answers and content are the same in a copy and an update.
    same_in_update: bool


def copy(src: str, dest: Path, data: dict[str, Any], *, vcs_ref: str = "HEAD") -> Copied:
    """Render the template at `src` (at `vcs_ref`, a tag or HEAD) into `dest`, new or empty."""
    import copier

    with _into_fresh_directory():
        worker, caught = _run(
            copier.run_copy,
            src_path=src,
            dst_path=dest,
            data=data,
            vcs_ref=vcs_ref,
            defaults=True,
            quiet=True,
            overwrite=False,
            unsafe=False,
            settings=copier.Settings(),
        )
    exclusions = worker.all_exclusions
    return Copied(caught, not any("_copier_operation" in pattern for pattern in exclusions))


@dataclass(frozen=True)
class Rendered:
    """A render for an update: its warnings, and the template's `_skip_if_exists` test."""

    warnings: list[str]
    skip_if_exists: Callable[[str], bool]


def render_for_update(src: str, dest: Path, data: dict[str, Any], *, vcs_ref: str) -> Rendered:
    """Render the template at `src` and `vcs_ref` into `dest` as Copier's update renders.

    Copier's update renders the project in an "update" operation, which a template's `_exclude`
    entries may test (`_copier_operation`), with `data` as the answers; and where `dest` already
    holds an answers file, its answers are the last ones, as in the project being updated: they
    fill in every question `data` leaves out, a recorded answer that no longer validates gives
    way to the default, and new questions get their (possibly computed) defaults. `dest` holds
    nothing else. Returns the warnings and the template's `_skip_if_exists` patterns, rendered
    with these answers, as a test of a path relative to the project.
    """
    import copier

    with _into_fresh_directory(), _in_update_operation():
        worker, caught = _run(
            copier.run_copy,
            src_path=src,
            dst_path=dest,
            data=data,
            vcs_ref=vcs_ref,
            defaults=True,
            quiet=True,
            overwrite=True,
            unsafe=False,
            settings=copier.Settings(),
        )
    match_skip = worker.match_skip

    def skip_if_exists(path: str) -> bool:
        return bool(match_skip(Path(path)))

    return Rendered(caught, skip_if_exists)


@contextmanager
def _in_update_operation() -> Iterator[None]:
    """Run Copier as inside its own update, where `_copier_operation` is "update".

    Copier keeps the operation in a context variable that its update sets and the renders it
    nests keep; there is no public way to set it for a render of our own.
    """
    from copier._main import _operation

    token = _operation.set("update")
    try:
        yield
    finally:
        _operation.reset(token)


@contextmanager
def _into_fresh_directory() -> Iterator[None]:
    """Skip Copier's per-file sync of the executable bit into the destination's git index.

    Copier asks git for `core.fileMode` once per rendered file (a subprocess each, about a third
    of a render's time) in order to correct the index entry of a file git already tracks. A
    render into a new or empty directory writes only files no index tracks, where that method
    does nothing by its own definition; the file's mode on disk is still set from the template.
    """
    from copier._main import Worker

    sync = Worker._sync_git_index_executable_bit
    Worker._sync_git_index_executable_bit = _no_index_to_sync  # type: ignore[method-assign]
    try:
        yield
    finally:
        Worker._sync_git_index_executable_bit = sync  # type: ignore[method-assign]


def _no_index_to_sync(self: object, dst_relpath: Path, src_mode: int) -> None:
    del self, dst_relpath, src_mode


def update(project: Path, data: dict[str, Any], *, to: str | None = None) -> list[str]:
    """Re-render `project` with `data` as new answers, at its recorded template commit or at the
    template version `to` (a tag).

    User edits are kept by Copier's 3-way merge; where they overlap the template's changes, the
    files are left with inline conflict markers (Copier still succeeds). Returns the warnings.
    """
    import copier

    _, caught = _run(
        copier.run_update,
        dst_path=project,
        data=data,
        vcs_ref=copier.VcsRef.CURRENT if to is None else to,
        defaults=True,
        overwrite=True,
        quiet=True,
        conflict="inline",
        unsafe=False,
        settings=copier.Settings(),
    )
    return caught


def _run(operation: Callable[..., Any], **kwargs: Any) -> tuple[Any, list[str]]:
    """Call a Copier operation; return its result and its warnings as lines; raise
    ScopecraftError on failure."""
    import jinja2
    from copier.errors import (
        CopierAnswersInterrupt,
        CopierWarning,
        DirtyLocalWarning,
        UnsafeTemplateError,
        UserMessageError,
    )
    from plumbum.commands.processes import ProcessExecutionError

    try:
        with warnings.catch_warnings(record=True) as caught:
            # Copier's own warnings are worth a line in the report; library deprecations are not.
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", CopierWarning)
            # A dirty local template would be recorded as a commit that does not exist.
            warnings.simplefilter("error", DirtyLocalWarning)
            result = operation(**kwargs)
    except CopierAnswersInterrupt:
        raise  # a KeyboardInterrupt: the CLI reports it as an interruption
    except DirtyLocalWarning as exc:
        raise UsageError(
            f"template {kwargs.get('src_path')} has uncommitted changes; commit or stash them"
        ) from exc
    except UnsafeTemplateError as exc:
        raise RenderError(
            "the template uses tasks, migrations or Jinja extensions, which Scopecraft never "
            f"trusts: {exc}"
        ) from exc
    except UserMessageError as exc:
        raise RenderError(f"copier: {exc}") from exc
    except ProcessExecutionError as exc:
        lines = str(exc.stderr).strip().splitlines() or [f"exit status {exc.retcode}"]
        raise RenderError(f"git failed while Copier read the template: {lines[-1]}") from exc
    except jinja2.TemplateError as exc:
        filename = getattr(exc, "filename", None)
        where = f" in {filename}" if filename else ""
        raise RenderError(f"template error{where}: {exc}") from exc
    except ValueError as exc:
        if str(exc).startswith(_INPUT_ERROR_PREFIXES):
            raise UsageError(str(exc)) from exc
        raise RenderError(f"copier: {exc}") from exc
    except Exception as exc:
        # Other Copier errors, OS errors, and whatever a template expression raised: Copier
        # lets those through unwrapped.
        raise RenderError(f"copier: {type(exc).__name__}: {exc}") from exc
    return result, [" ".join(str(warning.message).split()) for warning in caught]

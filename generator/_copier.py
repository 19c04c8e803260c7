"""Copier behind one door: imported lazily, isolated from user settings, every failure mapped.

Copier and its dependencies take a noticeable time to import, so they are imported only when a
command renders; `scopecraft --help` never pays for them. Each operation runs with
`settings=Settings()`, so a user's `~/.config/copier` defaults and trust list cannot change the
output, and `unsafe=False`, because the template needs no tasks, migrations or extensions.
"""

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator._errors import RenderError, UsageError

# Copier reports a rejected answer as a plain ValueError starting with one of these.
_INPUT_ERROR_PREFIXES = ("Validation error for question", "Invalid choice for")


def copy(src: str, dest: Path, data: dict[str, Any], *, vcs_ref: str = "HEAD") -> list[str]:
    """Render the template at `src` (at `vcs_ref`, a tag or HEAD) into `dest`; return warnings."""
    import copier

    return _run(
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


def update(project: Path, data: dict[str, Any], *, to: str | None = None) -> list[str]:
    """Re-render `project` with `data` as new answers, at its recorded template commit or at the
    template version `to` (a tag).

    User edits are kept by Copier's 3-way merge; where they overlap the template's changes, the
    files are left with inline conflict markers (Copier still succeeds). Returns the warnings.
    """
    import copier

    return _run(
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


def _run(operation: Callable[..., object], **kwargs: Any) -> list[str]:
    """Call a Copier operation; return its warnings as lines; raise ScopecraftError on failure."""
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
            operation(**kwargs)
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
    return [" ".join(str(warning.message).split()) for warning in caught]

"""The destination directory: checked before anything is written, restored if a later step fails."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator._errors import UsageError


def check_destination(dest: Path) -> None:
    """Refuse a destination that is a file or a directory with something in it."""
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"destination {dest} exists and is not a directory")
    if dest.is_dir() and any(dest.iterdir()):
        raise UsageError(f"destination {dest} already exists and is not empty; choose a new one")


@contextmanager
def restored_on_failure(dest: Path) -> Iterator[None]:
    """Leave nothing behind if the block fails: remove what it created, or empty `dest` again."""
    created = _outermost_missing(dest)
    try:
        yield
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        elif dest.is_dir():
            for child in dest.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise


def _outermost_missing(path: Path) -> Path | None:
    """The highest ancestor of `path` (or `path` itself) that does not exist yet."""
    missing = None
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing = candidate
    return missing

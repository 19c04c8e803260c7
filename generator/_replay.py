"""The two renders a change to a project's answers is made of, both at its template commit.

The old render is the project as its recorded answers render it: the base of the 3-way merge.
Like Copier's update, it renders with the recorded answers as `data` into an empty directory.
The new render is the project with the change: like Copier's update rendering over the project,
it starts from the project's answers file (the last answers) with the change as `data`, so its
answers file is the one Copier would write. Both render at the recorded `_commit`.

The old render is usually the new render of the change before, kept by `_render_cache`; when it
is not, it renders in a forked process while this one renders the new.
"""

import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from generator import _copier, _render_cache
from generator._answers import ANSWERS_FILE
from generator._errors import RenderError
from generator._merge import files_under
from generator._project import Project


@dataclass(frozen=True)
class Renders:
    """The project rendered with its recorded answers (`old`) and with the new ones (`new`)."""

    old: dict[str, bytes]
    new: Path
    skip_if_exists: Callable[[str], bool]
    warnings: list[str]
    # The old render's directory and key when it was rendered here rather than kept before.
    rendered_old: tuple[Path, str] | None
    new_key: str


def render(project: Project, data: dict[str, Any], tmp: Path) -> Renders:
    """Render the project's recorded answers and, with `data` changed, its new ones into `tmp`."""
    source, commit = str(project.answers["_src_path"]), str(project.answers["_commit"])
    folder = project.path.name
    new = tmp / "new" / folder
    new.mkdir(parents=True)
    shutil.copyfile(project.path / ANSWERS_FILE, new / ANSWERS_FILE)
    old_key = _render_cache.key((project.path / ANSWERS_FILE).read_bytes(), folder)

    old = _render_cache.load(project.repo, old_key)
    rendered_old = None
    if old is not None:
        old_warnings: list[str] = []
        rendered = _copier.render_for_update(source, new, data, vcs_ref=commit)
    else:
        old_dir = tmp / "old" / folder
        _copier.load()
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
            old_render = pool.submit(_render_old, source, old_dir, last_answers(project), commit)
            rendered = _copier.render_for_update(source, new, data, vcs_ref=commit)
            try:
                old_warnings = old_render.result()
            except BrokenProcessPool as exc:
                raise RenderError(
                    f"the process rendering the recorded answers died: {exc}"
                ) from exc
        old, rendered_old = read_files(old_dir), (old_dir, old_key)

    new_key = _render_cache.key((new / ANSWERS_FILE).read_bytes(), folder)
    warnings = list(dict.fromkeys([*old_warnings, *rendered.warnings]))
    return Renders(old, new, rendered.skip_if_exists, warnings, rendered_old, new_key)


def read_files(root: Path) -> dict[str, bytes]:
    """The content of every file under `root`, by its path relative to it."""
    return {path: file.read_bytes() for path, file in files_under(root).items()}


def last_answers(project: Project) -> dict[str, Any]:
    """The recorded answers as Copier's update replays them: every answer, the template source
    and commit, and none of Copier's other private keys."""
    return {
        key: value
        for key, value in project.answers.items()
        if key in ("_src_path", "_commit") or not key.startswith("_")
    }


def _render_old(source: str, dest: Path, answers: dict[str, Any], commit: str) -> list[str]:
    """The old render, in a forked process; returns its warnings."""
    return _copier.render_for_update(source, dest, answers, vcs_ref=commit).warnings

"""Hatch build hook: ship the template inside the wheel as a git bundle of this repository.

The bundle (`generator/template.bundle`) holds HEAD and every `v*` tag, so an installed
scopecraft renders and updates projects offline, from any older release to its own (see
`generator/_bundle.py`). A release is built from its tag: the build refuses unless HEAD is
tagged `v{__version__}` and the work tree is clean, so `scopecraft --version` names the tag the
wheel was built from. SCOPECRAFT_DEV_BUILD=1 builds anyway, for development: the wheel then
records `git describe` in `generator/DEVELOPMENT_BUILD`, which `scopecraft --version` shows.

An sdist carries the bundle too; a wheel built from an sdist (no `.git`) ships that bundle.
Editable installs need none: they run from the checkout.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = "generator/template.bundle"
DEVELOPMENT_BUILD = "generator/DEVELOPMENT_BUILD"
DEV_BUILD_VARIABLE = "SCOPECRAFT_DEV_BUILD"


class TemplateBundleHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds `generator/template.bundle` (and, for a development build, its marker)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        if not (root / ".git").exists():
            self._ship_existing(root, build_data)
            return
        self._staging = Path(tempfile.mkdtemp(prefix="scopecraft-build-"))
        described = self._check_release(root)
        bundle = self._staging / "template.bundle"
        _git(root, "bundle", "create", str(bundle), "HEAD", "--tags=v*")
        build_data["force_include"][str(bundle)] = BUNDLE
        if described is not None:
            marker = self._staging / "DEVELOPMENT_BUILD"
            marker.write_text(described + "\n", encoding="utf-8")
            build_data["force_include"][str(marker)] = DEVELOPMENT_BUILD

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        staging = getattr(self, "_staging", None)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)

    def _check_release(self, root: Path) -> str | None:
        """None for a release build; `git describe` for an allowed development build."""
        tag = f"v{self.metadata.version}"
        if _git(root, "rev-parse", "--is-shallow-repository") == "true":
            # The bundle must hold every older release, or their projects could not update.
            raise RuntimeError(
                "refusing to build scopecraft from a shallow clone: the template bundle must "
                "hold the whole history and every release tag (git fetch --unshallow --tags)"
            )
        tags_at_head = _git(root, "tag", "--points-at", "HEAD").split()
        dirty = _git(root, "status", "--porcelain")
        problems = []
        if tag not in tags_at_head:
            found = ", ".join(tags_at_head) or "none"
            problems.append(f"HEAD is not tagged {tag} (its tags: {found})")
        if dirty:
            problems.append(f"the work tree has uncommitted changes ({len(dirty.splitlines())})")
        if not problems:
            return None
        reason = "; ".join(problems)
        if os.environ.get(DEV_BUILD_VARIABLE) != "1":
            raise RuntimeError(
                f"refusing to build scopecraft {self.metadata.version}: {reason}. A release is "
                f"built from a clean checkout of its tag (git tag {tag}); set "
                f"{DEV_BUILD_VARIABLE}=1 to build a development wheel, marked as such"
            )
        described = _git(root, "describe", "--tags", "--always", "--dirty")
        self.app.display_warning(f"development build of {described}: {reason}")
        return described

    def _ship_existing(self, root: Path, build_data: dict[str, Any]) -> None:
        """Building from an unpacked sdist: ship the bundle (and marker) it carries."""
        bundle = root / BUNDLE
        if not bundle.is_file():
            raise RuntimeError(
                f"cannot build scopecraft without {BUNDLE}: build from a git checkout (its "
                "release tag) or from an sdist made from one"
            )
        build_data["force_include"][str(bundle)] = BUNDLE
        marker = root / DEVELOPMENT_BUILD
        if marker.is_file():
            build_data["force_include"][str(marker)] = DEVELOPMENT_BUILD


def _git(root: Path, *args: str) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {root}: {done.stderr.strip()}")
    return done.stdout.strip()

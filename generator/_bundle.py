"""The template an installed wheel carries: a git bundle, placed at a stable path under HOME.

An installed scopecraft has no source checkout. Its wheel ships `generator/template.bundle`
(made by `hatch_build.py`: HEAD and every `v*` release tag of the repository it was built from).
The CLI copies it to `~/.scopecraft/template.bundle` and hands Copier that path in its `~/` form,
so the answers file records `_src_path: ~/.scopecraft/template.bundle`: no machine-specific path,
and it resolves wherever scopecraft is installed. A newer scopecraft replaces the file with its
own bundle, which still holds every older tag, so projects made by earlier versions keep updating.
"""

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

from generator import __version__
from generator._errors import RenderError

PACKAGED_BUNDLE = Path(__file__).with_name("template.bundle")

# Written into a wheel built from a commit that is not the release tag (SCOPECRAFT_DEV_BUILD=1):
# the output of `git describe`, shown by `scopecraft --version`.
DEVELOPMENT_BUILD = Path(__file__).with_name("DEVELOPMENT_BUILD")

# Recorded verbatim as `_src_path`; Copier expands the `~` each time it reads the template.
HOME_BUNDLE = "~/.scopecraft/template.bundle"


def packaged_bundle() -> Path | None:
    """The bundle shipped inside this installed package, if it is one."""
    return PACKAGED_BUNDLE if PACKAGED_BUNDLE.is_file() else None


def development_build() -> str | None:
    """What a development wheel was built from (`v0.1.0-2-gabc1234`), or None for a release."""
    try:
        return DEVELOPMENT_BUILD.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def version_line() -> str:
    """`scopecraft --version`: the version, and for a development wheel what it was built from."""
    built_from = development_build()
    if built_from:
        return f"scopecraft {__version__} (development build of {built_from}, not a release)"
    return f"scopecraft {__version__}"


def bundle_refs(path: Path) -> dict[str, str] | None:
    """The refs a bundle holds (`HEAD`, `refs/tags/v0.1.0`...) and their commits, or None.

    `git bundle list-heads` reads the file without a repository, so this works anywhere.
    """
    try:
        done = subprocess.run(
            ["git", "bundle", "list-heads", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    refs = {}
    for line in done.stdout.splitlines():
        commit, _, ref = line.partition(" ")
        refs[ref] = commit
    return refs


def is_bundle(path: Path) -> bool:
    """Whether `path` is a git bundle file."""
    return path.is_file() and bundle_refs(path) is not None


def install_packaged_bundle() -> str:
    """Place the packaged bundle at HOME_BUNDLE (unless a newer one is there); return HOME_BUNDLE.

    The file there is replaced, so that its tags keep growing with each upgrade. It is kept only
    when it already holds every packaged tag and more: a newer scopecraft installed it, and
    projects it rendered need those tags.
    """
    packaged = packaged_bundle()
    if packaged is None:
        raise RenderError(f"this scopecraft carries no template bundle ({PACKAGED_BUNDLE})")
    target = Path(HOME_BUNDLE).expanduser()
    if target.is_file():
        if filecmp.cmp(packaged, target, shallow=False):
            return HOME_BUNDLE
        if _holds_more(target, packaged):
            return HOME_BUNDLE
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(packaged, staging)
        os.replace(staging, target)
    except OSError as exc:
        raise RenderError(f"cannot place the template bundle at {target}: {exc}") from exc
    return HOME_BUNDLE


def _holds_more(installed: Path, packaged: Path) -> bool:
    """Whether `installed` holds every tag of `packaged`, at the same commits, and more tags."""
    theirs, ours = bundle_refs(installed), bundle_refs(packaged)
    if theirs is None or ours is None:
        return False
    their_tags = {ref: commit for ref, commit in theirs.items() if ref.startswith("refs/tags/")}
    our_tags = {ref: commit for ref, commit in ours.items() if ref.startswith("refs/tags/")}
    return our_tags.items() < their_tags.items()


def refresh_home_bundle(source: str) -> None:
    """Before a project command reads `source`: put this wheel's bundle in place if it is ours."""
    if source == HOME_BUNDLE and packaged_bundle() is not None:
        install_packaged_bundle()


def release_ref() -> str:
    """The ref new projects render from the home bundle: this release's tag (HEAD for a dev build).

    The home bundle may come from a newer scopecraft, whose HEAD is a newer release; a project
    must get the template of the CLI that creates it.
    """
    if development_build():
        return "HEAD"
    tag = f"v{__version__}"
    refs = bundle_refs(Path(HOME_BUNDLE).expanduser()) or {}
    if f"refs/tags/{tag}" not in refs:
        raise RenderError(
            f"the template bundle {HOME_BUNDLE} has no tag {tag}; this wheel was not built from "
            "its release tag (see README: cutting a release)"
        )
    return tag

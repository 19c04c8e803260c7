"""The template's releases: the `vX.Y.Z` tags of a template source, and their CHANGELOG entries.

One tag versions the template and the CLI together, and is never moved. Copier records the tag a
project was rendered from as `_commit`. Everything here reads the source with git alone, so a
repository, a bundle and a URL are read the same way.
"""

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import _git
from generator._errors import GitError, RenderError
from generator._source import is_url

if TYPE_CHECKING:
    from packaging.version import Version

CHANGELOG = "CHANGELOG.md"

# `git describe` output, which Copier records when a template is rendered past its last tag.
_DESCRIBED = re.compile(r"\A(?P<tag>.+)-(?P<count>[0-9]+)-g(?P<hash>[0-9a-f]+)\Z")
_SECTION = re.compile(r"\A## \[(?P<version>[^\]]+)\]")


@dataclass(frozen=True)
class Release:
    """One release tag of the template: `v0.2.0` and its version."""

    tag: str
    version: "Version"


def git_location(source: str) -> str:
    """`source` as git reads it: a URL as given, a path with `~` expanded."""
    return source if is_url(source) else str(Path(source).expanduser())


def releases(source: str) -> list[Release]:
    """The source's tags that are PEP 440 versions, oldest first; RenderError if unreadable."""
    from packaging.version import InvalidVersion, Version

    try:
        listing = _git.git(
            Path(tempfile.gettempdir()), "ls-remote", "--tags", "--refs", "--", git_location(source)
        )
    except GitError as exc:
        raise RenderError(f"cannot read the template source {source}: {exc}") from exc
    found = []
    for line in listing.splitlines():
        tag = line.partition("\t")[2].removeprefix("refs/tags/")
        try:
            found.append(Release(tag, Version(tag)))
        except InvalidVersion:
            continue
    return sorted(found, key=lambda release: release.version)


def newest(available: list[Release]) -> Release | None:
    """The newest final release (pre-releases are taken only when asked for by name)."""
    finals = [release for release in available if not release.version.is_prerelease]
    return finals[-1] if finals else None


def find(available: list[Release], wanted: str) -> Release | None:
    """The release `wanted` names: `0.2.0` and `v0.2.0` both name tag `v0.2.0`."""
    from packaging.version import InvalidVersion, Version

    try:
        version = Version(wanted)
    except InvalidVersion:
        return None
    matches = [release for release in available if release.version == version]
    exact = [release for release in matches if release.tag == wanted]
    chosen = exact or matches
    return chosen[0] if chosen else None


def version_of(commit: str) -> "Version | None":
    """The version of a recorded `_commit`: a tag (`v0.1.0`), or `v0.1.0-3-gabc1234` past one,
    read as Copier reads it (`0.1.0.post3+abc1234`); None for a bare commit hash."""
    from packaging.version import InvalidVersion, Version

    described = _DESCRIBED.match(commit)
    spelled = (
        f"{described['tag']}.post{described['count']}+{described['hash']}" if described else commit
    )
    try:
        return Version(spelled)
    except InvalidVersion:
        return None


def read_file(source: str, tag: str, path: str) -> str | None:
    """The content of `path` at `tag` in the source; None if the file is not there.

    A local repository is read in place; a bundle or a URL is cloned (bare) into a temp dir.
    """
    location = git_location(source)
    with tempfile.TemporaryDirectory(prefix="scopecraft-template-") as tmp:
        repo = Path(location)
        if not repo.is_dir():
            repo = Path(tmp) / "template.git"
            try:
                _git.git(Path(tmp), "clone", "--quiet", "--bare", "--", location, str(repo))
            except GitError as exc:
                raise RenderError(f"cannot read the template source {source}: {exc}") from exc
        try:
            return _git.git(repo, "show", f"{tag}:{path}", strip=False)
        except GitError:
            return None


def changelog_sections(text: str, after: "Version", upto: "Version") -> list[str]:
    """The lines of the `## [X.Y.Z]` sections of a Keep a Changelog text with after < X.Y.Z <= upto.

    `[Unreleased]` and headings that are not versions are skipped, and so is everything in them.
    """
    from packaging.version import InvalidVersion, Version

    kept: list[str] = []
    keeping = False
    for line in text.splitlines():
        heading = _SECTION.match(line)
        if heading or line.startswith("## "):
            keeping = False
            if heading:
                try:
                    keeping = after < Version(heading["version"]) <= upto
                except InvalidVersion:
                    keeping = False
        if keeping:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def changelog_between(source: str, old: "Version", new: Release) -> list[str] | None:
    """CHANGELOG.md's entries for the releases after `old` up to `new`, read at `new`'s tag;
    None when the template has no CHANGELOG.md there."""
    text = read_file(source, new.tag, CHANGELOG)
    if text is None:
        return None
    return changelog_sections(text, old, new.version)

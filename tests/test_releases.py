"""Release versions and CHANGELOG sections, as `scopecraft update` and `doctor` read them."""

import pytest
from packaging.version import Version

from generator._releases import Release, changelog_sections, find, newest, version_of

CHANGELOG = """# Changelog

Intro text.

## [Unreleased]

- Not released yet.

## [0.3.0] - 2025-07-01

### Fixed

- Three.

## [0.2.0] - 2025-06-01

- Two.

## [0.1.0] - 2025-05-01

- One.
"""

RELEASES = [
    Release("v0.1.0", Version("0.1.0")),
    Release("v0.2.0", Version("0.2.0")),
    Release("v0.3.0rc1", Version("0.3.0rc1")),
]


@pytest.mark.parametrize(
    ("commit", "version"),
    [
        ("v0.1.0", Version("0.1.0")),
        ("0.2.0", Version("0.2.0")),
        ("v0.1.0-3-gabc1234", Version("0.1.0.post3+abc1234")),
        ("abc1234", None),
    ],
)
def test_recorded_commit_is_read_as_copier_reads_it(commit: str, version: Version | None) -> None:
    assert version_of(commit) == version


def test_changelog_sections_after_the_old_release_up_to_the_new_one() -> None:
    sections = changelog_sections(CHANGELOG, Version("0.1.0"), Version("0.3.0"))

    assert sections == [
        "## [0.3.0] - 2025-07-01",
        "",
        "### Fixed",
        "",
        "- Three.",
        "",
        "## [0.2.0] - 2025-06-01",
        "",
        "- Two.",
    ]


def test_changelog_sections_skip_unreleased_and_later_releases() -> None:
    sections = changelog_sections(CHANGELOG, Version("0.1.0.post2+abc"), Version("0.2.0"))

    assert sections == ["## [0.2.0] - 2025-06-01", "", "- Two."]


def test_a_version_is_found_with_or_without_its_v() -> None:
    assert find(RELEASES, "0.2.0") == RELEASES[1]
    assert find(RELEASES, "v0.2.0") == RELEASES[1]
    assert find(RELEASES, "0.4.0") is None
    assert find(RELEASES, "not a version") is None


def test_the_newest_release_is_never_a_prerelease_unless_named() -> None:
    assert newest(RELEASES) == RELEASES[1]
    assert find(RELEASES, "0.3.0rc1") == RELEASES[2]

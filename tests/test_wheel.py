"""The wheel and its template bundle, end to end.

A wheel is built from a temporary repository holding this working tree, tagged as a release,
and installed into a fresh virtual environment (pip fetches the dependencies, from its cache when
it can). There, with its own HOME and no source checkout, `scopecraft` creates a project and adds
a resource from the bundle it carries; a newer release is then built and installed over it, and
`scopecraft update` brings the project to it.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

import generator
from generator import _bundle
from tests.support import (
    GIT_IDENTITY,
    REPO,
    SCOPECRAFT,
    TEMPLATE_TAG,
    git,
    isolated_env,
    output,
    run,
)

VERSION = generator.__version__
_major, _minor, _patch = (int(part) for part in VERSION.split(".")[:3])
NEXT_VERSION = f"{_major}.{_minor + 1}.0"

AGENTS_LINE = "Report vulnerabilities privately, never in a public issue."
CHANGELOG_ENTRY = "- Generated `AGENTS.md` says where to report vulnerabilities."


def answers(project: Path) -> dict[str, Any]:
    recorded: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return recorded


@pytest.fixture(scope="module")
def commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return isolated_env(tmp_path_factory.mktemp("builder-home"), **GIT_IDENTITY)


@pytest.fixture(scope="module")
def release_checkout(tmp_path_factory: pytest.TempPathFactory, commit_env: dict[str, str]) -> Path:
    """This working tree (tracked and untracked files, not ignored ones) committed and tagged
    as release v{VERSION} in a new repository. Tests clone it; none changes it."""
    checkout = tmp_path_factory.mktemp("release") / "scopecraft"
    listing = git(REPO, commit_env, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for relative in filter(None, listing.split("\0")):
        source = REPO / relative
        if source.is_file():
            (checkout / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / relative)
    git(checkout, commit_env, "init", "--quiet", "--initial-branch=main")
    git(checkout, commit_env, "add", "--all")
    git(checkout, commit_env, "commit", "--quiet", "--no-verify", "--message", "Release")
    git(checkout, commit_env, "tag", f"v{VERSION}")
    return checkout


def build_wheel(
    checkout: Path, dest: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], Path | None]:
    """`pip wheel` the checkout with the hatchling of this environment; the wheel, if built."""
    dest.mkdir(parents=True, exist_ok=True)
    done = run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--disable-pip-version-check", "--wheel-dir", dest, checkout),
        ],
        checkout,
        env,
    )
    wheels = sorted(dest.glob("scopecraft-*.whl"))
    return done, wheels[-1] if wheels else None


@pytest.fixture(scope="module")
def pip_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment for pip with a throwaway HOME but the developer's pip cache."""
    cache = subprocess.run(
        [sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    env = isolated_env(tmp_path_factory.mktemp("pip-home"))
    if cache:
        env["PIP_CACHE_DIR"] = cache
    return env


@pytest.fixture(scope="module")
def venv(
    tmp_path_factory: pytest.TempPathFactory, release_checkout: Path, pip_env: dict[str, str]
) -> Path:
    """A fresh virtual environment with the release wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    done, wheel = build_wheel(release_checkout, base / "dist", pip_env)
    assert wheel is not None, output(done)
    venv = base / "venv"
    done = run([sys.executable, "-m", "venv", venv], base, pip_env)
    assert done.returncode == 0, output(done)
    done = run(
        [venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check", wheel],
        base,
        pip_env,
        timeout=900,
    )
    assert done.returncode == 0, output(done)
    return venv


@pytest.mark.heavy(3)
def test_installed_wheel_creates_and_updates_a_project_from_its_bundle(
    venv: Path,
    release_checkout: Path,
    pip_env: dict[str, str],
    commit_env: dict[str, str],
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = isolated_env(home)
    user_env = isolated_env(home, **GIT_IDENTITY)
    scopecraft = venv / "bin" / "scopecraft"
    home_bundle = home / ".scopecraft" / "template.bundle"

    done = run([scopecraft, "--version"], tmp_path, env)
    assert done.stdout == f"scopecraft {VERSION}\n", output(done)

    project = tmp_path / "notes-api"
    done = run(
        [scopecraft, "new-project", project, "--resource", "note --field title:str:200"],
        tmp_path,
        env,
    )
    assert done.returncode == 0, output(done)
    recorded = answers(project)
    assert recorded["_src_path"] == "~/.scopecraft/template.bundle"
    assert recorded["_commit"] == f"v{VERSION}"
    assert home_bundle.is_file()

    done = run(
        [scopecraft, "add-resource", "project", "--scope", "org", "--field", "name:str:100"],
        project,
        env,
    )
    assert done.returncode == 0, output(done)
    assert git(project, env, "status", "--porcelain") == ""
    readme_edit = "\n## Deployment\n\nDeployed by the platform team.\n"
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(readme_edit)
    git(project, user_env, "commit", "--quiet", "--all", "--message", "My README section")

    # A newer release: a template change, its CHANGELOG entry, the version bump, its tag.
    checkout = tmp_path / "scopecraft"
    git(tmp_path, commit_env, "clone", "--quiet", str(release_checkout), str(checkout))
    with (checkout / "template" / "AGENTS.md").open("a", encoding="utf-8") as agents:
        agents.write(f"\n{AGENTS_LINE}\n")
    changelog = checkout / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text(encoding="utf-8").replace(
            "## [Unreleased]\n",
            f"## [Unreleased]\n\n## [{NEXT_VERSION}] - 2025-06-01\n\n### Changed\n\n"
            f"{CHANGELOG_ENTRY}\n\n## [{VERSION}] - 2025-05-01\n",
            1,
        ),
        encoding="utf-8",
    )
    init = checkout / "generator" / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").replace(
            f'__version__ = "{VERSION}"', f'__version__ = "{NEXT_VERSION}"'
        ),
        encoding="utf-8",
    )
    git(checkout, commit_env, "commit", "--quiet", "--all", "--message", "Release")
    git(checkout, commit_env, "tag", f"v{NEXT_VERSION}")
    done, wheel = build_wheel(checkout, tmp_path / "dist", pip_env)
    assert wheel is not None and NEXT_VERSION in wheel.name, output(done)
    done = run(
        [venv / "bin" / "python", "-m", "pip", "install", "--upgrade", "--no-deps", wheel],
        tmp_path,
        pip_env,
    )
    assert done.returncode == 0, output(done)
    done = run([scopecraft, "--version"], tmp_path, env)
    assert done.stdout == f"scopecraft {NEXT_VERSION}\n", output(done)

    done = run([scopecraft, "update"], project, env)

    assert done.returncode == 0, output(done)
    assert answers(project)["_commit"] == f"v{NEXT_VERSION}"
    assert AGENTS_LINE in (project / "AGENTS.md").read_text(encoding="utf-8")
    assert readme_edit in (project / "README.md").read_text(encoding="utf-8")
    assert f"  ## [{NEXT_VERSION}] - 2025-06-01" in done.stdout.splitlines()
    assert f"  {CHANGELOG_ENTRY}" in done.stdout.splitlines()
    assert f"## [{VERSION}]" not in done.stdout
    refs = _bundle.bundle_refs(home_bundle) or {}
    assert {f"refs/tags/v{VERSION}", f"refs/tags/v{NEXT_VERSION}"} <= refs.keys()

    done = run([scopecraft, "doctor"], project, env)
    assert done.returncode == 0, output(done)
    assert done.stdout.startswith(f"OK: {project} (template v{NEXT_VERSION}, 2 resources)")


def test_build_refuses_a_commit_that_is_not_the_release_tag(
    release_checkout: Path, pip_env: dict[str, str], commit_env: dict[str, str], tmp_path: Path
) -> None:
    checkout = tmp_path / "scopecraft"
    git(tmp_path, commit_env, "clone", "--quiet", str(release_checkout), str(checkout))
    (checkout / "NOTES.md").write_text("Work after the release.\n")
    git(checkout, commit_env, "add", "--all")
    git(checkout, commit_env, "commit", "--quiet", "--message", "Work in progress")

    done, wheel = build_wheel(checkout, tmp_path / "refused", pip_env)

    assert wheel is None, output(done)
    assert f"refusing to build scopecraft {VERSION}" in done.stderr + done.stdout
    assert f"HEAD is not tagged v{VERSION}" in done.stderr + done.stdout

    done, wheel = build_wheel(
        checkout, tmp_path / "development", {**pip_env, "SCOPECRAFT_DEV_BUILD": "1"}
    )

    assert wheel is not None, output(done)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        marker = archive.read("generator/DEVELOPMENT_BUILD").decode()
    assert "generator/template.bundle" in names
    assert marker.startswith(f"v{VERSION}-1-g")


def test_template_option_takes_a_bundle_and_keeps_its_home_relative_spelling(
    template_repo: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    (home / "bundles").mkdir(parents=True)
    env = isolated_env(home)
    git(
        template_repo, env, "bundle", "create", str(home / "bundles" / "t.bundle"), "HEAD", "--tags"
    )
    project = tmp_path / "notes-api"

    done = run(
        [SCOPECRAFT, "new-project", project, "--template", "~/bundles/t.bundle"], tmp_path, env
    )

    assert done.returncode == 0, output(done)
    assert answers(project)["_src_path"] == "~/bundles/t.bundle"
    assert answers(project)["_commit"] == TEMPLATE_TAG
    done = run([SCOPECRAFT, "add-resource", "note", "--field", "title:str"], project, env)
    assert done.returncode == 0, output(done)


def test_a_file_that_is_not_a_bundle_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    not_a_bundle = tmp_path / "template.bundle"
    not_a_bundle.write_text("hello\n")

    done = run(
        [SCOPECRAFT, "new-project", tmp_path / "notes-api", "--template", not_a_bundle],
        tmp_path,
        env,
    )

    assert done.returncode == 2, output(done)
    assert "is a file but not a git bundle" in done.stderr
    assert not (tmp_path / "notes-api").exists()


def make_bundle(repo: Path, env: dict[str, str], dest: Path, tag: str | None = None) -> Path:
    if tag:
        git(repo, env, "tag", tag)
    git(repo, env, "bundle", "create", str(dest), "HEAD", "--tags")
    return dest


def test_home_bundle_is_replaced_by_a_newer_one_never_by_an_older_one(
    template_repo: Path,
    commit_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, commit_env, "clone", "--quiet", str(template_repo), str(repo))
    older = make_bundle(repo, commit_env, tmp_path / "older.bundle")
    (repo / "NEWS.md").write_text("news\n")
    git(repo, commit_env, "add", "--all")
    git(repo, commit_env, "commit", "--quiet", "--message", "Next")
    newer = make_bundle(repo, commit_env, tmp_path / "newer.bundle", tag="v0.2.0")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    installed = tmp_path / "home" / ".scopecraft" / "template.bundle"

    for packaged, expected in ((older, older), (newer, newer), (older, newer)):
        monkeypatch.setattr(_bundle, "PACKAGED_BUNDLE", packaged)

        assert _bundle.install_packaged_bundle() == "~/.scopecraft/template.bundle"

        assert installed.read_bytes() == expected.read_bytes(), (packaged.name, expected.name)
    assert not [p for p in installed.parent.iterdir() if p.name != installed.name]


def test_scopecraft_home_refresh_applies_only_to_the_home_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(_bundle, "PACKAGED_BUNDLE", tmp_path / "missing.bundle")

    _bundle.refresh_home_bundle("~/.scopecraft/template.bundle")
    _bundle.refresh_home_bundle(str(tmp_path))

    assert not (tmp_path / ".scopecraft").exists()
    assert os.listdir(tmp_path) == []


def test_version_of_a_development_wheel_says_what_it_was_built_from(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    marker = tmp_path / "DEVELOPMENT_BUILD"
    monkeypatch.setattr(_bundle, "DEVELOPMENT_BUILD", marker)
    assert _bundle.version_line() == f"scopecraft {VERSION}"

    marker.write_text(f"v{VERSION}-2-gabc1234-dirty\n")

    assert _bundle.version_line() == (
        f"scopecraft {VERSION} (development build of v{VERSION}-2-gabc1234-dirty, not a release)"
    )
    assert _bundle.release_ref() == "HEAD"

"""Where the template comes from, checked so that Copier records a source that resolves later.

Copier versions a template only when its source is a git repository root (or a URL, or a bundle),
and records `_src_path` verbatim: a local source is therefore always passed as an absolute path.
A dirty local repository is refused, because Copier would record a commit that exists only in its
temporary clone (copier-org/copier#1943) and the project could never be updated. A git bundle file
is a source too: an installed wheel carries one (see `_bundle`), and `--template` accepts one.
"""

from pathlib import Path

from generator import _bundle, _git
from generator._errors import UsageError

CONFIG_FILES = ("copier.yml", "copier.yaml")

_URL_PREFIXES = ("gh:", "gl:", "git@", "git+")


def resolve_template(option: str | None) -> str:
    """The template source for Copier, which records it as `_src_path`.

    That is `--template SRC` when given, else the source checkout this package runs from, else
    the bundle an installed wheel carries, placed under HOME and recorded in its `~/` form.
    """
    if option is None:
        checkout = source_checkout()
        if checkout is not None:
            return local_template(checkout)
        if _bundle.packaged_bundle() is not None:
            return _bundle.install_packaged_bundle()
        raise UsageError(
            "this scopecraft is not running from a source checkout, so it has no template; "
            "pass --template PATH_OR_URL"
        )
    if is_url(option):
        return option
    if Path(option).expanduser().is_file():
        return local_bundle(option)
    return local_template(Path(option))


def template_ref(source: str) -> str:
    """The template version new projects get: this release's tag from the home bundle, else the
    source's HEAD (a clean checkout, a bundle or a URL)."""
    if source == _bundle.HOME_BUNDLE:
        return _bundle.release_ref()
    return "HEAD"


def is_url(source: str) -> bool:
    """Whether `source` names a remote repository rather than a local path."""
    return "://" in source or source.startswith(_URL_PREFIXES)


def source_checkout() -> Path | None:
    """The git checkout this package runs from (the repository above `generator/`), if any."""
    root = Path(__file__).resolve().parent.parent
    if (root / ".git").exists() and any((root / name).is_file() for name in CONFIG_FILES):
        return root
    return None


def local_template(path: Path) -> str:
    """Check that `path` is a clean git repository root holding a Copier template."""
    repo = path.expanduser().resolve()
    if not repo.is_dir():
        raise UsageError(f"template {path} is not a directory")
    if _git.repo_root(repo) != repo:
        raise UsageError(
            f"template {repo} is not the root of a git repository; "
            "Copier can version a template only from a repository root"
        )
    if not any((repo / name).is_file() for name in CONFIG_FILES):
        raise UsageError(f"template {repo} has no copier.yml at its root")
    if _git.head_commit(repo) is None:
        raise UsageError(f"template repository {repo} has no commits; commit the template first")
    changes = _git.uncommitted_changes(repo)
    if changes:
        raise UsageError(
            f"template repository {repo} has uncommitted changes ({len(changes)} paths); "
            "commit or stash them first, or Copier would record a template commit that does not "
            "exist"
        )
    return str(repo)


def local_bundle(option: str) -> str:
    """Check that `option` names a git bundle with a HEAD; keep a `~/` spelling, else absolute.

    A bundle cannot be dirty: it holds commits only, so whatever Copier records exists in it.
    """
    path = Path(option).expanduser().resolve()
    refs = _bundle.bundle_refs(path)
    if refs is None:
        raise UsageError(f"template {option} is a file but not a git bundle")
    if "HEAD" not in refs:
        raise UsageError(
            f"template bundle {option} has no HEAD; create it with "
            "`git bundle create FILE HEAD --tags`"
        )
    return option if option.startswith("~/") else str(path)

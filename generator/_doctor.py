"""`scopecraft doctor`: is the project still what Scopecraft's guarantees rest on?

Read-only checks, one line per problem found:

- answers: the answers file parses and holds `_src_path`, `_commit`, a usable `package_name`,
  and well-formed `resources` and `migrations` lists;
- template: its source can be read (updates and add-resource re-render it); a newer release
  is a note, not a problem;
- resources: each one still has its model, schemas, routes, `create` migration and test module,
  and every recorded migration file exists (Copier never recreates a file the user deleted);
- security: `src/<package>/security/*.py` are the template's own, compared with a rendering of
  the recorded `_commit` with the recorded answers;
- routes: `create_app()` starts (in a subprocess, on a copy of `src/`, in-memory SQLite) and
  every route declares an access policy;
- conflicts: no unmerged files, `.rej` files or conflict markers anywhere in the repository.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import _copier, _git
from generator._answers import ANSWERS_FILE, read_answers
from generator._bundle import refresh_home_bundle
from generator._errors import ScopecraftError, UsageError
from generator._migrations import release_file, release_questions_answered
from generator._names import check_package_name
from generator._project import project_dir
from generator._releases import newest, releases, version_of
from generator._source import is_url

RESOURCE_FILES = (("model.py", "model"), ("schemas.py", "schemas"), ("routes.py", "routes"))

# The imports a project's create_app() needs: an interpreter without them cannot run the audit.
_PROJECT_IMPORTS = "import flask, flask_migrate, flask_smorest, flask_sqlalchemy, flask_limiter"

# Run by the project's interpreter in a copy of its `src/`: prints {"undeclared": [...],
# "error": ...} as JSON on its last line. create_app() calls the audit it imported; replacing
# that name collects every undeclared route instead of stopping at the exception.
_ROUTE_AUDIT = """
import importlib, json, sys
sys.path.insert(0, "src")
name = sys.argv[1]
result = {"undeclared": [], "error": None}
try:
    package = importlib.import_module(name)
    access = importlib.import_module(name + ".security.access")
    found = []
    if hasattr(package, "audit_routes") and hasattr(access, "undeclared_routes"):
        package.audit_routes = lambda app: found.extend(access.undeclared_routes(app))
    package.create_app()
    result["undeclared"] = found
except Exception as exc:
    if type(exc).__name__ == "RouteAuditError":
        result["undeclared"] = [str(exc)]
    else:
        result["error"] = f"{type(exc).__name__}: {exc}"
print(json.dumps(result))
"""

_MARKER = re.compile(rb"^(<<<<<<<|>>>>>>>) ", re.MULTILINE)
_LARGEST_SCANNED = 5_000_000


@dataclass
class Diagnosis:
    """What doctor found: problems (exit 1 when any), notes, and what it checked."""

    project: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    template: str | None = None
    resources: int = 0


def doctor(option: str | None) -> Diagnosis:
    """Check the project at `option` (default: the current directory); write nothing."""
    path = project_dir(option)
    found = Diagnosis(path)
    answers = _check_answers(found)
    repo = _git.repo_root(path)
    if answers is not None:
        source, commit = answers.get("_src_path"), answers.get("_commit")
        package = answers["package_name"]
        found.template = str(commit) if commit else None
        found.resources = len(answers.get("resources") or [])
        readable = bool(source and commit) and _check_template(found, str(source), str(commit))
        _check_resources(found, answers, repo)
        if readable:
            _check_security(found, answers, str(source), str(commit))
        _check_routes(found, package)
    if repo is None:
        found.problems.append(
            f"{path} is not in a git repository: updates need one (git init && git add --all "
            "&& git commit)"
        )
    else:
        _check_conflicts(found, repo)
    return found


def _check_answers(found: Diagnosis) -> dict[str, Any] | None:
    """The answers if every check that reads them can run; problems for what is wrong."""
    hint = f"restore it from git (git log -- {ANSWERS_FILE}); never edit it by hand"
    try:
        answers = read_answers(found.project)
    except ScopecraftError as exc:
        found.problems.append(f"{ANSWERS_FILE}: {exc}; {hint}")
        return None
    found.checked.append("answers file")
    problems = [
        f"records no {key} ({meaning}), so the project cannot be updated"
        for key, meaning in (("_src_path", "template source"), ("_commit", "template version"))
        if not answers.get(key)
    ]
    # Without these, no file of the project can be located: the checks that read them are skipped.
    structural = _answer_list_problems(answers)
    try:
        check_package_name(str(answers.get("package_name", "")))
    except UsageError as exc:
        structural.append(str(exc))
    found.problems += [f"{ANSWERS_FILE}: {problem}; {hint}" for problem in problems + structural]
    return None if structural else answers


def _answer_list_problems(answers: dict[str, Any]) -> list[str]:
    """What is malformed in the `resources` and `migrations` lists."""
    problems = []
    resources, migrations = answers.get("resources", []), answers.get("migrations", [])
    if not isinstance(resources, list):
        problems.append("`resources` is not a list")
    else:
        for index, resource in enumerate(resources):
            if not (
                isinstance(resource, dict)
                and all(isinstance(resource.get(key), str) for key in ("name", "plural", "scope"))
                and isinstance(resource.get("fields"), list)
                and all(isinstance(f, dict) and "name" in f for f in resource["fields"])
            ):
                problems.append(
                    f"resources entry {index + 1} is not a mapping with name, plural, scope and "
                    "a list of fields"
                )
    if not isinstance(migrations, list):
        problems.append("`migrations` is not a list")
    else:
        for index, migration in enumerate(migrations):
            if not (
                isinstance(migration, dict)
                and all(isinstance(migration.get(key), str) for key in ("revision", "action"))
                and isinstance(migration.get("resource"), dict)
                and isinstance(migration["resource"].get("plural"), str)
            ):
                problems.append(
                    f"migrations entry {index + 1} is not a mapping with revision, action and "
                    "resource"
                )
    return problems


def _check_template(found: Diagnosis, source: str, commit: str) -> bool:
    """Whether the template source can be read; note a newer release."""
    try:
        refresh_home_bundle(source)
        if not is_url(source) and not Path(source).expanduser().exists():
            raise ScopecraftError(f"the template source {source} does not exist")
        available = releases(source)
    except ScopecraftError as exc:
        found.problems.append(
            f"{ANSWERS_FILE}: {exc}; `scopecraft update` and add-resource need the template"
        )
        return False
    found.checked.append("template source")
    current, latest = version_of(commit), newest(available)
    if current is not None and latest is not None and latest.version > current:
        found.notes.append(f"update available: {commit} -> {latest.tag}; run `scopecraft update`")
    return True


def _check_resources(found: Diagnosis, answers: dict[str, Any], repo: Path | None) -> None:
    """Every resource's files and create migration, and every recorded migration's file."""
    package = answers["package_name"]
    migrations = answers.get("migrations") or []
    for resource in answers.get("resources") or []:
        name = resource["name"]
        directory = f"src/{package}/resources/{name}"
        for file, what in RESOURCE_FILES:
            _require(found, repo, f"{directory}/{file}", f"resource {name} has no {what} module")
        _require(found, repo, f"tests/resources/test_{name}.py", f"resource {name} has no tests")
        if not any(
            m["action"] == "create" and m["resource"].get("name") == name for m in migrations
        ):
            found.problems.append(
                f"{ANSWERS_FILE}: resource {name} has no create migration recorded; restore the "
                "file from git"
            )
    for migration in migrations:
        plural, action = migration["resource"]["plural"], migration["action"]
        _require(
            found,
            repo,
            f"migrations/versions/{migration['revision']}_{action}_{plural}.py",
            f"the {action} migration of table {plural}; databases that ran it cannot be "
            "upgraded or downgraded past it",
        )
    for question in release_questions_answered(answers):
        release = answers[question]
        revision = release.get("revision") if isinstance(release, dict) else None
        if not isinstance(revision, str):
            found.problems.append(f"{ANSWERS_FILE}: {question} records no revision")
            continue
        _require(
            found,
            repo,
            release_file(question, revision),
            f"the template's {question} migration; databases that ran it cannot be upgraded or "
            "downgraded past it",
        )
    found.checked.append("resource files and migrations")


def _require(found: Diagnosis, repo: Path | None, relative: str, what: str) -> None:
    if not (found.project / relative).is_file():
        hint = _restore_hint(found, repo, relative)
        found.problems.append(f"{relative}: missing ({what}); {hint}")


def _restore_hint(found: Diagnosis, repo: Path | None, relative: str) -> str:
    """How to get a deleted file back from git."""
    if repo is None:
        return "restore it from a backup"
    in_repo = (found.project / relative).relative_to(repo).as_posix()
    try:
        _git.git(repo, "cat-file", "-e", f"HEAD:{in_repo}")
    except ScopecraftError:
        try:
            deleting = _git.git(repo, "rev-list", "-n", "1", "HEAD", "--", in_repo)
        except ScopecraftError:
            deleting = ""
        if not deleting:
            return "it was never committed"
        return f"restore it: git checkout {deleting[:12]}~1 -- {relative}"
    return f"restore it: git checkout HEAD -- {relative}"


def _check_security(found: Diagnosis, answers: dict[str, Any], source: str, commit: str) -> None:
    """Compare the security modules with the template's rendering at the recorded commit."""
    security = f"src/{answers['package_name']}/security"
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="scopecraft-doctor-") as tmp:
        rendered = Path(tmp) / "project"
        try:
            _copier.copy(source, rendered, data, vcs_ref=commit)
        except ScopecraftError as exc:
            found.problems.append(
                f"cannot render template {commit} to compare the security modules: {exc}"
            )
            return
        for original in sorted((rendered / security).glob("*.py")):
            relative = f"{security}/{original.name}"
            mine = found.project / relative
            if not mine.is_file():
                found.problems.append(
                    f"{relative}: missing (part of the ownership core); "
                    f"restore it: git checkout HEAD -- {relative}"
                )
            elif mine.read_bytes() != original.read_bytes():
                found.problems.append(
                    f"{relative}: differs from template {commit}: a hand edit of the ownership "
                    "core; keep customisations outside security/ (see AGENTS.md)"
                )
    found.checked.append("security modules")


def _check_routes(found: Diagnosis, package: str) -> None:
    """Start the app in the project's Python; every route must declare a policy."""
    python = _project_python(found.project)
    if python is None:
        found.notes.append(
            "route policies not checked: no Python environment with the project's "
            "dependencies; create .venv (pip install -e '.[dev]') or activate one"
        )
        return
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "FLASK_APP") and not key.startswith("SQLALCHEMY")
    }
    environment.update(APP_ENV="testing", DATABASE_URL="sqlite://", PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryDirectory(prefix="scopecraft-doctor-") as tmp:
        try:
            # A copy, so that create_app() creating `instance/` never writes into the project.
            shutil.copytree(
                found.project / "src",
                Path(tmp) / "src",
                ignore=shutil.ignore_patterns("__pycache__"),
            )
            done = subprocess.run(
                [str(python), "-c", _ROUTE_AUDIT, package],
                cwd=tmp,
                env=environment,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        except (OSError, shutil.Error, subprocess.TimeoutExpired) as exc:
            found.problems.append(f"create_app() could not be run with {python}: {exc}")
            return
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        found.problems.append(f"create_app() could not be run with {python}: {last}")
        return
    if result["error"]:
        found.problems.append(f"create_app() fails: {result['error']}")
        return
    for route in result["undeclared"]:
        found.problems.append(
            f"route without an access policy: {route}; decorate its view with @public, "
            "@authenticated or an org policy from security.access"
        )
    found.checked.append("route policies")


def _project_python(project: Path) -> Path | None:
    """The first interpreter that can import the project's dependencies: the project's own
    virtual environment, the active one, or the one running scopecraft."""
    candidates = [project / ".venv" / "bin" / "python", project / "venv" / "bin" / "python"]
    if os.environ.get("VIRTUAL_ENV"):
        candidates.append(Path(os.environ["VIRTUAL_ENV"]) / "bin" / "python")
    candidates.append(Path(sys.executable))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            probe = subprocess.run(
                [str(candidate), "-c", _PROJECT_IMPORTS],
                capture_output=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


def _check_conflicts(found: Diagnosis, repo: Path) -> None:
    """Unmerged files, `.rej` files and conflict markers anywhere in the project's repository."""
    unmerged = {
        entry.split("\t", 1)[1]
        for entry in _git.git(found.project, "ls-files", "--unmerged", "-z", strip=False).split(
            "\0"
        )
        if "\t" in entry
    }
    for path in sorted(unmerged):
        found.problems.append(
            f"{path}: unmerged (an update left a conflict); resolve it, then git add {path}"
        )
    # Tracked, untracked and ignored: Copier may leave a `.rej` that .gitignore hides.
    rejected = _git.git(
        found.project, "ls-files", "--cached", "--others", "-z", "--", "*.rej", strip=False
    )
    for path in sorted({p for p in rejected.split("\0") if p}):
        found.problems.append(
            f"{path}: a rejected update hunk; merge it into {path.removesuffix('.rej')} by hand "
            "and delete it"
        )
    tracked = _git.git(found.project, "ls-files", "--cached", "-z", strip=False).split("\0")
    for path in sorted({p for p in tracked if p} - unmerged):
        if _has_markers(found.project / path):
            found.problems.append(
                f"{path}: conflict markers (<<<<<<< / >>>>>>>); keep the lines you want and "
                "delete the markers"
            )
    found.checked.append("conflicts")


def _has_markers(path: Path) -> bool:
    try:
        if not path.is_file() or path.stat().st_size > _LARGEST_SCANNED:
            return False
        content = path.read_bytes()
    except OSError:
        return False
    return b"\0" not in content[:8000] and _MARKER.search(content) is not None


def report(found: Diagnosis) -> str:
    """One line per problem, then the notes; or a short OK summary."""
    where = f"{found.project} (template {found.template or 'unknown'}, {found.resources} resources)"
    notes = [f"  note     {note}" for note in found.notes]
    if not found.problems:
        return "\n".join([f"OK: {where}", f"  checked  {', '.join(found.checked)}", *notes])
    count = len(found.problems)
    return "\n".join(
        [
            f"scopecraft doctor: {count} problem{'s' if count > 1 else ''} in {where}",
            *(f"  problem  {problem}" for problem in found.problems),
            *notes,
        ]
    )

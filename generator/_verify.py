"""`scopecraft verify`: prove that a project's tests catch each security regression.

The pipeline: find the project's package, parse it, list the mutants (`_mutants`), then run the
project's own test suite once unchanged and once per mutant, each in a private copy of the
project, two at a time. A mutant is killed when the suite fails. One that survives fails the run
unless it is listed as equivalent (it cannot change behaviour), with the reason, in `EQUIVALENT`
below or in the project's `.scopecraft-verify.toml`:

    [equivalent]
    "drop-policy health.py:healthz" = "why no test can tell this mutant apart"

Mutants of the database layer (row-level security) can only be noticed by a suite that runs on
PostgreSQL: they run when TEST_DATABASE_URL names a PostgreSQL database, and are otherwise
reported as not run, which does not fail the check.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator._errors import ScopecraftError, UsageError
from generator._mutants import MissingTarget, Mutant, ProjectSource, check_mutant, find_mutants

CONFIG_FILE = ".scopecraft-verify.toml"
# Mutants that survive every correct test suite, by key, with the reason. None so far: each
# operator breaks a property that a generated test observes.
EQUIVALENT: dict[str, str] = {}
# Not copied into the mutants' working copies: history, environments, databases, caches.
IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "instance",
    "__pycache__",
    "*.py[co]",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    ".tox",
    ".nox",
)
PYTEST = ("-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist")
# What a mutant's `database` needs, as a person would name it.
DATABASES = {"postgresql": "PostgreSQL: TEST_DATABASE_URL"}
_FAILURE = re.compile(r"^(FAILED|ERROR) (\S+)", re.MULTILINE)


class VerifyError(ScopecraftError):
    """The check could not run: the project's own tests fail unchanged, or a mutant is broken."""


@dataclass(frozen=True)
class Outcome:
    """What the suite did with one mutant."""

    mutant: Mutant
    killed: bool
    seconds: float
    detail: str  # the first failing test, "timeout", or why the mutant could not run

    @property
    def status(self) -> str:
        return "killed" if self.killed else "survived"


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    missing: list[MissingTarget] = field(default_factory=list)
    equivalent: dict[str, str] = field(default_factory=dict)
    unused_equivalents: list[str] = field(default_factory=list)
    not_run: list[Mutant] = field(default_factory=list)  # they need a database not given
    seconds: float = 0.0

    @property
    def killed(self) -> int:
        return sum(outcome.killed for outcome in self.outcomes)

    @property
    def failing(self) -> list[Outcome]:
        """Survivors not listed as equivalent: each one is a gap in the project's tests."""
        return [o for o in self.outcomes if not o.killed and o.mutant.key not in self.equivalent]


@dataclass(frozen=True)
class Verify:
    project: str | None = None
    workers: int = 2
    timeout: float = 900.0
    only: tuple[str, ...] = ()
    verbose: bool = False


def locate_package(root: Path) -> str:
    """The project's import package: the one package under `src/`."""
    src = root / "src"
    packages = sorted(p.name for p in src.glob("*/__init__.py") for p in [p.parent])
    if len(packages) == 1:
        return packages[0]
    answers = root / ".copier-answers.yml"
    if answers.is_file():
        match = re.search(r"^package_name:\s*['\"]?(\w+)", answers.read_text(), re.MULTILINE)
        if match and match.group(1) in packages:
            return match.group(1)
    if not packages:
        raise UsageError(
            f"{root} has no package under src/; run verify in a Scopecraft project "
            "or pass --project DIR"
        )
    raise UsageError(f"{root}/src holds several packages ({', '.join(packages)}); cannot choose")


def read_equivalents(root: Path) -> dict[str, str]:
    """`EQUIVALENT` and the project's own `[equivalent]` table (key = reason)."""
    table = dict(EQUIVALENT)
    path = root / CONFIG_FILE
    if not path.is_file():
        return table
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    entries = config.get("equivalent", {})
    if not isinstance(entries, dict) or not all(
        isinstance(reason, str) and reason.strip() for reason in entries.values()
    ):
        raise UsageError(
            f'{path}: [equivalent] maps each mutant key to its reason: "KEY" = "REASON"'
        )
    table.update(entries)
    return table


def plan(
    root: Path, only: tuple[str, ...] = ()
) -> tuple[ProjectSource, list[Mutant], list[MissingTarget]]:
    """Parse the project and list its mutants (those whose key contains an `only` text)."""
    source = ProjectSource(root, locate_package(root))
    mutants, missing = find_mutants(source)
    if only:
        mutants = [m for m in mutants if any(text in m.key for text in only)]
    return source, mutants, missing


def listing(project: str | None, only: tuple[str, ...] = ()) -> str:
    """The mutants of the project, each with the key an equivalent entry names it by."""
    _, mutants, missing = plan(_project_root(project), only)
    lines = [f"{m.path}:{m.line}  {m.key}{_needs(m)}\n    {m.description}" for m in mutants]
    lines += [f"missing   {gap.operator}  {gap.description}" for gap in missing]
    lines.append(f"{len(mutants)} mutants")
    return "\n".join(lines)


def _needs(mutant: Mutant) -> str:
    return f"  (needs {DATABASES[mutant.database]})" if mutant.database else ""


def _tests_database() -> str | None:
    """The database TEST_DATABASE_URL names, spelled as a mutant's `database`."""
    scheme = os.environ.get("TEST_DATABASE_URL", "").partition(":")[0].partition("+")[0]
    return "postgresql" if scheme in ("postgres", "postgresql") else None


def _runnable(mutant: Mutant) -> bool:
    """A mutant runs unless it needs a database that TEST_DATABASE_URL does not name."""
    return mutant.database is None or mutant.database == _tests_database()


def _project_root(project: str | None) -> Path:
    root = Path(project or ".").expanduser().resolve()
    if not root.is_dir():
        raise UsageError(f"project directory {root} does not exist")
    return root


def verify(options: Verify, echo: Callable[[str], None]) -> Report:
    """Run the suite against every mutant; `echo` receives each result line as it is known."""
    started = time.monotonic()
    root = _project_root(options.project)
    source, mutants, missing = plan(root, options.only)
    equivalent = read_equivalents(root)
    report = Report(missing=missing, equivalent=equivalent)
    keys = {m.key for m in mutants}
    report.unused_equivalents = sorted(k for k in equivalent if k not in keys and not options.only)
    for gap in missing:
        echo(f"missing   {gap.operator}  {gap.description}")
    report.not_run = [m for m in mutants if not _runnable(m)]
    mutants = [m for m in mutants if _runnable(m)]
    for skipped in report.not_run:
        echo(
            f"not run   {skipped.operator}  {skipped.path}:{skipped.line}  "
            f"{skipped.description}{_needs(skipped)}"
        )
    if report.not_run and not mutants:  # nothing left to run: the suite need not run either
        report.seconds = time.monotonic() - started
        return report
    broken = [(m, problem) for m in mutants if (problem := check_mutant(source, m))]
    if broken:
        details = "; ".join(f"{m.key}: {problem}" for m, problem in broken)
        raise VerifyError(f"scopecraft could not build these mutants: {details}")

    workers = max(1, options.workers)
    if os.environ.get("TEST_DATABASE_URL") and workers > 1:
        echo("TEST_DATABASE_URL is set: one database, so mutants run one at a time")
        workers = 1
    width = max((len(m.operator) for m in mutants), default=0)
    with _working_copies(root, workers) as copies:
        order = _test_files(copies[0])
        runner = _Runner(copies, order, options.timeout)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            baseline = pool.submit(runner.run, None)
            futures: list[Future[Outcome]] = [pool.submit(runner.run, m) for m in mutants]
            try:
                unchanged = baseline.result()
                if unchanged.killed:
                    raise VerifyError(
                        "the project's tests fail before any mutation "
                        f"({unchanged.detail}); make `python -m pytest` pass first"
                    )
                for future in futures:
                    outcome = future.result()
                    report.outcomes.append(outcome)
                    echo(_line(outcome, width, equivalent, options.verbose))
            except BaseException:  # a failed baseline, or an interruption: start nothing more
                runner.stop()
                for future in futures:
                    future.cancel()
                raise
    report.seconds = time.monotonic() - started
    return report


def _line(outcome: Outcome, width: int, equivalent: dict[str, str], verbose: bool) -> str:
    mutant = outcome.mutant
    line = (
        f"{outcome.status:<8}  {mutant.operator:<{width}}  {mutant.path}:{mutant.line}  "
        f"{mutant.description}"
    )
    if not outcome.killed and mutant.key in equivalent:
        line += f" (equivalent: {equivalent[mutant.key]})"
    if verbose:
        line += f"\n          {mutant.key}\n          {outcome.detail} ({outcome.seconds:.1f}s)"
    return line


def summary(report: Report) -> str:
    total = len(report.outcomes)
    text = f"{report.killed}/{total} mutants killed in {report.seconds:.0f}s"
    survivors = total - report.killed
    if survivors:
        listed = survivors - len(report.failing)
        text += f"; {survivors} survived, {listed} of them listed as equivalent"
    if report.not_run:
        text += (
            f"; {len(report.not_run)} not run: they need PostgreSQL, "
            "set TEST_DATABASE_URL to an empty PostgreSQL database to run them"
        )
    lines = [text]
    for key in report.unused_equivalents:
        lines.append(f"note: equivalent entry {key!r} matches no mutant; remove it")
    for outcome in report.failing:
        lines.append(
            f"survivor: {outcome.mutant.key}: add a test that fails on it, or list it in "
            f"{CONFIG_FILE} under [equivalent] with the reason it cannot change behaviour"
        )
    return "\n".join(lines)


@contextmanager
def _working_copies(root: Path, count: int) -> Iterator[list[Path]]:
    with tempfile.TemporaryDirectory(prefix="scopecraft-verify-") as tmp:
        copies = []
        for index in range(count):
            copy = Path(tmp) / f"worker-{index}" / root.name
            shutil.copytree(root, copy, ignore=IGNORED, symlinks=True)
            copies.append(copy)
        yield copies


def _environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    # No bytecode: a restored file may keep its size and mtime, and must never run stale code.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(copy / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


def _test_files(copy: Path) -> list[str]:
    """The suite's test files in collection order, so a mutant's own tests can run first."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=copy,
        env=_environment(copy),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    files: list[str] = []
    for line in done.stdout.splitlines():
        path = line.split("::", 1)[0]
        if "::" in line and path not in files:
            files.append(path)
    return files


class _Runner:
    """Runs the suite in free working copies, one mutant at a time in each.

    With `-x` a killed mutant costs only the tests up to its first failure, so the likeliest
    killers go first. A quick pass runs alone the tests that killed earlier mutants of the same
    operator, and the tests that killed the most mutants so far; then the whole suite runs, the
    files named for the mutated resource or package first, then the files of earlier killers.
    """

    OPERATOR_KILLERS = 3  # tests of the same operator tried in the quick pass
    FREQUENT_KILLERS = 2  # and of any operator

    def __init__(self, copies: list[Path], order: list[str], timeout: float) -> None:
        self._free = list(copies)
        self._lock = threading.Lock()
        self._order = order
        self._timeout = timeout
        self._stopped = False
        self._kills: list[tuple[str, str, str]] = []  # operator, test file, test function

    def stop(self) -> None:
        self._stopped = True

    def run(self, mutant: Mutant | None) -> Outcome:
        with self._lock:
            copy = self._free.pop()
        try:
            return self._run_in(copy, mutant)
        finally:
            with self._lock:
                self._free.append(copy)

    def _run_in(self, copy: Path, mutant: Mutant | None) -> Outcome:
        baseline = Mutant("baseline", "", 0, "", "the unchanged project", ())
        if self._stopped:
            return Outcome(mutant or baseline, False, 0.0, "not run")
        originals = {}
        if mutant is not None:
            paths = {splice.path for splice in mutant.splices}
            originals = {path: (copy / path).read_text(encoding="utf-8") for path in paths}
            for path, text in mutant.apply(originals).items():
                (copy / path).write_text(text, encoding="utf-8")
        started = time.monotonic()
        try:
            code, output = 0, ""
            if mutant is not None:
                files, names = self._quick(mutant)
                if names:
                    code, output = self._pytest(copy, [*files, "-k", " or ".join(names)])
            if code in (0, 5):  # passed, or selected no test: run everything
                code, output = self._pytest(copy, self._ordered(mutant))
            killed = code != 0
            failure = _FAILURE.search(output)
            if failure:
                detail = failure.group(2)
                if mutant is not None:
                    self._remember(mutant.operator, detail)
            elif killed:
                detail = f"exit {code}: " + " ".join(output.split()[-12:])
            else:
                detail = "every test passed"
        except subprocess.TimeoutExpired:
            killed, detail = True, f"timeout after {self._timeout:.0f}s"
        finally:
            for path, text in originals.items():
                (copy / path).write_text(text, encoding="utf-8")
        return Outcome(mutant or baseline, killed, time.monotonic() - started, detail)

    def _pytest(self, copy: Path, args: list[str]) -> tuple[int, str]:
        done = subprocess.run(
            [sys.executable, *PYTEST, *args],
            cwd=copy,
            env=_environment(copy),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=self._timeout,
            check=False,
        )
        return done.returncode, done.stdout

    def _remember(self, operator: str, test_id: str) -> None:
        """Note the test that killed a mutant of `operator`."""
        path = test_id.split("::", 1)[0]
        name = test_id.rsplit("::", 1)[-1].split("[", 1)[0]
        if path in self._order and name.isidentifier():
            with self._lock:
                self._kills.append((operator, path, name))

    def _killers(self, operator: str) -> list[tuple[str, str]]:
        """(file, test) pairs: the latest killers of `operator`, then the most frequent ones."""
        with self._lock:
            kills = list(self._kills)
        own: list[tuple[str, str]] = []
        for killer, path, name in reversed(kills):
            if killer == operator and (path, name) not in own:
                own.append((path, name))
        counts: dict[tuple[str, str], int] = {}
        for _, path, name in kills:
            counts[path, name] = counts.get((path, name), 0) + 1
        own = own[: self.OPERATOR_KILLERS]
        frequent = sorted(counts, key=counts.__getitem__, reverse=True)
        return own + [pair for pair in frequent if pair not in own][: self.FREQUENT_KILLERS]

    def _focus_files(self, mutant: Mutant) -> list[str]:
        focus = mutant.focus
        if not focus:
            return []
        return [
            path
            for path in self._order
            if f"_{focus}_" in f"_{Path(path).stem}_" or focus in Path(path).parent.parts
        ]

    def _quick(self, mutant: Mutant) -> tuple[list[str], list[str]]:
        """The files and test names of the quick pass: earlier killers, by name, in the files
        they killed in and in the mutated resource's own files."""
        killers = self._killers(mutant.operator)
        files = self._focus_files(mutant)
        files += [path for path, _ in killers if path not in files]
        names = list(dict.fromkeys(name for _, name in killers))
        return files, names

    def _ordered(self, mutant: Mutant | None) -> list[str]:
        """Every test file, the likeliest to fail on `mutant` first."""
        if mutant is None:
            return list(self._order)
        first = self._focus_files(mutant)
        first += [path for path, _ in self._killers(mutant.operator) if path not in first]
        return first + [path for path in self._order if path not in first]

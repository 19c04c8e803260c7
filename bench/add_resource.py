"""Benchmark: add-resource, remove-resource and their dry runs against new-project, side by side.

    .venv/bin/python -m bench.add_resource [--repeat N] [--counts 1,20,50]

For each count of resources, a project is rendered by `scopecraft new-project --resource ...`
from a temporary tagged copy of this checkout's template (as the test fixture builds it), so
uncommitted template work is measured too. Each repetition, for each count in turn:

- `new-project` renders the same project again into a fresh directory;
- `copier copy + git` is that project's bare cost with Copier alone: `run_copy` plus `git init`,
  `add` and `commit`, for reference;
- `add` adds one resource, `add --dry-run` only previews it;
- `remove` removes the last resource (nothing depends on it), `remove --dry-run` previews it;
- `(cold)` is the same command with the render cache emptied first (`.git/scopecraft/renders`):
  the project's recorded answers are rendered too, as in a fresh clone of the project;

and every change is undone with `git reset --hard HEAD~1`. Interleaving the commands keeps a
shared, noisy machine from favouring one of them. The table gives each median, and its ratio to
the median of `new-project` with the same resources; compare ratios, not absolute seconds.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._template import SCOPECRAFT, check, isolated_env, template_repo

ADDED = [
    "gadget",
    "--field",
    "title:str:200",
    "--field",
    "price:decimal",
    "--field",
    "due_on?:date",
]

# Copier's own render and git, in a fresh interpreter like every scopecraft command.
RENDER = """
import subprocess, sys, copier, yaml
src, dest, answers = sys.argv[1], sys.argv[2], yaml.safe_load(open(sys.argv[3]))
data = {key: value for key, value in answers.items() if not key.startswith("_")}
copier.run_copy(src, dest, data=data, vcs_ref=answers["_commit"], defaults=True, quiet=True,
                settings=copier.Settings())
for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "Render"]):
    subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@localhost", *args],
                   cwd=dest, check=True)
"""

KINDS = (
    "new-project",
    "copier copy + git",
    "add",
    "add (cold)",
    "add --dry-run",
    "add --dry-run (cold)",
    "remove",
    "remove --dry-run",
)


def resource_specs(count: int) -> list[str]:
    """`count` resources: mostly owner-scoped, every fourth org-scoped, some with a reference."""
    specs = []
    for number in range(1, count + 1):
        name = f"thing{number:02d}"
        spec = f"{name} --field title:str:200 --field amount:decimal --field due_on?:date"
        if number % 4 == 0:
            spec += " --scope org"
        elif number > 1 and number % 4 == 1:
            spec += f" --field origin?:ref:thing{number - 4:02d}"
        specs.append(spec)
    return specs


def run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> float:
    """Run a command, fail loudly if it fails, and return its wall time in seconds."""
    started = time.perf_counter()
    check(args, cwd, env)
    return time.perf_counter() - started


def new_project(dest: Path, template: Path, count: int, env: dict[str, str]) -> float:
    resources = [option for spec in resource_specs(count) for option in ("--resource", spec)]
    return run(
        [SCOPECRAFT, "new-project", dest, "--template", template, *resources], dest.parent, env
    )


def measure(
    project: Path, count: int, scratch: Path, template: Path, env: dict[str, str]
) -> dict[str, float]:
    """One repetition of every command on the project with `count` resources."""
    timings = {}
    fresh = scratch / "fresh"
    timings["new-project"] = new_project(fresh, template, count, env)
    shutil.rmtree(fresh)
    timings["copier copy + git"] = run(
        [sys.executable, "-c", RENDER, template, fresh, project / ".copier-answers.yml"],
        scratch,
        env,
    )
    shutil.rmtree(fresh)
    last = f"thing{count:02d}"
    add: list[str | Path] = [SCOPECRAFT, "add-resource", *ADDED]
    dry_run = [*add, "--dry-run"]
    empty_render_cache(project)
    timings["add --dry-run (cold)"] = run(dry_run, project, env)
    empty_render_cache(project)
    timings["add (cold)"] = run(add, project, env)
    run(["git", "reset", "--quiet", "--hard", "HEAD~1"], project, env)
    timings["add --dry-run"] = run(dry_run, project, env)
    timings["add"] = run(add, project, env)
    run(["git", "reset", "--quiet", "--hard", "HEAD~1"], project, env)
    timings["remove --dry-run"] = run(
        [SCOPECRAFT, "remove-resource", last, "--dry-run"], project, env
    )
    timings["remove"] = run([SCOPECRAFT, "remove-resource", last], project, env)
    run(["git", "reset", "--quiet", "--hard", "HEAD~1"], project, env)
    return timings


def empty_render_cache(project: Path) -> None:
    shutil.rmtree(project / ".git" / "scopecraft" / "renders", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (3)")
    parser.add_argument("--counts", default="1,20,50", help="resource counts (1,20,50)")
    options = parser.parse_args()
    counts = [int(count) for count in options.counts.split(",")]

    with tempfile.TemporaryDirectory(prefix="scopecraft-bench-") as tmp:
        work = Path(tmp)
        env = isolated_env(work / "home")
        template = template_repo(work, env)

        projects = {}
        for count in counts:
            dest = work / f"project-{count}"
            new_project(dest, template, count, env)
            files = len(list(dest.rglob("*.py")))
            print(f"project with {count:2d} resources: {files} .py files", flush=True)
            projects[count] = dest
        scratch = work / "scratch"
        scratch.mkdir()

        timings: dict[tuple[int, str], list[float]] = {}
        for repetition in range(options.repeat):
            for count, dest in projects.items():
                for kind, seconds in measure(dest, count, scratch, template, env).items():
                    timings.setdefault((count, kind), []).append(seconds)
            print(f"repetition {repetition + 1}/{options.repeat} done", flush=True)

    print(f"\nwall time, median of {options.repeat} runs; ratio to new-project of the same project")
    print(f"`add` adds: {' '.join(ADDED)}; `remove` removes the last resource\n")
    header = "".join(f"{f'{count} resource' + ('s' if count > 1 else ''):>20}" for count in counts)
    print(f"{'':22}{header}")
    for kind in KINDS:
        cells = []
        for count in counts:
            median = statistics.median(timings[(count, kind)])
            ratio = median / statistics.median(timings[(count, "new-project")])
            cells.append(f"{median:8.2f} s {ratio:5.2f}x  ")
        print(f"{kind:22}{''.join(f'{cell:>20}' for cell in cells)}")


if __name__ == "__main__":
    main()

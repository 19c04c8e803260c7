"""Benchmark: wall time of `scopecraft add-resource` on a project with 1 resource and with 20.

    .venv/bin/python bench/add_resource.py [--repeat N]

Both projects are rendered by `scopecraft new-project --resource ...` from a temporary tagged
copy of this checkout's template (as the test fixture builds it), so uncommitted template work is
measured too. Each repetition adds the same resource to both projects in turn, then undoes it with
`git reset --hard HEAD~1`; `--dry-run` (the preflight alone) is timed the same way.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCOPECRAFT = Path(sys.executable).parent / "scopecraft"

ADDED = [
    "gadget",
    "--field",
    "title:str:200",
    "--field",
    "price:decimal",
    "--field",
    "due_on?:date",
]


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
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")
    return elapsed


def template_repo(work: Path, env: dict[str, str]) -> Path:
    """This checkout's copier.yml and template/, committed and tagged in a fresh repository."""
    sys.path.insert(0, str(REPO))
    import generator

    repo = work / "template"
    repo.mkdir()
    shutil.copy2(REPO / "copier.yml", repo / "copier.yml")
    shutil.copytree(
        REPO / "template",
        repo / "template",
        ignore=shutil.ignore_patterns("__pycache__", "*.py[co]", ".pytest_cache", ".ruff_cache"),
    )
    identity = ["-c", "user.name=Bench", "-c", "user.email=bench@localhost"]
    run(["git", "init", "--quiet", "--initial-branch=main"], repo, env)
    run(["git", "add", "--all"], repo, env)
    run(["git", *identity, "commit", "--quiet", "--no-verify", "-m", "Template"], repo, env)
    run(["git", "tag", f"v{generator.__version__}"], repo, env)
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per project (3)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="scopecraft-bench-") as tmp:
        work = Path(tmp)
        home = work / "home"
        home.mkdir()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("GIT_", "COPIER_"))
        }
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1")
        template = template_repo(work, env)

        projects = {}
        for count in (1, 20):
            dest = work / f"project-{count}"
            resources = [
                option for spec in resource_specs(count) for option in ("--resource", spec)
            ]
            seconds = run(
                [SCOPECRAFT, "new-project", dest, "--template", template, *resources], work, env
            )
            files = len(list(dest.rglob("*.py")))
            print(f"new-project with {count:2d} resources: {seconds:5.2f} s ({files} .py files)")
            projects[count] = dest

        timings: dict[tuple[int, str], list[float]] = {}
        for _ in range(options.repeat):
            for count, dest in projects.items():
                timings.setdefault((count, "dry-run"), []).append(
                    run([SCOPECRAFT, "add-resource", *ADDED, "--dry-run"], dest, env)
                )
                timings.setdefault((count, "add"), []).append(
                    run([SCOPECRAFT, "add-resource", *ADDED], dest, env)
                )
                run(["git", "reset", "--quiet", "--hard", "HEAD~1"], dest, env)

    print(f"\nscopecraft add-resource {' '.join(ADDED)}  ({options.repeat} runs each, wall time)")
    print(f"{'':26}{'min':>8}{'median':>8}{'max':>8}")
    for kind in ("add", "dry-run"):
        for count in projects:
            runs = timings[(count, kind)]
            label = f"{kind} on {count:2d} resource{'s' if count > 1 else ''}"
            print(f"{label:26}{min(runs):8.2f}{statistics.median(runs):8.2f}{max(runs):8.2f}")
    for kind in ("add", "dry-run"):
        ratio = statistics.median(timings[(20, kind)]) / statistics.median(timings[(1, kind)])
        print(f"ratio 20/1 resources ({kind}, medians): {ratio:.2f}x")


if __name__ == "__main__":
    main()

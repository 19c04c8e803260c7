"""The project's answers file: Copier's record of the template source, commit and answers."""

from pathlib import Path
from typing import Any

import yaml

from generator._errors import RenderError

# copier.yml's `_answers_file`.
ANSWERS_FILE = ".copier-answers.yml"

# libyaml's loader when PyYAML has it: the answers of a project with many resources are large,
# and the pure-Python parser takes a noticeable part of a command's time on them.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_answers(project: Path) -> dict[str, Any]:
    """The answers recorded in `project`, with Copier's own keys (`_commit`, `_src_path`)."""
    path = project / ANSWERS_FILE
    try:
        answers = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise RenderError(f"cannot read {path}: {exc}") from exc
    if not isinstance(answers, dict):
        raise RenderError(f"{path} does not hold a mapping of answers")
    return answers

"""Names the user chooses, checked in Python with the same rules as copier.yml's validators.

Copier validates again when it renders, so plain `copier copy` users are protected too; checking
here first means a bad name gets one clear line and nothing is written.
"""

import keyword
import re
from pathlib import Path

from generator._errors import UsageError

PACKAGE_NAME = re.compile(r"\A[a-z][a-z0-9_]{1,39}\Z")

# The reserved list of copier.yml's `package_name` validator; a test keeps the two equal.
RESERVED_PACKAGE_NAMES = frozenset(
    {
        # Python keywords and soft keywords, lowercased as a package name would spell them.
        *("and", "as", "assert", "async", "await", "break", "case", "class", "continue"),
        *("def", "del", "elif", "else", "except", "false", "finally", "for", "from"),
        *("global", "if", "import", "in", "is", "lambda", "match", "none", "nonlocal"),
        *("not", "or", "pass", "raise", "return", "true", "try", "type", "while", "with"),
        "yield",
        # Names that would shadow the project's own directories or its dependencies.
        *("app", "flask", "test", "tests", "migrations", "instance", "src", "sqlalchemy"),
        *("marshmallow", "alembic", "copier", "scopecraft", "generator"),
    }
)


def default_package_name(dest: Path) -> str:
    """The package name implied by the destination directory: `notes-api` gives `notes_api`."""
    return dest.name.lower().replace("-", "_")


def project_name_for(package_name: str) -> str:
    """The distribution name for a package name: `notes_api` gives `notes-api`."""
    return package_name.replace("_", "-")


def check_package_name(name: str, *, hint: str = "") -> str:
    """Return `name` if it is a usable package name, else raise UsageError saying why."""
    problem = _package_name_problem(name)
    if problem:
        raise UsageError(f"package name {name!r} {problem}{hint}")
    return name


def _package_name_problem(name: str) -> str | None:
    if not PACKAGE_NAME.match(name):
        return (
            "is not snake_case: use 2-40 characters, a lowercase letter first, "
            "then lowercase letters, digits or underscores"
        )
    if "__" in name or name.endswith("_"):
        return "has a double or trailing underscore"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "is a Python keyword"
    if name in RESERVED_PACKAGE_NAMES:
        return "is reserved (a keyword or a name the project or its dependencies use)"
    return None

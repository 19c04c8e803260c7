"""Which of a project's own files import a resource, so that removing it cannot break them.

`remove-resource` deletes the resource's package (`src/PKG/resources/NAME/`) and its test
module, and renders the registries without it. Any other file that still imports the package,
absolutely (`from PKG.resources.NAME.model import X`, `from PKG.resources import NAME`) or
relatively (`from ..resources.NAME import model`), would stop the project from starting.
"""

import ast
from pathlib import Path

SKIPPED_DIRS = {"__pycache__", ".venv", "venv", "node_modules"}


def importers(root: Path, package: str, name: str) -> list[str]:
    """The project's Python files, outside what the removal rewrites, that import `name`."""
    target = f"{package}.resources.{name}"
    own = {
        Path("src", package, "resources", "__init__.py"),
        Path("tests", "resources", "registry.py"),
        Path("tests", "resources", f"test_{name}.py"),
    }
    found = []
    for top in ("src", "tests"):
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root)
            if relative in own or _skipped(relative, package, name):
                continue
            module = _module_name(relative)
            if any(_names(imported, target) for imported in _imported(path, module)):
                found.append(relative.as_posix())
    return found


def _skipped(relative: Path, package: str, name: str) -> bool:
    parts = relative.parts
    if SKIPPED_DIRS & set(parts) or any(part.startswith(".") for part in parts):
        return True
    return parts[:4] == ("src", package, "resources", name)


def _module_name(relative: Path) -> list[str]:
    """The dotted module path of a file: `src/pkg/a/b.py` is pkg.a.b, `tests/x.py` tests.x."""
    parts = list(relative.with_suffix("").parts)
    if parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
        parts.append("__init__")
    return parts


def _imported(path: Path, module: list[str]) -> list[str]:
    """Every module `path` imports, absolute, with `from X import Y` also giving X.Y."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                # The package that holds the file, less `level - 1` more parents.
                anchor = module[: len(module) - node.level]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(base)
            found.extend(f"{base}.{alias.name}" for alias in node.names)
    return found


def _names(imported: str, target: str) -> bool:
    return imported == target or imported.startswith(target + ".")

"""A static check: code outside `security/` reaches scoped rows only through a repository.

It reads the package's source (nothing is imported or run) and reports statements that
bypass the caller's scope:

- `Model.query` on any model: the legacy query API is always unscoped;
- `session.get(Model, ...)` on a scoped model or `User`: a lookup by id that ignores the owner;
- `select(Model)` on a model that mixes in `OwnedByUser` or `OwnedByOrg`, anywhere but in its
  `ScopedRepository`; and in a view, on any scoped model (a `__scope__`, like `Membership`);
- raw SQL (`text("...")`, `execute("...")`) that names the table of an owned model.

Run it with `python -m <package>.security.static_check`; the test suite runs it too.
"""

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

OWNED_MIXINS = {"OwnedByUser", "OwnedByOrg"}
RAW_SQL_CALLS = {"text", "execute", "exec_driver_sql"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Models:
    """What the package's model classes are, read from their class statements."""

    all: frozenset[str]
    scoped: frozenset[str]  # owned, or declaring a `__scope__`
    owned: frozenset[str]  # mixing in OwnedByUser or OwnedByOrg
    owned_tables: frozenset[str]


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        while isinstance(base, ast.Subscript):
            base = base.value
        if isinstance(base, ast.Attribute):
            names.add(base.attr)
        elif isinstance(base, ast.Name):
            names.add(base.id)
    return names


def _assigned(node: ast.ClassDef, name: str) -> ast.expr | None:
    for statement in node.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in statement.targets
        ):
            return statement.value
    return None


def find_models(trees: list[ast.Module]) -> Models:
    everything, scoped, owned, tables = set(), set(), set(), set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = _base_names(node)
            table = _assigned(node, "__tablename__")
            if table is None and "Model" not in bases and not bases & OWNED_MIXINS:
                continue
            everything.add(node.name)
            if bases & OWNED_MIXINS:
                owned.add(node.name)
                if isinstance(table, ast.Constant) and isinstance(table.value, str):
                    tables.add(table.value)
            if bases & OWNED_MIXINS or _assigned(node, "__scope__") is not None:
                scoped.add(node.name)
    return Models(frozenset(everything), frozenset(scoped), frozenset(owned), frozenset(tables))


def _is_view(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(func, ast.Attribute) and func.attr == "route":
            return True
    return False


def _is_repository(node: ast.ClassDef) -> bool:
    return "ScopedRepository" in _base_names(node)


def _model_of(node: ast.expr) -> str | None:
    """`Note` for `Note` or `Note.title`."""
    if isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _strings(node: ast.expr) -> str:
    """The literal text of a string or f-string argument."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_strings(part) for part in node.values)
    return ""


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str, models: Models) -> None:
        self.path = path
        self.models = models
        self.findings: list[Finding] = []
        self._views = 0
        self._tables = re.compile(
            r"\b(" + "|".join(map(re.escape, sorted(models.owned_tables))) + r")\b", re.IGNORECASE
        )

    def report(self, node: ast.AST, message: str) -> None:
        self.findings.append(Finding(self.path, node.lineno, message))  # type: ignore[attr-defined]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if not _is_repository(node):  # a repository is the scope itself
            self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        view = _is_view(node)
        self._views += view
        self.generic_visit(node)
        self._views -= view

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "query" and _model_of(node.value) in self.models.all:
            self.report(node, f"{ast.unparse(node)} is unscoped; use the model's repository")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0] if node.args else None
        if name == "get" and isinstance(func, ast.Attribute) and first is not None:
            model = _model_of(first)
            owner = ast.unparse(func.value)
            if owner.endswith("session") and (model in self.models.scoped or model == "User"):
                self.report(node, f"{ast.unparse(node)} looks {model} up by id outside its scope")
        if name in ("select", "select_from", "query"):
            for arg in node.args:
                model = _model_of(arg)
                watched = self.models.scoped if self._views else self.models.owned
                if model in watched:
                    where = "in a view" if self._views else "outside its repository"
                    self.report(node, f"select of {model} {where}; use its ScopedRepository")
                    break
        if name in RAW_SQL_CALLS and first is not None and self.models.owned_tables:
            found = self._tables.search(_strings(first))
            if found:
                self.report(node, f"raw SQL on the owned table {found.group(1)}")
        self.generic_visit(node)


def check_sources(sources: dict[str, str]) -> list[Finding]:
    """Findings in `sources` (path -> text); paths under `security/` are the core, not checked."""
    trees = {path: ast.parse(text, filename=path) for path, text in sources.items()}
    models = find_models(list(trees.values()))
    findings: list[Finding] = []
    for path, tree in sorted(trees.items()):
        if path.startswith("security/"):
            continue
        checker = _Checker(path, models)
        checker.visit(tree)
        findings.extend(checker.findings)
    return findings


def check_package(package_dir: Path) -> list[Finding]:
    """Findings in every module of the package at `package_dir`."""
    sources = {
        path.relative_to(package_dir).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(package_dir.rglob("*.py"))
    }
    return check_sources(sources)


def main() -> int:
    findings = check_package(Path(__file__).resolve().parent.parent)
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

"""What the mutation operators read and write: a project's parsed modules, and mutants as
splices of their source text.

Operators find their targets by what the code does, read with the stdlib `ast`, never by line
numbers, so a project its user has edited is mutated too. A mutant is a few splices of source
text at AST node positions: the rest of each file keeps its formatting.
"""

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# The mixins that make a model owned, and the scope each gives (see security/owned.py).
OWNED_MIXINS = {"OwnedByUser": "owner", "OwnedByOrg": "org"}
# Policy decorators, when the access module cannot be read to find them.
DEFAULT_POLICIES = frozenset({"public", "authenticated", "org_member", "org_admin", "org_owner"})


@dataclass(frozen=True)
class Splice:
    """Replace `text[start:end]` of one file (a path relative to the project) with `new`."""

    path: str
    start: int
    end: int
    new: str


@dataclass(frozen=True)
class Mutant:
    """One change that a project's tests must notice."""

    operator: str
    path: str  # the main file changed, relative to the project
    line: int
    target: str  # what is mutated, independent of line numbers: `Notes`, `list_notes`...
    description: str
    splices: tuple[Splice, ...]
    key: str = field(default="", compare=False)  # `operator pkg-relative-path:target`
    focus: str | None = None  # a name whose test files should run first
    database: str | None = None  # the database the suite must run on to notice it

    def apply(self, sources: dict[str, str]) -> dict[str, str]:
        """The new text of every file this mutant changes, from the files' current `sources`."""
        changed: dict[str, str] = {}
        by_file: dict[str, list[Splice]] = {}
        for splice in self.splices:
            by_file.setdefault(splice.path, []).append(splice)
        for path, splices in by_file.items():
            text = sources[path]
            for splice in sorted(splices, key=lambda s: s.start, reverse=True):
                text = text[: splice.start] + splice.new + text[splice.end :]
            changed[path] = text
        return changed


@dataclass(frozen=True)
class MissingTarget:
    """An operator found nothing to mutate: the code it protects moved, or is gone."""

    operator: str
    description: str


class Module:
    """One parsed source file of the project's package."""

    def __init__(self, path: str, package_path: str, text: str) -> None:
        self.path = path  # relative to the project: src/app/security/repository.py
        self.package_path = package_path  # relative to the package: security/repository.py
        self.text = text
        self.tree = ast.parse(text, filename=path)
        # Python's own line ends (str.splitlines would also split at form feeds and others).
        self._line_starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]
        if self._line_starts[-1] != len(text):
            self._line_starts.append(len(text))

    def offset(self, line: int, col: int) -> int:
        """The text offset of an AST position (whose column counts UTF-8 bytes)."""
        start = self._line_starts[line - 1]
        line_text = self.text[start : self._line_starts[line]]
        return start + len(line_text.encode()[:col].decode())

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def replace(self, node: ast.AST, new: str) -> Splice:
        start, end = self.span(node)
        return Splice(self.path, start, end, new)

    def insert_after(self, node: ast.AST, new: str) -> Splice:
        end = self.span(node)[1]
        return Splice(self.path, end, end, new)

    def line_start(self, line: int) -> int:
        return self._line_starts[line - 1]

    def indent_of(self, node: ast.stmt) -> str:
        start = self._line_starts[node.lineno - 1]
        line_text = self.text[start : self._line_starts[node.lineno]]
        return line_text[: len(line_text) - len(line_text.lstrip())]

    def binds(self, name: str) -> bool:
        """True when the module binds `name` at top level (an import, class or function)."""
        return name in self._top_level_names()

    def _top_level_names(self) -> set[str]:
        names: set[str] = set()
        for node in self.tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names.update((alias.asname or alias.name.split(".")[0]) for alias in node.names)
            elif isinstance(node, ast.ClassDef | ast.FunctionDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return names


@dataclass
class Repository:
    """A `ScopedRepository` subclass: the scoped query of one model."""

    module: Module
    node: ast.ClassDef
    model: str | None
    scope: str | None
    parent_key: str | None
    conditions: ast.FunctionDef | None


class ProjectSource:
    """The parsed modules of a project's package, and what the operators look for in them."""

    def __init__(self, root: Path, package: str) -> None:
        self.root = root
        self.package = package
        self.modules: list[Module] = []
        self.unreadable: list[str] = []
        package_dir = root / "src" / package
        for file in sorted(package_dir.rglob("*.py")):
            if "__pycache__" in file.parts:
                continue
            path = file.relative_to(root).as_posix()
            try:
                text = file.read_text(encoding="utf-8")
                self.modules.append(Module(path, file.relative_to(package_dir).as_posix(), text))
            except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
                self.unreadable.append(path)

    def classes(self) -> Iterator[tuple[Module, ast.ClassDef]]:
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.ClassDef):
                    yield module, node

    def functions(self) -> Iterator[tuple[Module, ast.FunctionDef, str]]:
        """Every function and method, with its qualified name."""
        for module in self.modules:
            yield from _functions(module, module.tree, "")

    def find_class(self, name: str, near: Module | None = None) -> tuple[Module, ast.ClassDef]:
        """The class called `name`, preferring one in `near`'s directory; KeyError if none."""
        found = [(m, c) for m, c in self.classes() if c.name == name]
        if near is not None:
            folder = near.path.rsplit("/", 1)[0]
            found.sort(key=lambda mc: mc[0].path.rsplit("/", 1)[0] != folder)
        if not found:
            raise KeyError(name)
        return found[0]

    def model_scope(self, name: str) -> str | None:
        """`owner` or `org` for a model mixing in OwnedByUser or OwnedByOrg, else its __scope__."""
        try:
            _, node = self.find_class(name)
        except KeyError:
            return None
        for base in node.bases:
            if name_of(base) in OWNED_MIXINS:
                return OWNED_MIXINS[name_of(base)]
        value = class_constant(node, "__scope__")
        return value if isinstance(value, str) else None

    def owned_models(self) -> dict[str, str]:
        """Models that mix in an ownership mixin, with their scope."""
        return {
            node.name: OWNED_MIXINS[name_of(base)]
            for _, node in self.classes()
            for base in node.bases
            if name_of(base) in OWNED_MIXINS
        }

    def repositories(self) -> list[Repository]:
        found = []
        for module, node in self.classes():
            if not any(name_of(base) == "ScopedRepository" for base in node.bases):
                continue
            model = class_name_assignment(node, "model")
            scope_kind = class_constant(node, "scope_kind")
            parent_key = class_constant(node, "parent_key")
            found.append(
                Repository(
                    module,
                    node,
                    model,
                    scope_kind if isinstance(scope_kind, str) else self.model_scope(model or ""),
                    parent_key if isinstance(parent_key, str) else None,
                    method_of(node, "conditions"),
                )
            )
        return found

    def core(self) -> tuple[Module, ast.ClassDef] | None:
        """The `ScopedRepository` class itself."""
        try:
            return self.find_class("ScopedRepository")
        except KeyError:
            return None

    def policies(self) -> frozenset[str]:
        """The names of the policy decorators: top-level names of the module defining
        `audit_routes` that declare a policy (call `_declare`, or are built by a function that
        does)."""
        for module in self.modules:
            top = {n.name: n for n in module.tree.body if isinstance(n, ast.FunctionDef)}
            if "audit_routes" not in top:
                continue
            declaring = {name for name, node in top.items() if calls(node, "_declare")}
            names = set(declaring)
            for node in module.tree.body:
                if (
                    isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Call)
                    and name_of(node.value.func) in declaring
                ):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            return frozenset(names - {"_declare"}) or DEFAULT_POLICIES
        return DEFAULT_POLICIES

    def views(self) -> Iterator[tuple[Module, ast.FunctionDef, str]]:
        """Functions decorated with a blueprint's `route`."""
        for module, function, qualname in self.functions():
            if any(decorator_method(d) == "route" for d in function.decorator_list):
                yield module, function, qualname

    def resource_modules(self) -> list[Module]:
        """Route modules whose views reach an owned model through its repository."""
        owned = self.owned_models()
        owned_repos = {r.node.name for r in self.repositories() if r.model in owned}
        modules = []
        for module in self.modules:
            has_views = any(m is module for m, _, _ in self.views())
            if has_views and any(
                isinstance(node, ast.Name) and node.id in owned_repos
                for node in ast.walk(module.tree)
            ):
                modules.append(module)
        return modules


def _functions(
    module: Module, node: ast.AST, prefix: str
) -> Iterator[tuple[Module, ast.FunctionDef, str]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef):
            qualname = prefix + child.name
            yield module, child, qualname
            yield from _functions(module, child, qualname + ".")
        elif isinstance(child, ast.ClassDef):
            yield from _functions(module, child, prefix + child.name + ".")


def name_of(node: ast.AST) -> str:
    """The last name of `X`, `a.b.X` or `X[...]`."""
    if isinstance(node, ast.Subscript):
        return name_of(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def dotted(node: ast.AST) -> str:
    return ast.unparse(node)


def decorator_method(node: ast.expr) -> str:
    """`route` for `@blp.route(...)`, `paginate` for `@blp.paginate()`."""
    func = node.func if isinstance(node, ast.Call) else node
    return func.attr if isinstance(func, ast.Attribute) else ""


def walk_or_nothing(node: ast.AST | None) -> Iterator[ast.AST]:
    return ast.walk(node) if node is not None else iter(())


def calls(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Call) and name_of(n.func) == name for n in ast.walk(node))


def own_nodes(function: ast.FunctionDef) -> Iterator[ast.AST]:
    """The nodes of a function's body, without those of functions and classes nested in it."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop(0)
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))


def method_of(node: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    for child in node.body:
        if isinstance(child, ast.FunctionDef) and child.name == name:
            return child
    return None


def class_assignment(node: ast.ClassDef, name: str) -> ast.expr | None:
    for child in node.body:
        if isinstance(child, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in child.targets
        ):
            return child.value
        if (
            isinstance(child, ast.AnnAssign)
            and isinstance(child.target, ast.Name)
            and child.target.id == name
        ):
            return child.value
    return None


def class_constant(node: ast.ClassDef, name: str) -> object:
    value = class_assignment(node, name)
    return value.value if isinstance(value, ast.Constant) else None


def class_name_assignment(node: ast.ClassDef, name: str) -> str | None:
    value = class_assignment(node, name)
    return value.id if isinstance(value, ast.Name) else None


def append_to_class(module: Module, node: ast.ClassDef, lines: list[str]) -> Splice:
    """Add statements at the end of a class body, indented like its first statement."""
    indent = module.indent_of(node.body[0])
    text = "".join(f"\n{indent}{line}" if line else "\n" for line in lines)
    return module.insert_after(node.body[-1], "\n" + text)


Operator = Callable[[ProjectSource], Iterable[Mutant | MissingTarget]]


def mutant(
    module: Module,
    node: ast.AST,
    operator: str,
    target: str,
    description: str,
    *splices: Splice,
) -> Mutant:
    parts = module.package_path.split("/")
    if parts[0] == "resources" and len(parts) > 2:
        focus: str | None = parts[1]
    else:
        focus = parts[0] if len(parts) > 1 else None
    return Mutant(
        operator=operator,
        path=module.path,
        line=node.lineno,  # type: ignore[attr-defined]
        target=target,
        description=description,
        splices=splices,
        key=f"{operator} {module.package_path}:{target}",
        focus=focus,
    )

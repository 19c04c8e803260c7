"""The mutants of `scopecraft verify`: each one breaks one security property of a project.

Operators find their targets by what the code does, read with the stdlib `ast` (the comparison
with `self.scope.user.id` in a repository's `conditions`, the `abort(404)` in `not_found`, the
policy decorator on a view), never by line numbers, so a project its user has edited is mutated
too. A mutant is a few splices of source text at AST node positions: the rest of each file keeps
its formatting. An operator that finds nothing to mutate says so with a `MissingTarget`.
"""

import ast
import copy
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# The mixins that make a model owned, and the scope each gives (see security/owned.py).
OWNED_MIXINS = {"OwnedByUser": "owner", "OwnedByOrg": "org"}
# What a repository condition compares its column with, by the scope part it restricts to.
CONDITION_SOURCES = {"owner": "scope.user.id", "org": "scope.org.id", "parent": "parent.id"}
# The condition the core builds for each part, as a subclass override would write it.
CORE_CONDITIONS = {
    "owner": "self.model.owner_id == self.scope.user.id",
    "org": "self.model.org_id == self.scope.org.id",
    "parent": "getattr(self.model, self.parent_key) == self.parent.id",
}
# Policy decorators, when the access module cannot be read to find them.
DEFAULT_POLICIES = frozenset({"public", "authenticated", "org_member", "org_admin", "org_owner"})
HUGE_PAGE_SIZE = "1_000_000_000"
INTERNAL_FIELDS = {
    "internal_id": 'fields.Integer(attribute="id")',
    "owner_id": "fields.Integer()",
    "org_id": "fields.Integer()",
}


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
            if _name(base) in OWNED_MIXINS:
                return OWNED_MIXINS[_name(base)]
        value = _class_constant(node, "__scope__")
        return value if isinstance(value, str) else None

    def owned_models(self) -> dict[str, str]:
        """Models that mix in an ownership mixin, with their scope."""
        return {
            node.name: OWNED_MIXINS[_name(base)]
            for _, node in self.classes()
            for base in node.bases
            if _name(base) in OWNED_MIXINS
        }

    def repositories(self) -> list[Repository]:
        found = []
        for module, node in self.classes():
            if not any(_name(base) == "ScopedRepository" for base in node.bases):
                continue
            model = _class_name_assignment(node, "model")
            scope_kind = _class_constant(node, "scope_kind")
            parent_key = _class_constant(node, "parent_key")
            found.append(
                Repository(
                    module,
                    node,
                    model,
                    scope_kind if isinstance(scope_kind, str) else self.model_scope(model or ""),
                    parent_key if isinstance(parent_key, str) else None,
                    _method(node, "conditions"),
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
            declaring = {name for name, node in top.items() if _calls(node, "_declare")}
            names = set(declaring)
            for node in module.tree.body:
                if (
                    isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Call)
                    and _name(node.value.func) in declaring
                ):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            return frozenset(names - {"_declare"}) or DEFAULT_POLICIES
        return DEFAULT_POLICIES

    def views(self) -> Iterator[tuple[Module, ast.FunctionDef, str]]:
        """Functions decorated with a blueprint's `route`."""
        for module, function, qualname in self.functions():
            if any(_decorator_method(d) == "route" for d in function.decorator_list):
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


def _name(node: ast.AST) -> str:
    """The last name of `X`, `a.b.X` or `X[...]`."""
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _dotted(node: ast.AST) -> str:
    return ast.unparse(node)


def _decorator_method(node: ast.expr) -> str:
    """`route` for `@blp.route(...)`, `paginate` for `@blp.paginate()`."""
    func = node.func if isinstance(node, ast.Call) else node
    return func.attr if isinstance(func, ast.Attribute) else ""


def _walk(node: ast.AST | None) -> Iterator[ast.AST]:
    return ast.walk(node) if node is not None else iter(())


def _calls(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Call) and _name(n.func) == name for n in ast.walk(node))


def _own_nodes(function: ast.FunctionDef) -> Iterator[ast.AST]:
    """The nodes of a function's body, without those of functions and classes nested in it."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop(0)
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))


def _method(node: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    for child in node.body:
        if isinstance(child, ast.FunctionDef) and child.name == name:
            return child
    return None


def _class_assignment(node: ast.ClassDef, name: str) -> ast.expr | None:
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


def _class_constant(node: ast.ClassDef, name: str) -> object:
    value = _class_assignment(node, name)
    return value.value if isinstance(value, ast.Constant) else None


def _class_name_assignment(node: ast.ClassDef, name: str) -> str | None:
    value = _class_assignment(node, name)
    return value.id if isinstance(value, ast.Name) else None


def _classify_condition(node: ast.Compare) -> str | None:
    """`owner`, `org` or `parent`: what a `column == ...` condition restricts the rows to."""
    if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq):
        return None
    right = _dotted(node.comparators[0])
    for part, source in CONDITION_SOURCES.items():
        if right == source or right.endswith("." + source):
            return part
    return None


def _drop_condition(module: Module, compare: ast.Compare) -> Splice:
    """Compare the column with itself: the condition stays in the SQL but keeps every row."""
    left = module.segment(compare.left)
    return module.replace(compare, f"{left} == {left}")


def _append_to_class(module: Module, node: ast.ClassDef, lines: list[str]) -> Splice:
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


# -- the scoped query ------------------------------------------------------------------------


def scope_conditions(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Drop the owner, org or parent condition from the core's `ScopedRepository.conditions`."""
    core = source.core()
    method = _method(core[1], "conditions") if core else None
    found = set()
    if core and method:
        module = core[0]
        for node in ast.walk(method):
            if not isinstance(node, ast.Compare) or (part := _classify_condition(node)) is None:
                continue
            found.add(part)
            yield mutant(
                module,
                node,
                f"drop-{part}-condition",
                "ScopedRepository.conditions",
                f"ScopedRepository.conditions keeps rows of every {_part_noun(part)}",
                _drop_condition(module, node),
            )
    for part in CONDITION_SOURCES:
        if part not in found:
            yield MissingTarget(
                f"drop-{part}-condition",
                f"no `column == ...{CONDITION_SOURCES[part]}` in ScopedRepository.conditions",
            )


def repository_conditions(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Per repository: a `conditions` that drops its owner or org condition, or its parent one."""
    for repo in source.repositories():
        name, module = repo.node.name, repo.module
        if repo.conditions is not None:
            compares = [
                (node, part)
                for node in ast.walk(repo.conditions)
                if isinstance(node, ast.Compare) and (part := _classify_condition(node)) is not None
            ]
            if not compares:
                yield MissingTarget("drop-owner-condition", f"{name}.conditions restricts nothing")
            for node, part in compares:
                yield mutant(
                    module,
                    node,
                    f"drop-{part}-condition",
                    name,
                    f"{name}.conditions keeps rows of every {_part_noun(part)}",
                    _drop_condition(module, node),
                )
            continue
        if repo.scope not in ("owner", "org"):
            yield MissingTarget("drop-owner-condition", f"{name}: cannot tell its model's scope")
            continue
        parts = [repo.scope] + (["parent"] if repo.parent_key else [])
        for part in parts:
            kept = ", ".join(CORE_CONDITIONS[p] for p in parts if p != part)
            override = ["def conditions(self):", f"    return [{kept}]"]
            yield mutant(
                module,
                repo.node,
                f"drop-{part}-condition",
                name,
                f"{name} overrides conditions without its {part} condition",
                _append_to_class(module, repo.node, override),
            )


def _part_noun(part: str) -> str:
    return {"owner": "owner", "org": "organization", "parent": "parent"}[part]


def unscoped_find(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """`find` selects from the whole table instead of `self.select()`, the scoped query."""
    core = source.core()
    method = _method(core[1], "find") if core else None
    calls = [
        node
        for node in _walk(method)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "select"
        and _dotted(node.func.value) == "self"
        and not node.args
    ]
    if not core or not calls:
        yield MissingTarget("unscoped-find", "no `self.select()` in ScopedRepository.find")
        return
    module = core[0]
    direct = "select" if module.binds("select") else '__import__("sqlalchemy").select'
    for node in calls:
        yield mutant(
            module,
            node,
            "unscoped-find",
            "ScopedRepository.find",
            "ScopedRepository.find looks the id up in the whole table",
            module.replace(node, f"{direct}(self.model)"),
        )


# -- answers ---------------------------------------------------------------------------------


def forbidden_not_404(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """`not_found` answers 403: someone else's object is told apart from a missing one."""
    found = False
    for module, function, qualname in source.functions():
        if function.name != "not_found":
            continue
        for node in _own_nodes(function):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) == "abort"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == 404
            ):
                found = True
                yield mutant(
                    module,
                    node,
                    "forbidden-not-404",
                    qualname,
                    f"{qualname} answers 403 instead of the uniform 404",
                    module.replace(node.args[0], "403"),
                )
    if not found:
        yield MissingTarget("forbidden-not-404", "no `abort(404)` in a function named not_found")


def owner_from_body(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Input schemas accept unknown fields, and `add` keeps an owner or org already set."""
    core = source.core()
    method = _method(core[1], "add") if core else None
    assigns = [
        node
        for node in _walk(method)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Attribute)
        and node.targets[0].attr in ("owner_id", "org_id")
    ]
    if not core or not assigns:
        yield MissingTarget("owner-from-body", "ScopedRepository.add sets no owner_id or org_id")
        return
    core_module = core[0]
    keep_input = []
    for node in assigns:
        target = node.targets[0]
        assert isinstance(target, ast.Attribute)
        obj, value = core_module.segment(target.value), core_module.segment(node.value)
        keep_input.append(
            core_module.replace(node.value, f'getattr({obj}, "{target.attr}", None) or ({value})')
        )
    creating = [m for m in source.resource_modules() if _creates_from_input(m)]
    if not creating:
        yield MissingTarget("owner-from-body", "no view creates an object from its input")
    for module in creating:
        schemas = _argument_schemas(source, module)
        if not schemas:
            yield MissingTarget("owner-from-body", f"{module.path}: no @blp.arguments schema")
            continue
        splices = [_accept_unknown(m, node) for m, node in schemas]
        names = ", ".join(node.name for _, node in schemas)
        yield mutant(
            schemas[0][0],
            schemas[0][1],
            "owner-from-body",
            "+".join(node.name for _, node in schemas),
            f"{names} accept unknown fields and add() keeps an owner_id or org_id from input",
            *keep_input,
            *splices,
        )


def _creates_from_input(module: Module) -> bool:
    """A view calls `<repo>.add(Model(**...))`: it builds an object from request data."""
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Call)
            and _name(node.func) == "add"
            and node.args
            and isinstance(node.args[0], ast.Call)
            and any(k.arg is None for k in node.args[0].keywords)
        ):
            return True
    return False


def _decorator_schemas(
    source: ProjectSource, module: Module, method: str, position: int
) -> list[tuple[Module, ast.ClassDef]]:
    """The schema classes named by the module's `@blp.<method>(...)` decorators, in order."""
    names: list[str] = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call) or _decorator_method(decorator) != method:
                continue
            if len(decorator.args) > position:
                schema = decorator.args[position]
                name = _name(schema.func if isinstance(schema, ast.Call) else schema)
                if name and name not in names:
                    names.append(name)
    found = []
    for name in names:
        try:
            found.append(source.find_class(name, near=module))
        except KeyError:
            continue
    return found


def _argument_schemas(source: ProjectSource, module: Module) -> list[tuple[Module, ast.ClassDef]]:
    return _decorator_schemas(source, module, "arguments", 0)


def _accept_unknown(module: Module, node: ast.ClassDef) -> Splice:
    meta = next((c for c in node.body if isinstance(c, ast.ClassDef) and c.name == "Meta"), None)
    if meta is not None:
        return _append_to_class(module, meta, ['unknown = "include"'])
    return _append_to_class(module, node, ["class Meta:", '    unknown = "include"'])


# -- policies --------------------------------------------------------------------------------


def drop_policy(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Remove one endpoint's policy decorator, or the call that makes the docs public."""
    policies = source.policies()
    found = False
    for module, function, qualname in source.functions():
        for decorator in function.decorator_list:
            if not isinstance(decorator, ast.Name) or decorator.id not in policies:
                continue
            found = True
            start = module.line_start(decorator.lineno)
            end = module.line_start(decorator.end_lineno + 1)  # type: ignore[operator]
            yield mutant(
                module,
                decorator,
                "drop-policy",
                qualname,
                f"{qualname} loses its @{decorator.id}",
                Splice(module.path, start, end, ""),
            )
    for module, function, qualname in source.functions():
        for node in _own_nodes(function):
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and _name(node.value.func) == "declare_public_endpoints"
            ):
                yield mutant(
                    module,
                    node,
                    "drop-policy",
                    f"{qualname}:declare_public_endpoints",
                    f"{qualname} no longer declares the documentation endpoints public",
                    module.replace(node, "pass"),
                )
    if not found:
        yield MissingTarget("drop-policy", f"no view carries a policy ({', '.join(policies)})")


def cached_membership(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """`membership_in` remembers a (user, org) membership across requests: revoking it is
    not seen until the process restarts."""
    for module, function, qualname in source.functions():
        if function.name != "membership_in" or "." not in qualname:
            continue
        owner = qualname.rsplit(".", 1)[0]
        wrapper = f"""

_MUTANT_MEMBERSHIPS = {{}}
_mutant_uncached_membership_in = {owner}.membership_in


def _mutant_cached_membership_in(self, org_public_id):
    import sqlalchemy

    key = (self.user.id, org_public_id)
    if key not in _MUTANT_MEMBERSHIPS:
        found = _mutant_uncached_membership_in(self, org_public_id)
        if found is None:
            return None
        columns = sqlalchemy.inspect(found.org).mapper.column_attrs
        values = {{column.key: getattr(found.org, column.key) for column in columns}}
        _MUTANT_MEMBERSHIPS[key] = (type(found), type(found.org), values, found.role)
    membership, organization, values, role = _MUTANT_MEMBERSHIPS[key]
    return membership(org=organization(**values), user=self.user, role=role)


{owner}.membership_in = _mutant_cached_membership_in
"""
        end = len(module.text)
        yield mutant(
            module,
            function,
            "cached-membership",
            qualname,
            f"{qualname} trusts a membership cached across requests",
            Splice(module.path, end, end, wrapper),
        )
        return
    yield MissingTarget("cached-membership", "no method named membership_in")


# -- bounded work and responses --------------------------------------------------------------


def uncapped_page_size(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """One `@blp.paginate()` accepts any page size."""
    found = False
    for module, function, qualname in source.functions():
        for decorator in function.decorator_list:
            if not isinstance(decorator, ast.Call) or _decorator_method(decorator) != "paginate":
                continue
            found = True
            call = copy.deepcopy(decorator)
            call.keywords = [k for k in call.keywords if k.arg != "max_page_size"]
            call.keywords.append(ast.keyword("max_page_size", ast.Name(HUGE_PAGE_SIZE, ast.Load())))
            yield mutant(
                module,
                decorator,
                "uncapped-page-size",
                qualname,
                f"{qualname} pages have no size cap",
                module.replace(decorator, ast.unparse(call)),
            )
    if not found:
        yield MissingTarget("uncapped-page-size", "no view uses @blp.paginate()")


def wide_response(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """A resource's response schema also dumps the internal id, owner_id and org_id."""
    seen: set[tuple[str, str]] = set()
    for module in source.resource_modules():
        for schema_module, node in _decorator_schemas(source, module, "response", 1):
            if (schema_module.path, node.name) in seen:
                continue
            seen.add((schema_module.path, node.name))
            fields = (
                "fields" if schema_module.binds("fields") else '__import__("marshmallow").fields'
            )
            lines = [
                f"{name} = {kind.replace('fields', fields, 1)}"
                for name, kind in INTERNAL_FIELDS.items()
            ]
            yield mutant(
                schema_module,
                node,
                "wide-response",
                node.name,
                f"{node.name} also dumps the internal id, owner_id and org_id",
                _append_to_class(schema_module, node, lines),
            )
    if not seen:
        yield MissingTarget("wide-response", "no response schema of an owned resource")


# -- denials ---------------------------------------------------------------------------------


def drop_security_event(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """A denial (a function that aborts) no longer records its security event."""
    found = False
    for module, function, qualname in source.functions():
        own = list(_own_nodes(function))
        if not any(isinstance(n, ast.Call) and _name(n.func) == "abort" for n in own):
            continue
        for node in own:
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and _name(node.value.func) == "security_event"
            ):
                found = True
                args = node.value.args
                event = str(args[0].value) if args and isinstance(args[0], ast.Constant) else "?"
                yield mutant(
                    module,
                    node,
                    "drop-security-event",
                    f"{qualname}[{event}]",
                    f"{qualname} denies without logging {event}",
                    module.replace(node, "pass"),
                )
    if not found:
        yield MissingTarget("drop-security-event", "no security_event call before an abort")


def skip_authorization_check(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """An `if <check>: forbidden(...)` (or `abort(403)`) never denies."""
    found = False
    for module, function, qualname in source.functions():
        for node in _own_nodes(function):
            if not isinstance(node, ast.If) or not _denies(node.body):
                continue
            found = True
            check = ast.unparse(node.test)
            yield mutant(
                module,
                node,
                "skip-authorization-check",
                f"{qualname}[{check}]",
                f"{qualname} never denies on `{check}`",
                module.replace(node.test, "False"),
            )
    if not found:
        yield MissingTarget("skip-authorization-check", "no `if ...: forbidden(...)` check")


def _denies(body: list[ast.stmt]) -> bool:
    """The block answers 403 itself: one of its statements is `forbidden(...)` or
    `abort(403, ...)` (a nested `if` is a check of its own)."""
    for statement in body:
        node = statement.value if isinstance(statement, ast.Expr) else None
        if not isinstance(node, ast.Call):
            continue
        if _name(node.func) == "forbidden":
            return True
        first = node.args[0] if node.args else None
        if _name(node.func) == "abort" and isinstance(first, ast.Constant) and first.value == 403:
            return True
    return False


# -- ids -------------------------------------------------------------------------------------


def upper_case_ids(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """The id converter also matches upper-case hex: one object gets several URLs."""
    found = False
    for module, node in source.classes():
        if not any(_name(base) == "BaseConverter" for base in node.bases):
            continue
        regex = _class_assignment(node, "regex")
        if (
            isinstance(regex, ast.Constant)
            and isinstance(regex.value, str)
            and "a-f" in regex.value
            and "A-F" not in regex.value
        ):
            found = True
            yield mutant(
                module,
                regex,
                "upper-case-ids",
                node.name,
                f"{node.name} accepts upper-case ids",
                module.replace(regex, repr(regex.value.replace("a-f", "a-fA-F"))),
            )
    if not found:
        yield MissingTarget("upper-case-ids", "no URL converter with a lowercase hex regex")


OPERATORS: tuple[Operator, ...] = (
    scope_conditions,
    repository_conditions,
    unscoped_find,
    forbidden_not_404,
    owner_from_body,
    drop_policy,
    cached_membership,
    uncapped_page_size,
    wide_response,
    drop_security_event,
    skip_authorization_check,
    upper_case_ids,
)


def find_mutants(
    source: ProjectSource, operators: Iterable[Operator] = OPERATORS
) -> tuple[list[Mutant], list[MissingTarget]]:
    """Every mutant of the project, and what the operators looked for and did not find."""
    mutants: list[Mutant] = []
    missing = [MissingTarget("parse", f"{path} cannot be parsed") for path in source.unreadable]
    for operator in operators:
        for found in operator(source):
            (mutants if isinstance(found, Mutant) else missing).append(found)  # type: ignore[arg-type]
    return mutants, missing


def check_mutant(source: ProjectSource, candidate: Mutant) -> str | None:
    """Why the mutated files do not compile, or None: a mutant must break tests, not Python."""
    sources = {m.path: m.text for m in source.modules}
    for path, text in candidate.apply(sources).items():
        if text == sources[path]:
            return f"{path} is unchanged"
        try:
            compile(text, path, "exec")
        except SyntaxError as exc:
            return f"{path}:{exc.lineno}: {exc.msg}"
    return None

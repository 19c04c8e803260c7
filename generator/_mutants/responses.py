"""Mutants of what callers are told: 403 for a hidden object, owners taken from input,
internal keys in responses, several spellings of one id."""

import ast
from collections.abc import Iterator

from generator._mutants._source import (
    MissingTarget,
    Module,
    Mutant,
    ProjectSource,
    Splice,
    append_to_class,
    class_assignment,
    decorator_method,
    method_of,
    mutant,
    name_of,
    own_nodes,
    walk_or_nothing,
)

INTERNAL_FIELDS = {
    "internal_id": 'fields.Integer(attribute="id")',
    "owner_id": "fields.Integer()",
    "org_id": "fields.Integer()",
}


def forbidden_not_404(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """`not_found` answers 403: someone else's object is told apart from a missing one."""
    found = False
    for module, function, qualname in source.functions():
        if function.name != "not_found":
            continue
        for node in own_nodes(function):
            if (
                isinstance(node, ast.Call)
                and name_of(node.func) == "abort"
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
    method = method_of(core[1], "add") if core else None
    assigns = [
        node
        for node in walk_or_nothing(method)
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
            and name_of(node.func) == "add"
            and node.args
            and isinstance(node.args[0], ast.Call)
            and any(k.arg is None for k in node.args[0].keywords)
        ):
            return True
    return False


def _decorator_schemas(
    source: ProjectSource, module: Module, method: str, position: int
) -> list[tuple[Module, ast.ClassDef]]:
    """The schema classes named by the module's `@blp.<method>(...)` decorators, in order;
    query-string arguments (`location="query"`) are not bodies and are left out."""
    names: list[str] = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call) or decorator_method(decorator) != method:
                continue
            if not _reads_body(decorator):
                continue
            if len(decorator.args) > position:
                schema = decorator.args[position]
                name = name_of(schema.func if isinstance(schema, ast.Call) else schema)
                if name and name not in names:
                    names.append(name)
    found = []
    for name in names:
        try:
            found.append(source.find_class(name, near=module))
        except KeyError:
            continue
    return found


def _reads_body(decorator: ast.Call) -> bool:
    """A decorator without `location=`, or with a body location: not the query string."""
    for keyword in decorator.keywords:
        if keyword.arg == "location" and isinstance(keyword.value, ast.Constant):
            return keyword.value.value in ("json", "form", "json_or_form")
    return True


def _argument_schemas(source: ProjectSource, module: Module) -> list[tuple[Module, ast.ClassDef]]:
    return _decorator_schemas(source, module, "arguments", 0)


def _accept_unknown(module: Module, node: ast.ClassDef) -> Splice:
    meta = next((c for c in node.body if isinstance(c, ast.ClassDef) and c.name == "Meta"), None)
    if meta is not None:
        return append_to_class(module, meta, ['unknown = "include"'])
    return append_to_class(module, node, ["class Meta:", '    unknown = "include"'])


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
                append_to_class(schema_module, node, lines),
            )
    if not seen:
        yield MissingTarget("wide-response", "no response schema of an owned resource")


def upper_case_ids(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """The id converter also matches upper-case hex: one object gets several URLs."""
    found = False
    for module, node in source.classes():
        if not any(name_of(base) == "BaseConverter" for base in node.bases):
            continue
        regex = class_assignment(node, "regex")
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

"""Resources as the template reads them: parsed from the command line, checked, made answers.

A resource is one mapping of the `resources` answer; its migrations are entries of the append-only
`migrations` answer (see copier.yml). This module only computes them: it reads no file, runs no
git and imports no Copier, so every rule is tested directly, and `add-resource`, `remove-resource`
and `new-project --resource` share one parser and one validator.

Every check runs before Copier does: a refused resource gets one line naming the problem, and the
project is not touched.
"""

import keyword
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator._errors import UsageError

Resource = dict[str, Any]
"""One entry of the `resources` answer: name, plural, scope, parent, fields."""

NAME = re.compile(r"\A[a-z][a-z0-9_]{1,29}\Z")
SCOPES = ("owner", "org")
FIELD_TYPES = ("str", "text", "int", "decimal", "bool", "date", "datetime", "ref")

# A top-level resource is at depth 1; a child of a child of a child would be at depth 4.
MAX_DEPTH = 3

STR_DEFAULT_LENGTH, STR_MAX_LENGTH = 255, 10000
TEXT_DEFAULT_LENGTH, TEXT_MAX_LENGTH = 10000, 60000
DECIMAL_DEFAULT, DECIMAL_MAX_PRECISION = (12, 2), 15

# Reserved in PostgreSQL or SQLite (or both), and the words the SQL standard reserves that people
# tend to pick as names. SQLAlchemy would quote them; hand-written SQL and other tools would not.
SQL_RESERVED_WORDS = frozenset(
    {
        *("abort", "add", "all", "alter", "analyse", "analyze", "and", "any", "array", "as"),
        *("asc", "asymmetric", "attach", "authorization", "autoincrement", "before", "begin"),
        *("between", "binary", "both", "by", "cascade", "case", "cast", "check", "collate"),
        *("collation", "column", "commit", "concurrently", "conflict", "constraint", "create"),
        *("cross", "current", "current_catalog", "current_date", "current_role"),
        *("current_schema", "current_time", "current_timestamp", "current_user", "database"),
        *("default", "deferrable", "deferred", "delete", "desc", "detach", "distinct", "do"),
        *("drop", "each", "else", "end", "escape", "except", "exclusive", "exists", "explain"),
        *("false", "fetch", "for", "foreign", "freeze", "from", "full", "glob", "grant"),
        *("group", "having", "if", "ilike", "immediate", "in", "index", "indexed", "initially"),
        *("inner", "insert", "instead", "intersect", "into", "is", "isnull", "join", "key"),
        *("lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp"),
        *("match", "natural", "no", "not", "nothing", "notnull", "null", "of", "offset", "on"),
        *("only", "or", "order", "outer", "over", "overlaps", "placing", "plan", "pragma"),
        *("primary", "query", "raise", "recursive", "references", "regexp", "reindex"),
        *("release", "rename", "replace", "restrict", "returning", "revoke", "right"),
        *("rollback", "row", "rows", "savepoint", "select", "session_user", "set", "similar"),
        *("some", "symmetric", "table", "tablesample", "temp", "temporary", "then", "to"),
        *("trailing", "transaction", "trigger", "true", "union", "unique", "update", "user"),
        *("using", "vacuum", "values", "variadic", "verbose", "view", "virtual", "when"),
        *("where", "window", "with", "without"),
    }
)

# Resource names and plurals the project itself uses: its tables, URL segments, blueprints and
# modules.
BUILT_IN_NAMES = frozenset(
    {
        *("user", "users", "org", "orgs", "organization", "organizations", "membership"),
        *("memberships", "member", "members", "token", "tokens", "api_token", "api_tokens"),
        *("auth", "me", "healthz", "health", "openapi", "docs", "account", "accounts"),
        *("security", "resources", "config", "errors", "extensions", "database", "validation"),
        *("pagination", "testing", "static", "alembic_version", "alembic_versions"),
        *("readyz", "logs", "outages", "proxies", "ratelimits", "serve"),
        *("invitation", "invitations"),
    }
)

# Local names of the generated routes and tests: a resource named like one would shadow it.
GENERATED_LOCAL_NAMES = frozenset(
    {
        *("body", "created", "data", "db", "field", "headers", "location", "missing", "name"),
        *("paginate", "read", "request", "scope", "updated", "url_for", "value"),
        "world",
    }
)

# Classes the generated resource modules import; a resource's classes must not take their names.
GENERATED_CLASS_NAMES = frozenset(
    {
        *("Any", "Blueprint", "Boolean", "Date", "DateTime", "Decimal", "ForeignKey", "Index"),
        *("Integer", "Listed", "Mapped", "Numeric", "OwnedByOrg", "OwnedByUser", "PageArgs"),
        *("PageRequest", "PublicId", "PublicRef", "Schema", "Scope", "ScopedRepository"),
        *("String", "Text", "Timestamps", "UTCDateTime"),
    }
)

# Columns and attributes every resource model has, and SQLAlchemy's own attributes.
RESERVED_FIELD_NAMES = frozenset(
    {
        *("id", "public_id", "owner", "owner_id", "org", "org_id", "creator", "creator_id"),
        *("created_at", "updated_at", "metadata", "query", "registry"),
    }
)

# Names the model and schema classes use in their bodies; a field of that name would shadow them
# for the fields after it.
CLASS_BODY_NAMES = frozenset(
    {
        *("bool", "bounded_decimal", "bounded_int", "date", "datetime", "fields", "int"),
        *("mapped_column", "relationship", "str", "validate"),
    }
)


@dataclass(frozen=True)
class ResourceRequest:
    """A resource as the user asked for it, before validation."""

    name: str
    fields: tuple[str, ...] = ()
    scope: str | None = None
    parent: str | None = None
    plural: str | None = None


def class_name(name: str) -> str:
    """The class name the template derives from a snake_case name: `line_item` -> `LineItem`."""
    return "".join(part.capitalize() for part in name.split("_"))


@cache
def _english() -> Any:
    """inflect's engine, imported on first use so that `--help` stays instant."""
    import inflect

    return inflect.engine()


def pluralize(word: str) -> str:
    """The English plural of a snake_case name, from inflect: `person` -> `people`,
    `analysis` -> `analyses`, `line_item` -> `line_items`."""
    return str(_english().plural_noun(word.replace("_", " "))).replace(" ", "_")


def article(name: str) -> str:
    """The indefinite article of a snake_case name, from inflect: "an" for `invoice` and
    `hour`, "a" for `user` and `note`."""
    return str(_english().a(name.replace("_", " "))).split(" ", 1)[0].lower()


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a resource, plural or field; None if it can."""
    if not NAME.match(name):
        return (
            "is not snake_case: use 2-30 characters, a lowercase letter first, "
            "then lowercase letters, digits or underscores"
        )
    if "__" in name or name.endswith("_"):
        return "has a double or trailing underscore"
    if keyword.iskeyword(name):
        return "is a Python keyword"
    if name in SQL_RESERVED_WORDS:
        return "is an SQL reserved word"
    return None


def check_name(what: str, name: str, hint: str = "") -> str:
    """Return `name`, or raise UsageError saying why it cannot be used as `what`."""
    problem = name_problem(name)
    if problem:
        raise UsageError(f"{what} {name!r} {problem}{hint}")
    return name


def parse_field(spec: str) -> dict[str, Any]:
    """A field of the `resources` answer from `NAME[?]:TYPE[:OPTION]`; checks the spelling only."""
    head, colon, rest = spec.partition(":")
    if not colon:
        raise UsageError(
            f"field {spec!r} has no type: write NAME:TYPE[:OPTION], e.g. title:str:200"
        )
    required = not head.endswith("?")
    name = check_name("field name", head.removesuffix("?"), f" (in --field {spec!r})")
    kind, colon, option = rest.partition(":")
    if kind not in FIELD_TYPES:
        raise UsageError(
            f"field {spec!r} has unknown type {kind!r}; use one of "
            "str, text, int, decimal, bool, date, datetime, ref:RESOURCE"
        )
    if colon and not option:
        raise UsageError(f"field {spec!r} ends with an empty option; drop the last ':'")
    field: dict[str, Any] = {"name": name, "type": kind, "required": required}
    if kind == "str":
        field["max_length"] = _length(spec, option, STR_DEFAULT_LENGTH, STR_MAX_LENGTH)
    elif kind == "text":
        field["max_length"] = _length(spec, option, TEXT_DEFAULT_LENGTH, TEXT_MAX_LENGTH)
    elif kind == "decimal":
        field["precision"], field["scale"] = _precision_and_scale(spec, option)
    elif kind == "ref":
        if not option:
            raise UsageError(f"field {spec!r} names no resource: write NAME:ref:RESOURCE")
        field["target"] = option
    elif option:
        raise UsageError(f"field {spec!r}: type {kind} takes no option")
    return field


def _length(spec: str, option: str, default: int, maximum: int) -> int:
    if not option:
        return default
    if not re.fullmatch(r"[0-9]{1,6}", option) or not 1 <= int(option) <= maximum:
        raise UsageError(
            f"field {spec!r}: the max length must be a whole number from 1 to {maximum}"
        )
    return int(option)


def _precision_and_scale(spec: str, option: str) -> tuple[int, int]:
    if not option:
        return DECIMAL_DEFAULT
    match = re.fullmatch(r"([0-9]{1,2}),([0-9]{1,2})", option)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        if 1 <= precision <= DECIMAL_MAX_PRECISION and scale <= precision:
            return precision, scale
    raise UsageError(
        f"field {spec!r}: a decimal takes PRECISION,SCALE with 1 <= PRECISION <= "
        f"{DECIMAL_MAX_PRECISION} and 0 <= SCALE <= PRECISION, e.g. 12,2"
    )


def build_resource(request: ResourceRequest, existing: Sequence[Resource]) -> Resource:
    """The `resources` entry for `request`, checked against the project's `existing` resources."""
    by_name = {resource["name"]: resource for resource in existing}
    name = check_name("resource name", request.name)
    _check_new_name("resource name", name, existing)
    if request.plural is None:
        if pluralize(name) == name:
            raise UsageError(
                f"{name!r} reads the same in the plural; name its collection with --plural"
                f" (e.g. --plural {name}_items)"
            )
        plural = check_name(
            "plural", pluralize(name), f" (made from {name!r}); choose one with --plural"
        )
    else:
        plural = check_name("plural", request.plural)
    if plural == name:
        raise UsageError(
            f"plural {plural!r} equals the resource name; the two name different classes"
        )
    _check_new_name("plural", plural, existing)

    parent = by_name.get(request.parent) if request.parent is not None else None
    if request.parent is not None and parent is None:
        raise UsageError(
            f"--parent {request.parent!r} is not a resource of the project ({_known(existing)})"
        )
    scope = _scope(request, parent)
    ancestors = lineage(parent, existing) if parent is not None else []
    if len(ancestors) >= MAX_DEPTH:
        raise UsageError(
            f"--parent {request.parent!r} is already {len(ancestors)} levels deep; resources "
            f"nest at most {MAX_DEPTH} levels (a top-level resource is level 1)"
        )
    if not request.fields:
        raise UsageError(
            f"resource {name!r} has no fields; give at least one --field NAME:TYPE, "
            "e.g. --field title:str:200"
        )
    fields = [parse_field(spec) for spec in request.fields]
    _check_fields(name, scope, fields, ancestors, by_name)
    return {
        "name": name,
        "plural": plural,
        "article": article(name),
        "scope": scope,
        "parent": parent["name"] if parent is not None else None,
        "fields": fields,
    }


def _check_new_name(what: str, name: str, existing: Sequence[Resource]) -> None:
    if name in BUILT_IN_NAMES:
        raise UsageError(f"{what} {name!r} is taken by the project itself (users, orgs, auth...)")
    if name in GENERATED_LOCAL_NAMES:
        raise UsageError(f"{what} {name!r} would shadow a name the generated routes or tests use")
    if class_name(name) in GENERATED_CLASS_NAMES:
        raise UsageError(
            f"{what} {name!r} would make a class {class_name(name)} that shadows a class the "
            "generated code imports"
        )
    for resource in existing:
        if name in (resource["name"], resource["plural"]):
            raise UsageError(
                f"{what} {name!r} is already taken by resource {resource['name']!r} "
                f"(plural {resource['plural']!r})"
            )


def _scope(request: ResourceRequest, parent: Resource | None) -> str:
    if request.scope is not None and request.scope not in SCOPES:
        raise UsageError(f"--scope {request.scope!r} is not one of: owner, org")
    if parent is None:
        return request.scope or "owner"
    if request.scope is not None and request.scope != parent["scope"]:
        raise UsageError(
            f"--scope {request.scope} does not match the {parent['scope']} scope of parent "
            f"{parent['name']!r}; a child shares its parent's scope"
        )
    return str(parent["scope"])


def lineage(resource: Resource, existing: Sequence[Resource]) -> list[Resource]:
    """`resource` and its ancestors, root first."""
    by_name = {r["name"]: r for r in existing}
    chain = [resource]
    while chain[0].get("parent") and len(chain) <= len(existing):
        parent = by_name.get(chain[0]["parent"])
        if parent is None:
            break
        chain.insert(0, parent)
    return chain


def _check_fields(
    resource: str,
    scope: str,
    fields: list[dict[str, Any]],
    ancestors: list[Resource],
    by_name: Mapping[str, Resource],
) -> None:
    # A child's link to each ancestor: the parent column, and the ancestors' ids in the URL.
    links = {
        name: ancestor["name"]
        for ancestor in ancestors
        for name in (ancestor["name"], f"{ancestor['name']}_id")
    }
    owners: dict[str, str] = {}  # each name and column taken so far -> the field taking it
    for field in fields:
        name = field["name"]
        made = [name, f"{name}_id"] if field["type"] == "ref" else [name]
        for candidate in made:
            if candidate in RESERVED_FIELD_NAMES:
                raise UsageError(
                    f"field {name!r} of {resource!r} would make {candidate!r}, which every "
                    "resource already has (id, public_id, owner, org, creator, timestamps...)"
                )
            if candidate in links:
                raise UsageError(
                    f"field {name!r} of {resource!r} would make {candidate!r}, which names its "
                    f"link to {links[candidate]!r}"
                )
            if candidate in owners:
                raise UsageError(
                    f"field {name!r} is given twice in {resource!r}"
                    if owners[candidate] == name
                    else f"field {name!r} of {resource!r} would make {candidate!r}, which "
                    f"clashes with field {owners[candidate]!r}"
                )
        if name in CLASS_BODY_NAMES:
            raise UsageError(
                f"field name {name!r} would shadow a name the generated model or schema uses"
            )
        owners.update(dict.fromkeys(made, name))
        if field["type"] == "ref":
            _check_target(resource, scope, field, by_name)


def _check_target(
    resource: str, scope: str, field: dict[str, Any], by_name: Mapping[str, Resource]
) -> None:
    target = by_name.get(field["target"])
    where = f"ref target {field['target']!r} of field {field['name']!r}"
    if target is None:
        raise UsageError(f"{where} is not a resource of the project ({_known(by_name.values())})")
    if target["scope"] != scope:
        raise UsageError(
            f"{where} is {target['scope']}-scoped and {resource!r} is {scope}-scoped; "
            "a reference stays within one scope"
        )
    if target.get("parent"):
        raise UsageError(
            f"{where} is nested under {target['parent']!r}; references point at top-level "
            "resources only"
        )


def _known(resources: Iterable[Resource]) -> str:
    names = [resource["name"] for resource in resources]
    return "resources: " + ", ".join(names) if names else "it has no resources yet"


def check_removable(name: str, existing: Sequence[Resource]) -> Resource:
    """The resource `name`, if nothing else in the project needs it; else raise UsageError."""
    resource = next((r for r in existing if r["name"] == name), None)
    if resource is None:
        raise UsageError(f"resource {name!r} is not a resource of the project ({_known(existing)})")
    children = [r["name"] for r in existing if r.get("parent") == name]
    if children:
        raise UsageError(
            f"resource {name!r} is the parent of {', '.join(children)}; remove "
            f"{' and '.join(children)} first"
        )
    referrers = [
        f"{r['name']}.{f['name']}"
        for r in existing
        for f in r["fields"]
        if f["type"] == "ref" and f.get("target") == name and r["name"] != name
    ]
    if referrers:
        raise UsageError(
            f"resource {name!r} is referenced by {', '.join(referrers)}; remove "
            f"{' and '.join(dict.fromkeys(r.split('.')[0] for r in referrers))} first"
        )
    return resource


def migration_entry(
    action: str, resource: Resource, resources: Sequence[Resource], revision: str, down: str
) -> dict[str, Any]:
    """An entry of the `migrations` answer: `action` (create or drop) on a snapshot of `resource`.

    `resources` must hold the resource's parent and ref targets; their tables are recorded in the
    snapshot so that the migration never depends on a later state of the answers.
    """
    tables = {r["name"]: r["plural"] for r in resources}
    fields = [
        {**field, "target_table": tables[field["target"]]} if field["type"] == "ref" else field
        for field in resource["fields"]
    ]
    parent = resource["parent"]
    return {
        "revision": revision,
        "down_revision": down,
        "action": action,
        "resource": {
            "name": resource["name"],
            "plural": resource["plural"],
            "scope": resource["scope"],
            "parent": parent,
            "parent_table": tables[parent] if parent else None,
            "fields": [dict(field) for field in fields],
        },
    }


# The options of `add-resource` that describe a resource; the others act on a project.
_SPEC_OPTIONS = {
    "--field": "fields",
    "--scope": "scope",
    "--parent": "parent",
    "--plural": "plural",
}


def parse_resource_spec(spec: str) -> ResourceRequest:
    """A ResourceRequest from `add-resource`'s arguments written as one shell-quoted string.

    `"project --scope org --field name:str:100"` is `add-resource project --scope org --field
    name:str:100`; `--dry-run` and `--project` act on a project and are not part of a resource.
    """
    where = f"--resource {spec!r}"
    try:
        words = shlex.split(spec)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from exc
    names: list[str] = []
    fields: list[str] = []
    values: dict[str, str] = {}
    words.reverse()
    while words:
        word = words.pop()
        if not word.startswith("-"):
            names.append(word)
            continue
        option, equals, value = word.partition("=")
        if option not in _SPEC_OPTIONS:
            raise UsageError(
                f"{where}: unknown option {option}; a resource takes --field, --scope, "
                "--parent and --plural"
            )
        if not equals:
            if not words:
                raise UsageError(f"{where}: {option} needs a value")
            value = words.pop()
        key = _SPEC_OPTIONS[option]
        if key == "fields":
            fields.append(value)
        elif key in values:
            raise UsageError(f"{where}: {option} is given twice")
        else:
            values[key] = value
    if len(names) != 1:
        raise UsageError(
            f"{where}: give exactly one resource name first, then options, "
            "e.g. 'note --field title:str:200'"
        )
    return ResourceRequest(
        name=names[0],
        fields=tuple(fields),
        scope=values.get("scope"),
        parent=values.get("parent"),
        plural=values.get("plural"),
    )

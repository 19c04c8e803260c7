"""The resource parser and validator, and the migration history reader, as plain functions."""

from pathlib import Path
from typing import Any

import pytest

from generator import UsageError
from generator._migrations import head, next_revision, next_slot, read_revisions
from generator._resources import (
    Resource,
    ResourceRequest,
    article,
    build_resource,
    check_removable,
    migration_entry,
    parse_field,
    parse_resource_spec,
    pluralize,
)


def resource(name: str, *fields: str, **options: str) -> Resource:
    return build_resource(ResourceRequest(name, fields, **options), EXISTING)


# note (owner) <- bookmark.note; project (org) <- task <- comment
EXISTING: list[Resource] = []
for _request in (
    ResourceRequest("note", ("title:str:200",)),
    ResourceRequest("bookmark", ("label:str", "note?:ref:note")),
    ResourceRequest("project", ("name:str:100",), scope="org"),
    ResourceRequest("task", ("title:str",), parent="project"),
    ResourceRequest("comment", ("body:text",), parent="task"),
):
    EXISTING.append(build_resource(_request, EXISTING))


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ("title:str", {"name": "title", "type": "str", "required": True, "max_length": 255}),
        ("title:str:200", {"name": "title", "type": "str", "required": True, "max_length": 200}),
        ("body?:text", {"name": "body", "type": "text", "required": False, "max_length": 10000}),
        (
            "body:text:60000",
            {"name": "body", "type": "text", "required": True, "max_length": 60000},
        ),
        ("priority:int", {"name": "priority", "type": "int", "required": True}),
        (
            "amount:decimal",
            {"name": "amount", "type": "decimal", "required": True, "precision": 12, "scale": 2},
        ),
        (
            "rate?:decimal:5,0",
            {"name": "rate", "type": "decimal", "required": False, "precision": 5, "scale": 0},
        ),
        ("done:bool", {"name": "done", "type": "bool", "required": True}),
        ("due_on?:date", {"name": "due_on", "type": "date", "required": False}),
        ("remind_at?:datetime", {"name": "remind_at", "type": "datetime", "required": False}),
        ("note:ref:note", {"name": "note", "type": "ref", "required": True, "target": "note"}),
    ],
)
def test_field_specs_give_exactly_the_keys_of_their_type(spec: str, field: dict[str, Any]) -> None:
    parsed = parse_field(spec)
    assert parsed == field
    assert list(parsed) == list(field)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("title", "has no type"),
        ("title:varchar", "unknown type 'varchar'"),
        ("title:str:0", "from 1 to 10000"),
        ("title:str:10001", "from 1 to 10000"),
        ("title:str:+5", "from 1 to 10000"),
        ("body:text:60001", "from 1 to 60000"),
        ("title:str:", "empty option"),
        ("amount:decimal:16,2", "PRECISION,SCALE"),
        ("amount:decimal:5,6", "PRECISION,SCALE"),
        ("amount:decimal:0,0", "PRECISION,SCALE"),
        ("amount:decimal:5", "PRECISION,SCALE"),
        ("priority:int:5", "takes no option"),
        ("done:bool:1", "takes no option"),
        ("note:ref", "names no resource"),
        ("Title:str", "not snake_case"),
        ("t:str", "not snake_case"),
        ("x" * 31 + ":str", "not snake_case"),
        ("due__on:date", "double or trailing underscore"),
        ("due_:date", "double or trailing underscore"),
        ("class:str", "Python keyword"),
        ("order:int", "SQL reserved word"),
        ("title\n:str", "not snake_case"),
    ],
)
def test_bad_field_specs_are_refused(spec: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_field(spec)


@pytest.mark.parametrize(
    ("word", "plural"),
    [
        ("note", "notes"),
        ("address", "addresses"),
        ("box", "boxes"),
        ("quiz", "quizzes"),
        ("person", "people"),
        ("child", "children"),
        ("analysis", "analyses"),
        ("criterion", "criteria"),
        ("match_batch", "match_batches"),
        ("wish", "wishes"),
        ("category", "categories"),
        ("day", "days"),
        ("line_item", "line_items"),
    ],
)
def test_plurals(word: str, plural: str) -> None:
    assert pluralize(word) == plural


def test_a_resource_is_the_answers_entry_of_the_contract() -> None:
    assert resource("receipt", "total:decimal:10,2", "note?:ref:note") == {
        "name": "receipt",
        "plural": "receipts",
        "article": "a",
        "scope": "owner",
        "parent": None,
        "fields": [
            {"name": "total", "type": "decimal", "required": True, "precision": 10, "scale": 2},
            {"name": "note", "type": "ref", "required": False, "target": "note"},
        ],
    }


def test_a_child_takes_its_parents_scope() -> None:
    child = resource("label", "text:str", parent="project")
    assert (child["scope"], child["parent"]) == ("org", "project")
    assert resource("label", "text:str", parent="project", scope="org")["scope"] == "org"


def test_a_child_may_be_three_levels_deep() -> None:
    assert resource("attachment", "path:str", parent="task")["parent"] == "task"


def test_plural_option_is_used() -> None:
    assert resource("person", "name:str", plural="persons")["plural"] == "persons"


@pytest.mark.parametrize("word", ["sheep", "series", "news"])
def test_a_name_whose_plural_is_itself_asks_for_plural(word: str) -> None:
    with pytest.raises(UsageError, match=f"'{word}' reads the same in the plural.*--plural"):
        resource(word, "name:str")
    assert resource(word, "name:str", plural=f"{word}_items")["plural"] == f"{word}_items"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("invoice", "an"),
        ("estimate", "an"),
        ("hour_log", "an"),
        ("user_note", "a"),
        ("memo", "a"),
        ("unit", "a"),
        ("honor_roll", "an"),
    ],
)
def test_articles_come_from_english(word: str, expected: str) -> None:
    assert article(word) == expected
    assert resource(word, "name:str")["article"] == expected


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        (ResourceRequest("Note", ("a1:str",)), "not snake_case"),
        (ResourceRequest("note\n", ("a1:str",)), "not snake_case"),
        (ResourceRequest("a" * 31, ("a1:str",)), "not snake_case"),
        (ResourceRequest("line__item", ("a1:str",)), "double or trailing underscore"),
        (ResourceRequest("line_item_", ("a1:str",)), "double or trailing underscore"),
        (ResourceRequest("import", ("a1:str",)), "Python keyword"),
        (ResourceRequest("select", ("a1:str",)), "SQL reserved word"),
        (ResourceRequest("membership", ("a1:str",)), "taken by the project itself"),
        (ResourceRequest("healthz", ("a1:str",)), "taken by the project itself"),
        (ResourceRequest("string", ("a1:str",)), "class String"),
        (ResourceRequest("headers", ("a1:str",)), "generated routes or tests"),
        (ResourceRequest("note", ("a1:str",)), "already taken by resource 'note'"),
        (ResourceRequest("notes", ("a1:str",)), "already taken by resource 'note'"),
        (ResourceRequest("memo", ("a1:str",), plural="notes"), "already taken by resource 'note'"),
        (ResourceRequest("memo", ("a1:str",), plural="tokens"), "taken by the project itself"),
        (ResourceRequest("memo", ("a1:str",), plural="memo"), "equals the resource name"),
        (ResourceRequest("memo", ("a1:str",), plural="Memos"), "not snake_case"),
        (ResourceRequest("memo", ()), "has no fields"),
        (ResourceRequest("memo", ("a1:str",), scope="team"), "not one of: owner, org"),
        (ResourceRequest("memo", ("a1:str",), parent="nope"), "'nope' is not a resource"),
        (
            ResourceRequest("memo", ("a1:str",), parent="project", scope="owner"),
            "does not match the org scope",
        ),
        (ResourceRequest("memo", ("a1:str",), parent="comment"), "already 3 levels deep"),
    ],
)
def test_bad_resources_are_refused(request_: ResourceRequest, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        build_resource(request_, EXISTING)


@pytest.mark.parametrize(
    ("fields", "options", "problem"),
    [
        (("id:int",), {}, "'id', which every resource already has"),
        (("owner_id:int",), {}, "which every resource already has"),
        (("created_at:datetime",), {}, "which every resource already has"),
        (("metadata:text",), {}, "which every resource already has"),
        (("public:ref:note",), {}, "'public_id', which every resource already has"),
        (("creator:ref:note",), {}, "which every resource already has"),
        (("title:str", "title:text"), {}, "given twice"),
        (("note:ref:note", "note_id:int"), {}, "'note_id', which clashes with field 'note'"),
        (("note_id:int", "note:ref:note"), {}, "'note_id', which clashes with field 'note_id'"),
        (("fields:str",), {}, "shadow a name the generated model or schema uses"),
        (("date:date",), {}, "shadow a name the generated model or schema uses"),
        (("project:str",), {"parent": "project"}, "names its link to 'project'"),
        (("project_id:int",), {"parent": "task"}, "names its link to 'project'"),
        (("task_id:int",), {"parent": "task"}, "names its link to 'task'"),
        (("other:ref:nope",), {}, "ref target 'nope' of field 'other' is not a resource"),
        (("other:ref:project",), {}, "is org-scoped and 'memo' is owner-scoped"),
        (("other:ref:note",), {"scope": "org"}, "is owner-scoped and 'memo' is org-scoped"),
        (("other:ref:task",), {"scope": "org"}, "nested under 'project'"),
    ],
)
def test_bad_fields_are_refused(
    fields: tuple[str, ...], options: dict[str, str], problem: str
) -> None:
    with pytest.raises(UsageError, match=problem):
        build_resource(ResourceRequest("memo", fields, **options), EXISTING)


def test_resources_are_checked_in_order() -> None:
    with pytest.raises(UsageError, match="ref target 'later'"):
        build_resource(ResourceRequest("first", ("other:ref:later",)), [])


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("nope", "'nope' is not a resource of the project"),
        ("note", "referenced by bookmark.note; remove bookmark first"),
        ("project", "parent of task; remove task first"),
        ("task", "parent of comment"),
    ],
)
def test_needed_or_missing_resources_cannot_be_removed(name: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        check_removable(name, EXISTING)


def test_leaves_can_be_removed() -> None:
    assert check_removable("bookmark", EXISTING) is EXISTING[1]
    assert check_removable("comment", EXISTING) is EXISTING[4]


def test_migration_entry_snapshots_the_resource_with_its_tables() -> None:
    entry = migration_entry("create", EXISTING[1], EXISTING, "0003", "0002")
    assert entry == {
        "revision": "0003",
        "down_revision": "0002",
        "action": "create",
        "resource": {
            "name": "bookmark",
            "plural": "bookmarks",
            "scope": "owner",
            "parent": None,
            "parent_table": None,
            "fields": [
                {"name": "label", "type": "str", "required": True, "max_length": 255},
                {
                    "name": "note",
                    "type": "ref",
                    "required": False,
                    "target": "note",
                    "target_table": "notes",
                },
            ],
        },
    }
    assert "target_table" not in EXISTING[1]["fields"][1], "the resource entry was changed"
    child = migration_entry("drop", EXISTING[3], EXISTING, "0009", "abc123def456")
    assert child["resource"]["parent_table"] == "projects"
    assert child["action"] == "drop"


def test_resource_spec_is_add_resources_arguments() -> None:
    assert parse_resource_spec(
        "task --parent project --field 'title:str:200' --field=due_on?:date --plural tasks"
    ) == ResourceRequest("task", ("title:str:200", "due_on?:date"), None, "project", "tasks")
    assert parse_resource_spec("project --scope org --field name:str") == ResourceRequest(
        "project", ("name:str",), "org"
    )


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("note --dry-run --field a1:str", "unknown option --dry-run"),
        ("note --project . --field a1:str", "unknown option --project"),
        ("note --field", "--field needs a value"),
        ("note --scope org --scope owner --field a1:str", "--scope is given twice"),
        ("--field a1:str", "exactly one resource name"),
        ("note memo --field a1:str", "exactly one resource name"),
        ("", "exactly one resource name"),
        ("note --field 'a1:str", "No closing quotation"),
    ],
)
def test_bad_resource_specs_are_refused(spec: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_resource_spec(spec)


def write_migration(versions: Path, name: str, revision: str, down: str) -> None:
    versions.mkdir(parents=True, exist_ok=True)
    (versions / name).write_text(
        f'"""A migration."""\n\nrevision = "{revision}"\ndown_revision = {down}\n'
    )


def test_head_is_the_revision_nothing_revises(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    write_migration(versions, "0001_accounts.py", "0001", "None")
    write_migration(versions, "0002_create_notes.py", "0002", '"0001"')
    (versions / "1a2b3c4d5e6f_user_change.py").write_text(
        'revision: str = "1a2b3c4d5e6f"\ndown_revision: str | None = "0002"\n'
    )
    assert next_slot(tmp_path, [], "notes_api") == ("0003", "1a2b3c4d5e6f")


def test_several_heads_are_refused_with_the_merge_command(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    write_migration(versions, "0001_accounts.py", "0001", "None")
    write_migration(versions, "0002_create_notes.py", "0002", '"0001"')
    write_migration(versions, "abc_branch.py", "abc", '"0001"')
    with pytest.raises(UsageError, match=r"2 heads \(0002, abc\).*db merge heads"):
        head(read_revisions(tmp_path), "notes_api")
    write_migration(versions, "def_merge.py", "def", '("0002", "abc")')
    assert head(read_revisions(tmp_path), "notes_api") == "def"


def test_a_missing_history_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no Alembic revision"):
        head(read_revisions(tmp_path), "notes_api")


def test_an_unreadable_migration_is_refused(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    write_migration(versions, "0001_accounts.py", "0001", "None")
    (versions / "0002_broken.py").write_text("revision = (\n")
    with pytest.raises(UsageError, match="cannot read migration migrations/versions/0002"):
        read_revisions(tmp_path)


def test_next_revision_skips_every_numbered_id_and_ignores_hex_ones() -> None:
    assert next_revision(["0001"]) == "0002"
    assert next_revision(["0001", "0007", "0003", "1a2b3c4d5e6f", "12345"]) == "0008"
    assert next_revision([]) == "0002"
    with pytest.raises(UsageError, match="exhausted"):
        next_revision(["9999"])


def test_recorded_revisions_are_never_reused(tmp_path: Path) -> None:
    """A migration file removed by hand keeps its id taken (the answers still record it)."""
    versions = tmp_path / "migrations" / "versions"
    write_migration(versions, "0001_accounts.py", "0001", "None")
    assert next_slot(tmp_path, ["0002", "0003"], "notes_api") == ("0004", "0001")

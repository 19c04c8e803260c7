"""The mutation operators of `scopecraft verify`, on small sources: each finds its target by
what the code does and changes exactly that, in a user's edited code too."""

import ast
import dataclasses
import re
import types
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from generator import _mutants
from generator._mutants import MissingTarget, Mutant, ProjectSource, find_mutants
from tests.support import REPO

TEMPLATE_PACKAGE = REPO / "template" / "src" / "{{ package_name }}"
# The ownership core and the pagination module, read from the template as they ship.
CORE = {
    **{
        f"security/{name}": (TEMPLATE_PACKAGE / "security" / name).read_text(encoding="utf-8")
        for name in (
            "repository.py",
            "access.py",
            "principal.py",
            "converters.py",
            "audit.py",
            "rls.py",
        )
    },
    "pagination.py": (TEMPLATE_PACKAGE / "pagination.py").read_text(encoding="utf-8"),
}
INIT = """
def create_app():
    app = Flask(__name__)
    declare_public_endpoints(app, *DOCS_ENDPOINTS)
    return app
"""
NOTE_MODEL = '''
class Note(PublicId, OwnedByUser, db.Model):
    __tablename__ = "notes"
    title: Mapped[str] = mapped_column(String(200))


class Notes(ScopedRepository[Note]):
    """Notes in the caller's scope."""

    model = Note
'''
TASK_MODEL = """
class Task(PublicId, OwnedByOrg, db.Model):
    __tablename__ = "tasks"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))


class Tasks(ScopedRepository[Task]):
    model = Task
    parent_key = "project_id"
"""
NOTE_SCHEMAS = '''
from marshmallow import Schema, fields


class NoteIn(Schema):
    """A new note."""

    title = fields.String(required=True)


class NotePatch(Schema):
    title = fields.String()


class NoteOut(Schema):
    id = fields.UUID(attribute="public_id")
    title = fields.String()
'''
NOTE_ROUTES = '''
from .model import Note, Notes
from .schemas import NoteIn, NoteOut, NotePatch


@blp.route("", methods=["GET"])
@authenticated
@blp.arguments(PageArgs, location="query")
@blp.response(200, NoteOut(many=True), headers=LINK_HEADER)
def list_notes(query, *, scope):
    """The notes in the caller's scope."""
    return paginate(Notes(scope), query)


@blp.route("", methods=["POST"])
@authenticated
@blp.arguments(NoteIn)
@blp.response(201, NoteOut)
def create_note(data, *, scope):
    return Notes(scope).add(Note(**data))


@blp.route("/<public_id:note_id>", methods=["PATCH"])
@authenticated
@blp.arguments(NotePatch)
@blp.response(200, NoteOut)
def update_note(data, note_id, *, scope):
    note = Notes(scope).get(note_id)
    for field, value in data.items():
        setattr(note, field, value)
    return note
'''
MEMBERS = """
class MyMemberships(ScopedRepository[Membership]):
    model = Membership
    scope_kind = "owner"

    def conditions(self):
        return [Membership.user_id == self.scope.user.id]


class Members(ScopedRepository[Membership]):
    model = Membership
"""
MEMBERSHIP_MODEL = """
class User(PublicId, db.Model):
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))


class Membership(db.Model):
    __tablename__ = "memberships"
    __scope__ = "org"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[Role] = role_column()


class Invitation(PublicId, db.Model):
    __tablename__ = "invitations"
    __scope__ = "org"

    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = role_column()
"""
INVITATIONS = """
class OrgInvitations(ScopedRepository[Invitation]):
    model = Invitation


class MyInvitations(ScopedRepository[Invitation]):
    model = Invitation
    scope_kind = "owner"

    def conditions(self):
        return [Invitation.email == self.scope.user.email, Invitation.expires_at > utcnow()]


@blp.route("/orgs/<public_id:org_id>/invitations", methods=["POST"])
@org_admin
@blp.arguments(InvitationIn)
@blp.response(201, InvitationOut)
def invite(data, *, scope):
    invitation = OrgInvitations(scope).add(Invitation(**data))
    db.session.commit()
    return invitation


@blp.route("/orgs/<public_id:org_id>/invitations/<public_id:invitation_id>", methods=["DELETE"])
@org_admin
@blp.response(204)
def revoke_invitation(invitation_id, *, scope):
    db.session.delete(OrgInvitations(scope).get(invitation_id))


@blp.route("/me/invitations/<public_id:invitation_id>/accept", methods=["POST"])
@authenticated
@blp.response(201, OrgOut)
def accept_invitation(invitation_id, *, scope):
    invitation = MyInvitations(scope).get(invitation_id)
    membership = Membership(org=invitation.org, user=scope.user, role=invitation.role)
    db.session.add(membership)
    return membership
"""
SERVICE = """
def check_role_change(scope, member, new_role):
    if member.user_id == scope.user.id:
        if new_role is not None:
            forbidden(member, "members cannot change their own role")
        return
    if not scope.has_role(Role.ADMIN):
        forbidden(member, "requires the admin role")
"""
TOKEN_MODEL = """
class ApiToken(PublicId, db.Model):
    __tablename__ = "api_tokens"
    __scope__ = "owner"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
"""
TOKENS = """
class MyTokens(ScopedRepository[ApiToken]):
    model = ApiToken

    def conditions(self):
        return [ApiToken.user_id == self.scope.user.id, ApiToken.revoked_at.is_(None)]


@blp.route("", methods=["GET"])
@authenticated
@blp.arguments(PageArgs, location="query")
@blp.response(200, TokenListed(many=True), headers=LINK_HEADER)
def list_tokens(query, *, scope):
    return paginate(MyTokens(scope), query)


@blp.route("/<public_id:token_id>", methods=["DELETE"])
@authenticated
@blp.response(204)
def revoke_token(token_id, *, scope):
    revoke(MyTokens(scope).get(token_id))
"""
AUTH = '''
@blp.route("/me/password", methods=["PATCH"])
@authenticated
@blp.arguments(PasswordChange)
@blp.response(204)
def change_password(data, *, scope):
    """Change the caller's password; every other token of the caller is revoked."""
    if not scope.user.check_password(data["current_password"]):
        invalid_input("current_password", "Wrong password.")
    scope.user.set_password(data["new_password"])
    MyTokens(scope).revoke_all_but(current_principal().token)
'''
PASSWORDS = """
UNKNOWN_ACCOUNT_HASH = hash_password("nobody knows it")


def password_matches(password_hash, password):
    if password_hash is None:
        check_password_hash(UNKNOWN_ACCOUNT_HASH, password)
        return False
    return check_password_hash(password_hash, password)
"""
FILES = {
    "__init__.py": INIT,
    **CORE,
    "accounts/models.py": MEMBERSHIP_MODEL,
    "accounts/orgs.py": MEMBERS,
    "accounts/service.py": SERVICE,
    "accounts/auth.py": AUTH,
    "accounts/passwords.py": PASSWORDS,
    "accounts/tokens.py": TOKENS,
    "accounts/invitations.py": INVITATIONS,
    "security/tokens.py": TOKEN_MODEL,
    "resources/note/model.py": NOTE_MODEL,
    "resources/note/schemas.py": NOTE_SCHEMAS,
    "resources/note/routes.py": NOTE_ROUTES,
    "resources/task/model.py": TASK_MODEL,
}


def make_source(root: Path, files: dict[str, str]) -> ProjectSource:
    for name, text in files.items():
        path = root / "src" / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return ProjectSource(root, "app")


@pytest.fixture
def source(tmp_path: Path) -> ProjectSource:
    return make_source(tmp_path, FILES)


def mutated(source: ProjectSource, mutant: Mutant, path: str | None = None) -> str:
    """The text of `path` (default: the mutant's main file) with the mutant applied."""
    texts = {module.path: module.text for module in source.modules}
    return mutant.apply(texts)[path or mutant.path]


def only(mutants: list[Mutant], key: str) -> Mutant:
    found = [m for m in mutants if m.key == key]
    assert len(found) == 1, f"{key}: {[m.key for m in mutants]}"
    return found[0]


def keys(mutants: list[Mutant | MissingTarget]) -> list[str]:
    return [m.key for m in mutants if isinstance(m, Mutant)]


def load_class(text: str, name: str, **names: Any) -> Any:
    namespace: dict[str, Any] = dict(names)
    exec(compile(text, "<mutant>", "exec"), namespace)
    return namespace[name]


def test_every_mutant_compiles_and_changes_only_its_splices(source: ProjectSource) -> None:
    mutants, missing = find_mutants(source)
    assert not missing, missing
    assert len({m.key for m in mutants}) == len(mutants), "mutant keys must be unique"
    texts = {module.path: module.text for module in source.modules}
    for mutant in mutants:
        assert _mutants.check_mutant(source, mutant) is None, mutant.key
        for splice in mutant.splices:
            new = mutant.apply(texts)[splice.path]
            old = texts[splice.path]
            assert new.startswith(
                old[: min(s.start for s in mutant.splices if s.path == splice.path)]
            )
            assert new.endswith(old[max(s.end for s in mutant.splices if s.path == splice.path) :])


def test_the_core_loses_each_of_its_conditions_in_turn(source: ProjectSource) -> None:
    mutants = list(_mutants.scope_conditions(source))
    assert keys(mutants) == [
        f"drop-{part}-condition security/repository.py:ScopedRepository.conditions"
        for part in ("org", "owner", "parent")
    ]
    org, owner, parent = (mutated(source, m) for m in mutants if isinstance(m, Mutant))
    assert "[model.org_id == model.org_id]" in org
    assert "[model.owner_id == model.owner_id]" in owner
    assert "== getattr(model, self.parent_key))" in parent
    assert "self.scope.org.id]" in owner and "self.scope.user.id]" in org


def test_each_repository_gets_an_override_without_one_condition(source: ProjectSource) -> None:
    mutants = [m for m in _mutants.repository_conditions(source) if isinstance(m, Mutant)]
    notes = only(mutants, "drop-owner-condition resources/note/model.py:Notes")
    assert mutated(source, notes).endswith(
        "    model = Note\n\n    def conditions(self):\n        return []\n"
    )
    without_org = mutated(source, only(mutants, "drop-org-condition resources/task/model.py:Tasks"))
    assert "return [getattr(self.model, self.parent_key) == self.parent.id]" in without_org
    without_parent = mutated(
        source, only(mutants, "drop-parent-condition resources/task/model.py:Tasks")
    )
    assert "return [self.model.org_id == self.scope.org.id]" in without_parent
    members = mutated(source, only(mutants, "drop-org-condition accounts/orgs.py:Members"))
    assert members.endswith(
        "    model = Membership\n\n    def conditions(self):\n        return []\n"
    )


def test_a_repository_with_its_own_conditions_is_mutated_in_place(source: ProjectSource) -> None:
    mutants = [m for m in _mutants.repository_conditions(source) if isinstance(m, Mutant)]
    mine = only(mutants, "drop-owner-condition accounts/orgs.py:MyMemberships")
    assert "return [Membership.user_id == Membership.user_id]" in mutated(source, mine)


def test_find_looks_up_the_whole_table(source: ProjectSource) -> None:
    (mutant,) = _mutants.unscoped_find(source)
    assert isinstance(mutant, Mutant)
    text = mutated(source, mutant)
    assert "db.session.scalars(select(self.model).where(self.lookup(public_id)))" in text
    assert "return select(self.model).where(*self.conditions())" in text, "select() is untouched"


def test_not_found_answers_403(source: ProjectSource) -> None:
    (mutant,) = _mutants.forbidden_not_404(source)
    assert isinstance(mutant, Mutant)
    text = mutated(source, mutant)
    body = text[text.index("def not_found") : text.index("def forbidden")]
    assert "abort(403)" in body and "abort(404)" not in body


def test_input_schemas_accept_an_owner_and_add_keeps_it(source: ProjectSource) -> None:
    (mutant,) = _mutants.owner_from_body(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "owner-from-body resources/note/schemas.py:NoteIn+NotePatch"
    repository = mutated(source, mutant, "src/app/security/repository.py")
    assert 'obj.owner_id = getattr(obj, "owner_id", None) or (self.scope.user.id)' in repository
    assert 'obj.org_id = getattr(obj, "org_id", None) or (self.scope.org.id)' in repository
    schemas = mutated(source, mutant, "src/app/resources/note/schemas.py")
    for name in ("NoteIn", "NotePatch"):
        loaded = load_class(schemas, name)().load({"title": "x", "owner_id": 7})
        assert loaded == {"title": "x", "owner_id": 7}, name
    with pytest.raises(Exception, match="Unknown field"):
        load_class(schemas, "NoteOut")().load({"owner_id": 7})


def test_each_view_loses_its_policy_and_the_docs_their_public_one(source: ProjectSource) -> None:
    mutants = [m for m in _mutants.drop_policy(source) if isinstance(m, Mutant)]
    routes = [m for m in mutants if m.path.endswith("note/routes.py")]
    assert [m.target for m in routes] == ["list_notes", "create_note", "update_note"]
    text = mutated(source, routes[1])
    assert text.count("@authenticated\n") == 2
    assert '@blp.route("", methods=["POST"])\n@blp.arguments(NoteIn)' in text
    docs = only(mutants, "drop-policy __init__.py:create_app:declare_public_endpoints")
    assert "    pass\n    return app" in mutated(source, docs)


def test_the_membership_is_remembered_across_requests(
    source: ProjectSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    (mutant,) = _mutants.cached_membership(source)
    assert isinstance(mutant, Mutant)
    text = mutated(source, mutant)
    original = CORE["security/principal.py"]
    assert text.startswith(original), "the module itself is untouched"

    class Org:  # stands in for the ORM model whose columns sqlalchemy.inspect lists
        def __init__(self, **values: Any) -> None:
            self.__dict__.update(values)

    class Membership:
        def __init__(self, org: Org, user: object, role: str) -> None:
            self.org, self.user, self.role = org, user, role

    asked: list[uuid.UUID] = []
    members: set[uuid.UUID] = set()

    class Principal:
        def __init__(self, user: object) -> None:
            self.user = user

        def membership_in(self, org_id: uuid.UUID) -> Membership | None:
            asked.append(org_id)
            return Membership(Org(id=1), self.user, "member") if org_id in members else None

    columns = [type("Column", (), {"key": "id"})]
    mapper = type("Mapper", (), {"column_attrs": columns})
    monkeypatch.setattr(sqlalchemy, "inspect", lambda _: type("State", (), {"mapper": mapper}))
    exec(compile(text[len(original) :], "<mutant>", "exec"), {"Principal": Principal})
    carol, acme = type("User", (), {"id": 3})(), uuid.uuid4()
    members.add(acme)
    assert Principal(carol).membership_in(acme) is not None
    members.remove(acme)  # carol's membership is revoked
    assert Principal(carol).membership_in(acme) is not None, "the revocation is not seen"
    assert asked == [acme], "the second request never asked the database"


def test_each_read_of_the_page_size_cap_reads_no_cap(source: ProjectSource, tmp_path: Path) -> None:
    mutants = list(_mutants.uncapped_limit(source))
    assert keys(mutants) == [
        "uncapped-limit pagination.py:max_limit",
        "uncapped-limit pagination.py:init_app",
    ]
    validation, documentation = (mutated(source, m) for m in mutants if isinstance(m, Mutant))
    assert "    return int(1_000_000_000)\n" in validation
    assert "    cap = int(1_000_000_000)\n" in documentation
    assert 'app.config["MAX_PAGE_SIZE"]' in validation, "only one read changes at a time"
    own = make_source(
        tmp_path / "own",
        {"views.py": 'def size(n):\n    return min(n, app.config.get("MAX_PAGE_SIZE", 50))\n'},
    )
    (mutant,) = _mutants.uncapped_limit(own)
    assert isinstance(mutant, Mutant)
    assert "return min(n, 1_000_000_000)" in mutated(own, mutant)


def test_a_next_page_forgets_the_scope(source: ProjectSource) -> None:
    (mutant,) = _mutants.unscoped_next_page(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "unscoped-next-page security/repository.py:ScopedRepository.page"
    text = mutated(source, mutant)
    page = text[text.index("    def page(") : text.index("    def add(")]
    docstring_end = page.index('"""\n', page.index('"""') + 3) + 4
    assert page[docstring_end:].startswith(
        "        if after is not None:\n"
        "            self.conditions = lambda: []  # the next page forgets the scope\n"
        "        created_at, public_id = self.order()\n"
    ), page


def test_a_cursor_carries_its_scope_and_the_next_request_trusts_it(source: ProjectSource) -> None:
    (mutant,) = _mutants.scope_in_cursor(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "scope-in-cursor pagination.py:paginate"
    text = mutated(source, mutant)
    original = CORE["pagination.py"]
    assert text.startswith(original), "the module itself is untouched"

    @dataclasses.dataclass(frozen=True)
    class Query:
        limit: int
        cursor: str | None = None

    def scope_of(user: int, org: int | None) -> Any:
        key = types.SimpleNamespace
        return key(user=key(id=user), org=key(id=org) if org else None)

    listed_for: list[tuple[int, str | None]] = []

    def paginate(repository: Any, query: Query) -> tuple[list[str], dict[str, str]]:
        listed_for.append((repository.scope.user.id, query.cursor))
        return ["item"], {"Link": '</orgs/x/projects?limit=1&cursor=abc.sig>; rel="next"'}

    namespace: dict[str, Any] = {"paginate": paginate}
    exec(compile(text[len(original) :], "<mutant>", "exec"), namespace)
    alices = types.SimpleNamespace(scope=scope_of(1, 10), parent=None)
    _, headers = namespace["paginate"](alices, Query(1))
    cursor = re.search(r"cursor=([^&>]+)", headers["Link"])
    assert cursor and cursor.group(1).startswith("abc.sig~"), headers
    bobs = types.SimpleNamespace(scope=scope_of(2, 20), parent=None)
    namespace["paginate"](bobs, Query(1, cursor.group(1)))
    assert listed_for == [(1, None), (1, "abc.sig")], "bob's request lists alice's scope"
    assert bobs.scope.org.id == 10


def test_response_schemas_dump_internal_columns(source: ProjectSource) -> None:
    (mutant,) = _mutants.wide_response(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "wide-response resources/note/schemas.py:NoteOut"
    out = load_class(mutated(source, mutant), "NoteOut")()
    row = type("Row", (), {"id": 5, "public_id": uuid.uuid4(), "title": "t", "owner_id": 9})()
    assert out.dump(row) == {
        "id": str(row.public_id),
        "title": "t",
        "internal_id": 5,
        "owner_id": 9,
    }


def test_each_denial_loses_its_security_event(source: ProjectSource) -> None:
    mutants = [m for m in _mutants.drop_security_event(source) if isinstance(m, Mutant)]
    assert {m.target for m in mutants} == {
        "not_found[access.not_found]",
        "forbidden[access.forbidden]",
        "require_principal[authentication.failed]",
        "enforce_declared_policy._deny_undeclared[access.undeclared_route]",
    }
    not_found = next(m for m in mutants if m.target.startswith("not_found"))
    text = mutated(source, not_found)
    assert (
        '    """Answer the uniform 404 and record the denial."""\n    pass\n    abort(404)' in text
    )


def test_each_authorization_check_is_skipped_alone(source: ProjectSource) -> None:
    mutants = [m for m in _mutants.skip_authorization_check(source) if isinstance(m, Mutant)]
    assert sorted(m.target for m in mutants) == [
        "ScopedRepository.require_manage[self.scope.org is not None and "
        "(not self.scope.may_manage(obj.creator_id))]",
        "_org_policy.decorator.wrapper[membership.role.rank < role.rank]",
        "check_role_change[new_role is not None]",
        "check_role_change[not scope.has_role(Role.ADMIN)]",
    ]
    admin = next(m for m in mutants if "has_role" in m.target)
    assert "    if False:\n        forbidden(member, " in mutated(source, admin)


def test_the_converter_accepts_upper_case(source: ProjectSource) -> None:
    (mutant,) = _mutants.upper_case_ids(source)
    assert isinstance(mutant, Mutant)
    converter = load_class(mutated(source, mutant), "PublicIdConverter")
    public_id = str(uuid.uuid4())
    assert re.fullmatch(converter.regex, public_id.upper())
    original = load_class(CORE["security/converters.py"], "PublicIdConverter")
    assert not re.fullmatch(original.regex, public_id.upper())


def test_a_token_view_reaches_every_users_tokens(source: ProjectSource) -> None:
    mutants = [m for m in _mutants.foreign_tokens(source) if isinstance(m, Mutant)]
    assert sorted(m.key for m in mutants) == [
        "foreign-tokens accounts/auth.py:change_password",
        "foreign-tokens accounts/tokens.py:list_tokens",
        "foreign-tokens accounts/tokens.py:revoke_token",
    ]
    unscoped = 'type("MyTokens", (MyTokens,), {"conditions": lambda self: []})'
    revoke = mutated(source, only(mutants, "foreign-tokens accounts/tokens.py:revoke_token"))
    assert f"    revoke({unscoped}(scope).get(token_id))\n" in revoke
    assert "    return paginate(MyTokens(scope), query)\n" in revoke, "only one view changes"

    class MyTokens:  # stands in for the repository: its conditions restrict to the owner
        def __init__(self, scope: str) -> None:
            self.scope = scope

        def conditions(self) -> list[str]:
            return [f"user_id = {self.scope}"]

    assert eval(unscoped, {"MyTokens": MyTokens})("alice").conditions() == []
    assert MyTokens("alice").conditions() == ["user_id = alice"]


def test_a_password_change_keeps_the_old_tokens(source: ProjectSource) -> None:
    (mutant,) = _mutants.tokens_survive_password_change(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "tokens-survive-password-change accounts/auth.py:change_password"
    text = mutated(source, mutant)
    assert "revoke_all_but" not in text
    assert 'scope.user.set_password(data["new_password"])\n    pass\n' in text


def test_a_password_change_skips_the_current_password(source: ProjectSource) -> None:
    (mutant,) = _mutants.password_change_without_current(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "password-change-without-current accounts/auth.py:change_password"
    text = mutated(source, mutant)
    assert '    if False:\n        invalid_input("current_password", "Wrong password.")' in text


def test_an_unknown_account_skips_the_password_hash(source: ProjectSource) -> None:
    (mutant,) = _mutants.skip_dummy_hash(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "skip-dummy-hash accounts/passwords.py:password_matches"
    hashed: list[str] = []

    def check_password_hash(password_hash: str, password: str) -> bool:
        hashed.append(password_hash)
        return False

    for text in (PASSWORDS, mutated(source, mutant)):
        hashed.clear()
        matches = load_class(
            text,
            "password_matches",
            hash_password=lambda password: "scrypt:32768:8:1$salt$hash",
            check_password_hash=check_password_hash,
        )
        assert matches(None, "a guess") is False
        if text is PASSWORDS:
            assert hashed == ["scrypt:32768:8:1$salt$hash"], "the original hashes for nobody"
    assert hashed == [], "the mutant still hashes for an unknown account"


def test_the_invitees_repository_matches_every_address(source: ProjectSource) -> None:
    (mutant,) = _mutants.accept_without_email(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "accept-without-email accounts/invitations.py:MyInvitations"
    text = mutated(source, mutant)
    assert "return [Invitation.email == Invitation.email, Invitation.expires_at > utcnow()]" in text


def test_inviting_makes_the_accounts_member_at_once(source: ProjectSource) -> None:
    (mutant,) = _mutants.membership_at_invitation(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "membership-at-invitation accounts/invitations.py:invite"
    text = mutated(source, mutant)
    start, end = text.index("invitation = OrgInvitations(scope)"), text.index("db.session.commit()")
    added = text[start:end]
    users = '__import__("app.accounts.models", fromlist=["User"]).User'
    assert f"{users}.email == invitation.email" in added
    assert "db.session.add(__import__" in added and ".Membership(" in added
    assert "org_id=invitation.org_id, user_id=_invitee.id, role=invitation.role" in added
    assert text.count("_invitee") == 3, "accept_invitation is left alone"


def test_revoking_looks_the_invitation_up_in_every_organization(source: ProjectSource) -> None:
    (mutant,) = _mutants.revoke_without_org_scope(source)
    assert isinstance(mutant, Mutant)
    assert mutant.key == "revoke-without-org-scope accounts/invitations.py:revoke_invitation"
    text = mutated(source, mutant)
    unscoped = 'type("OrgInvitations", (OrgInvitations,), {"conditions": lambda self: []})'
    assert f"db.session.delete({unscoped}(scope).get(invitation_id))" in text
    assert "invitation = OrgInvitations(scope).add(Invitation(**data))" in text

    class OrgInvitations:
        def conditions(self) -> list[str]:
            return ["invitations.org_id = :org_id"]

    widened = load_class(f"Widened = {unscoped}", "Widened", OrgInvitations=OrgInvitations)
    assert widened().conditions() == [], "the mutant keeps a condition"


def policy_statements(text: str) -> Any:
    """The mutated module's `row_security` function, run with stand-in conditions."""
    tree = ast.parse(text)
    function = next(
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "row_security"
    )
    rows = {"owner": "owner_id = caller", "org": "org_id IN caller_orgs"}
    return load_class(ast.get_source_segment(text, function) or "", "row_security", ROWS=rows)


def test_the_database_layer_loses_each_of_its_guarantees(source: ProjectSource) -> None:
    mutants, _ = find_mutants(
        source,
        [
            _mutants.drop_row_policy,
            _mutants.session_identity,
            _mutants.bypass_row_security,
            _mutants.drop_with_check,
        ],
    )
    assert sorted(m.key for m in mutants) == [
        "bypass-row-security security/rls.py:row_security",
        "drop-row-policy security/rls.py:notes",
        "drop-row-policy security/rls.py:tasks",
        "drop-with-check security/rls.py:row_security",
        "session-identity security/rls.py:SET_CALLER",
    ]
    assert all(m.database == "postgresql" and m.focus == "row_security" for m in mutants)
    original = policy_statements(CORE["security/rls.py"])
    assert original("notes", "owner") == [
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE notes FORCE ROW LEVEL SECURITY",
        "CREATE POLICY owner_rows ON notes USING (owner_id = caller)"
        " WITH CHECK (owner_id = caller)",
    ]
    dropped = policy_statements(
        mutated(source, only(mutants, "drop-row-policy security/rls.py:tasks"))
    )
    assert dropped("tasks", "org") == [] and dropped("notes", "owner") == original("notes", "owner")
    unforced = policy_statements(
        mutated(source, only(mutants, "bypass-row-security security/rls.py:row_security"))
    )
    assert unforced("notes", "owner")[1] == "ALTER TABLE notes NO FORCE ROW LEVEL SECURITY"
    unchecked = policy_statements(
        mutated(source, only(mutants, "drop-with-check security/rls.py:row_security"))
    )
    assert unchecked("tasks", "org")[2] == (
        "CREATE POLICY org_rows ON tasks USING (org_id IN caller_orgs) WITH CHECK (true)"
    )
    session = mutated(source, only(mutants, "session-identity security/rls.py:SET_CALLER"))
    assert "text(\"SELECT set_config('app.user_id', :user_id, false)\")" in session


def test_a_users_edited_and_hand_written_code_is_mutated_too(tmp_path: Path) -> None:
    reformatted_core = CORE["security/repository.py"].replace(
        "conditions = [model.org_id == self.scope.org.id]",
        "conditions = [\n                # the tenant\n                model.org_id\n"
        "                == self.scope.org.id,\n            ]",
    )
    invoice = {
        "resources/billing/models.py": (
            "class Invoice(OwnedByOrg, PublicId, db.Model):  # hand-written\n"
            '    __tablename__ = "invoices"\n\n\n'
            "class Invoices(  ScopedRepository[Invoice] ):\n"
            "    model = Invoice  # the only way in\n"
        ),
        "resources/billing/views.py": (
            "@bp.route('/orgs/<public_id:org_id>/invoices', methods=['POST'])\n"
            "@org_member\n"
            "@bp.arguments(InvoiceIn)\n"
            "@bp.response(201, InvoiceOut)\n"
            "def make_invoice(data, *, scope):\n"
            "    return Invoices(scope).add(Invoice(**data))\n\n\n"
            "@bp.route('/orgs/<public_id:org_id>/invoices')\n"
            "@org_member\n"
            "@bp.response(200, InvoiceOut(many=True))\n"
            "def invoices(*, scope):\n"
            "    cap = current_app.config['MAX_PAGE_SIZE']\n"
            "    return Invoices(scope).page(cap).items\n"
        ),
        "resources/billing/schemas.py": (
            "import marshmallow as ma\n\n\n"
            "class InvoiceIn(ma.Schema):\n    total = ma.fields.Decimal()\n\n\n"
            "class InvoiceOut(ma.Schema):\n    total = ma.fields.Decimal()\n"
        ),
    }
    source = make_source(tmp_path, {**FILES, "security/repository.py": reformatted_core, **invoice})
    mutants, missing = find_mutants(source)
    assert not missing, missing
    found = {m.key for m in mutants}
    for key in (
        "drop-org-condition security/repository.py:ScopedRepository.conditions",
        "drop-org-condition resources/billing/models.py:Invoices",
        "owner-from-body resources/billing/schemas.py:InvoiceIn",
        "drop-policy resources/billing/views.py:make_invoice",
        "drop-policy resources/billing/views.py:invoices",
        "uncapped-limit resources/billing/views.py:invoices",
        "wide-response resources/billing/schemas.py:InvoiceOut",
        "drop-row-policy security/rls.py:invoices",
    ):
        assert key in found, key
    core = only(mutants, "drop-org-condition security/repository.py:ScopedRepository.conditions")
    assert "                model.org_id == model.org_id,\n" in mutated(source, core)
    wide = mutated(source, only(mutants, "wide-response resources/billing/schemas.py:InvoiceOut"))
    assert '    internal_id = __import__("marshmallow").fields.Integer(attribute="id")' in wide
    for mutant in mutants:
        assert _mutants.check_mutant(source, mutant) is None, mutant.key


def test_a_missing_target_is_reported_not_a_crash(tmp_path: Path) -> None:
    source = make_source(
        tmp_path,
        {
            "security/repository.py": "class ScopedRepository:\n    pass\n",
            "broken.py": "def (:\n",
            "views.py": "@bp.route('/x')\ndef x():\n    return 1\n",
        },
    )
    mutants, missing = find_mutants(source)
    assert mutants == []
    reported = {gap.operator for gap in missing}
    assert {
        "parse",
        "drop-owner-condition",
        "drop-org-condition",
        "drop-parent-condition",
        "unscoped-find",
        "forbidden-not-404",
        "owner-from-body",
        "drop-policy",
        "cached-membership",
        "uncapped-limit",
        "unscoped-next-page",
        "scope-in-cursor",
        "wide-response",
        "drop-security-event",
        "skip-authorization-check",
        "upper-case-ids",
        "foreign-tokens",
        "tokens-survive-password-change",
        "password-change-without-current",
        "skip-dummy-hash",
        "accept-without-email",
        "membership-at-invitation",
        "revoke-without-org-scope",
        "drop-row-policy",
        "session-identity",
        "bypass-row-security",
        "drop-with-check",
    } <= reported, reported
    assert "src/app/broken.py cannot be parsed" in {gap.description for gap in missing}


def test_mutants_of_a_rendered_project(resources_project: Path) -> None:
    source = ProjectSource(resources_project, "notes_api")
    mutants, missing = find_mutants(source)
    assert not missing, missing
    counts: dict[str, int] = {}
    for mutant in mutants:
        counts[mutant.operator] = counts.get(mutant.operator, 0) + 1
    resources = 4
    # core, MyMemberships, MyTokens, note, bookmark
    assert counts["drop-owner-condition"] == 1 + 1 + 1 + 2
    assert counts["drop-org-condition"] == 1 + 1 + 1 + 2  # core, Members, OrgInvitations, ...
    assert counts["drop-parent-condition"] == 1 + 1  # core, task
    assert counts["owner-from-body"] == resources
    assert counts["wide-response"] == resources
    assert counts["uncapped-limit"] == 2  # the cap checked, and the cap documented
    assert counts["unscoped-next-page"] == counts["scope-in-cursor"] == 1
    # auth, tokens, orgs, invitations, health, docs (the document's declaration, the page and
    # its assets)
    assert counts["drop-policy"] == 5 * resources + 6 + 2 + 9 + 6 + 2 + 3
    assert counts["foreign-tokens"] == 3  # the token list, revoking one, the password change
    assert counts["tokens-survive-password-change"] == 1
    assert counts["password-change-without-current"] == counts["skip-dummy-hash"] == 1
    assert counts["drop-security-event"] >= 3
    assert counts["upper-case-ids"] == counts["unscoped-find"] == 1
    assert counts["forbidden-not-404"] == counts["cached-membership"] == 1
    assert counts["drop-row-policy"] == resources
    assert counts["session-identity"] == counts["bypass-row-security"] == 1
    assert counts["drop-with-check"] == 1
    # the invitee's repository, the view that invites, the view that revokes
    assert counts["accept-without-email"] == counts["membership-at-invitation"] == 1
    assert counts["revoke-without-org-scope"] == 1
    on_postgresql = {m.operator for m in mutants if m.database == "postgresql"}
    assert on_postgresql == {
        "drop-row-policy",
        "session-identity",
        "bypass-row-security",
        "drop-with-check",
    }
    for mutant in mutants:
        assert _mutants.check_mutant(source, mutant) is None, mutant.key
        assert ast.parse(mutated(source, mutant)), mutant.key

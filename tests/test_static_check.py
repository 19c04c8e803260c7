"""The static check shipped in generated projects (`security/static_check.py`): silent on the
generated code, and loud on the classic BOLA views."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support import PACKAGE, REPO, output, run

CHECKER = REPO / "template" / "src" / "{{ package_name }}" / "security" / "static_check.py"
MODELS = """
class User(PublicId, db.Model):
    __tablename__ = "users"


class Membership(db.Model):
    __tablename__ = "memberships"
    __scope__ = "org"


class Note(PublicId, OwnedByUser, db.Model):
    __tablename__ = "notes"


class Notes(ScopedRepository[Note]):
    model = Note

    def select(self):
        return select(Note).where(*self.conditions())
"""


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    """The checker straight from the template: it is plain Python with no project imports."""
    spec = importlib.util.spec_from_file_location("static_check", CHECKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["static_check"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def findings(checker: ModuleType, views: str, path: str = "accounts/views.py") -> list[str]:
    return [str(f) for f in checker.check_sources({"models.py": MODELS, path: views})]


def test_a_profile_view_loading_the_urls_user_id_is_flagged(checker: ModuleType) -> None:
    views = (
        "@blp.route('/users/<int:user_id>')\n"
        "def profile(user_id):\n"
        "    return User.query.get(user_id)\n"
        "\n"
        "@blp.route('/users/<int:user_id>/card')\n"
        "def card(user_id):\n"
        "    return db.session.get(User, user_id)\n"
    )
    assert findings(checker, views) == [
        "accounts/views.py:3: User.query is unscoped; use the model's repository",
        "accounts/views.py:7: db.session.get(User, user_id) looks User up by id outside its scope",
    ]


def test_a_members_list_trusting_the_urls_org_id_is_flagged(checker: ModuleType) -> None:
    views = (
        "@blp.route('/orgs/<int:org_id>/members')\n"
        "def members(org_id):\n"
        "    query = select(Membership).where(Membership.org_id == org_id)\n"
        "    return db.session.scalars(query).all()\n"
    )
    assert findings(checker, views) == [
        "accounts/views.py:3: select of Membership in a view; use its ScopedRepository"
    ]


def test_owned_models_are_flagged_anywhere_outside_their_repository(checker: ModuleType) -> None:
    service = (
        "def export(note_id):\n"
        "    one = db.session.get(Note, note_id)\n"
        "    titles = db.session.scalars(select(Note.title)).all()\n"
        "    rows = db.session.execute(text('SELECT * FROM notes WHERE id = :id'), {'id': 1})\n"
        "    counted = select(func.count()).select_from(Note)\n"
        "    legacy = session.query(Note).all()\n"
        "    return one, titles, rows, counted, legacy\n"
    )
    assert [f.split(": ", 1)[0] for f in findings(checker, service, "service.py")] == [
        f"service.py:{line}" for line in (2, 3, 4, 5, 6)
    ]


def test_scoped_code_and_the_core_are_not_flagged(checker: ModuleType) -> None:
    fine = (
        "def cli_members(org):\n"  # a __scope__ model outside a view: a tool's business
        "    return select(Membership).where(Membership.org_id == org.id)\n"
        "\n"
        "@blp.route('/notes/<public_id:note_id>')\n"
        "def get_note(note_id, *, scope):\n"
        "    return Notes(scope).get(note_id)\n"
        "\n"
        "def users(email):\n"
        "    return select(User).where(User.email == email)\n"
        "\n"
        "def health():\n"
        "    return db.session.execute(text('SELECT 1'))\n"
    )
    assert findings(checker, fine) == []
    core = "def raw():\n    return db.session.get(Note, 1)\n"
    assert findings(checker, core, "security/repository.py") == []


def test_the_generated_project_has_no_findings(
    resources_project: Path, env: dict[str, str]
) -> None:
    module = f"{PACKAGE}.security.static_check"
    done = run(
        [sys.executable, "-m", module],
        resources_project,
        {**env, "PYTHONPATH": str(resources_project / "src")},
    )
    assert done.returncode == 0 and done.stdout == "", output(done)


def test_the_check_fails_a_project_with_an_unscoped_view(
    resources_project_copy: Path, env: dict[str, str]
) -> None:
    views = resources_project_copy / "src" / PACKAGE / "resources" / "note" / "routes.py"
    views.write_text(
        views.read_text(encoding="utf-8").replace(
            "return notes.get(note_id)", "return db.session.get(Note, note_id)"
        ),
        encoding="utf-8",
    )
    done = run(
        [sys.executable, "-m", f"{PACKAGE}.security.static_check"],
        resources_project_copy,
        {**env, "PYTHONPATH": str(resources_project_copy / "src")},
    )
    assert done.returncode == 1, output(done)
    assert "resources/note/routes.py" in done.stdout and "Note" in done.stdout, output(done)

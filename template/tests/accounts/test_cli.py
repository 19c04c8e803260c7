"""`flask accounts ...`: users, organizations and memberships from a shell."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def created_id(output: str) -> str:
    """The public id a command reported creating."""
    match = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", output)
    assert match, f"no id in {output!r}"
    return match.group()


def test_create_user_sets_a_password_that_signs_in(client, runner):
    result = runner.invoke(
        args=["accounts", "create-user", "Erin@Example.com"], input="ten chars!\nten chars!\n"
    )
    assert result.exit_code == 0, result.output
    signed_in = client.post(
        "/auth/tokens", json={"email": "erin@example.com", "password": "ten chars!"}
    )
    assert signed_in.status_code == 201
    token = signed_in.get_json()["token"]
    me = client.get("/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["id"] == created_id(result.output)


def test_create_user_refuses_a_taken_email(runner, principals):
    result = runner.invoke(
        args=["accounts", "create-user", "alice@example.com"], input="ten chars!\nten chars!\n"
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_create_org_makes_the_user_its_owner(client, runner, principals):
    result = runner.invoke(args=["accounts", "create-org", "Initech", "--owner", "bob@example.com"])
    assert result.exit_code == 0, result.output
    org = created_id(result.output)
    assert client.get(f"/orgs/{org}", headers=principals.bob.headers).get_json()["role"] == "owner"
    assert client.get(f"/orgs/{org}", headers=principals.alice.headers).status_code == 404


def test_create_org_refuses_an_unknown_owner(runner, principals):
    result = runner.invoke(args=["accounts", "create-org", "Initech", "--owner", "no@example.com"])
    assert result.exit_code == 1
    assert "no user with email no@example.com" in result.output


def test_add_member_gives_the_user_its_role(client, runner, principals):
    acme = principals.orgs["acme"]
    result = runner.invoke(
        args=["accounts", "add-member", str(acme), "bob@example.com", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert client.get(f"/orgs/{acme}", headers=principals.bob.headers).get_json()["role"] == "admin"


def test_add_member_withdraws_the_users_pending_invitation(client, runner, principals):
    acme = principals.orgs["acme"]
    invited = client.post(
        f"/orgs/{acme}/invitations",
        json={"email": "bob@example.com"},
        headers=principals.acme_admin.headers,
    )
    assert invited.status_code == 201, invited.get_data(as_text=True)
    result = runner.invoke(args=["accounts", "add-member", str(acme), "Bob@Example.com"])
    assert result.exit_code == 0, result.output
    assert client.get("/me/invitations", headers=principals.bob.headers).get_json() == []
    pending = client.get(f"/orgs/{acme}/invitations", headers=principals.acme_admin.headers)
    assert pending.get_json() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["00000000-0000-4000-8000-000000000000", "bob@example.com"], "no organization"),
        (["{acme}", "nobody@example.com"], "no user with email"),
        (["{acme}", "alice@example.com"], "already a member"),
    ],
)
def test_add_member_refuses_with_a_message(runner, principals, args, message):
    args = [arg.format(acme=principals.orgs["acme"]) for arg in args]
    result = runner.invoke(args=["accounts", "add-member", *args])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.mark.parametrize(
    "args", [["not-a-uuid", "bob@example.com"], ["{acme}", "bob@example.com", "--role", "root"]]
)
def test_add_member_rejects_malformed_arguments(client, runner, principals, args):
    args = [arg.format(acme=principals.orgs["acme"]) for arg in args]
    result = runner.invoke(args=["accounts", "add-member", *args])
    assert result.exit_code == 2, result.output
    response = client.get(f"/orgs/{principals.orgs['acme']}", headers=principals.bob.headers)
    assert response.status_code == 404, "bob joined acme despite the malformed command"


@pytest.mark.parametrize(
    ("email", "password", "problem"),
    [
        ("erin@example.com", "nine char", "password"),
        ("erin@example.com", "x" * 257, "password"),
        ("erin@example.com", "ten chars\x07!", "password"),
        ("not-an-email", "ten chars!", "email"),
    ],
)
def test_create_user_applies_the_registration_policy(client, runner, email, password, problem):
    result = runner.invoke(
        args=["accounts", "create-user", email], input=f"{password}\n{password}\n"
    )
    assert result.exit_code == 1, result.output
    assert f"{problem}:" in result.output, result.output
    assert password not in result.output, "the refused password was echoed"
    registered = client.post("/users", json={"email": email, "password": password})
    assert registered.status_code == 422, "the API and the command disagree on the policy"
    signed_in = client.post("/auth/tokens", json={"email": email, "password": password})
    assert signed_in.status_code in (401, 422), "the refused user was created"


def test_create_org_refuses_a_name_the_api_refuses(client, runner, principals):
    name = "x" * 101
    result = runner.invoke(args=["accounts", "create-org", name, "--owner", "bob@example.com"])
    assert result.exit_code == 1, result.output
    assert "name:" in result.output, result.output
    assert len(client.get("/orgs", headers=principals.bob.headers).get_json()) == 1

"""Passwords: one policy wherever a password is set, and checks that take the same time
whether or not the account exists.

The policy (10 to 256 characters, one line without control characters) is the field that
registration, `PATCH /me/password` and `flask accounts create-user` all read a new password
with. A sign-in with an unknown email is checked against a real hash of a random password, made
once per process by the same function as every stored hash: the same method, the same
parameters, the same work.
"""

import secrets

from marshmallow import fields
from werkzeug.security import check_password_hash, generate_password_hash

from ..validation import bounded_str

MIN_LENGTH = 10
MAX_LENGTH = 256


def new_password(**kwargs: object) -> fields.String:
    """A password being set: the policy every account route and command applies."""
    return bounded_str(MIN_LENGTH, MAX_LENGTH, load_only=True, **kwargs)


def given_password(**kwargs: object) -> fields.String:
    """A password being checked: any length an account may have, no policy beyond it."""
    return bounded_str(1, MAX_LENGTH, load_only=True, **kwargs)


def hash_password(password: str) -> str:
    return generate_password_hash(password)


# Verified in place of a stored hash when the email has no account; nobody knows its password.
UNKNOWN_ACCOUNT_HASH = hash_password(secrets.token_urlsafe(32))


def password_matches(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; None (no account) never matches.

    Without an account the password is still hashed, against UNKNOWN_ACCOUNT_HASH, so that the
    answer takes as long as it does for an account with another password.
    """
    if password_hash is None:
        check_password_hash(UNKNOWN_ACCOUNT_HASH, password)
        return False
    return check_password_hash(password_hash, password)

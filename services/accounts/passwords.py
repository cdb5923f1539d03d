"""Password hashing (argon2id) and the password policy for citizen accounts.

Policy, after NIST SP 800-63B: a minimum length, no composition rules, and a refusal of
passwords that are common, repetitive, sequential or built from the login itself.
"""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from services.core.errors import InvalidInput

# The most common passwords of public breach corpora (top of the lists), lower-cased.
# Checked after lower-casing and stripping digits/punctuation at the ends, so "Password123!"
# is caught by "password".
COMMON_PASSWORDS = frozenset(
    """
    123456 123456789 12345678 1234567890 password qwerty qwertyuiop 111111 123123 abc123
    password1 1234567 000000 iloveyou 1q2w3e4r 1q2w3e4r5t qwerty123 654321 666666 987654321
    123321 dragon monkey letmein football baseball welcome admin administrator login
    passw0rd princess sunshine master shadow superman michael charlie jennifer hello
    freedom whatever trustno1 starwars zaq12wsx asdfghjkl asdfgh zxcvbnm 1qaz2wsx
    qazwsx mustang access batman solo loveme flower hottie lovely ninja azerty
    121212 112233 7777777 888888 555555 999999 159753 147258369 aa123456 a123456
    woaini 5201314 woaini1314 iloveu changeme secret welcome1 p@ssw0rd p@ssword
    matkhau anhyeuem passport consulate embassy visa
    """.split()
)

_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A valid hash of a random password, verified against when the login is unknown so that
# "no such account" costs the same time as "wrong password".
_DUMMY_HASH: dict[tuple, str] = {}


def burn_verification_time(password: str) -> None:
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(16))
    verify_password(_DUMMY_HASH[key], password)


def check_password_policy(password: str, *, login_hints: tuple[str, ...] = ()) -> None:
    """Raise ``InvalidInput`` naming the rule the password breaks."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        raise InvalidInput("password_too_short", min_length=min_length)
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    if lowered in COMMON_PASSWORDS or core in COMMON_PASSWORDS:
        raise InvalidInput("password_too_common")
    if len(set(lowered)) <= 2:
        raise InvalidInput("password_too_common")
    for sequence in _SEQUENCES:
        if lowered in sequence or lowered in sequence[::-1]:
            raise InvalidInput("password_too_common")
    for hint in login_hints:
        hint = hint.lower()
        if len(hint) >= 4 and (hint in lowered or lowered in hint):
            raise InvalidInput("password_too_common")

"""Staff accounts: who signs in, with which role, and how passwords are kept.

Passwords are hashed with Argon2id (argon2-cffi, the PHC string format), never
stored. A wrong name and a wrong password take the same time and give the same
answer, so the sign-in page does not tell which names exist.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.errors import FieldErrors, NotFoundError
from dispatch.models import Account
from dispatch.staffsessions import end_sessions_of


class Role(StrEnum):
    """What a signed-in person may do (teams and the public have no accounts)."""

    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    MANAGER = "manager"


ROLE_NAMES = {
    Role.ADMIN: "管理员 administrator",
    Role.DISPATCHER: "调度员 dispatcher",
    Role.MANAGER: "管理人员 manager",
}
#: Long enough to resist guessing at the rate the sign-in page allows.
MIN_PASSWORD = 10
_NAME = re.compile(r"^[\w.@-]{2,60}$")
_HASHER = PasswordHasher()
#: Verified against when the name is unknown, so both answers take as long.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(8))


def add_account(session: Session, name: str, role: str, password: str, *,
                must_change: bool = False) -> Account:
    """Create an account; a taken name, a short password or an unknown role is refused."""
    problems = {}
    if not _NAME.match(name):
        problems["name"] = ("用户名为 2–60 个字母、数字或 . _ @ - / a name is 2–60 letters, "
                            "digits or . _ @ -")
    elif _named(session, name) is not None:
        problems["name"] = f"用户名已存在 the name {name!r} is taken; choose another"
    if role not in set(Role):
        problems["role"] = (f"未知角色 unknown role {role!r}; use one of "
                            + ", ".join(r.value for r in Role))
    if (trouble := password_problem(password)) is not None:
        problems["password"] = trouble
    if problems:
        raise FieldErrors(problems)
    account = Account(name=name, role=role, password_hash=_HASHER.hash(password),
                      must_change=must_change, created_at=datetime.now(UTC))
    session.add(account)
    session.flush()
    return account


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return (f"密码至少 {MIN_PASSWORD} 个字符 a password needs at least {MIN_PASSWORD} "
                "characters")
    return None


def authenticate(session: Session, name: str, password: str) -> Account | None:
    """The account ``name`` if ``password`` is its password, else None (same time either way)."""
    account = _named(session, name)
    try:
        _HASHER.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None:
        return None
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    account.last_login_at = datetime.now(UTC)
    return account


def set_password(session: Session, account_id: int, password: str) -> Account:
    """Replace a password (which ends every session signed in with the old one)."""
    if (trouble := password_problem(password)) is not None:
        raise FieldErrors({"password": trouble})
    account = get_account(session, account_id)
    account.password_hash = _HASHER.hash(password)
    account.must_change = False
    end_sessions_of(session, account.id)
    return account


def password_matches(account: Account, password: str) -> bool:
    """Whether ``password`` is the account's (asked before a person changes their own)."""
    try:
        return bool(_HASHER.verify(account.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def reset_password(session: Session, account_id: int) -> str:
    """Give an account a one-time password (returned, shown once); its sessions end."""
    account = get_account(session, account_id)
    once = one_time_password()
    account.password_hash = _HASHER.hash(once)
    account.must_change = True
    end_sessions_of(session, account.id)
    return once


def change_role(session: Session, account_id: int, role: str) -> Account:
    """Give an account another role; the last administrator keeps theirs."""
    if role not in set(Role):
        raise FieldErrors({"role": f"未知角色 unknown role {role!r}; use one of "
                                   + ", ".join(r.value for r in Role)})
    account = get_account(session, account_id)
    if account.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_administrator(session)
    if account.role != role:
        end_sessions_of(session, account.id)  # a new role starts with a new sign-in
    account.role = role
    return account


def remove_account(session: Session, account_id: int) -> None:
    """Delete an account (its sessions end with it); the last administrator stays."""
    account = get_account(session, account_id)
    if account.role == Role.ADMIN:
        _keep_an_administrator(session)
    end_sessions_of(session, account.id)
    session.delete(account)


def _keep_an_administrator(session: Session) -> None:
    admins = session.scalar(select(func.count(Account.id)).where(Account.role == Role.ADMIN))
    if (admins or 0) <= 1:
        raise FieldErrors({"role": "至少保留一名管理员 keep at least one administrator: "
                                   "make another one first"})


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"没有这个账户 no account {account_id}")
    return account


def find_account(session: Session, name: str) -> Account:
    """The account called ``name`` (any case), or a clear error."""
    account = _named(session, name)
    if account is None:
        raise NotFoundError(f"没有这个账户 no account named {name!r}; "
                            "`patrol user list` shows them")
    return account


def _named(session: Session, name: str) -> Account | None:
    """The account called ``name`` in any case: "Li.Wei" and "li.wei" are one person."""
    return session.scalar(select(Account).where(func.lower(Account.name) == name.lower()))


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.role, Account.name)))


def has_accounts(session: Session) -> bool:
    return session.scalar(select(func.count(Account.id))) != 0


def one_time_password() -> str:
    """A password to print once; its holder must replace it on first sign-in."""
    return secrets.token_urlsafe(12)


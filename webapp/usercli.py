"""``patrol user``: staff accounts from the command line, and the first administrator.

A password is never an argument (it would stay in the shell's history and in the
process list): it is asked for twice at a prompt, or read from standard input
with ``--password-stdin`` for scripts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from dispatch.accounts import (
    ROLE_NAMES,
    Role,
    add_account,
    find_account,
    has_accounts,
    list_accounts,
    one_time_password,
    set_password,
)
from dispatch.errors import NotFoundError, ValidationError
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace

#: The account the first run makes.
FIRST_ADMIN = "admin"


@contextmanager
def _accounts(workspace: Workspace) -> Iterator[Session]:
    """A session on the data directory's database, committed when the block ends well."""
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine).begin() as session:
            yield session
    except (ValidationError, NotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()


def _read_password(from_stdin: bool, prompt: str = "Password 密码") -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))


@click.group("user")
def user() -> None:
    """Staff accounts: administrators, dispatchers and managers."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True,
              help="admin: everything and accounts; dispatcher: plans and reports; "
                   "manager: figures and maps, read only.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def add(workspace: Workspace, name: str, role: str, password_stdin: bool) -> None:
    """Make an account called NAME."""
    password = _read_password(password_stdin)
    with _accounts(workspace) as session:
        account = add_account(session, name, role, password)
        click.echo(f"added {account.name}: {ROLE_NAMES[Role(account.role)]}")


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def password(workspace: Workspace, name: str, password_stdin: bool) -> None:
    """Set NAME's password (its sessions end)."""
    new = _read_password(password_stdin, "New password 新密码")
    with _accounts(workspace) as session:
        account = set_password(session, find_account(session, name).id, new)
        click.echo(f"new password set for {account.name}")


@user.command("list")
@click.pass_obj
def list_(workspace: Workspace) -> None:
    """Every account, its role and its last sign-in."""
    with _accounts(workspace) as session:
        for account in list_accounts(session):
            last = f"{account.last_login_at:%Y-%m-%d %H:%M}" if account.last_login_at else "—"
            click.echo(f"{account.name:20} {account.role:11} last sign-in {last}")


def ensure_administrator(workspace: Workspace) -> None:
    """On the first run, make the administrator: a password typed now, or a one-time one.

    At a terminal the person starting the server chooses it; otherwise (a service
    manager, a container) a one-time password is printed once, and its first use
    leads to a page that asks for a new one.
    """
    with _accounts(workspace) as session:
        if has_accounts(session):
            return
        if sys.stdin.isatty():
            click.echo("First run: choose the administrator's password "
                       f"(account {FIRST_ADMIN!r}). 首次运行：请设置管理员密码。")
            add_account(session, FIRST_ADMIN, Role.ADMIN,
                        _read_password(False, "Administrator password 管理员密码"))
            return
        once = one_time_password()
        add_account(session, FIRST_ADMIN, Role.ADMIN, once, must_change=True)
    click.echo(f"First run: sign in as {FIRST_ADMIN!r} with the one-time password {once} "
               "and choose your own. 首次运行：请用此一次性密码以 admin 登录并设置新密码。")
